//! Quick end-to-end pass over the store API on a real encrypted file.

use tftsr::store::{Encryption, IssueFilter, NewIssue, OpenOptions, Store};

#[test]
fn open_create_search_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let opts = OpenOptions {
        db_path: Some(dir.path().join("tftsr.db")),
        encryption: Some(Encryption::On),
        key: Some("smoke-key".into()),
    };
    let s = Store::open(&opts).unwrap();
    let i = s
        .create_issue(NewIssue {
            title: "Checkout 502s".into(),
            severity: "high".into(),
            description: Some("nginx returns 502 on checkout".into()),
            ..Default::default()
        })
        .unwrap();
    let hits = s.search_issues("checkout", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].issue.id, i.id);
    assert_eq!(hits[0].snippet, "Checkout 502s");
    assert_eq!(hits[0].highlights, vec![[0, 8]]);
    assert!(hits[0].score > 0.0);
    assert_eq!(s.list_issues(&IssueFilter::default()).unwrap().len(), 1);
    drop(s);
    let s = Store::open(&opts).unwrap();
    assert_eq!(s.get_issue(&i.id).unwrap().issue, i);
    let r = s.check().unwrap();
    assert!(r.ok, "{r:?}");
}
