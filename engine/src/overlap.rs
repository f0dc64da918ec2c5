//! The overlap policy: from candidates (any order, possibly overlapping) to one finding per
//! region, sorted by start (see [`crate::Engine`] for the policy itself).
//!
//! Linear in the number of candidates up to a log factor, whatever their shape: the candidates
//! are sorted once and cut into clusters of (transitively) overlapping spans; each cluster is
//! resolved on its own, small clusters by direct comparison, large ones (a long value holding
//! many others) with a sweep and an ordered set, so no input makes this quadratic.

use std::collections::BTreeMap;

use crate::catalog::{COUNT, CUSTOM_SPECIFICITY, RULES};
use crate::detect::count;

/// A candidate: a span and a code, `< COUNT` for a built-in type (its index), else
/// `COUNT + i` for the `i`-th custom rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cand {
    pub start: usize,
    pub end: usize,
    pub code: u32,
}

impl Cand {
    #[inline]
    fn len(&self) -> usize {
        self.end - self.start
    }
}

#[inline]
fn rank_of(code: u32) -> u8 {
    RULES
        .get(code as usize)
        .map_or(CUSTOM_SPECIFICITY, |r| r.specificity)
}

#[inline]
fn by_key(code: u32) -> bool {
    (code as usize) < COUNT && RULES[code as usize].by_key
}

/// Clusters above this size are resolved with the `O(k log k)` path.
const SMALL: usize = 16;

/// Applies the overlap policy; calls `emit` for each kept candidate in order of start.
pub fn resolve(all: &mut [Cand], mut emit: impl FnMut(Cand)) {
    all.sort_unstable_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.code.cmp(&b.code))
    });
    count(all.len());
    let mut i = 0;
    let mut taken: Vec<Cand> = Vec::new();
    while i < all.len() {
        let mut j = i + 1;
        let mut end = all[i].end;
        while j < all.len() && all[j].start < end {
            end = end.max(all[j].end);
            j += 1;
        }
        if j == i + 1 {
            emit(all[i]);
        } else {
            taken.clear();
            resolve_cluster(&all[i..j], &mut taken);
            taken.sort_unstable_by_key(|c| c.start);
            for c in &taken {
                emit(*c);
            }
        }
        i = j;
    }
}

/// One cluster (sorted by start, then longer first). Appends the kept candidates to `taken`.
fn resolve_cluster(cl: &[Cand], taken: &mut Vec<Cand>) {
    let ranks = ranks(cl);
    let mut order: Vec<usize> = (0..cl.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        ranks[b]
            .cmp(&ranks[a])
            .then(cl[b].len().cmp(&cl[a].len()))
            .then(cl[a].start.cmp(&cl[b].start))
            .then(cl[a].code.cmp(&cl[b].code))
    });
    if cl.len() <= SMALL {
        for k in order {
            count(taken.len() + 1);
            let c = cl[k];
            if taken.iter().all(|t| t.end <= c.start || t.start >= c.end) {
                taken.push(c);
            }
        }
        return;
    }
    // Taken spans are disjoint: keyed by start, the one that could overlap `c` is the last
    // starting before `c.end`.
    let mut set: BTreeMap<usize, usize> = BTreeMap::new();
    for k in order {
        count(1 + cl.len().ilog2() as usize);
        let c = cl[k];
        let free = set
            .range(..c.end)
            .next_back()
            .is_none_or(|(_, &e)| e <= c.start);
        if free {
            set.insert(c.start, c.end);
            taken.push(c);
        }
    }
}

/// Each candidate's rank: its specificity, except that a value found by its key name
/// (`password=…`) that strictly contains a more specific candidate takes that candidate's rank,
/// so the whole value wins as the longer span (`password=https://u:p@host` is one `password`).
fn ranks(cl: &[Cand]) -> Vec<u8> {
    let mut ranks: Vec<u8> = cl.iter().map(|c| rank_of(c.code)).collect();
    let keyed = cl.iter().filter(|c| by_key(c.code)).count();
    if keyed == 0 {
        return ranks;
    }
    if cl.len() <= SMALL {
        for (i, c) in cl.iter().enumerate() {
            if !by_key(c.code) {
                continue;
            }
            count(cl.len());
            for o in cl {
                if o.start >= c.start && o.end <= c.end && o.len() < c.len() {
                    ranks[i] = ranks[i].max(rank_of(o.code));
                }
            }
        }
        return ranks;
    }
    // Sweep by end: a candidate `o` is strictly inside `c` iff `c.start <= o.start`,
    // `o.end <= c.end` and the spans differ. Candidates are indexed by start order (the cluster
    // order), so "start in [c.start, c.end)" is an index range; points are inserted into a
    // max-segment-tree in order of end (larger starts first at equal ends) and each keyed
    // candidate queries its index range once every point that ends no later is in, except the
    // ones with its own span.
    let n = cl.len();
    let mut events: Vec<(usize, usize, bool, usize)> = Vec::with_capacity(n + keyed);
    for (i, c) in cl.iter().enumerate() {
        // (end, Reverse(start) as usize::MAX - start, query-before-point, index)
        events.push((c.end, usize::MAX - c.start, true, i));
        if by_key(c.code) {
            events.push((c.end, usize::MAX - c.start, false, i));
        }
    }
    events.sort_unstable();
    let mut tree = MaxTree::new(n);
    count(events.len() * (2 + n.ilog2() as usize));
    for (_, _, is_point, i) in events {
        if is_point {
            tree.set(i, rank_of(cl[i].code));
        } else {
            let c = cl[i];
            // Indices whose start lies in [c.start, c.end): from i's first equal-start
            // neighbour to the first start ≥ c.end.
            let lo = cl[..i].partition_point(|o| o.start < c.start);
            let hi = cl.partition_point(|o| o.start < c.end);
            ranks[i] = ranks[i].max(tree.max(lo, hi));
        }
    }
    ranks
}

