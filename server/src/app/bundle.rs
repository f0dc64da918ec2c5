//! A shareable incident bundle (issue 12): one archive (`.zip`, or `.tar.gz`/`.tgz`) holding the
//! cleaned logs, the documents as Markdown and HTML, and `manifest.json` with each entry's SHA-256
//! and size. Only cleaned copies go in (an unredacted log is refused), every entry is scanned
//! before anything is written (a finding is refused unless confirmed; documents may be redacted
//! on the way out), the archive is written to a temporary file beside the target and renamed
//! onto it only after the export is audited (`export_redacted` per log, `document_export` per
//! document, each with the bundle's SHA-256). An existing target is never replaced.
//!
//! `verify` reads a bundle back: every entry is listed in the manifest with the right hash and
//! size, nothing unlisted is there, and no entry holds a finding.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::documents::{self, guard, DocumentError, LeakPolicy};
use super::engines::Scanner;
use super::input::{self, StreamOptions};
use super::output::{dir_of, AtomicOutput, OutputError};
use crate::engine::Kind;
use crate::store::{AuditAction, Store, StoreError};

pub const MANIFEST: &str = "manifest.json";
pub const FORMAT: &str = "tftsr-bundle/1";

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error("{} must end in .zip, .tar.gz or .tgz", .0.display())]
    Extension(PathBuf),
    #[error(
        "log {log_file_id} ({name}) is not redacted yet: review and redact it (its cleaned copy \
         is what a bundle carries) before exporting"
    )]
    Unredacted { log_file_id: String, name: String },
    #[error(
        "{entry} holds {total} finding(s) ({summary}); nothing was written. Confirm that they may \
         leave the store (--force) or allowlist them"
    )]
    Findings {
        entry: String,
        total: usize,
        summary: String,
    },
    #[error("cannot build the archive {}: {source}", target.display())]
    Archive { target: PathBuf, source: io::Error },
    #[error("cannot read the bundle {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
}

/// How the bundle is packed, from the target's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Packing {
    Zip,
    TarGz,
}

impl Packing {
    pub fn for_path(p: &Path) -> Result<Packing, BundleError> {
        let n = p
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if n.ends_with(".zip") {
            Ok(Packing::Zip)
        } else if n.ends_with(".tar.gz") || n.ends_with(".tgz") {
            Ok(Packing::TarGz)
        } else {
            Err(BundleError::Extension(p.to_owned()))
        }
    }

    fn id(self) -> &'static str {
        match self {
            Packing::Zip => "zip",
            Packing::TarGz => "tar_gz",
        }
    }
}

/// One file of the bundle, as the manifest lists it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestEntry {
    pub path: String,
    /// `log`, `document_md` or `document_html`.
    pub kind: String,
    pub sha256: String,
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub log_file_id: Option<String>,
    /// The original log's SHA-256 (what was attached), so the receiver can match it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub original_sha256: Option<String>,
    /// Findings replaced in the log, by type.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub redacted_counts: Option<BTreeMap<String, usize>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub document_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    pub issue_id: String,
    pub severity: String,
    pub status: String,
    pub files: Vec<ManifestEntry>,
}

/// What `export` wrote.
#[derive(Debug, Serialize)]
pub struct BundleReport {
    pub issue_id: String,
    pub path: PathBuf,
    pub packing: Packing,
    pub sha256: String,
    pub bytes: u64,
    pub logs: usize,
    pub documents: usize,
    /// Findings replaced in documents on the way out (`LeakPolicy::Redact`).
    pub document_findings_redacted: usize,
    pub manifest: Manifest,
}

/// A safe archive member name from a stored file name: no directories, no leading dot, only
/// portable characters; unique within `taken`.
fn member_name(dir: &str, raw: &str, taken: &mut Vec<String>) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let mut clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    clean = clean.trim_start_matches('.').to_string();
    if clean.is_empty() {
        clean = "log".into();
    }
    let mut name = format!("{dir}/{clean}");
    let mut k = 2;
    while taken.contains(&name) {
        name = format!("{dir}/{k}-{clean}");
        k += 1;
    }
    taken.push(name.clone());
    name
}

