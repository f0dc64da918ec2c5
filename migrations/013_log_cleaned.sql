-- 013: a log's cleaned copy in a table of its own, the blob its last column. In `log_state`
-- (012) the blob sat amid other columns: SQLite then builds the whole record in memory to write
-- `zeroblob(N)`, and every later update of the row (a review, a finalize) reads and rewrites
-- the whole copy, so storing or touching a 200 MB cleaned copy took twice that in memory. Here
-- the zero blob is written without being materialised, the copy is streamed in and out with
-- incremental blob I/O, and `log_state` rows stay small. `log_state.cleaned` is left in place
-- (always NULL from now on) so the 012 table keeps its shape.
CREATE TABLE log_cleaned (
    log_file_id TEXT PRIMARY KEY REFERENCES log_files(id) ON DELETE CASCADE,
    cleaned BLOB NOT NULL
);
INSERT INTO log_cleaned (log_file_id, cleaned)
    SELECT log_file_id, cleaned FROM log_state WHERE cleaned IS NOT NULL;
UPDATE log_state SET cleaned = NULL WHERE cleaned IS NOT NULL;
