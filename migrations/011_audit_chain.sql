-- 011: the tamper-evident audit chain, in a table of its own so the seed's ten tables stay as
-- designed. Link `seq` (1, 2, 3 … in the order entries were written) covers one audit_log row:
-- hash = SHA-256(prev_hash || '\n' || the row's canonical content), prev_hash = the previous
-- link's hash (64 zeros for the first). Written in the same transaction as the audit row; rows
-- that existed before this migration are chained by the binary right after it (SQLite has no
-- SHA-256), in the same transaction. No foreign key: a deleted audit row must show up as a
-- broken link, not vanish with its link.
CREATE TABLE audit_chain (
    seq INTEGER PRIMARY KEY,
    audit_id TEXT NOT NULL UNIQUE,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
