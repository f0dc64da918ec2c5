-- 010: full-text search over issues. An external-content FTS5 table stores only the index, so
-- the triggers below must keep it in step with `issues`, or search returns deleted/stale rows.
CREATE VIRTUAL TABLE issues_fts USING fts5(
    id UNINDEXED,
    title,
    description,
    content='issues',
    content_rowid='rowid'
);

CREATE TRIGGER issues_fts_ai AFTER INSERT ON issues BEGIN
    INSERT INTO issues_fts(rowid, id, title, description)
    VALUES (new.rowid, new.id, new.title, new.description);
END;

-- External content: removing a row needs the *old* values, passed through the 'delete' command.
CREATE TRIGGER issues_fts_ad AFTER DELETE ON issues BEGIN
    INSERT INTO issues_fts(issues_fts, rowid, id, title, description)
    VALUES ('delete', old.rowid, old.id, old.title, old.description);
END;

CREATE TRIGGER issues_fts_au AFTER UPDATE ON issues BEGIN
    INSERT INTO issues_fts(issues_fts, rowid, id, title, description)
    VALUES ('delete', old.rowid, old.id, old.title, old.description);
    INSERT INTO issues_fts(rowid, id, title, description)
    VALUES (new.rowid, new.id, new.title, new.description);
END;

-- Index whatever rows existed before this migration.
INSERT INTO issues_fts(issues_fts) VALUES ('rebuild');
