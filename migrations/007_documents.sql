-- 007: RCA / post-mortem documents. Timestamps are INTEGER milliseconds since the epoch (unlike issues).
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    doc_type TEXT NOT NULL, -- 'rca', 'postmortem'
    title TEXT NOT NULL,
    content_md TEXT NOT NULL,
    created_at INTEGER NOT NULL, -- milliseconds since epoch
    updated_at INTEGER NOT NULL
);
