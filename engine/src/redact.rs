//! Redaction: from findings to a plan of edits, in one of four styles (DESIGN.md).

use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::catalog::Partial;
use super::{Engine, Finding, Kind};

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// `[Email]`
    #[default]
    Tag,
    /// one `*` per character, so columns stay aligned
    Mask,
    /// keep what support needs and no more: `****-****-****-1111`, `j***@example.com`
    Partial,
    /// `[Email-3f9a1c2b7d4e5f6071]`: keyed HMAC-SHA-256 (72 bits of it), the same value always
    /// gives the same token
    Pseudonym,
}

impl FromStr for Style {
    type Err = String;
    fn from_str(s: &str) -> Result<Style, String> {
        match s {
            "tag" => Ok(Style::Tag),
            "mask" => Ok(Style::Mask),
            "partial" => Ok(Style::Partial),
            "pseudonym" => Ok(Style::Pseudonym),
            // The value is not echoed: say what was wrong, never what was sent.
            _ => Err("unknown redaction style (expected tag, mask, partial or pseudonym)".into()),
        }
    }
}

/// One replacement: bytes `[start, end)` of the text become `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// Turns findings into edits in one style.
pub struct Redactor<'e> {
    engine: &'e Engine,
    style: Style,
    /// Secret for the `pseudonym` style (kept in the store); other styles ignore it.
    pseudonym_key: [u8; 32],
}

impl<'e> Redactor<'e> {
    pub fn new(engine: &'e Engine, style: Style, pseudonym_key: [u8; 32]) -> Redactor<'e> {
        Redactor {
            engine,
            style,
            pseudonym_key,
        }
    }

    pub fn style(&self) -> Style {
        self.style
    }

    /// The replacement text for one finding whose value is `value`.
    ///
    /// Every style's output is built so that scanning it again finds nothing (`[..]` tags and
    /// `*` masks are never findings) and so that redacting twice changes nothing more.
    pub fn replacement(&self, finding: &Finding, value: &str) -> String {
        let tag = self.engine.tag(&finding.kind);
        match self.style {
            Style::Tag => self.named(finding, value),
            Style::Mask => match pem_armor(&finding.kind, value) {
                Some((begin, body, end)) => format!("{begin}{}{end}", mask(body)),
                None => mask(value),
            },
            Style::Partial => partial(&finding.kind, value),
            Style::Pseudonym => {
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.pseudonym_key)
                    .expect("HMAC takes any key length");
                // The kind is part of the input so equal strings of different kinds differ.
                mac.update(finding.kind.id().as_bytes());
                mac.update(&[0]);
                mac.update(value.as_bytes());
                let h = hex::encode(&mac.finalize().into_bytes()[..PSEUDONYM_BYTES]);
                let token = match tag.strip_suffix(']') {
                    Some(t) => format!("{t}-{h}]"),
                    None => format!("{tag}-{h}"),
                };
                in_armor(&finding.kind, value, &token)
            }
        }
    }

    /// The finding's tag (`[Email]`), inside the PEM armor lines for a private key: what the
    /// tag style writes and what any style falls back to when a replacement must name the
    /// finding rather than keep part of it.
    fn named(&self, finding: &Finding, value: &str) -> String {
        in_armor(&finding.kind, value, self.engine.tag(&finding.kind))
    }

    /// Edits for `findings` (sorted, non-overlapping) over `text`.
    pub fn plan(&self, text: &str, findings: &[Finding]) -> Vec<Edit> {
        let mut edits: Vec<Edit> = findings
            .iter()
            .map(|f| Edit {
                start: f.start,
                end: f.end,
                replacement: self.replacement(f, f.value(text)),
            })
            .collect();
        if self.style == Style::Partial {
            self.settle_partial(text, findings, &mut edits);
        }
        self.absorb_neighbours(text, findings, &mut edits);
        edits
    }

