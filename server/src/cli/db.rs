//! `tftsr db …`: where the store lives, its health, encryption, rekeying and export.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;

use super::escape::name;
use crate::app::output::{AtomicOutput, OutputError};
use crate::store::{self, Encryption, OpenOptions, Store};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Where the database and its key live (does not open the database)
    Path(JsonArg),
    /// integrity_check, cipher settings, page HMACs, migrations applied, search index (exit 1 if not ok)
    Check(JsonArg),
    /// Encrypt a plain database in place (sqlcipher_export; the original is kept until the copy verifies)
    Encrypt(EncryptArgs),
    /// Re-encrypt under a new key (a new random key file, or TFTSR_DB_NEW_KEY when the key is in TFTSR_DB_KEY)
    Rekey(JsonArg),
    /// All rows as JSON, for backup (original values of findings only with --include-values)
    Export(ExportArgs),
}

#[derive(clap::Args, Debug)]
pub struct JsonArg {
    /// Machine-readable output
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct EncryptArgs {
    /// Keep the plain original as tftsr.db.plain-backup (it holds everything in clear)
    #[arg(long)]
    pub keep_backup: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// JSON output (the only format; accepted for symmetry with the other commands)
    #[arg(long)]
    pub json: bool,
    /// Include the original values of findings and the pseudonym secret (a full, sensitive backup)
    #[arg(long)]
    pub include_values: bool,
    /// Write to this file (created 0600, atomically) instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Overwrite the output file if it exists (refused otherwise)
    #[arg(long)]
    pub force: bool,
}

/// Opens the store the way every CLI command does: data dir, default encryption rule, env/key file.
pub fn open_store() -> anyhow::Result<Store> {
    Ok(crate::app::keys::open_store(None)?)
}

/// A path for a human: the data directory may be named anything (`TFTSR_DATA_DIR`).
fn shown(p: &std::path::Path) -> std::borrow::Cow<'_, str> {
    match p.to_str() {
        Some(s) => name(s),
        None => std::borrow::Cow::Owned(name(&p.to_string_lossy()).into_owned()),
    }
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

pub fn run(cmd: Command) -> anyhow::Result<i32> {
    match cmd {
        Command::Path(a) => path(a.json),
        Command::Check(a) => check(a.json),
        Command::Encrypt(a) => encrypt(a),
        Command::Rekey(a) => rekey(a.json),
        Command::Export(a) => export(a),
    }
}

fn path(json: bool) -> anyhow::Result<i32> {
    let opts = OpenOptions::default();
    let db = opts.resolved_path()?;
    let enc = opts.resolved_encryption()?;
    let key_file = store::key_file_for(&db);
    let env_key = std::env::var("TFTSR_DB_KEY").is_ok_and(|k| !k.is_empty());
    let key_source = match enc {
        Encryption::Off => "none",
        Encryption::On if env_key => "env:TFTSR_DB_KEY",
        Encryption::On => "key_file",
    };
    if json {
        print_json(&json!({
            "db_path": db,
            "db_exists": db.exists(),
            "data_dir": db.parent(),
            "encryption": enc,
            "key_source": key_source,
            "key_file": key_file,
            "key_file_exists": key_file.exists(),
        }))?;
    } else {
        println!(
            "database:   {}{}",
            shown(&db),
            if db.exists() {
                ""
            } else {
                " (not created yet)"
            }
        );
        println!(
            "encryption: {}",
            if enc == Encryption::On {
                "on (SQLCipher 4)"
            } else {
                "off (plain SQLite)"
            }
        );
        match enc {
            Encryption::Off => println!("key:        none"),
            Encryption::On if env_key => println!("key:        TFTSR_DB_KEY (environment)"),
            Encryption::On => println!(
                "key:        {}{}",
                shown(&key_file),
                if key_file.exists() {
                    ""
                } else {
                    " (generated on first use)"
                }
            ),
        }
    }
    Ok(0)
}

fn check(json: bool) -> anyhow::Result<i32> {
    let s = open_store()?;
    let r = s.check()?;
    if json {
        print_json(&r)?;
    } else {
        println!("database:        {}", shown(&r.path));
        println!("integrity_check: {}", name(&r.integrity_check.join("; ")));
        match &r.cipher {
            Some(c) => {
                println!(
                    "cipher:          SQLCipher {} ({}), {}, page {} B, {} × {}, {}",
                    c.cipher_version,
                    c.cipher_provider,
                    c.cipher,
                    c.cipher_page_size,
                    c.cipher_kdf_algorithm,
                    c.kdf_iter,
                    c.cipher_hmac_algorithm
                );
                println!(
                    "page HMACs:      {}",
                    if r.cipher_integrity_check.is_empty() {
                        "ok".to_string()
                    } else {
                        name(&r.cipher_integrity_check.join("; ")).into_owned()
                    }
                );
            }
            None => println!("cipher:          none (plain SQLite)"),
        }
        println!(
            "migrations:      {}/{} applied ({})",
            r.migrations.len(),
            store::migrate::MIGRATIONS.len(),
            r.migrations.last().map_or("none", |s| s.as_str())
        );
        println!(
            "search index:    {}{}",
            if r.fts_ok { "ok" } else { "INCONSISTENT" },
            if r.read_only {
                " (read-only file system: compared with an index rebuilt in memory)"
            } else {
                ""
            }
        );
        let counts: Vec<String> = r
            .row_counts
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        println!("rows:            {}", counts.join(", "));
        match &r.audit_first_broken {
            None => println!("audit chain:     ok"),
            Some(b) => println!("audit chain:     BROKEN at {}", name(&b.to_string())),
        }
        println!("{}", if r.ok { "ok" } else { "PROBLEMS FOUND" });
    }
    Ok(if r.ok { 0 } else { 1 })
}

fn encrypt(a: EncryptArgs) -> anyhow::Result<i32> {
    let db = OpenOptions::default().resolved_path()?;
    let r = store::encrypt_plain(&db, None, a.keep_backup)
        .with_context(|| format!("encrypting {}", shown(&db)))?;
    if a.json {
        print_json(&r)?;
    } else {
        println!("encrypted {}", shown(&r.path));
        match &r.key_source {
            store::KeySource::File(k) => println!("key file:  {}", shown(k)),
            _ => println!("key:       TFTSR_DB_KEY"),
        }
        if let Some(b) = &r.backup {
            println!("plain backup kept at {} (it is NOT encrypted)", shown(b));
        }
        println!(
            "set TFTSR_DB_ENCRYPT=1 in debug builds to open it (release builds encrypt by default)"
        );
    }
    Ok(0)
}

fn rekey(json: bool) -> anyhow::Result<i32> {
    let s = open_store()?;
    let new_key = std::env::var("TFTSR_DB_NEW_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    let r = s.rekey(new_key.as_deref())?;
    if json {
        print_json(&r)?;
    } else {
        match &r.key_source {
            store::KeySource::File(k) => {
                println!("rekeyed {}; new key in {}", shown(&r.path), shown(k))
            }
            _ => println!(
                "rekeyed {}; use the new key (TFTSR_DB_NEW_KEY) as TFTSR_DB_KEY from now on",
                shown(&r.path)
            ),
        }
    }
    Ok(0)
}

fn export(a: ExportArgs) -> anyhow::Result<i32> {
    let s = open_store()?;
    // The exact bytes written, audited (db_export) with their SHA-256.
    let bytes = s.export_bytes(a.include_values)?;
    match &a.output {
        None => std::io::stdout().lock().write_all(&bytes)?,
        Some(p) => {
            // A backup may hold every original value: private from its first byte, never
            // written into (or over) a file that others can read.
            let out = AtomicOutput::create(p, 0o600, None, a.force).map_err(|e| match e {
                OutputError::Exists(p) => anyhow::anyhow!(
                    "{} already exists: not overwritten (use --force to replace it)",
                    shown(&p)
                ),
                other => other.into(),
            })?;
            let mut w = out.file();
            w.write_all(&bytes)?;
            out.commit()?;
            eprintln!("exported to {}", shown(p));
        }
    }
    if !a.include_values {
        eprintln!("note: original values of findings are not included (use --include-values)");
    }
    Ok(0)
}
