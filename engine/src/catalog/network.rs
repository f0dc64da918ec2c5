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
        keywords: &["10.", "192.168.", "1.2.3.4"],
        partial: Partial::Ipv4,
        checks: "four octets ≤ 255; versions, loopback, network and broadcast addresses, ranges are not hosts",
        examples: &[
            "from «192.168.1.20» port 22",
            "peer=«8.8.8.8»:53",
            "addr «10.0.0.5»/24 on eth0",
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
        keywords: &["::", "fe80:", "2001:db8:"],
        partial: Partial::Ipv6,
        checks: "full, `::`-compressed and IPv4-suffixed forms; loopback and unspecified are not hosts",
        examples: &[
            "from «2001:db8::8a2e:370:7334» port",
            "«fe80::1ff:fe23:4567:890a»%eth0",
            "client «::ffff:192.0.2.128» connected",
        ],
        negatives: &["[::1]:443 and :: any", "IOThunderboltSwitch<0>(0x0)::listenerCallback"],
        ..NET
    },
    Rule {
        id: "mac_address",
        label: "MAC address",
        tag: "[MAC]",
        specificity: 44,
        keywords: &["00:1a:", "00-1A-"],
        partial: Partial::Mac,
        checks: "six hex pairs with `:` or `-`; all-zero and broadcast rejected",
        examples: &["hw «00:1a:2b:3c:4d:5e» up", "hw «00-1A-2B-3C-4D-5E» up"],
        negatives: &["FF:F2:9F:15:1F:72:00:0D hardware", "at 16:13:38.811 and 12:01:01"],
        ..NET
    },
    Rule {
        id: "hostname",
        label: "Host name",
        tag: "[Hostname]",
        specificity: 30,
        keywords: &["host=", "from ", "//", "a.b."],
        partial: Partial::Hostname,
        checks: "labels + a known TLD, in a host position (`host=`, `from`, URLs, `:port`, `user@host`); class and file names are not hosts",
        examples: &[
            "host=«db01.prod.example.com» port",
            "connect to «mail.example.org» failed",
            "GET https://«api.github.com»/repos x",
            "ssh root@«bastion.example.com»",
        ],
        negatives: &[
            "at org.apache.hadoop.hdfs.DataNode.run(DataNode.java:123)",
            "loaded foo.log and x.java",
        ],
        ..NET
    },
];
