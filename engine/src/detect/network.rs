//! Network identifiers: IPv4 (from digit words), IPv6 and MAC addresses (short hex words
//! before `:`/`-`, and `::`), host names (first labels of dotted names, in host positions).

use super::{alnum, at, before, count, glued, glued_next, run, Scan};
use crate::types::PiiType;
use crate::validate::is_tld;

impl Scan<'_, '_> {
    pub(super) fn ipv4_at(&mut self, s: usize) {
        let b = self.b;
        let p = before(b, s);
        // `~~6.1.1.0` (Windows package ids), `v1.2.3.4`, `x.1.2.3.4`: versions, not addresses.
        if p == b'.' || p == b'_' || p == b'~' || glued(p) {
            return;
        }
        let Some((end, oct)) = parse_ipv4(b, s) else {
            return;
        };
        let nx = at(b, end);
        if glued_next(nx) || nx == b'[' || nx == b'_' {
            return;
        }
        // `1.2.3.4.5`, `10.0.0.1-beta`; but `10.0.0.1-10.0.0.9` is a range of two addresses.
        if nx == b'.' && glued_next(at(b, end + 1))
            || nx == b'-' && glued_next(at(b, end + 1)) && parse_ipv4(b, end + 1).is_none()
        {
            return;
        }
        // `0.x` (this network), loopback, multicast/reserved/broadcast and `x.y.z.0` network
        // addresses (`network 5.5.224.0`) name no host.
        if oct[0] == 0 || oct[0] == 127 || oct[0] >= 224 || oct[3] == 0 {
            return;
        }
        if nx == b'/' {
            let pe = run(b, end + 1, |c| c.is_ascii_digit());
            if pe > end + 1 && pe - end - 1 <= 2 {
                let plen: u32 = std::str::from_utf8(&b[end + 1..pe])
                    .ok()
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(99);
                if plen <= 32 {
                    let ip = u32::from_be_bytes(oct);
                    let host_mask = if plen == 32 { 0 } else { u32::MAX >> plen };
                    // A range (host bits all zero) names no host; `10.0.0.5/24` does.
                    if ip & host_mask == 0 {
                        return;
                    }
                }
            }
        }
        if version_context(b, s) {
            return;
        }
        self.push(PiiType::Ipv4, s, end);
    }

    pub(super) fn mac(&mut self, s: usize) {
        let b = self.b;
        if b.len() < s + 17 {
            return;
        }
        let sep = b[s + 2];
        let mut all_zero = true;
        let mut all_f = true;
        for g in 0..6 {
            let o = s + g * 3;
            if !(b[o].is_ascii_hexdigit() && b[o + 1].is_ascii_hexdigit()) {
                return;
            }
            if g < 5 && b[o + 2] != sep {
                return;
            }
            all_zero &= b[o] == b'0' && b[o + 1] == b'0';
            all_f &= b[o].eq_ignore_ascii_case(&b'f') && b[o + 1].eq_ignore_ascii_case(&b'f');
        }
        let e = s + 17;
        let nx = at(b, e);
        if alnum(nx) || nx == b'_' || (nx == sep && at(b, e + 1).is_ascii_hexdigit()) {
            return;
        }
        if all_zero || all_f {
            return;
        }
        self.push(PiiType::MacAddress, s, e);
    }

    pub(super) fn ipv6(&mut self, s: usize) {
        if let Some(e) = parse_ipv6(self.b, s) {
            self.push(PiiType::Ipv6, s, e);
        }
    }

    /// End of the run of host-name bytes starting at `s`.
    #[inline]
    fn host_extent(&self, s: usize) -> usize {
        let b = self.b;
        let mut e = s;
        if s >= self.blk_base && s - self.blk_base < 64 {
            let p = s - self.blk_base;
            let len = (!(self.blk_host >> p)).trailing_zeros() as usize;
            if p + len < 64 {
                return s + len;
            }
            e = self.blk_base + 64;
        }
        let from = e;
        while e < b.len() && HOST_CH[b[e] as usize] {
            e += 1;
        }
        count(e - from);
        e
    }

