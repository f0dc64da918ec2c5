//! The catalog checks its own rules the way custom rules are checked at load: every example is
//! found with exactly its marked spans (by the whole engine, overlap policy included), every
//! negative example yields no finding at all; and each rule's declared data is what the engine
//! and the redactor use.

use tftsr_engine::catalog::{parse_example, Detect, Family, Partial};
use tftsr_engine::redact::{apply, Redactor, Style};
use tftsr_engine::{Engine, Kind, PiiType, RULES};

#[test]
fn every_example_is_found_with_its_exact_spans() {
    let eng = Engine::with_defaults();
    let mut failures = Vec::new();
    for (i, r) in RULES.iter().enumerate() {
        let ty = PiiType::ALL[i];
        for (j, ex) in r.examples.iter().enumerate() {
            let (text, spans) = parse_example(ex);
            assert!(
                !spans.is_empty(),
                "{}: example #{} has no «…» mark",
                r.id,
                j + 1
            );
            let got: Vec<_> = eng
                .scan(&text)
                .into_iter()
                .filter(|f| f.kind == Kind::Builtin(ty))
                .map(|f| f.start..f.end)
                .collect();
            if got != spans {
                failures.push(format!(
                    "{}: example #{} {text:?}: want {spans:?}, found {got:?}",
                    r.id,
                    j + 1
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_negative_example_yields_nothing() {
    let eng = Engine::with_defaults();
    let mut failures = Vec::new();
    for r in &RULES {
        for (j, ex) in r.negatives.iter().enumerate() {
            let fs = eng.scan(ex);
            if !fs.is_empty() {
                let got: Vec<_> = fs.iter().map(|f| (f.kind.id(), f.value(ex))).collect();
                failures.push(format!("{}: negative #{} {ex:?}: {got:?}", r.id, j + 1));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A type switched off finds nothing in its own examples, and switching it off changes nothing
/// for the others' examples that do not contain it: the enabled set is indexed by the catalog.
#[test]
fn disabling_a_type_disables_exactly_it() {
    for (i, r) in RULES.iter().enumerate() {
        let ty = PiiType::ALL[i];
        let cfg = tftsr_engine::Config {
            types: tftsr_engine::config::TypesConfig {
                enable: None,
                disable: vec![r.id.to_owned()],
            },
            ..Default::default()
        };
        let eng = Engine::new(cfg).unwrap();
        for ex in r.examples {
            let (text, _) = parse_example(ex);
            assert!(
                eng.scan(&text).iter().all(|f| f.kind != Kind::Builtin(ty)),
                "{} disabled but found",
                r.id
            );
        }
    }
}

/// Labels, tags and severities come from the catalog; the `tag` style writes the rule's tag
/// and the `partial` style follows its partial rule (a prefix rule keeps only a listed prefix).
#[test]
fn engine_and_redactor_use_the_catalog() {
    let eng = Engine::with_defaults();
    for (i, r) in RULES.iter().enumerate() {
        let ty = PiiType::ALL[i];
        let kind = Kind::Builtin(ty);
        assert_eq!(ty.id(), r.id);
        assert_eq!(eng.label(&kind), r.label);
        assert_eq!(eng.tag(&kind), r.tag);
        assert_eq!(eng.severity(&kind), r.severity);
        assert_eq!(tftsr_engine::specificity(&kind), r.specificity);
        let (text, spans) = parse_example(r.examples[0]);
        let fs = eng.scan(&text);
        let tagged = apply(
            &text,
            &Redactor::new(&eng, Style::Tag, [1; 32]).plan(&text, &fs),
        );
        assert!(tagged.contains(r.tag), "{}: {tagged:?}", r.id);
        if let Partial::Prefix(prefixes) = r.partial {
            let partial = apply(
                &text,
                &Redactor::new(&eng, Style::Partial, [1; 32]).plan(&text, &fs),
            );
            let value = &text[spans[0].clone()];
            let kept = prefixes.iter().find(|p| value.starts_with(**p));
            let want = format!("{}****", kept.copied().unwrap_or(""));
            assert!(partial.contains(&want), "{}: {partial:?}", r.id);
        }
    }
}

#[test]
fn families_and_detectors_are_declared() {
    for f in Family::ALL {
        assert!(RULES.iter().any(|r| r.family == f), "{f} has rules");
    }
    // Key-value rules bring their key names; the generic ones must be found by them.
    assert!(RULES
        .iter()
        .any(|r| matches!(r.detect, Detect::KeyValue { .. }) && r.keywords.contains(&"password")));
}
