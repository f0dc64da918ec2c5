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
    /// The text that refuses the candidate unless a finding covers some of it (see
    /// [`Veto`]); [`Veto::NONE`] for a candidate that nothing refuses.
    pub veto: Veto,
}

/// Where the text that refuses a candidate lies, relative to the candidate's start (the version
/// word before an address, the `@` that ends a URL's user part): `at` bytes from `start`
/// (negative: before it), `len` bytes long; `len == 0` for none. Four bytes, in what was the
/// struct's padding.
///
/// A detector that refuses a candidate for its context reads text that may belong to another
/// finding, which redaction replaces: the host `db.internal.eversion` ends in a version word, so
/// `1.2.3.4` after it was a version, until the host was `[Hostname]` (found by the `redact` fuzz
/// target). So the refusal holds only while no finding covers any of that text (see
/// [`settle_cluster`]): the verdict is the one a rescan of the redacted text reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Veto {
    at: i16,
    len: u16,
}

impl Veto {
    pub const NONE: Veto = Veto { at: 0, len: 0 };

    /// The veto of the text `[vs, ve)` for a candidate starting at `start`; `None` if it lies
    /// too far away to be recorded (the candidate then stays refused).
    pub fn of(start: usize, vs: usize, ve: usize) -> Option<Veto> {
        let at = i16::try_from(vs as i64 - start as i64).ok()?;
        let len = u16::try_from(ve.checked_sub(vs)?).ok()?;
        (len > 0).then_some(Veto { at, len })
    }
}

impl Cand {
    /// A candidate that nothing refuses.
    #[inline]
    pub fn new(start: usize, end: usize, code: u32) -> Cand {
        Cand {
            start,
            end,
            code,
            veto: Veto::NONE,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        self.end - self.start
    }

    /// How far the candidate reaches: its end, or the end of its refusing text if later.
    #[inline]
    fn reach(&self) -> usize {
        if self.vetoed() {
            self.end.max(self.veto_span().1)
        } else {
            self.end
        }
    }

    #[inline]
    fn vetoed(&self) -> bool {
        self.veto.len != 0
    }

    /// The span of the text that refuses it (see [`Veto`]).
    #[inline]
    fn veto_span(&self) -> (usize, usize) {
        let vs = self.start.wrapping_add_signed(isize::from(self.veto.at));
        (vs, vs + usize::from(self.veto.len))
    }
}

#[cfg(test)]
fn rank_of(code: u32) -> u8 {
    rank_with(code, CUSTOM_SPECIFICITY)
}

/// A code's rank when custom rules rank `custom`.
#[inline]
fn rank_with(code: u32, custom: u8) -> u8 {
    RULES.get(code as usize).map_or(custom, |r| r.specificity)
}

#[inline]
fn by_key(code: u32) -> bool {
    (code as usize) < COUNT && RULES[code as usize].by_key
}

/// A cluster of more overlapping candidates than this is settled in parts (see
/// [`Resolver::settle`]).
const CHAIN_MAX: usize = 4096;

/// Clusters above this size are resolved with the `O(k log k)` path.
const SMALL: usize = 16;

/// Applies the overlap policy to candidates as they come, in bounded memory: the detectors
/// [`push`](Resolver::push) candidates and say how far the text is final
/// ([`flush`](Resolver::flush)); every cluster that nothing still to come can touch is resolved
/// and its findings handed to `emit`, in order of start. Pending candidates are re-sorted only
/// when their number has doubled, so the cost stays `O(n log n)`, and memory holds the clusters
/// still open (bounded by the longest candidate), not every candidate of the text.
pub struct Resolver<'e> {
    pending: Vec<Cand>,
    /// Candidates of custom rules (found by their own pass), sorted by start; merged in as the
    /// detectors' flush point passes them.
    custom: Vec<Cand>,
    custom_next: usize,
    /// Flush only once `pending` is this long (doubling).
    flush_at: usize,
    /// Everything before this was settled: no candidate may start before it any more.
    settled: usize,
    /// End of the last finding emitted: a candidate starting before it is dropped (only a
    /// chain of overlapping candidates longer than [`CHAIN_MAX`] is ever cut so).
    floor: usize,
    /// The last finding emitted (`(0, 0)` before the first): a refusing context before the
    /// next cluster lies in it, if any finding covers it (see [`Veto`]).
    last: (usize, usize),
    taken: Vec<Cand>,
    /// The rank of custom rules' candidates (see [`Resolver::rules_yield`]).
    custom_rank: u8,
    emit: &'e mut dyn FnMut(Cand),
}

