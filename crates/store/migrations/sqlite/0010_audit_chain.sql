-- Migration 0010: the audit log as a hash chain, and retention.
--
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

-- Retention, in the same release (see docs/security.md). settled_at is when a
-- message was sent or given up on; a configurable time later its recipient is
-- replaced by the masked form staff see (a***@example.org, ***1234) and
-- recipient_scrubbed set. Messages settled before this migration count from
-- when they were sent, or else made (a failed message was given up on within
-- hours of being made).
ALTER TABLE outbox ADD COLUMN settled_at INTEGER;
ALTER TABLE outbox ADD COLUMN recipient_scrubbed INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET settled_at = COALESCE(sent_at, created_at) WHERE status <> 'pending';
CREATE INDEX outbox_to_scrub ON outbox(settled_at) WHERE recipient_scrubbed = 0;

-- The daily purge (expired sessions and status links, old recipients): one
-- row per UTC day it ran, so servers sharing the database run it once a day.
CREATE TABLE retention_run (
    day TEXT PRIMARY KEY,
    ran_at INTEGER NOT NULL
);
