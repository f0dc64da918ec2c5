//! Personal data: e-mail addresses, phone numbers, identity and payment numbers.

use super::{Family, Partial, Rule, BASE};
use crate::types::Severity;

const PII: Rule = Rule {
    family: Family::Pii,
    severity: Severity::Warning,
    ..BASE
};

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "email",
        label: "Email address",
        tag: "[Email]",
        specificity: 50,
        keywords: &["@"],
        partial: Partial::Email,
        checks: "local part + `@` + a host name with a known TLD; `user@host` after ssh/scp is a host",
        examples: &[
            "mail sent to «alice.smith+logs@example.com» ok",
            "<«bob@mail.example.co.uk»>",
            "user=«j_doe-1@corp.internal»;",
            "an «zoë.kowalski@почта.рф» an",
            "to «info@例え.中国» now",
            "by «seva@डाक.भारत» ok",
        ],
        negatives: &[
            "loaded image@2x.png",
            "mail j***@example.com",
            "user [Email] and [Email-3f9a1c2b7d4e5f6071]",
            "bytes x@y.\u{fffd}\u{fffd}\u{fffd} [IPv4] lost",
        ],
        ..PII
    },
    Rule {
        id: "phone",
        label: "Phone number",
        tag: "[Phone]",
        specificity: 40,
        keywords: &["+", "(", "1-"],
        partial: Partial::KeepLast(2),
        checks: "US formats with separators, E.164 `+` and 8–15 digits; a bare run of digits is no phone",
        examples: &[
            "call «(555) 234-5678» now",
            "tel: «555-234-5678»",
            "reach «+1 555 234 5678» today",
            "uk «+44 20 7946 0958»",
            "«1-800-555-0199» support",
        ],
        negatives: &["phone 5552345678 bare digits", "counter 123456789 and 1234567890"],
        ..PII
    },
    Rule {
        id: "ssn",
        label: "US Social Security number",
        tag: "[SSN]",
        specificity: 58,
        keywords: &["-", "ssn=", "social: "],
        partial: Partial::KeepLast(4),
        checks: "`AAA-GG-SSSS`, dotted or spaced, or nine digits after an SSN label; areas 000, 666 and 9xx, group 00 and serial 0000 rejected",
        examples: &[
            "ssn «123-45-6789» on file",
            "SSN:«078-05-1120»",
            "abc «078 05 1123» abc",
            "social=«199446899» ok",
        ],
        negatives: &["id 000-12-3456 x 666-12-3456 y 912-34-5678 z 123-00-4567 w 123-45-0000"],
        ..PII
    },
    Rule {
        id: "credit_card",
        label: "Credit card number",
        tag: "[CreditCard]",
        specificity: 60,
        keywords: &["4111", "5555", "3782", "6759", "DE89 "],
        partial: Partial::KeepLast(4),
        checks: "brand IIN range + length + Luhn (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir, RuPay, Dankort, UATP, Elo, Hipercard, Troy, Verve); plain, or card groupings spaced or dashed; not inside an IBAN-shaped run",
        examples: &[
            "card «4111111111111111» charged",
            "card «4111 1111 1111 1111» charged",
            "amex «3782 822463 10005»",
            "/orders/«4012888888881881»/pay",
            "maestro «6759649826438453»",
            "uatp «122000000000003»",
        ],
        negatives: &["order 1234567812345678 shipped", "card ****-****-****-1111"],
        ..PII
    },
    Rule {
        id: "iban",
        label: "IBAN",
        tag: "[IBAN]",
        specificity: 61,
        keywords: &["DE89", "GB29", "AL47-"],
        partial: Partial::Iban,
        checks: "country + registry length (every country of the registry) + mod-97; plain or in groups of four, spaced or dashed",
        examples: &[
            "iban «DE89370400440532013000» ok",
            "iban «DE89 3704 0044 0532 0130 00» ok",
            "to «FR1420041010050500013M02606».",
            "iban «AL47-2121-1009-0000-0002-3569-8741»",
            "ly «LY83002048000020100120361»",
        ],
        negatives: &["IBAN DE89370400440532013001 bad checksum"],
        ..PII
    },
];