impl<'e> Resolver<'e> {
    pub fn new(mut custom: Vec<Cand>, emit: &'e mut dyn FnMut(Cand)) -> Resolver<'e> {
        custom.sort_unstable_by_key(|c| c.start);
        Resolver {
            pending: Vec::new(),
            custom,
            custom_next: 0,
            flush_at: 256,
            settled: 0,
            floor: 0,
            last: (0, 0),
            taken: Vec::new(),
            custom_rank: CUSTOM_SPECIFICITY,
            emit,
        }
    }

    /// Custom rules rank below every built-in type: they may add findings, never take a span
    /// from a built-in detector (for a configuration the caller does not trust).
    pub fn rules_yield(mut self) -> Self {
        self.custom_rank = 0;
        self
    }

    #[inline]
    pub fn push(&mut self, c: Cand) {
        debug_assert!(
            c.start >= self.settled,
            "a candidate at {} after settling up to {}: a detector looks back further than LOOKBACK",
            c.start,
            self.settled
        );
        self.pending.push(c);
    }

    /// Never flush before `finish` (tests compare the two ways).
    #[cfg(test)]
    pub fn without_flushing(mut self) -> Self {
        self.flush_at = usize::MAX;
        self
    }

    /// Every candidate still to come starts at or after `t`: resolve and emit what that
    /// settles (when enough is pending to be worth a sort).
    #[inline]
    pub fn flush(&mut self, t: usize) {
        if self.pending.len() >= self.flush_at {
            self.settle(t);
        }
    }

    /// Resolves and emits everything.
    pub fn finish(mut self) {
        self.settle(usize::MAX);
    }

    fn settle(&mut self, t: usize) {
        self.settled = self.settled.max(t.min(usize::MAX - 1));
        while self.custom_next < self.custom.len() && self.custom[self.custom_next].start < t {
            self.pending.push(self.custom[self.custom_next]);
            self.custom_next += 1;
        }
        let all = &mut self.pending;
        count(all.len());
        all.sort_unstable_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then(b.end.cmp(&a.end))
                .then(a.code.cmp(&b.code))
        });
        if all.first().is_some_and(|c| c.start < self.floor) {
            let floor = self.floor;
            all.retain(|c| c.start >= floor);
        }
        let mut i = 0;
        while i < all.len() {
            let mut j = i + 1;
            // (A refused candidate's cluster reaches over its refusing text too: a finding
            // that covers it must be decided with it, not after it: see `Veto`.)
            let mut end = all[i].reach();
            while j < all.len() && all[j].start < end {
                end = end.max(all[j].reach());
                j += 1;
            }
            // Clusters are disjoint and sorted: the first one still open ends the settled part.
            if end > t {
                if j - i > CHAIN_MAX {
                    // A chain of this many overlapping candidates is no real text (`-@a.co`
                    // repeated): settle the part of it that ends before `t` on its own, so
                    // memory stays bounded; what overlaps it later is dropped.
                    let (done, open): (Vec<Cand>, Vec<Cand>) =
                        all[i..j].iter().partition(|c| c.reach() <= t);
                    self.taken.clear();
                    settle_cluster(&done, self.custom_rank, self.last, &mut self.taken);
                    for c in &self.taken {
                        (self.emit)(*c);
                        self.floor = self.floor.max(c.end);
                        self.last = (c.start, c.end);
                    }
                    let floor = self.floor;
                    all.splice(i..j, open.into_iter().filter(|c| c.start >= floor));
                }
                break;
            }
            if j == i + 1 && !all[i].vetoed() {
                (self.emit)(all[i]);
                self.floor = all[i].end;
                self.last = (all[i].start, all[i].end);
            } else {
                self.taken.clear();
                settle_cluster(&all[i..j], self.custom_rank, self.last, &mut self.taken);
                for c in &self.taken {
                    (self.emit)(*c);
                    self.floor = self.floor.max(c.end);
                    self.last = (c.start, c.end);
                }
            }
            i = j;
        }
        all.drain(..i);
        self.flush_at = (2 * all.len()).max(256);
    }
}

