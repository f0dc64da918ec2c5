//! Redacting a log into a new stream or file, streaming in bounded memory: `tftsr redact` and the
//! server's `tftsr.scanFile` both come here. Every finding the scanner keeps is replaced in the
//! chosen style; everything else is copied byte for byte (invalid UTF-8 included).

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

use super::engines::Scanner;
use super::input::{self, BinaryPolicy, Encoding, Opened, Source, StreamOptions, StreamStats};
use super::limits::{Limits, Stopped};
use super::output::{mode_from, stdin_metadata, AtomicOutput, OutputError};
use crate::engine::redact::{Redactor, Style};

/// How to redact.
pub struct RedactJob<'a> {
    pub scanner: &'a Scanner,
    pub style: Style,
    /// The pseudonym secret (see `app::keys::redaction_key`); ignored by the other styles.
    pub key: [u8; 32],
    /// Also compute the SHA-256 of the decoded input and of the (uncompressed) output, for the
    /// audit log. Costs a pass of hashing over both: off for plain CLI runs.
    pub hashes: bool,
    /// A binary input: skipped (nothing written), redacted as text, or refused.
    pub binary: BinaryPolicy,
}

/// Where the redacted stream goes.
pub enum Dest<'w> {
    /// A stream the caller owns (stdout): written and flushed, nothing else.
    Writer(&'w mut dyn Write),
    /// A file written atomically; gzip-compressed if `gzip`; an existing file is replaced only
    /// if `overwrite`.
    File {
        target: PathBuf,
        gzip: bool,
        overwrite: bool,
    },
    /// The input file itself, replaced atomically (keeping mode and owner; a `.gz` stays gzip).
    InPlace,
}

