-- 002: logs attached to an incident (the file itself stays where it is; we keep path + hash).
CREATE TABLE log_files (
    id TEXT PRIMARY KEY,
    issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    file_path TEXT NOT NULL,
    file_size INTEGER,
    mime_type TEXT,
    content_hash TEXT, -- SHA-256 hex of original content
    uploaded_at TEXT NOT NULL,
    redacted INTEGER DEFAULT 0 -- boolean: 0/1
);