/// Applies the overlap policy to all candidates at once; calls `emit` for each kept candidate
/// in order of start.
#[cfg(test)]
pub fn resolve(all: &mut [Cand], mut emit: impl FnMut(Cand)) {
    let mut r = Resolver::new(Vec::new(), &mut emit);
    r.pending.extend_from_slice(all);
    r.finish();
}

/// One cluster (sorted by start, then longer first), with the refused candidates decided:
/// appends the kept candidates to `taken`, sorted by start. `last` is the last finding before
/// the cluster.
///
/// A refused candidate (see [`Veto`]) is lifted when a finding of the cluster resolved
/// without the refused ones, or `last`, covers some of its refusing text; the cluster is then
/// resolved again with the lifted ones as plain candidates, at their own rank. That second
/// resolution stands only if each lifted candidate it keeps still has its refusing text covered
/// (a lifted candidate that outranks the finding over its own context would take away the
/// reason it was lifted); otherwise the first one does. Refused candidates are rare (a version
/// word before an address), so the second pass costs nothing on ordinary text.
fn settle_cluster(cl: &[Cand], custom_rank: u8, last: (usize, usize), taken: &mut Vec<Cand>) {
    if !cl.iter().any(Cand::vetoed) {
        resolve_cluster(cl, custom_rank, taken);
        taken.sort_unstable_by_key(|c| c.start);
        return;
    }
    let plain: Vec<Cand> = cl.iter().filter(|c| !c.vetoed()).copied().collect();
    let base = taken.len();
    resolve_cluster(&plain, custom_rank, taken);
    taken[base..].sort_unstable_by_key(|c| c.start);
    let covered = |found: &[Cand], (vs, ve): (usize, usize)| {
        let k = found.partition_point(|t| t.start < ve);
        (k > 0 && found[k - 1].end > vs) || (last.0 < ve && last.1 > vs)
    };
    let lifted: Vec<Cand> = cl
        .iter()
        .filter(|c| c.vetoed() && covered(&taken[base..], c.veto_span()))
        .map(|c| Cand::new(c.start, c.end, c.code))
        .collect();
    if lifted.is_empty() {
        return;
    }
    let mut all = plain;
    all.extend_from_slice(&lifted);
    all.sort_unstable_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.code.cmp(&b.code))
    });
    let mut again = Vec::new();
    resolve_cluster(&all, custom_rank, &mut again);
    again.sort_unstable_by_key(|c| c.start);
    let holds = cl.iter().filter(|c| c.vetoed()).all(|c| {
        let kept = again
            .binary_search_by(|t| (t.start, t.end, t.code).cmp(&(c.start, c.end, c.code)))
            .is_ok();
        !kept || covered(&again, c.veto_span())
    });
    if holds {
        taken.truncate(base);
        taken.extend_from_slice(&again);
    }
}