/// What was done (counts by type, never values).
#[derive(Debug, Default)]
pub struct RedactReport {
    pub counts: BTreeMap<String, u64>,
    pub findings: u64,
    pub stats: StreamStats,
    /// The input was gzip-compressed.
    pub gzip_in: bool,
    /// SHA-256 hex of the decoded input and of the output before compression (`hashes` only).
    pub sha_before: Option<String>,
    pub sha_after: Option<String>,
    /// Where the output went: the file's path, or None for a caller's stream.
    pub written_to: Option<PathBuf>,
    /// A binary input skipped (`BinaryPolicy::Skip`): nothing was written.
    pub skipped_binary: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    #[error("cannot read {name}: {source}")]
    Open { name: String, source: io::Error },
    #[error("cannot decompress {name}: {source}")]
    Decompress { name: String, source: io::Error },
    #[error("read error in {name}: {source}")]
    Read { name: String, source: io::Error },
    #[error("cannot write the redacted output: {0}")]
    Write(#[source] io::Error),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{} is the input file", .0.display())]
    SameFile(PathBuf),
    #[error("replacing in place needs a file, not stdin")]
    InPlaceStdin,
    #[error("replacing in place needs a regular file: {0} is not one")]
    NotRegular(String),
    #[error("{0} is a binary file: not redacted (nothing written)")]
    Binary(String),
    /// Stopped by its limits (over the size cap, or cancelled): nothing written.
    #[error("{0}; nothing was written")]
    Stopped(Stopped),
}

/// Redacts `source` into `dest`.
pub fn redact(
    source: &Source,
    dest: Dest<'_>,
    job: &RedactJob<'_>,
) -> Result<RedactReport, RedactError> {
    redact_limited(source, dest, job, None)
}

/// [`redact`] held to `limits` (a size cap, progress, cancellation: the editor's file command).
/// A stop leaves the destination as an error does: a file target untouched, its temporary file
/// removed.
pub fn redact_limited(
    source: &Source,
    dest: Dest<'_>,
    job: &RedactJob<'_>,
    limits: Option<&Limits<'_>>,
) -> Result<RedactReport, RedactError> {
    let name = source.display();
    let open_err = |source| RedactError::Open {
        name: name.clone(),
        source,
    };
    let meta = match source {
        Source::File(p) => Some(fs::metadata(p).map_err(open_err)?),
        Source::Stdin => None,
    };
    // A device (`/dev/zero`, `/dev/urandom`, a disk) or a socket named as the input never ends
    // or is not a log: refused. Streaming is asked for through stdin (`tftsr redact < dev`); a
    // FIFO named on the command line (`<(zcat old.gz)`) is such a stream and is read.
    if let Some(m) = &meta {
        let t = m.file_type();
        if !(t.is_file() || t.is_fifo()) {
            return Err(RedactError::NotRegular(name));
        }
        if let (Some(l), true) = (limits, t.is_file()) {
            l.check_size(m.len()).map_err(RedactError::Stopped)?;
        }
    }
    // Checked before opening: an input that is a FIFO must not be consumed for nothing.
    let plan = match dest {
        Dest::Writer(w) => Plan::Writer(w),
        Dest::File {
            target,
            gzip,
            overwrite,
        } => {
            if let Source::File(p) = source {
                if same_file(p, &target) {
                    return Err(RedactError::SameFile(target));
                }
            }
            Plan::File {
                target,
                gzip,
                replacing: None,
                overwrite,
            }
        }
        Dest::InPlace => {
            let (Source::File(p), Some(m)) = (source, &meta) else {
                return Err(RedactError::InPlaceStdin);
            };
            if !m.is_file() {
                return Err(RedactError::NotRegular(name));
            }
            // Through symlinks (`current.log -> app-2026-11-29.log`): replace the file, and keep
            // the link a link.
            let target = fs::canonicalize(p).map_err(open_err)?;
            Plan::File {
                target,
                gzip: false, // decided below from the input's own compression
                replacing: Some(m.clone()),
                overwrite: true,
            }
        }
    };
    let mut opened = source.open().map_err(open_err)?;
    match plan {
        Plan::Writer(w) => {
            let mut report = redact_stream(&name, &mut opened, w, job, limits)?;
            w.flush().map_err(RedactError::Write)?;
            report.gzip_in = opened.gzip;
            if report.skipped_binary {
                return Ok(report);
            }
            report.gzip_in = opened.gzip;
            Ok(report)
        }
        Plan::File {
            target,
            gzip,
            replacing,
            overwrite,
        } => {
            let gzip = if replacing.is_some() {
                opened.gzip
            } else {
                gzip
            };
            let out = match &replacing {
                Some(m) => AtomicOutput::create(&target, mode_from(Some(m)), Some(m), overwrite)?,
                None => {
                    let source_meta = match source {
                        Source::File(_) => meta.clone(),
                        Source::Stdin => stdin_metadata(),
                    };
                    AtomicOutput::create_copy(&target, source_meta.as_ref(), overwrite)?
                }
            };
            let mut report = {
                let mut buffered = BufWriter::with_capacity(256 << 10, out.file());
                let report = if gzip {
                    let mut gz = GzEncoder::new(&mut buffered, flate2::Compression::default());
                    let report = redact_stream(&name, &mut opened, &mut gz, job, limits)?;
                    gz.finish().map_err(RedactError::Write)?;
                    report
                } else {
                    redact_stream(&name, &mut opened, &mut buffered, job, limits)?
                };
                buffered.flush().map_err(RedactError::Write)?;
                report
            };
            report.gzip_in = opened.gzip;
            if report.skipped_binary && !out.is_direct() {
                return Ok(report); // the temporary file goes, the target stays as it was
            }
            out.commit()?;
            report.written_to = Some(target);
            Ok(report)
        }
    }
}

enum Plan<'w> {
    Writer(&'w mut dyn Write),
    File {
        target: PathBuf,
        gzip: bool,
        replacing: Option<fs::Metadata>,
        overwrite: bool,
    },
}

/// The redaction loop: reads `opened` to the end, writes the redacted bytes into `w`.
fn redact_stream(
    name: &str,
    opened: &mut Opened,
    w: &mut dyn Write,
    job: &RedactJob<'_>,
    limits: Option<&Limits<'_>>,
) -> Result<RedactReport, RedactError> {
    let scanner = job.scanner;
    let engine = &scanner.engine;
    let redactor = Redactor::new(engine, job.style, job.key);
    let keep = |k: &crate::engine::Kind| scanner.keeps(k);
    let opts = StreamOptions {
        skip_binary: job.binary != BinaryPolicy::Scan,
        keep: &keep,
    };
    let mut encoded: Vec<u8> = Vec::new();
    let mut report = RedactReport::default();
    let (mut before, mut after) = (Sha256::new(), Sha256::new());
    // A write failure aborts the stream; kept apart so it is reported as the output's fault.
    let mut write_error: Option<io::Error> = None;
    let mut stopped: Option<Stopped> = None;
    let mut read: u64 = 0;
    let result = input::stream(&mut opened.reader, engine, &opts, |chunk| {
        read += chunk.raw.len() as u64;
        if let Some(Err(e)) = limits.map(|l| l.at(read)) {
            // Before this chunk is written: nothing past the cap reaches the output.
            stopped = Some(e);
            return Err(io::Error::other("stopped"));
        }
        if job.hashes {
            before.update(chunk.raw);
        }
        let mut pos = 0;
        let mut emit = |bytes: &[u8]| -> io::Result<()> {
            if job.hashes {
                after.update(bytes);
            }
            w.write_all(bytes)
        };
        // The engine's plan, not one replacement per finding: it also covers a neighbour that
        // a replacement would turn into a finding (Redactor::plan), so the output rescans clean.
        let edits = redactor.plan(chunk.text, chunk.findings);
        let mut write = || -> io::Result<()> {
            for (e, f) in edits.iter().zip(chunk.findings) {
                emit(&chunk.raw[pos..chunk.raw_at(e.start)])?;
                if chunk.encoding == Encoding::Utf8 {
                    emit(e.replacement.as_bytes())?;
                } else {
                    // In the input's own encoding (UTF-16 stays UTF-16).
                    encoded.clear();
                    chunk.encoding.encode(&e.replacement, &mut encoded);
                    emit(&encoded)?;
                }
                *report.counts.entry(f.kind.id().to_owned()).or_default() += 1;
                pos = chunk.raw_at(e.end);
            }
            emit(&chunk.raw[pos..])
        };
        write().map_err(|e| {
            write_error = Some(e);
            io::Error::other("write failed")
        })
    });
    if let Some(e) = stopped {
        return Err(RedactError::Stopped(e));
    }
    if let Some(e) = write_error {
        return Err(RedactError::Write(e));
    }
    report.stats = result.map_err(|source| {
        let name = name.to_owned();
        if opened.gzip {
            RedactError::Decompress { name, source }
        } else {
            RedactError::Read { name, source }
        }
    })?;
    if report.stats.binary {
        if job.binary == BinaryPolicy::Error {
            return Err(RedactError::Binary(name.to_owned()));
        }
        report.skipped_binary = true;
    }
    report.findings = report.counts.values().sum();
    if job.hashes {
        report.sha_before = Some(hex::encode(before.finalize()));
        report.sha_after = Some(hex::encode(after.finalize()));
    }
    Ok(report)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Why an input may not be replaced in place, checked before [`redact`] with `Dest::InPlace`.
#[derive(Debug, thiserror::Error)]
pub enum InPlaceRefusal {
    /// Replacing the file gives this name a new file; the other names keep the old one, with
    /// every value in it. Redacting "the file" would then be a lie.
    #[error(
        "{name} has {links} hard links: replacing it in place would redact it under this name only, the other {others} would still hold every value"
    )]
    HardLinks {
        name: String,
        links: u64,
        others: String,
    },
}

