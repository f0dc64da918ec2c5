-- 008: append-only audit trail. details is JSON with counts, types, ids and SHA-256 hashes, never values.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    timestamp TEXT NOT NULL DEFAULT (datetime('now')),
    action TEXT NOT NULL, -- e.g., 'log_attach', 'ai_send'
    entity_type TEXT NOT NULL, -- e.g., 'issue', 'log_file'
    entity_id TEXT NOT NULL,
    user_id TEXT DEFAULT 'local',
    details TEXT -- JSON with hashes, log_file_ids, etc.
);