    /// A replacement is a boundary (`[`, `]`, `*`), and a neighbour that a detector refused only
    /// for the character glued to it becomes a finding once that character is gone: in
    /// `2001:db8::GB82 WEST 1234 5698 7654 32` the address is no address (a letter follows), the
    /// IBAN is one, and `2001:db8::[IBAN]` rescans as an IPv6 address (found by the `redact`
    /// fuzz target). Such a neighbour joins the edit beside it, so the output rescans clean.
    ///
    /// Only edits glued to a character that can end (before) or begin (after) a finding are
    /// looked at, each by a rescan of a short window of the output around it: the usual
    /// `key=value`, `ip:port`, quoted and space-separated values cost nothing.
    fn absorb_neighbours(&self, text: &str, findings: &[Finding], edits: &mut [Edit]) {
        let b = text.as_bytes();
        for (i, f) in findings.iter().enumerate() {
            for _ in 0..3 {
                let (s, e) = (edits[i].start, edits[i].end);
                if !glued_before(b, s) && !glued_after(b, e) {
                    break;
                }
                let Some((ns, ne)) = self.neighbour_span(text, edits, i) else {
                    break;
                };
                // The widened edit's replacement at once, so the next look rescans what will
                // be written: a partial replacement that became the tag can make a neighbour
                // on its other side whole (`x@y.org���10.*.*.*` is no address, `x@y.org���[IPv4]`
                // is one: found by the `redact` fuzz target).
                edits[i] = Edit {
                    start: ns,
                    end: ne,
                    replacement: match self.style {
                        // The mask covers what it replaces; the other styles name the finding.
                        // The finding's own part is its replacement (for a private key: its
                        // armor kept, as every style keeps it, see `pem_armor`), the rest masked.
                        Style::Mask if ns <= f.start && f.end <= ne => format!(
                            "{}{}{}",
                            mask(&text[ns..f.start]),
                            self.replacement(f, f.value(text)),
                            mask(&text[f.end..ne])
                        ),
                        Style::Mask => mask(&text[ns..ne]),
                        Style::Pseudonym => self.replacement(f, f.value(text)),
                        Style::Tag | Style::Partial => self.named(f, f.value(text)),
                    },
                };
            }
        }
    }

    /// The span edit `i` must cover so that no finding of the output touches its replacement:
    /// None when its own span already does. The window is the edit's line, at most
    /// `NEIGHBOUR_REACH` bytes each side (widened over any edit it cuts), with every edit inside
    /// it applied; a neighbour that the window's edge cuts is looked at again in a wider one, as
    /// the edge can make a name that is none whole (a last label too long for a host name, cut
    /// short enough: found by the `redact` fuzz target).
    fn neighbour_span(&self, text: &str, edits: &[Edit], i: usize) -> Option<(usize, usize)> {
        let mut reach = NEIGHBOUR_REACH;
        loop {
            let (span, cut) = self.neighbour_span_within(text, edits, i, reach);
            if !cut || reach >= NEIGHBOUR_REACH_MAX {
                return span;
            }
            reach *= 4;
        }
    }