/// Refuses `--in-place` on a file with several hard links unless `force`.
pub fn check_in_place(path: &Path, force: bool) -> Result<(), InPlaceRefusal> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() && m.nlink() > 1 && !force => Err(InPlaceRefusal::HardLinks {
            name: path.display().to_string(),
            links: m.nlink(),
            others: if m.nlink() == 2 {
                "name".to_owned()
            } else {
                format!("{} names", m.nlink() - 1)
            },
        }),
        _ => Ok(()),
    }
}

/// Whether an output path asks for gzip (its name ends in `.gz`).
pub fn gzip_by_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::engines::TypeFilter;
    use crate::engine::redact::apply;
    use crate::engine::Engine;
    use std::sync::Arc;

    /// The streamed copy equals redacting the whole text at once, over several read chunks, with a
    /// PEM block and multi-byte text in the mix; the hashes are those of the two files.
    #[test]
    fn streamed_copy_equals_whole_text_redaction() {
        let mut text = String::new();
        let mut i = 0u32;
        while text.len() < 3 << 20 {
            text.push_str(&format!(
                "2026-11-29 10:00:{:02} WARN José 😀 user{i}@example.com from 10.1.{}.{} ok\n",
                i % 60,
                i % 250,
                i % 200 + 1
            ));
            if i % 20_000 == 7 {
                text.push_str("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n");
            }
            i += 1;
        }
        let dir = tempfile::tempdir().unwrap();
        let (input, output) = (dir.path().join("in.log"), dir.path().join("out.log"));
        std::fs::write(&input, &text).unwrap();
        let engine = Arc::new(Engine::with_defaults());
        let key = [7; 32];
        let scanner = Scanner::new(engine.clone(), TypeFilter::default());
        let job = RedactJob {
            scanner: &scanner,
            style: Style::Tag,
            key,
            hashes: true,
            binary: BinaryPolicy::Error,
        };
        let dest = Dest::File {
            target: output.clone(),
            gzip: false,
            overwrite: false,
        };
        let res = redact(&Source::File(input), dest, &job).unwrap();
        let findings = engine.scan(&text);
        let want = apply(
            &text,
            &Redactor::new(&engine, Style::Tag, key).plan(&text, &findings),
        );
        let got = std::fs::read_to_string(&output).unwrap();
        assert!(
            got == want,
            "streamed copy differs from the whole-text redaction"
        );
        assert_eq!(res.findings, findings.len() as u64);
        assert!(res.counts["private_key"] >= 1);
        let sha = |b: &[u8]| hex::encode(Sha256::digest(b));
        assert_eq!(res.sha_before.unwrap(), sha(text.as_bytes()));
        assert_eq!(res.sha_after.unwrap(), sha(got.as_bytes()));
    }
}
