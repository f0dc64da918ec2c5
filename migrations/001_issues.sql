-- 001: incidents. Column for column as seed/DATABASE.md.
CREATE TABLE issues (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT,
    severity TEXT NOT NULL, -- 'critical', 'high', 'medium', 'low'
    status TEXT NOT NULL, -- 'open', 'investigating', 'resolved', 'closed'
    category TEXT,
    source TEXT,
    created_at TEXT NOT NULL, -- 'YYYY-MM-DD HH:MM:SS' UTC
    updated_at TEXT NOT NULL,
    resolved_at TEXT, -- nullable
    assigned_to TEXT,
    tags TEXT -- JSON array stored as TEXT
);