    pub(super) fn hostname(&mut self, s: usize) {
        let b = self.b;
        let Some(e) = fqdn_end_at(b, s, self.host_extent(s), false) else {
            return;
        };
        if host_position(b, s, e) {
            self.push(PiiType::Hostname, s, e);
        }
    }
}

/// Parses `a.b.c.d` at `s`; each octet 1–3 digits, ≤ 255, no leading zeros.
pub(super) fn parse_ipv4(b: &[u8], s: usize) -> Option<(usize, [u8; 4])> {
    let mut oct = [0u8; 4];
    let mut i = s;
    for (k, o) in oct.iter_mut().enumerate() {
        if k > 0 {
            if at(b, i) != b'.' {
                return None;
            }
            i += 1;
        }
        let j = run(b, i, |c| c.is_ascii_digit());
        let l = j - i;
        if l == 0 || l > 3 || (l > 1 && b[i] == b'0') {
            return None;
        }
        let v = b[i..j]
            .iter()
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
        if v > 255 {
            return None;
        }
        *o = v as u8;
        i = j;
    }
    Some((i, oct))
}

/// The IPv4 at `s` is a version number: preceded by `version`, `ver`, `v`, `release`, `build`,
/// `firmware`, `rev` (optionally with `:`/`=`).
pub(super) fn version_context(b: &[u8], s: usize) -> bool {
    // Bounded looks back: a few separators, then the last 9 letters of the word (enough for
    // every word of `V`), so no byte is walked by more than a few candidates.
    let mut i = s;
    while i > 0 && s - i < 8 && matches!(b[i - 1], b' ' | b'\t' | b':' | b'=' | b'"' | b'\'') {
        i -= 1;
    }
    let ws = {
        let mut k = i;
        while k > 0 && i - k < 9 && b[k - 1].is_ascii_alphabetic() {
            k -= 1;
        }
        k
    };
    count(s - ws);
    let w = &b[ws..i];
    const V: &[&[u8]] = &[
        b"version",
        b"ver",
        b"v",
        b"release",
        b"build",
        b"firmware",
        b"rev",
        b"revision",
        b"fw",
    ];
    V.iter().any(|v| {
        w.len() >= v.len()
            && w[w.len() - v.len()..].eq_ignore_ascii_case(v)
            && (v.len() > 3 || w.len() == v.len())
    })
}

/// Parses an IPv6 address (full, `::`-compressed, with an embedded IPv4 tail) at `s`.
pub(super) fn parse_ipv6(b: &[u8], s: usize) -> Option<usize> {
    let mut i = s;
    let mut groups = 0usize;
    let mut nonzero = 0usize;
    let mut dc = false;
    let mut best: Option<(usize, usize, bool)> = None;
    let mut v4 = false;
    if at(b, i) == b':' {
        if at(b, i + 1) != b':' {
            return None;
        }
        dc = true;
        i += 2;
    }
    loop {
        let j = run(b, i, |c| c.is_ascii_hexdigit());
        let h = j - i;
        if h == 0 {
            break;
        }
        if at(b, j) == b'.' && groups <= 6 {
            if let Some((e, oct)) = parse_ipv4(b, i) {
                groups += 2;
                if oct != [0, 0, 0, 0] {
                    nonzero += 2;
                }
                v4 = true;
                i = e;
                if (dc && groups <= 7) || groups == 8 {
                    best = Some((i, nonzero, true));
                }
            }
            break;
        }
        if h > 4 || alnum(at(b, j)) {
            break;
        }
        groups += 1;
        if b[i..j].iter().any(|&c| c != b'0') {
            nonzero += 1;
        }
        i = j;
        if groups > 8 {
            break;
        }
        if (dc && groups <= 7) || (!dc && groups == 8) {
            best = Some((i, nonzero, false));
        }
        if at(b, i) == b':' {
            if at(b, i + 1) == b':' {
                if dc {
                    break;
                }
                dc = true;
                i += 2;
                if groups <= 7 {
                    best = Some((i, nonzero, false));
                }
            } else if at(b, i + 1).is_ascii_hexdigit() {
                i += 1;
            } else {
                break;
            }
        } else {
            break;
        }
    }
    let _ = v4;
    let (e, nz, mapped) = best?;
    let v = &b[s..e];
    // Loopback `::1`, unspecified `::`, and text that only looks hex (`add::`) are not hosts.
    if nz == 0 || (nz < 2 && !mapped) {
        return None;
    }
    if !v.iter().any(u8::is_ascii_digit) {
        return None;
    }
    // Eight groups of exactly two hex digits are an EUI-64 / WWN hardware id
    // (`FF:F2:9F:15:1F:72:00:0D`), not an address.
    if !dc && v.split(|&c| c == b':').all(|g| g.len() == 2) {
        return None;
    }
    let upper = v.iter().any(u8::is_ascii_uppercase);
    let lower = v.iter().any(u8::is_ascii_lowercase);
    if upper && lower {
        return None;
    }
    let nx = at(b, e);
    if nx == b'_' || nx == b'.' && alnum(at(b, e + 1)) {
        return None;
    }
    if alnum(nx) {
        return None;
    }
    Some(e)
}