/// Findings in a stream, by type (bounded memory).
fn scan_stream(scanner: &Scanner, r: &mut dyn Read) -> io::Result<BTreeMap<String, usize>> {
    let keep = |k: &Kind| scanner.keeps(k);
    let opts = StreamOptions {
        skip_binary: false,
        keep: &keep,
    };
    let mut counts = BTreeMap::new();
    input::stream(r, &scanner.engine, &opts, |chunk| {
        for f in chunk.findings {
            *counts.entry(f.kind.id().to_owned()).or_insert(0) += 1;
        }
        Ok(())
    })?;
    Ok(counts)
}

fn findings_err(entry: &str, counts: &BTreeMap<String, usize>) -> BundleError {
    BundleError::Findings {
        entry: entry.to_owned(),
        total: counts.values().sum(),
        summary: counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn sha_of(r: &mut (impl Read + ?Sized)) -> io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let n = io::copy(r, &mut h)?;
    Ok((hex::encode(h.finalize()), n))
}

/// One entry waiting to be packed: in a private temp file (logs) or in memory (documents).
enum Body {
    File(File),
    Bytes(Vec<u8>),
}

/// Exports an issue as a bundle at `target` (see the module's header). `doc_policy` applies to
/// documents (refuse, redact or allow); `force` lets findings in cleaned logs or the manifest
/// through (the user confirmed).
pub fn export(
    store: &Store,
    scanner: &Scanner,
    issue_id: &str,
    target: &Path,
    doc_policy: LeakPolicy,
    force: bool,
) -> Result<BundleReport, BundleError> {
    let packing = Packing::for_path(target)?;
    if target.exists() {
        return Err(OutputError::Exists(target.to_owned()).into());
    }
    let d = store.get_issue(issue_id)?;
    let states = store.log_statuses(&d.issue.id)?;
    for st in &states {
        if !st.redacted || st.cleaned_sha256.is_none() {
            return Err(BundleError::Unredacted {
                log_file_id: st.log_file_id.clone(),
                name: st.file_name.escape_debug().to_string(),
            });
        }
    }
    let dir = dir_of(target);
    let arch_err = |source| BundleError::Archive {
        target: target.to_owned(),
        source,
    };
    let mut taken = Vec::new();
    let mut files: Vec<ManifestEntry> = Vec::new();
    let mut bodies: Vec<Body> = Vec::new();
    for l in &d.log_files {
        let name = member_name("logs", &l.file_name, &mut taken);
        // Private and unlinked at once: nothing is left behind whatever happens.
        let mut tmp = tempfile::tempfile_in(dir).map_err(arch_err)?;
        store.read_cleaned_log(&l.id, &mut tmp)?;
        tmp.seek(SeekFrom::Start(0)).map_err(arch_err)?;
        let found = scan_stream(scanner, &mut tmp).map_err(arch_err)?;
        if !found.is_empty() && !force {
            return Err(findings_err(&name, &found));
        }
        tmp.seek(SeekFrom::Start(0)).map_err(arch_err)?;
        let (sha256, size) = sha_of(&mut tmp).map_err(arch_err)?;
        tmp.seek(SeekFrom::Start(0)).map_err(arch_err)?;
        let mut counts = BTreeMap::new();
        for s in store.pii_spans(&l.id)? {
            *counts.entry(s.pii_type).or_insert(0) += 1;
        }
        files.push(ManifestEntry {
            path: name,
            kind: "log".into(),
            sha256,
            size,
            log_file_id: Some(l.id.clone()),
            original_sha256: l.content_hash.clone(),
            redacted_counts: Some(counts),
            document_id: None,
        });
        bodies.push(Body::File(tmp));
    }
    let docs = store.list_documents(&d.issue.id)?;
    let mut doc_redacted = 0;
    for doc in &docs {
        let what = format!("document {}", doc.id);
        let (md, n) = guard(scanner, &what, &doc.content_md, doc_policy)?;
        doc_redacted += n;
        let stem = format!("{}-{}", doc.doc_type, &doc.id[..doc.id.len().min(13)]);
        let html = documents::to_html(&doc.title, &md);
        for (ext, kind, bytes) in [
            ("md", "document_md", md.into_bytes()),
            ("html", "document_html", html.into_bytes()),
        ] {
            let name = member_name("documents", &format!("{stem}.{ext}"), &mut taken);
            files.push(ManifestEntry {
                path: name,
                kind: kind.into(),
                sha256: hex::encode(Sha256::digest(&bytes)),
                size: bytes.len() as u64,
                log_file_id: None,
                original_sha256: None,
                redacted_counts: None,
                document_id: Some(doc.id.clone()),
            });
            bodies.push(Body::Bytes(bytes));
        }
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: crate::store::now_text(),
        issue_id: d.issue.id.clone(),
        severity: d.issue.severity.clone(),
        status: d.issue.status.clone(),
        files,
    };
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| arch_err(io::Error::other(e)))?;
    manifest_bytes.push(b'\n');
    let found = scan_stream(scanner, &mut &manifest_bytes[..]).map_err(arch_err)?;
    if !found.is_empty() && !force {
        return Err(findings_err(MANIFEST, &found));
    }

    let out = AtomicOutput::create(target, 0o600, None)?;
    let mtime = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let mut members: Vec<(&str, &mut Body)> = Vec::new();
    let mut manifest_body = Body::Bytes(manifest_bytes);
    members.push((MANIFEST, &mut manifest_body));
    for (e, b) in manifest.files.iter().zip(bodies.iter_mut()) {
        members.push((e.path.as_str(), b));
    }
    let write_err = |e: io::Error| out.write_err(e);
    match packing {
        Packing::Zip => {
            use zip::write::SimpleFileOptions;
            let mut z = zip::ZipWriter::new(out.file());
            let opts = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(0o644)
                .large_file(true);
            for (name, body) in members {
                z.start_file(name, opts)
                    .map_err(|e| write_err(io::Error::other(e)))?;
                match body {
                    Body::File(f) => io::copy(f, &mut z).map(|_| ()),
                    Body::Bytes(b) => z.write_all(b),
                }
                .map_err(write_err)?;
            }
            z.finish().map_err(|e| write_err(io::Error::other(e)))?;
        }
        Packing::TarGz => {
            let gz = flate2::write::GzEncoder::new(out.file(), flate2::Compression::default());
            let mut t = tar::Builder::new(gz);
            for (name, body) in members {
                let mut h = tar::Header::new_gnu();
                h.set_mode(0o644);
                h.set_mtime(mtime);
                h.set_entry_type(tar::EntryType::Regular);
                match body {
                    Body::File(f) => {
                        let len = f.metadata().map_err(write_err)?.len();
                        h.set_size(len);
                        h.set_cksum();
                        t.append_data(&mut h, name, f).map_err(write_err)?;
                    }
                    Body::Bytes(b) => {
                        h.set_size(b.len() as u64);
                        h.set_cksum();
                        t.append_data(&mut h, name, &b[..]).map_err(write_err)?;
                    }
                }
            }
            let gz = t.into_inner().map_err(write_err)?;
            gz.finish().map_err(write_err)?;
        }
    }
    let mut f = out.file();
    f.seek(SeekFrom::Start(0)).map_err(write_err)?;
    let (sha256, bytes) = sha_of(&mut f).map_err(write_err)?;

    // Audited before it becomes visible: an export the audit cannot record does not happen.
    let mut entries = vec![(
        AuditAction::IssueExport,
        manifest.issue_id.clone(),
        json!({
            "bundle_sha256": sha256,
            "bundle_format": packing.id(),
            "logs": d.log_files.len(),
            "documents": docs.len(),
            "confirmed_findings": force,
        }),
    )];
    for e in &manifest.files {
        let details = json!({
            "issue_id": manifest.issue_id,
            "bundle_sha256": sha256,
            "bundle_format": packing.id(),
            "entry_sha256": e.sha256,
            "confirmed_findings": force,
        });
        if let Some(id) = &e.log_file_id {
            entries.push((AuditAction::ExportRedacted, id.clone(), details));
        } else if let (Some(id), "document_md") = (&e.document_id, e.kind.as_str()) {
            entries.push((AuditAction::DocumentExport, id.clone(), details));
        }
    }
    store.audit_all(&entries)?;
    out.commit_new()?;
    Ok(BundleReport {
        issue_id: manifest.issue_id.clone(),
        path: target.to_owned(),
        packing,
        sha256,
        bytes,
        logs: d.log_files.len(),
        documents: docs.len(),
        document_findings_redacted: doc_redacted,
        manifest,
    })
}

