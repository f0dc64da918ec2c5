//! Properties of the CLI's input path on real loghub lines with planted values (proptest):
//! the chunked reading (`app::input::stream`, reads of any size, split characters, the engine's
//! `stream_safe_len` cuts) finds exactly what a scan of the whole text finds, plain or gzip.

use std::io::{self, Read, Write};

use proptest::prelude::*;
use tftsr::app::input::{decode, stream, StreamOptions};
use tftsr::engine::Kind;

use crate::fuzz_engine::engine;
use crate::planted_text::recipe;

/// A reader that returns the input in reads of the given sizes (cycled), as a pipe would.
struct Reads<'a> {
    data: &'a [u8],
    sizes: &'a [usize],
    i: usize,
}

impl Read for Reads<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.sizes[self.i % self.sizes.len()]
            .max(1)
            .min(out.len())
            .min(self.data.len());
        self.i += 1;
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn streamed(reader: &mut dyn Read) -> Vec<(u64, u64, Kind)> {
    let keep = |_: &Kind| true;
    let opts = StreamOptions {
        skip_binary: false,
        keep: &keep,
    };
    let mut spans = Vec::new();
    let stats = stream(reader, engine(), &opts, |c| {
        for f in c.findings {
            spans.push((
                c.base + f.start as u64,
                c.base + f.end as u64,
                f.kind.clone(),
            ));
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(stats.forced_cuts, 0);
    spans
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn chunked_reading_finds_what_a_whole_scan_finds(
        r in recipe(60, 16),
        sizes in prop::collection::vec(prop_oneof![1usize..16, 16usize..300, 300usize..70_000], 1..6),
    ) {
        let text = r.text();
        let whole: Vec<(u64, u64, Kind)> = engine()
            .scan(&text)
            .into_iter()
            .map(|f| (f.start as u64, f.end as u64, f.kind))
            .collect();
        let mut plain = Reads { data: text.as_bytes(), sizes: &sizes, i: 0 };
        prop_assert_eq!(&streamed(&mut plain), &whole);

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let opened = decode(io::Cursor::new(gz)).unwrap();
        prop_assert!(opened.gzip);
        let mut reader = opened.reader;
        prop_assert_eq!(&streamed(&mut reader), &whole);
    }
}