/// End of a fully-qualified domain name starting at `s` (labels of letters, digits and `-`,
/// at least two, last one a known TLD, or with `any_tld` any alphabetic one of 2–24 letters that
/// is not a file extension). Rejects CamelCase labels (`com.foo.MyClass`).
pub fn fqdn_end(b: &[u8], s: usize, any_tld: bool) -> Option<usize> {
    let mut e = s;
    while e < b.len() && HOST_CH[b[e] as usize] {
        e += 1;
    }
    count(e - s);
    fqdn_end_at(b, s, e, any_tld)
}

/// `fqdn_end` with the extent of host-name bytes `[s, e)` already known.
pub(super) fn fqdn_end_at(b: &[u8], s: usize, mut e: usize, any_tld: bool) -> Option<usize> {
    let e0 = e;
    while e > s && matches!(b[e - 1], b'.' | b'-') {
        e -= 1;
    }
    count(e0 - e);
    let v = &b[s..e];
    if v.len() > 253 {
        return None;
    }
    // Cheap rejections first: no dot, or a last label that is no TLD (class names, file names,
    // timestamps), before validating every label.
    let last_dot = v.iter().rposition(|&c| c == b'.')?;
    let last = &v[last_dot + 1..];
    let tld_ok = is_tld(last)
        || (any_tld
            && (2..=24).contains(&last.len())
            && last.iter().all(u8::is_ascii_alphabetic)
            && !is_file_ext(last));
    if !tld_ok {
        return None;
    }
    let mut labels = 0;
    for l in v.split(|&c| c == b'.') {
        if l.is_empty() || l.len() > 63 || l[0] == b'-' || l[l.len() - 1] == b'-' {
            return None;
        }
        let up = l.iter().any(u8::is_ascii_uppercase);
        let lo = l.iter().any(u8::is_ascii_lowercase);
        if up && lo {
            return None;
        }
        labels += 1;
    }
    if labels < 2 {
        return None;
    }
    // `foo.com.java`-like run-ons and method calls are not hosts.
    if matches!(at(b, e), b'(' | b'_' | b'@') {
        return None;
    }
    Some(e)
}

static HOST_CH: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.';
        i += 1;
    }
    t
};

