-- 009: key/value settings (also holds the pseudonym secret, so it is encrypted with the store).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