/// Reads through to `inner`, hashing and counting what passes.
struct Tee<R> {
    inner: R,
    hash: Sha256,
    n: u64,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }
}

/// One member as read back.
#[derive(Debug, Serialize)]
pub struct ReadEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
    pub findings: BTreeMap<String, usize>,
}

/// What `verify` found.
#[derive(Debug, Serialize)]
pub struct Verification {
    pub path: PathBuf,
    pub sha256: String,
    pub ok: bool,
    pub problems: Vec<String>,
    pub entries: Vec<ReadEntry>,
    pub manifest: Option<Manifest>,
}

/// Reads a bundle back and checks it (see the module's header). Problems name entries, never
/// their content.
pub fn verify(scanner: &Scanner, path: &Path) -> Result<Verification, BundleError> {
    let packing = Packing::for_path(path)?;
    let rd = |message: String| BundleError::Read {
        path: path.to_owned(),
        message,
    };
    let mut f = File::open(path).map_err(|e| rd(e.to_string()))?;
    let (sha256, _) = sha_of(&mut f).map_err(|e| rd(e.to_string()))?;
    f.seek(SeekFrom::Start(0)).map_err(|e| rd(e.to_string()))?;
    let mut entries = Vec::new();
    let mut manifest_bytes: Option<Vec<u8>> = None;
    let mut read_one = |name: String, r: &mut dyn Read| -> Result<(), BundleError> {
        if name == MANIFEST {
            let mut b = Vec::new();
            r.take(16 << 20)
                .read_to_end(&mut b)
                .map_err(|e| rd(format!("{MANIFEST}: {e}")))?;
            let findings = scan_stream(scanner, &mut &b[..]).map_err(|e| rd(e.to_string()))?;
            entries.push(ReadEntry {
                path: name,
                sha256: hex::encode(Sha256::digest(&b)),
                size: b.len() as u64,
                findings,
            });
            manifest_bytes = Some(b);
            return Ok(());
        }
        let mut tee = Tee {
            inner: r,
            hash: Sha256::new(),
            n: 0,
        };
        let findings = scan_stream(scanner, &mut tee).map_err(|e| rd(format!("{name}: {e}")))?;
        entries.push(ReadEntry {
            path: name,
            sha256: hex::encode(tee.hash.finalize()),
            size: tee.n,
            findings,
        });
        Ok(())
    };
    match packing {
        Packing::Zip => {
            let mut z = zip::ZipArchive::new(f).map_err(|e| rd(e.to_string()))?;
            for i in 0..z.len() {
                let mut m = z.by_index(i).map_err(|e| rd(e.to_string()))?;
                if m.is_dir() {
                    continue;
                }
                let name = m.name().map_err(|e| rd(e.to_string()))?.into_owned();
                read_one(name, &mut m)?;
            }
        }
        Packing::TarGz => {
            let mut t = tar::Archive::new(flate2::read::GzDecoder::new(f));
            for m in t.entries().map_err(|e| rd(e.to_string()))? {
                let mut m = m.map_err(|e| rd(e.to_string()))?;
                if m.header().entry_type().is_dir() {
                    continue;
                }
                let name = m
                    .path()
                    .map_err(|e| rd(e.to_string()))?
                    .to_string_lossy()
                    .into_owned();
                read_one(name, &mut m)?;
            }
        }
    }
    let mut problems = Vec::new();
    let manifest: Option<Manifest> = match &manifest_bytes {
        None => {
            problems.push(format!("no {MANIFEST}"));
            None
        }
        Some(b) => match serde_json::from_slice::<Manifest>(b) {
            Ok(m) if m.format == FORMAT => Some(m),
            Ok(_) => {
                problems.push(format!("{MANIFEST} is not {FORMAT}"));
                None
            }
            Err(e) => {
                problems.push(format!("{MANIFEST} does not parse: {e}"));
                None
            }
        },
    };
    if let Some(m) = &manifest {
        for want in &m.files {
            match entries.iter().find(|e| e.path == want.path) {
                None => problems.push(format!("{} is listed but missing", want.path)),
                Some(got) if got.sha256 != want.sha256 || got.size != want.size => {
                    problems.push(format!("{} does not match its SHA-256 or size", want.path))
                }
                Some(_) => {}
            }
        }
        for got in &entries {
            if got.path != MANIFEST && !m.files.iter().any(|w| w.path == got.path) {
                problems.push(format!("{} is not listed in the manifest", got.path));
            }
        }
    }
    for e in &entries {
        if !e.findings.is_empty() {
            let n: usize = e.findings.values().sum();
            problems.push(format!("{} holds {n} finding(s)", e.path));
        }
    }
    Ok(Verification {
        path: path.to_owned(),
        sha256,
        ok: problems.is_empty(),
        problems,
        entries,
        manifest,
    })
}