pub(super) fn is_file_ext(l: &[u8]) -> bool {
    const EXT: &[&str] = &[
        "log",
        "txt",
        "java",
        "class",
        "jar",
        "py",
        "rs",
        "go",
        "js",
        "ts",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "html",
        "htm",
        "css",
        "json",
        "xml",
        "yaml",
        "yml",
        "toml",
        "conf",
        "cfg",
        "ini",
        "so",
        "dll",
        "exe",
        "sh",
        "md",
        "gz",
        "zip",
        "tar",
        "bz2",
        "xz",
        "pdf",
        "doc",
        "docx",
        "csv",
        "tmp",
        "bak",
        "lock",
        "pid",
        "sock",
        "properties",
        "php",
        "rb",
        "pl",
        "c",
        "h",
        "cpp",
        "hpp",
        "cc",
        "o",
        "a",
        "out",
        "err",
        "db",
        "sqlite",
        "dat",
        "bin",
        "img",
        "iso",
        "dmg",
        "pkg",
        "deb",
        "rpm",
        "apk",
        "plist",
        "scala",
        "kt",
        "swift",
        "m",
        "mm",
    ];
    EXT.iter().any(|x| x.as_bytes().eq_ignore_ascii_case(l))
}

/// Is the FQDN `[s, e)` in a host position? Left context is a host-ish key or verb (`host=`,
/// `hostname:`, `from`, `to`, `connect to`, `by`, `via`, `proxy` …), right context is a port
/// (`:443`) or a bracketed address (`name [10.0.0.1]`), or the name follows `//`.
pub(super) fn host_position(b: &[u8], s: usize, e: usize) -> bool {
    if s >= 2 && &b[s - 2..s] == b"//" {
        return true;
    }
    if at(b, e) == b':' {
        let pe = run(b, e + 1, |c| c.is_ascii_digit());
        if (2..=6).contains(&(pe - e)) && !glued_next(at(b, pe)) && at(b, pe) != b'.' {
            return true;
        }
    }
    let mut k = e;
    while k - e < 16 && matches!(at(b, k), b' ' | b'\t') {
        k += 1;
    }
    count(k - e);
    if k > e && matches!(at(b, k), b'[' | b'(') && at(b, k + 1).is_ascii_digit() {
        return true;
    }
    const KEYS: &[&str] = &[
        "host",
        "hostname",
        "hostnames",
        "rhost",
        "lhost",
        "server",
        "servername",
        "srv",
        "from",
        "to",
        "for",
        "by",
        "via",
        "proxy",
        "peer",
        "remote",
        "node",
        "address",
        "addr",
        "destination",
        "dest",
        "dst",
        "target",
        "upstream",
        "backend",
        "endpoint",
        "origin",
        "url",
        "uri",
        "connect",
        "connecting",
        "resolve",
        "resolving",
        "lookup",
        "sni",
        "relay",
        "client",
        "mx",
        "ns",
        "nameserver",
        "domain",
        "at",
        "fqdn",
        "referer",
        "referrer",
        "hosts",
        "redirect",
        "location",
        "mailhost",
        "smtp",
        "imap",
        "pop",
        "dns",
        "ping",
        "ssh",
    ];
    // Bounded looks back (a few separators, then at most the length of the longest key), so
    // no byte is walked by more than a few candidates.
    let mut i = s;
    while i > 0
        && s - i < 16
        && matches!(
            b[i - 1],
            b' ' | b'\t' | b'=' | b':' | b'"' | b'\'' | b'[' | b'(' | b'<'
        )
    {
        i -= 1;
    }
    if i == s && s > 0 {
        return false;
    }
    // `db_host=`, `remote-host:`: the last component decides.
    let mut ws = i;
    while ws > 0 && i - ws <= 12 && b[ws - 1].is_ascii_alphabetic() {
        ws -= 1;
    }
    count(s - ws);
    let tail = &b[ws..i];
    KEYS.iter().any(|k| k.as_bytes().eq_ignore_ascii_case(tail))
}

