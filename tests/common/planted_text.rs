//! Proptest strategies over real loghub lines with planted values (see `engine_plant.rs`): the
//! property tests of the engine, the CLI's streaming and the server's positions draw from here.
//! Include with `#[path]` beside `engine_plant.rs` (as `crate::engine_plant`).
#![allow(dead_code)]

use std::sync::OnceLock;

use proptest::prelude::*;
use tftsr_engine::PiiType;

use crate::engine_plant::{hard_negative, insert_at_space, loghub_lines, plant, Rng};

pub fn lines() -> &'static [String] {
    static L: OnceLock<Vec<String>> = OnceLock::new();
    L.get_or_init(loghub_lines)
}

/// Text that moves byte offsets away from character and UTF-16 offsets.
pub const MULTIBYTE: &[&str] = &[
    "José Müller",
    "Ωμέγα",
    "用户登录",
    "日本語のログ",
    "😀",
    "👩\u{200d}💻",
    "e\u{301}",
    "\u{2028}",
    "\t",
];

/// How a generated text is made: which lines, what is planted where, line ends.
#[derive(Clone, Debug)]
pub struct Recipe {
    pub seed: u64,
    pub lines: usize,
    /// Per planted value: the type (index into `PiiType::ALL`, or past it: a hard negative).
    pub plants: Vec<usize>,
    /// Per line: 0 `\n`, 1 `\r\n`, 2 `\r` (cycled).
    pub ends: Vec<u8>,
    /// Multibyte snippets inserted (index into `MULTIBYTE`).
    pub multibyte: Vec<usize>,
    pub final_newline: bool,
}

impl Recipe {
    /// The text: consecutive loghub lines from a random place, values planted at spaces.
    pub fn text(&self) -> String {
        let all = lines();
        let mut r = Rng(self.seed);
        let first = r.below(all.len() as u64) as usize;
        let mut out: Vec<String> = (0..self.lines)
            .map(|i| all[(first + i) % all.len()].clone())
            .collect();
        for &p in &self.plants {
            let at = r.below(out.len() as u64) as usize;
            let what = match PiiType::ALL.get(p) {
                Some(&ty) => {
                    let pl = plant(&mut r, ty);
                    format!("{}{}{}", pl.before, pl.value, pl.after)
                }
                None => hard_negative(&mut r),
            };
            out[at] = insert_at_space(&mut r, &out[at], &what).0;
        }
        for &m in &self.multibyte {
            let at = r.below(out.len() as u64) as usize;
            out[at] = insert_at_space(&mut r, &out[at], MULTIBYTE[m % MULTIBYTE.len()]).0;
        }
        let mut s = String::new();
        for (i, l) in out.iter().enumerate() {
            s.push_str(l);
            if i + 1 < out.len() || self.final_newline {
                let end = self
                    .ends
                    .get(i % self.ends.len().max(1))
                    .copied()
                    .unwrap_or(0);
                s.push_str(match end {
                    1 => "\r\n",
                    2 => "\r",
                    _ => "\n",
                });
            }
        }
        s
    }
}

/// Recipes of up to `max_lines` lines with up to `max_plants` planted values (every type and
/// hard negatives), mixed line ends and multibyte text.
pub fn recipe(max_lines: usize, max_plants: usize) -> impl Strategy<Value = Recipe> {
    (
        any::<u64>(),
        1..=max_lines,
        prop::collection::vec(0..PiiType::ALL.len() + 3, 0..=max_plants),
        prop::collection::vec(
            prop_oneof![6 => Just(0u8), 2 => Just(1u8), 1 => Just(2u8)],
            1..4,
        ),
        prop::collection::vec(0..MULTIBYTE.len(), 0..4),
        any::<bool>(),
    )
        .prop_map(
            |(seed, lines, plants, ends, multibyte, final_newline)| Recipe {
                seed,
                lines,
                plants,
                ends,
                multibyte,
                final_newline,
            },
        )
}