    /// `neighbour_span` in a window of `reach` bytes each side; and whether a neighbour touches
    /// an edge of the window that is not its line's.
    fn neighbour_span_within(
        &self,
        text: &str,
        edits: &[Edit],
        i: usize,
        reach: usize,
    ) -> (Option<(usize, usize)>, bool) {
        let b = text.as_bytes();
        let (s, e) = (edits[i].start, edits[i].end);
        let line_lo = memchr::memrchr(b'\n', &b[..s]).map_or(0, |k| k + 1);
        let line_hi = memchr::memchr(b'\n', &b[e..]).map_or(b.len(), |k| e + k);
        let mut lo = floor_char(text, s.saturating_sub(reach)).max(line_lo);
        let mut hi = ceil_char(text, (e + reach).min(b.len())).min(line_hi);
        // The edits the window holds; one it cuts is taken whole.
        let first = edits[..i].partition_point(|x| x.end <= lo);
        let last = i + 1 + edits[i + 1..].partition_point(|x| x.start < hi);
        lo = lo.min(edits[first].start);
        hi = hi.max(edits[last - 1].end);
        // The window's output, and where each of its edits' replacements lies in it.
        let mut out = String::with_capacity(hi - lo + 64);
        let mut reps = Vec::with_capacity(last - first);
        let mut pos = lo;
        for x in &edits[first..last] {
            out.push_str(&text[pos..x.start]);
            let at = out.len();
            out.push_str(&x.replacement);
            reps.push((at, out.len(), x.start, x.end));
            pos = x.end;
        }
        out.push_str(&text[pos..hi]);
        // Output offset → text offset; inside a replacement, its edge on the side asked for.
        let to_text = |o: usize, left: bool| -> usize {
            let mut shift = lo as isize;
            for &(a, z, ts, te) in &reps {
                if o < a {
                    break;
                }
                if o <= z {
                    return if o == a {
                        ts
                    } else if o == z || !left {
                        te
                    } else {
                        ts
                    };
                }
                shift = te as isize - z as isize;
            }
            (o as isize + shift) as usize
        };
        let (ra, rz, _, _) = reps[i - first];
        let (mut ns, mut ne) = (s, e);
        let mut cut = false;
        for x in self.engine.scan(&out) {
            // Every finding of the text is replaced, so one of the output is new. Beside the
            // replacement it is the replacement's doing (`aa:bb:01:db8:0:0:0:0:[IPv4]` reads as
            // an IPv6 address once the IPv4 tail is gone: found by the `redact` fuzz target);
            // farther it is the window's edge.
            if !beside(out.as_bytes(), (x.start, x.end), (ra, rz)) || (x.start >= ra && x.end <= rz)
            {
                continue;
            }
            cut |= (x.start == 0 && lo > line_lo) || (x.end == out.len() && hi < line_hi);
            if x.start < ra {
                // Not back over the edit before (what lies under it is replaced already).
                let floor = if i > 0 { edits[i - 1].end } else { 0 };
                ns = ns.min(to_text(x.start, false).max(floor));
            }
            if x.end > rz {
                let ceil = edits.get(i + 1).map_or(b.len(), |n| n.start);
                ne = ne.max(to_text(x.end, true).min(ceil));
            }
        }
        ((ns < s || ne > e).then_some((ns, ne)), cut)
    }

