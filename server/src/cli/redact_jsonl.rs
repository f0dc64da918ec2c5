//! `tftsr redact --jsonl [--field NAME]… [--drop-malformed]`: the JSON-lines filter for log
//! shippers (`app::jsonl`), from stdin or a file to stdout or a file (written atomically).

use std::io::{self, BufReader, BufWriter, Write};

use anyhow::Context;
use flate2::write::GzEncoder;

use super::progress::{self, Progress, Suspend};
use super::redact::Args;
use crate::app::engines::Scanner;
use crate::app::input::Source;
use crate::app::jsonl::{redact_jsonl, JsonlJob, JsonlReport};
use crate::app::output::{stdin_metadata, AtomicOutput};
use crate::app::redact::gzip_by_name;
use crate::engine::redact::Style;

pub fn run(
    args: &Args,
    source: &Source,
    scanner: &Scanner,
    style: Style,
    key: [u8; 32],
) -> anyhow::Result<i32> {
    let name = source.display();
    let job = JsonlJob {
        scanner,
        style,
        key,
        fields: args.fields.clone(),
        drop_malformed: args.drop_malformed,
    };
    let bar = Progress::start(
        progress::wanted(args.quiet, args.no_progress),
        "redacting",
        progress::regular_size(source).map(|(size, _)| size),
        String::new(),
    );
    let opened =
        progress::open(source, bar.as_ref()).with_context(|| format!("cannot read {name}"))?;
    let mut input = BufReader::with_capacity(64 << 10, opened.reader);
    let (report, written_to) = match args.output.as_ref().filter(|o| o.as_os_str() != "-") {
        None => {
            let stdout = io::stdout();
            let mut w =
                BufWriter::with_capacity(64 << 10, Suspend::new(stdout.lock(), bar.as_ref()));
            (redact_jsonl(&mut input, &mut w, &job)?, "stdout".to_owned())
        }
        Some(target) => {
            let meta = match source {
                Source::File(p) => std::fs::metadata(p).ok(),
                Source::Stdin => stdin_metadata(),
            };
            // As for plain redact: never over an existing file unless --force.
            let out = AtomicOutput::create_copy(target, meta.as_ref(), args.force)?;
            let report = {
                let mut w = BufWriter::with_capacity(256 << 10, out.file());
                let report = if gzip_by_name(target) {
                    let mut gz = GzEncoder::new(&mut w, flate2::Compression::default());
                    let r = redact_jsonl(&mut input, &mut gz, &job)?;
                    gz.finish().map_err(|e| out.write_err(e))?;
                    r
                } else {
                    redact_jsonl(&mut input, &mut w, &job)?
                };
                w.flush().map_err(|e| out.write_err(e))?;
                report
            };
            out.commit()?;
            (report, target.display().to_string())
        }
    };
    drop(input);
    if let Some(b) = &bar {
        b.finish();
    }
    if !args.quiet {
        summary(
            &report,
            &name,
            &written_to,
            &args.style,
            args.drop_malformed,
        );
    }
    Ok(0)
}

fn summary(r: &JsonlReport, name: &str, to: &str, style: &str, dropped: bool) {
    let by_type: Vec<String> = r.counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let detail = if by_type.is_empty() {
        String::new()
    } else {
        format!(" ({})", by_type.join(", "))
    };
    eprintln!(
        "tftsr: redacted {} value{}{detail} in {} JSON line{} from {name} into {to} (style {style})",
        r.findings,
        if r.findings == 1 { "" } else { "s" },
        r.lines,
        if r.lines == 1 { "" } else { "s" },
    );
    if r.malformed > 0 {
        eprintln!(
            "tftsr: note: {} malformed line{} (not JSON, or over {} MiB) {}",
            r.malformed,
            if r.malformed == 1 { "" } else { "s" },
            crate::app::jsonl::MAX_LINE >> 20,
            if dropped {
                "dropped"
            } else {
                "copied through unchanged (unredacted): --drop-malformed drops them"
            }
        );
    }
}
