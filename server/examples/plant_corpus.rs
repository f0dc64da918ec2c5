//! Writes a copy of the loghub corpus with planted values (the generators of the engine's recall
//! test), laid out like a real log archive, for tests that run other programs over files (the
//! Python package's tests, the Spark job's test) and compare with `tftsr redact`.
//!
//! Usage: `cargo run --example plant_corpus -- OUT_DIR MANIFEST.jsonl [--no-pem]`
//!
//! OUT_DIR gets every loghub file, one line in 8 with a planted value of some type (all types in
//! turn), one in 20 with a hard negative, one in 11 with multi-byte text (accents, CJK, emoji);
//! some files moved into subdirectories, one gzip-compressed (`.gz`), one with CRLF line ends,
//! one without a final newline, one with invalid UTF-8 bytes. MANIFEST gets one JSON object per
//! planted value: `{"path": relative path, "type": id, "value": …}`, for values that do not occur
//! in the pristine file (so "the value is gone" is a meaningful check). `--no-pem` plants no
//! private keys (multi-line values, which a line-by-line redaction cannot see whole).

#[path = "../../tests/common/engine_plant.rs"]
mod engine_plant;

use std::io::Write;
use std::path::PathBuf;

use engine_plant::{corpus, hard_negative, insert_at_space, plant, Rng};
use tftsr_engine::PiiType;

const MULTIBYTE: &[&str] = &[
    "café déjà-vu naïve",
    "Größe ändern über",
    "日本語のログ 東京",
    "ошибка сервера",
    "status 🙂 ✅ done",
    "λ→∞ ≠ ∑",
];

/// Where a loghub file goes in the archive, and how it is stored.
fn layout(name: &str) -> (String, Variant) {
    match name {
        "OpenSSH_2k.log" => ("auth/ssh/OpenSSH_2k.log".into(), Variant::Plain),
        "Linux_2k.log" => ("archive/2024/Linux_2k.log.gz".into(), Variant::Gzip),
        "Windows_2k.log" => ("win/Windows_2k.log".into(), Variant::Crlf),
        "Apache_2k.log" => ("web/Apache_2k.log".into(), Variant::NoFinalNewline),
        "Mac_2k.log" => ("Mac_2k.log".into(), Variant::InvalidUtf8),
        other => (other.into(), Variant::Plain),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Plain,
    Gzip,
    Crlf,
    NoFinalNewline,
    InvalidUtf8,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let no_pem = args.iter().any(|a| a == "--no-pem");
    let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [out, manifest] = pos[..] else {
        eprintln!("usage: plant_corpus OUT_DIR MANIFEST.jsonl [--no-pem]");
        std::process::exit(2);
    };
    let out = PathBuf::from(out);
    let mut manifest = std::io::BufWriter::new(std::fs::File::create(manifest).expect("manifest"));

    let dir = corpus::loghub_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus dir")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect();
    names.sort();
    let types: Vec<PiiType> = PiiType::ALL
        .into_iter()
        .filter(|t| !(no_pem && *t == PiiType::PrivateKey))
        .collect();
    let mut r = Rng(0x7079_7468_6f6e);
    let mut k = 0usize;
    for name in names {
        let pristine = std::fs::read_to_string(dir.join(&name)).expect("corpus file");
        let (rel, variant) = layout(&name);
        let mut text = String::with_capacity(pristine.len() * 2);
        for (i, line) in pristine.lines().enumerate() {
            let mut line = line.to_owned();
            if i % 11 == 3 {
                let word = r.word(MULTIBYTE);
                line = insert_at_space(&mut r, &line, word).0;
            }
            if i % 8 == 5 {
                let ty = types[k % types.len()];
                k += 1;
                let p = plant(&mut r, ty);
                let what = format!("{}{}{}", p.before, p.value, p.after);
                line = insert_at_space(&mut r, &line, &what).0;
                if !pristine.contains(&p.value) {
                    let rec = serde_json::json!({"path": rel, "type": ty.id(), "value": p.value});
                    writeln!(manifest, "{rec}").expect("manifest");
                }
            } else if i % 20 == 7 {
                let neg = hard_negative(&mut r);
                line = insert_at_space(&mut r, &line, &neg).0;
            }
            text.push_str(&line);
            text.push_str(if variant == Variant::Crlf {
                "\r\n"
            } else {
                "\n"
            });
        }
        let mut bytes = text.into_bytes();
        match variant {
            Variant::NoFinalNewline => {
                bytes.pop();
            }
            Variant::InvalidUtf8 => {
                // A stray Latin-1 byte and a truncated sequence on a few lines, as real logs have.
                let mut with = Vec::with_capacity(bytes.len() + 64);
                for (n, l) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
                    if n % 97 == 1 {
                        with.extend_from_slice(b"caf\xe9 \xe2\x82 ");
                    }
                    with.extend_from_slice(l);
                }
                bytes = with;
            }
            _ => {}
        }
        let path = out.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).expect("create dir");
        if variant == Variant::Gzip {
            let f = std::fs::File::create(&path).expect("create");
            let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
            gz.write_all(&bytes).expect("write");
            gz.finish().expect("finish");
        } else {
            std::fs::write(&path, &bytes).expect("write");
        }
    }
    manifest.flush().expect("manifest");
}