    /// `partial` keeps characters (`j***@example.com`, `10.*.*.*`), and a kept part can join
    /// the text beside it into a new value: `fe80::1%eth0@y.org` has an e-mail that won over an
    /// IPv6 address, and its partial `1***@y.org` makes `fe80::1` whole again (found by the
    /// `redact` fuzz target). A replacement that the output's rescan finds anything at, next to
    /// or a separator away from ([`NEIGHBOUR_GAP`]) becomes the tag, which never joins with
    /// anything.
    fn settle_partial(&self, text: &str, findings: &[Finding], edits: &mut [Edit]) {
        for _ in 0..2 {
            let out = apply(text, edits);
            let found = self.engine.scan(&out);
            if found.is_empty() {
                return;
            }
            let mut delta: isize = 0;
            let mut changed = false;
            for (e, f) in edits.iter_mut().zip(findings) {
                let s = (e.start as isize + delta) as usize;
                let r = s..s + e.replacement.len();
                delta += e.replacement.len() as isize - (e.end - e.start) as isize;
                // At, next to, or a separator away (`db.internalpassword=com:5432` once the
                // host's partial `****.internalpassword` no longer reads as one name with the
                // key: found by the `redact` fuzz target). Findings are sorted and apart, so
                // the last one ending before the replacement and the next one decide.
                let ob = out.as_bytes();
                let i = found.partition_point(|x| x.end <= r.start);
                let near = |x: &Finding| beside(ob, (x.start, x.end), (r.start, r.end));
                if (i > 0 && near(&found[i - 1])) || found.get(i).is_some_and(near) {
                    let tag = self.named(f, f.value(text));
                    if e.replacement != tag {
                        e.replacement = tag;
                        changed = true;
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }
}

/// Bytes of the HMAC in a pseudonym token (printed as twice as many hex digits): 72 bits, so
/// 10 million distinct values share a token with probability about n²/2⁷³ ≈ 1 in 94 million
/// (a 24-bit token, as before, was shared by 22 of 20,000 e-mail addresses). Tokens of the old
/// length are still recognised as ours (`validate::has_tag`).
pub const PSEUDONYM_BYTES: usize = 9;

/// How far from a replacement a new finding may end (or start) and still be taken for its
/// doing: the separator between them.
const NEIGHBOUR_GAP: usize = 2;

/// Is the output's finding `x` the doing of the replacement at `r` (both `[start, end)` in
/// `out`): over it, next to it, or apart from it by a separator ([`NEIGHBOUR_GAP`] bytes) or
/// by nothing but the punctuation detectors trim off a value's edge (`.`, `-`, `+`). In
/// `4111111111111111---------info@example.org` the card number starts the e-mail address's
/// local part, and the card wins; once it is `[CreditCard]`, the dashes are trimmed off the
/// address, which then starts nine bytes after the tag (found by the `redact` fuzz target's
/// invariant, in a test).
fn beside(out: &[u8], x: (usize, usize), r: (usize, usize)) -> bool {
    let trimmed = |gap: &[u8]| gap.iter().all(|c| matches!(c, b'.' | b'-' | b'+'));
    if x.1 <= r.0 {
        x.1 + NEIGHBOUR_GAP >= r.0 || trimmed(&out[x.1..r.0])
    } else if x.0 >= r.1 {
        x.0 <= r.1 + NEIGHBOUR_GAP || trimmed(&out[r.1..x.0])
    } else {
        true
    }
}

/// How far from an edit its neighbour window reaches (bytes, each side, within the line): more
/// than the longest value that can be glued to one (an IBAN with its spaces, a phone number).
const NEIGHBOUR_REACH: usize = 128;

/// How far a window reaches once a neighbour was cut by a narrower one (each step four times
/// wider): longer than any value the detectors take (a host name's 253 bytes, a key value's 512),
/// and a bound on the work one edit can ask for on a long line.
const NEIGHBOUR_REACH_MAX: usize = 2048;

/// Could a replacement of `[s, e)` in `b` complete a neighbour into a finding (so
/// [`Redactor::plan`] needs the text around it)? For callers that hold their text in pieces (a
/// rope) and plan from one replacement per finding when no finding is glued to anything.
pub fn glued(b: &[u8], s: usize, e: usize) -> bool {
    glued_before(b, s) || glued_after(b, e)
}

/// Can the character before `s` end a finding that the edit at `s` is glued to? Letters,
/// digits, the inner punctuation of addresses, tokens and names, `::`, `:` after a hex digit
/// or an e-mail address, `,` after a digit, `/` after a hex digit or `:` (a value a detector
/// refused for what followed the separator), any non-ASCII character. Not `=`, quotes, brackets, `;`, space, `:` after a
/// key: what separates a value from its key or from the next field.
fn glued_before(b: &[u8], s: usize) -> bool {
    if s == 0 {
        return false;
    }
    let digit_before = s >= 2 && b[s - 2].is_ascii_digit();
    match b[s - 1] {
        c if c.is_ascii_alphanumeric() || c >= 0x80 => true,
        b'_' | b'-' | b'.' | b'+' => true,
        // `::` (an IPv6 address's end), `:` after a hex digit (its last group), or after an
        // e-mail address that the letter after the `:` made no address (`a@b.com:ghp_…`).
        b':' => {
            s >= 2 && (b[s - 2] == b':' || b[s - 2].is_ascii_hexdigit() || email_before(b, s - 1))
        }
        // Detectors refuse a number followed by one of these and a digit (`123-45-6789/10.…`
        // as a path, `4111…1111,10.…` as a list of numbers) and take it when a tag follows
        // (found by the `redact` fuzz target).
        b',' => digit_before,
        // A number a space before a value that starts with a digit (see `glued_after`).
        b' ' => digit_before && b.get(s).is_some_and(u8::is_ascii_digit),
        // The same for `/`, and an IPv6 address before it, which may end in a hex letter or
        // `::`: `2001:db8::/99::192.0.2.0/96` reads as the prefix `2001:db8::/99`, which is policy,
        // not a finding, and `2001:db8::/[IPv6]/96` as the address (found by the fuzz target).
        b'/' => s >= 2 && (b[s - 2].is_ascii_hexdigit() || b[s - 2] == b':'),
        _ => false,
    }
}

/// Does the word ending at `end` (back to white space, a quote or a bracket, at most 254
/// bytes: an address's longest) hold an `@`?
fn email_before(b: &[u8], end: usize) -> bool {
    let lo = end.saturating_sub(254);
    for &c in b[lo..end].iter().rev() {
        match c {
            b'@' => return true,
            b' ' | b'\t' | b'\n' | b'"' | b'\'' | b'<' | b'(' | b'[' | b'=' => return false,
            _ => {}
        }
    }
    false
}

/// Can the character at `e` begin a finding glued to the edit ending at `e`? Letters, digits,
/// `_`, `-` (a PEM line), `+` (a phone number), `::` (an IPv6 address), `.` before a letter or
/// digit (a JWT), any non-ASCII character.
fn glued_after(b: &[u8], e: usize) -> bool {
    match b.get(e) {
        None => false,
        Some(&c) if c.is_ascii_alphanumeric() || c >= 0x80 => true,
        Some(b'_' | b'-' | b'+') => true,
        Some(b':') => b.get(e + 1) == Some(&b':'),
        // A JWT refused for the digit and `.` before it (`10.1.2.3.eyJ…`: one dotted name).
        Some(b'.') => b.get(e + 1).is_some_and(|c| c.is_ascii_alphanumeric()),
        // A number a space after a value ending in a digit: detectors refuse a spaced number
        // that goes on a list of numbers (`… 7654 32 078 05 1123`, an IBAN's last group before
        // an SSN) and take it once the value before is a tag (found by the `redact` fuzz
        // target).
        Some(b' ') => {
            e > 0 && b[e - 1].is_ascii_digit() && b.get(e + 1).is_some_and(u8::is_ascii_digit)
        }
        _ => false,
    }
}

fn floor_char(t: &str, mut i: usize) -> usize {
    while !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(t: &str, mut i: usize) -> usize {
    while !t.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Applies sorted, non-overlapping edits to `text`.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in edits {
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.replacement);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// A private key's value split into its BEGIN armor line (`-----BEGIN RSA PRIVATE KEY-----`),
/// its body, and its END armor line; None for any other finding.
///
/// Every style keeps the armor: it is no secret (it says what kind of key was there), and it
/// keeps the structure of the text. A `-----BEGIN` with no END of its own is no key while
/// another block's BEGIN follows it; were that block's armor replaced too, the lone BEGIN would
/// pair with a later stray END across the replacement, and the redacted text would rescan as one
/// key spanning it (found by the `redact` fuzz target).
fn pem_armor<'v>(kind: &Kind, value: &'v str) -> Option<(&'v str, &'v str, &'v str)> {
    if *kind != Kind::Builtin(crate::PiiType::PrivateKey) {
        return None;
    }
    // The detector's shape: `-----BEGIN <label>-----` … `-----END <label>-----`.
    let begin = "-----BEGIN".len() + value.get(10..)?.find("-----")? + 5;
    let end = value.rfind("-----END ")?;
    (begin <= end).then(|| (&value[..begin], &value[begin..end], &value[end..]))
}

/// `token` in place of a private key's body, the line breaks (or escaped `\n`) around the body
/// kept; `token` alone for any other finding.
fn in_armor(kind: &Kind, value: &str, token: &str) -> String {
    let Some((begin, body, end)) = pem_armor(kind, value) else {
        return token.to_owned();
    };
    // The separators on each side of the body stay: white space and escaped `\n`, `\r`.
    let (mut a, mut z) = (0, body.len());
    let sep_at = |i: usize| -> usize {
        let r = &body.as_bytes()[i..];
        match r {
            [b'\\', b'n' | b'r', ..] => 2,
            [c, ..] if c.is_ascii_whitespace() => 1,
            _ => 0,
        }
    };
    while a < z && sep_at(a) > 0 {
        a += sep_at(a);
    }
    let sep_before = |i: usize| -> usize {
        let r = &body.as_bytes()[a..i];
        match r {
            [.., b'\\', b'n' | b'r'] => 2,
            [.., c] if c.is_ascii_whitespace() => 1,
            _ => 0,
        }
    };
    while z > a && sep_before(z) > 0 {
        z -= sep_before(z);
    }
    let (lead, trail) = (&body[..a], &body[z..]);
    format!("{begin}{lead}{token}{trail}{end}")
}

/// One `*` per character; line breaks are kept so a masked multi-line key keeps line numbers.
fn mask(value: &str) -> String {
    value
        .chars()
        .map(|c| if c == '\n' || c == '\r' { c } else { '*' })
        .collect()
}

/// Masks every ASCII alphanumeric of `v` except the last `keep` digits/letters; separators
/// (`-`, ` `, `.`, `:`) stay so the shape remains readable.
fn keep_last(v: &str, keep: usize) -> String {
    let total = v.chars().filter(|c| c.is_ascii_alphanumeric()).count();
    let mut seen = 0;
    v.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                seen += 1;
                if seen > total.saturating_sub(keep) {
                    c
                } else {
                    '*'
                }
            } else {
                c
            }
        })
        .collect()
}

/// `partial`: keep what support needs and no more, as each type's catalog entry says
/// ([`Partial`]). Never enough to rebuild the value:
/// - card: last 4 digits (`****-****-****-1111`); IBAN: country + last 4; SSN: last 4;
///   phone: last 2;
/// - e-mail: first character of the local part and the domain (`j***@example.com`);
/// - IPv4: first octet (`10.*.*.*`); IPv6: first group (`fe80:****`); MAC: the vendor prefix
///   (`00:1a:2b:**:**:**`); host name: the TLD (`***.*******.com`);
/// - tokens: the fixed, public prefix that says what kind of token it was (`ghp_****`,
///   `AKIA****`, `sk_live_****`, `xoxb-****`, `AIza****`); everything else `****`;
/// - private key: BEGIN/END lines kept, body masked.
fn partial(kind: &Kind, v: &str) -> String {
    const STARS: &str = "****";
    let Kind::Builtin(t) = kind else {
        return STARS.to_owned();
    };
    match t.rule().partial {
        Partial::Stars => STARS.to_owned(),
        Partial::KeepLast(n) => keep_last(v, usize::from(n)),
        Partial::Iban => {
            let (cc, rest) = v.split_at(2.min(v.len()));
            format!("{cc}{}", keep_last(rest, 4))
        }
        Partial::Email => match v.rfind('@') {
            Some(a) => {
                let first = v[..a].chars().next().map(String::from).unwrap_or_default();
                format!("{first}***{}", &v[a..])
            }
            None => STARS.to_owned(),
        },
        Partial::Ipv4 => match v.split_once('.') {
            Some((a, _)) => format!("{a}.*.*.*"),
            None => STARS.to_owned(),
        },
        Partial::Ipv6 => match v.split_once(':') {
            Some((a, _)) if !a.is_empty() => format!("{a}:****"),
            _ => STARS.to_owned(),
        },
        Partial::Mac if v.len() == 17 => {
            let sep = &v[2..3];
            format!("{}{sep}**{sep}**{sep}**", &v[..8])
        }
        // Cisco's dotted form keeps the same vendor prefix: `5254.00**.****`.
        Partial::Mac if v.len() == 14 => format!("{}**.****", &v[..7]),
        Partial::Mac => STARS.to_owned(),
        Partial::Hostname => match v.rsplit_once('.') {
            Some((head, tld)) => {
                let h: String = head
                    .chars()
                    .map(|c| if c == '.' { '.' } else { '*' })
                    .collect();
                format!("{h}.{tld}")
            }
            None => STARS.to_owned(),
        },
        Partial::Prefix(prefixes) => {
            // The longest listed prefix the value starts with.
            match prefixes
                .iter()
                .filter(|p| v.starts_with(**p))
                .max_by_key(|p| p.len())
            {
                Some(p) => format!("{p}{STARS}"),
                None => STARS.to_owned(),
            }
        }
        Partial::PemLines => {
            // BEGIN/END lines stay; each body line becomes `****` so line numbers don't move.
            let lines: Vec<&str> = v.split('\n').collect();
            let n = lines.len();
            lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 || i + 1 == n {
                        (*l).to_owned()
                    } else if l.ends_with('\r') {
                        format!("{STARS}\r")
                    } else {
                        STARS.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}