pub(super) fn prev_word_is(b: &[u8], s: usize, words: &[&str]) -> bool {
    // Bounded looks back: words of `words` are short.
    let mut i = s;
    while i > 0 && s - i < 8 && matches!(b[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    if i == s {
        return false;
    }
    let mut ws = i;
    while ws > 0 && i - ws <= 8 && b[ws - 1].is_ascii_alphanumeric() {
        ws -= 1;
    }
    count(s - ws);
    if ws > 0 && b[ws - 1].is_ascii_alphanumeric() {
        return false;
    }
    let w = &b[ws..i];
    words.iter().any(|x| x.as_bytes().eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use crate::types::PiiType;

    /// `(type, line, value)`: scanning `line` must report `value` (at its first occurrence) as
    /// `type`, with exactly that span.
    #[rustfmt::skip]
    const POSITIVES: &[(PiiType, &str, &str)] = &[
        (PiiType::Ipv4, "from 192.168.1.20 port 22", "192.168.1.20"),
        (PiiType::Ipv4, "peer=8.8.8.8:53", "8.8.8.8"),
        (PiiType::Ipv4, "addr 10.0.0.5/24 on eth0", "10.0.0.5"),
        (PiiType::Ipv4, "[173.234.31.186]", "173.234.31.186"),
        (PiiType::Ipv6, "from 2001:db8::8a2e:370:7334 port", "2001:db8::8a2e:370:7334"),
        (PiiType::Ipv6, "fe80::1ff:fe23:4567:890a%eth0", "fe80::1ff:fe23:4567:890a"),
        (PiiType::Ipv6, "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:443", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
        (PiiType::Ipv6, "client ::ffff:192.0.2.128 connected", "::ffff:192.0.2.128"),
        (PiiType::MacAddress, "hw 00:1a:2b:3c:4d:5e up", "00:1a:2b:3c:4d:5e"),
        (PiiType::MacAddress, "hw 00-1A-2B-3C-4D-5E up", "00-1A-2B-3C-4D-5E"),
        (PiiType::Hostname, "host=db01.prod.example.com port", "db01.prod.example.com"),
        (PiiType::Hostname, "hostname: web-3.internal", "web-3.internal"),
        (PiiType::Hostname, "connect to mail.example.org failed", "mail.example.org"),
        (PiiType::Hostname, "Received from relay.example.net", "relay.example.net"),
        (PiiType::Hostname, "GET https://api.github.com/repos x", "api.github.com"),
        (PiiType::Hostname, "chrome.exe - www.google.com:443 open", "www.google.com"),
        (PiiType::Hostname, "ssh root@bastion.example.com", "bastion.example.com"),
        (PiiType::Hostname, "git@github.com:org/repo.git", "github.com"),
        (PiiType::Hostname, "getaddrinfo for ns.example.com [1.2.3.4] failed", "ns.example.com"),
    ];

    /// Lines that must produce no finding of any type.
    const NEGATIVES: &[&str] = &[
        "running version 1.2.3.4 now",
        "build v10.0.0.1-beta deployed",
        "Loaded Servicing Stack v6.1.7601.23505 with Core",
        "Package_for_KB3121255~31bf3856ad364e35~amd64~~6.1.1.0, State: 112",
        "wcp.dll version 0.0.0.6 called",
        "at org.apache.hadoop.hdfs.DataNode.run(DataNode.java:123)",
        "INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created",
        "from com.android.systemui.statusbar",
        "loaded image@2x.png from foo.log and x.java",
        "to file.tar.gz",
        "route 10.0.0.0/8 via gw",
        "listen 127.0.0.1:8080 and 0.0.0.0:80 and [::1]:443 and :: any",
        "network 5.5.224.0 via interface alt0",
        "mask 255.255.255.0",
        "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181",
        "FF:F2:9F:15:1F:72:00:0D hardware",
        "IOThunderboltSwitch<0>(0x0)::listenerCallback - std::add",
        "at 16:13:38.811 and 12:01:01",
        "SCSI-WWID:01000010:6005-08b4-0001-00c6-0006-3000-003d-0000",
    ];

    #[test]
    fn cases() {
        super::super::check_cases(POSITIVES, NEGATIVES);
    }
}
