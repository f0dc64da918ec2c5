//! Network identifiers: IP and MAC addresses, host names.

use super::{Family, Partial, Rule, BASE};
use crate::types::Severity;

const NET: Rule = Rule {
    family: Family::Network,
    severity: Severity::Information,
    ..BASE
};

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "ipv4",
        label: "IPv4 address",
        tag: "[IPv4]",
        specificity: 43,
        keywords: &["10.", "192.168.", "1.2.3.4", "BP-1-"],
        partial: Partial::Ipv4,
        checks: "four octets ≤ 255, also a field of a dash-separated id or the head of a reverse-DNS name; versions, loopback, network and broadcast addresses, ranges are not hosts",
        examples: &[
            "from «192.168.1.20» port 22",
            "peer=«8.8.8.8»:53",
            "addr «10.0.0.5»/24 on eth0",
            "Adding block pool BP-1347369012-«10.190.173.170»-1444972147527",
            "connection from x («62.99.164.82».sh.interxion.inode.at)",
        ],
        negatives: &[
            "running version 1.2.3.4 now",
            "route 10.0.0.0/8 via gw",
            "listen 127.0.0.1:8080 and 0.0.0.0:80",
        ],
        ..NET
    },
    Rule {
        id: "ipv6",
        label: "IPv6 address",
        tag: "[IPv6]",
        specificity: 45,
        keywords: &["::", "fe80:", "2001:db8:", "en0:2607:"],
        partial: Partial::Ipv6,
        checks: "every RFC 4291/5952 form (full, `::`-compressed, IPv4-suffixed), also glued to an interface label; zone and prefix outside the span; loopback, unspecified, IPv4-mapped non-hosts and ranges are not hosts",
        examples: &[
            "from «2001:db8::8a2e:370:7334» port",
            "«fe80::1ff:fe23:4567:890a»%eth0",
            "client «::ffff:192.0.2.128» connected",
            "v6(en0:«2607:f140:6000:8:c6b3:1ff:fecd:467f») DNS",
            "ip «2345:0425:2CA1:0000:0000:0567:5673:23b5».",
        ],
        negatives: &[
            "[::1]:443 and :: any",
            "IOThunderboltSwitch<0>(0x0)::listenerCallback",
            "mapped ::ffff:127.0.0.1 and range 2001:db8::/32",
        ],
        ..NET
    },
    Rule {
        id: "mac_address",
        label: "MAC address",
        tag: "[MAC]",
        specificity: 44,
        keywords: &["00:1a:", "00-1A-", "5254.00d8."],
        partial: Partial::Mac,
        checks: "six hex pairs with `:` or `-`, or Cisco's three dotted quads; all-zero and broadcast rejected",
        examples: &[
            "hw «00:1a:2b:3c:4d:5e» up",
            "hw «00-1A-2B-3C-4D-5E» up",
            "Gi0/1 «5254.00d8.c3cf» DYNAMIC",
        ],
        negatives: &["FF:F2:9F:15:1F:72:00:0D hardware", "at 16:13:38.811 and 12:01:01"],
        ..NET
    },
    Rule {
        id: "hostname",
        label: "Host name",
        tag: "[Hostname]",
        specificity: 30,
        keywords: &["host=", "from ", "//", "a.b.", "a.b.com/x", "-h a.b.com", "\":\"a.b."],
        partial: Partial::Hostname,
        checks: "labels + a known TLD, in a host position (`host=`, `from`, URLs, `:port`, `user@host`, JSON values, `-h`/`--host`, image references, scp/rsync targets); class and file names are not hosts",
        examples: &[
            "host=«db01.prod.example.com» port",
            "connect to «mail.example.org» failed",
            "GET https://«api.github.com»/repos x",
            "ssh root@«bastion.example.com»",
            "{\"authDomain\":\"«acme-prod.firebaseapp.com»\"}",
            "mysql -h «db.prod.example.lan» -u app",
            "pulling «registry.acme-corp.com»/payments@sha256:9f86d081884c7d65",
            "rsync -av ./dist «backup.example.com»:/srv/www",
        ],
        negatives: &[
            "at org.apache.hadoop.hdfs.DataNode.run(DataNode.java:123)",
            "loaded foo.log and x.java",
        ],
        ..NET
    },
];
