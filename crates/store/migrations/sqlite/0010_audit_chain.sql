-- A tamper-evident audit log. Each row gets the hash of the row before it
-- (prev_hash) and its own hash, the SHA-256 of every column including
-- prev_hash (computed by the store, see ops/audit.rs). audit_chain holds the
-- head: the last row's id and hash, updated in the same transaction as the
-- rows, so deleting the last rows shows as well as changing or deleting any
-- other. New rows get their id from the head (last_id + 1), so id order is
-- chain order.
--
-- Rows already in the log are not hashed here (SQL has no SHA-256 on SQLite,
-- and both databases must hash alike): legacy_through remembers the last of
-- them, and the store links them into the chain, in id order, the first time
-- it opens the database after this migration and before it writes a new row.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

CREATE TABLE audit_chain (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    last_hash TEXT NOT NULL,
    legacy_through INTEGER NOT NULL
);
INSERT INTO audit_chain (id, last_id, last_hash, legacy_through)
SELECT 1, 0, '0000000000000000000000000000000000000000000000000000000000000000', COALESCE(MAX(id), 0)
FROM audit_log;