/// A max segment tree over `n` slots (all 0 at first).
struct MaxTree {
    n: usize,
    t: Vec<u8>,
}

impl MaxTree {
    fn new(n: usize) -> MaxTree {
        MaxTree {
            n,
            t: vec![0; 2 * n],
        }
    }

    fn set(&mut self, i: usize, v: u8) {
        let mut p = i + self.n;
        self.t[p] = self.t[p].max(v);
        while p > 1 {
            p /= 2;
            self.t[p] = self.t[2 * p].max(self.t[2 * p + 1]);
        }
    }

    /// Max over `[lo, hi)`.
    fn max(&self, lo: usize, hi: usize) -> u8 {
        let (mut l, mut r) = (lo + self.n, hi + self.n);
        let mut m = 0;
        while l < r {
            if l & 1 == 1 {
                m = m.max(self.t[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                m = m.max(self.t[r]);
            }
            l /= 2;
            r /= 2;
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::PiiType;

    fn c(t: PiiType, start: usize, end: usize) -> Cand {
        Cand {
            start,
            end,
            code: t.index() as u32,
        }
    }

    fn run(mut v: Vec<Cand>) -> Vec<Cand> {
        let mut out = Vec::new();
        resolve(&mut v, |c| out.push(c));
        out
    }

    /// The segment-tree path and the direct path agree on random clusters.
    #[test]
    fn large_clusters_resolve_like_small_ones() {
        let types = [
            PiiType::Password,
            PiiType::ApiKey,
            PiiType::Email,
            PiiType::UrlCredentials,
            PiiType::Ipv4,
            PiiType::Jwt,
            PiiType::BearerToken,
        ];
        let mut x: u64 = 0x5eed;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for _ in 0..300 {
            let k = 17 + next(40) as usize;
            let mut v = Vec::new();
            for _ in 0..k {
                let s = next(200) as usize;
                let e = s + 1 + next(60) as usize;
                v.push(c(types[next(types.len() as u64) as usize], s, e));
            }
            // Direct evaluation of the policy, quadratic, as the reference.
            let mut sorted = v.clone();
            sorted.sort_unstable_by(|a, b| {
                a.start
                    .cmp(&b.start)
                    .then(b.end.cmp(&a.end))
                    .then(a.code.cmp(&b.code))
            });
            let want = {
                let mut out = Vec::new();
                let mut i = 0;
                while i < sorted.len() {
                    let mut j = i + 1;
                    let mut end = sorted[i].end;
                    while j < sorted.len() && sorted[j].start < end {
                        end = end.max(sorted[j].end);
                        j += 1;
                    }
                    let cl = &sorted[i..j];
                    let mut ranks: Vec<u8> = cl.iter().map(|c| rank_of(c.code)).collect();
                    for (a, ca) in cl.iter().enumerate() {
                        if by_key(ca.code) {
                            for o in cl {
                                if o.start >= ca.start && o.end <= ca.end && o.len() < ca.len() {
                                    ranks[a] = ranks[a].max(rank_of(o.code));
                                }
                            }
                        }
                    }
                    let mut order: Vec<usize> = (0..cl.len()).collect();
                    order.sort_by(|&a, &b| {
                        ranks[b]
                            .cmp(&ranks[a])
                            .then(cl[b].len().cmp(&cl[a].len()))
                            .then(cl[a].start.cmp(&cl[b].start))
                            .then(cl[a].code.cmp(&cl[b].code))
                    });
                    let mut taken: Vec<Cand> = Vec::new();
                    for o in order {
                        let x = cl[o];
                        if taken.iter().all(|t| t.end <= x.start || t.start >= x.end) {
                            taken.push(x);
                        }
                    }
                    taken.sort_by_key(|c| c.start);
                    out.extend(taken);
                    i = j;
                }
                out
            };
            assert_eq!(run(v), want);
        }
    }

    #[test]
    fn key_named_value_containing_a_specific_one_wins_whole() {
        let got = run(vec![
            c(PiiType::Password, 9, 40),
            c(PiiType::UrlCredentials, 17, 25),
            c(PiiType::Hostname, 26, 40),
        ]);
        assert_eq!(got, vec![c(PiiType::Password, 9, 40)]);
    }
}
