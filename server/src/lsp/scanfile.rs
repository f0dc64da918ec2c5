//! `tftsr.scanFile`: a redacted copy of a file on disk (for logs too large for the editor).

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::cli::input::{stream, StreamOptions};
use crate::engine::redact::{Redactor, Style};
use crate::engine::{Engine, Finding};

/// Errors name the command's fields (`path`, `output`), not the paths they held.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read `path`: {0}")]
    Read(std::io::Error),
    #[error("cannot write `output`: {0}")]
    Write(std::io::Error),
    #[error("`output` is the input file (`path`); choose another `output`")]
    SameFile,
    #[error("`output` already exists")]
    Exists,
}

pub struct FileRedaction {
    pub findings: usize,
    pub by_type: BTreeMap<String, usize>,
    pub sha_before: String,
    pub sha_after: String,
    pub invalid_sequences: usize,
}

/// Scans `input` and writes the redacted copy to `output` (through a temporary file renamed
/// into place, so a failure never leaves a half-written copy). Streams in bounded chunks with the
/// CLI's reader: this command exists for logs too large for the editor, so it must not hold the
/// whole file in memory.
pub fn redact_file(
    engine: &Engine,
    keep: &(dyn Fn(&Finding, &str) -> bool + Sync),
    style: Style,
    key: [u8; 32],
    input: &Path,
    output: &Path,
    overwrite: bool,
) -> Result<FileRedaction, FileError> {
    let rerr = FileError::Read;
    let werr = FileError::Write;
    let mut file = std::fs::File::open(input).map_err(rerr)?;
    if let (Ok(a), Ok(b)) = (input.canonicalize(), output.canonicalize()) {
        if a == b {
            return Err(FileError::SameFile);
        }
    }
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(werr)?;
    let redactor = Redactor::new(engine, style, key);
    let (mut before, mut after) = (Sha256::new(), Sha256::new());
    let mut by_type = BTreeMap::new();
    let mut count = 0;
    // A write failure aborts the stream; kept apart so it is reported as the output's fault.
    let mut write_error: Option<std::io::Error> = None;
    let stats = {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        let mut emit = |bytes: &[u8]| -> std::io::Result<()> {
            after.update(bytes);
            w.write_all(bytes)
        };
        let opts = StreamOptions {
            skip_binary: false,
            keep: &|_| true, // the caller's `keep` sees the value too: applied below
        };
        let res = stream(&mut file, engine, &opts, |c| {
            before.update(c.raw);
            let mut pos = 0;
            let mut chunk = || -> std::io::Result<()> {
                for f in c.findings {
                    let value = &c.text[f.start..f.end];
                    if !keep(f, value) {
                        continue;
                    }
                    emit(&c.raw[pos..f.start])?;
                    emit(redactor.replacement(f, value).as_bytes())?;
                    pos = f.end;
                    count += 1;
                    *by_type.entry(f.kind.id().to_owned()).or_insert(0) += 1;
                }
                emit(&c.raw[pos..])
            };
            chunk()
                .inspect_err(|e| write_error = Some(std::io::Error::new(e.kind(), e.to_string())))
        });
        let flushed = w.flush();
        match (res, write_error.take()) {
            (_, Some(e)) => return Err(werr(e)),
            (Err(e), None) => return Err(rerr(e)),
            (Ok(stats), None) => {
                flushed.map_err(werr)?;
                stats
            }
        }
    };
    if overwrite {
        tmp.persist(output).map_err(|e| werr(e.error))?;
    } else {
        // Atomic: an `output` created since the caller checked is not replaced either.
        tmp.persist_noclobber(output)
            .map_err(|e| match e.error.kind() {
                std::io::ErrorKind::AlreadyExists => FileError::Exists,
                _ => werr(e.error),
            })?;
    }
    Ok(FileRedaction {
        findings: count,
        by_type,
        sha_before: hex::encode(before.finalize()),
        sha_after: hex::encode(after.finalize()),
        invalid_sequences: stats.invalid_sequences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::redact::apply;

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
        let engine = Engine::with_defaults();
        let key = [7; 32];
        let res = redact_file(
            &engine,
            &|_, _| true,
            Style::Tag,
            key,
            &input,
            &output,
            false,
        )
        .unwrap();
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
        assert_eq!(res.findings, findings.len());
        assert!(res.by_type["private_key"] >= 1);
        assert_eq!(res.sha_before, hex::encode(Sha256::digest(text.as_bytes())));
        assert_eq!(res.sha_after, hex::encode(Sha256::digest(got.as_bytes())));
    }
}