/// One cluster (sorted by start, then longer first). Appends the kept candidates to `taken`.
fn resolve_cluster(cl: &[Cand], custom_rank: u8, taken: &mut Vec<Cand>) {
    let ranks = ranks(cl, custom_rank);
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
fn ranks(cl: &[Cand], custom_rank: u8) -> Vec<u8> {
    let rank_of = |code| rank_with(code, custom_rank);
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
        Cand::new(start, end, t.index() as u32)
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

#[cfg(test)]
mod veto_tests {
    use super::*;
    use crate::types::PiiType;

    fn c(t: PiiType, start: usize, end: usize) -> Cand {
        Cand::new(start, end, t.index() as u32)
    }

    /// `c` refused by the text `[vs, ve)`.
    fn v(t: PiiType, start: usize, end: usize, vs: usize, ve: usize) -> Cand {
        Cand {
            veto: Veto::of(start, vs, ve).expect("a veto near the candidate"),
            ..c(t, start, end)
        }
    }

    /// Both ways: resolved as the candidates come (flushed in small steps) and at the end.
    fn run(v: Vec<Cand>) -> Vec<Cand> {
        let mut at_once = Vec::new();
        super::resolve(&mut v.clone(), |c| at_once.push(c));
        let mut streamed = Vec::new();
        let mut emit = |c| streamed.push(c);
        let mut r = Resolver::new(Vec::new(), &mut emit);
        r.flush_at = 0;
        let mut sorted = v;
        sorted.sort_by_key(|c| c.start);
        for c in sorted {
            r.flush(c.start);
            r.push(c);
        }
        r.finish();
        assert_eq!(at_once, streamed, "streamed and at once");
        at_once
    }

    #[test]
    fn a_refusal_holds_while_no_finding_covers_its_text() {
        // Nothing covers the word before the address: refused.
        assert_eq!(run(vec![v(PiiType::Ipv4, 20, 30, 10, 18)]), vec![]);
        // A finding before (a cluster of its own) covers part of it: lifted.
        assert_eq!(
            run(vec![
                c(PiiType::Hostname, 0, 12),
                v(PiiType::Ipv4, 20, 30, 10, 18)
            ]),
            vec![c(PiiType::Hostname, 0, 12), c(PiiType::Ipv4, 20, 30)]
        );
        // A finding that ends before the text: still refused.
        assert_eq!(
            run(vec![
                c(PiiType::Hostname, 0, 10),
                v(PiiType::Ipv4, 20, 30, 10, 18)
            ]),
            vec![c(PiiType::Hostname, 0, 10)]
        );
        // Text after the candidate (the `@` that ends a URL's user part), covered by a later
        // finding: lifted, though the candidate's own cluster comes first.
        assert_eq!(
            run(vec![
                v(PiiType::Hostname, 0, 10, 40, 41),
                c(PiiType::Email, 30, 60)
            ]),
            vec![c(PiiType::Hostname, 0, 10), c(PiiType::Email, 30, 60)]
        );
        assert_eq!(
            run(vec![
                v(PiiType::Hostname, 0, 10, 40, 41),
                c(PiiType::Email, 41, 60)
            ]),
            vec![c(PiiType::Email, 41, 60)]
        );
    }

    #[test]
    fn a_lifted_candidate_competes_at_its_own_rank() {
        // Lifted, the address outranks the host name it overlaps, as it does in a rescan.
        assert_eq!(
            run(vec![
                c(PiiType::Password, 0, 12),
                v(PiiType::Ipv4, 20, 30, 10, 18),
                c(PiiType::Hostname, 25, 40)
            ]),
            vec![c(PiiType::Password, 0, 12), c(PiiType::Ipv4, 20, 30)]
        );
        // Lifted only by a finding it would take away (the host covering the word overlaps the
        // address, which outranks it): the first resolution stands.
        assert_eq!(
            run(vec![
                c(PiiType::Hostname, 8, 24),
                v(PiiType::Ipv4, 20, 30, 10, 18)
            ]),
            vec![c(PiiType::Hostname, 8, 24)]
        );
    }
}
