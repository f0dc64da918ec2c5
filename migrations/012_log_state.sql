-- 012: where each attached log stands in the workflow (reviewed, cleaned copy stored, finalized),
-- in a table of its own so the seed's ten tables stay as designed. `cleaned` holds the cleaned
-- copy: the bytes that will be shared, inside the encrypted file, written in the same
-- transaction that sets log_files.redacted = 1. No row = not reviewed, no cleaned copy, values
-- kept, not finalized.
CREATE TABLE log_state (
    log_file_id TEXT PRIMARY KEY REFERENCES log_files(id) ON DELETE CASCADE,
    reviewed_at TEXT,
    accepted INTEGER,
    rejected INTEGER,
    cleaned_sha256 TEXT,
    cleaned_size INTEGER,
    cleaned BLOB,
    values_kept INTEGER NOT NULL DEFAULT 1,
    finalized_at TEXT,
    updated_at TEXT NOT NULL
);
