-- 003: findings in an attached log. original_value is cleared to '' once a redaction is finalized.
CREATE TABLE pii_spans (
    id TEXT PRIMARY KEY,
    log_file_id TEXT NOT NULL REFERENCES log_files(id) ON DELETE CASCADE,
    pii_type TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    original_value TEXT NOT NULL,
    replacement TEXT NOT NULL
);
