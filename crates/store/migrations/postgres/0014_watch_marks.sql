-- What the watcher has raised: one row per alert, reminder or escalation,
-- by a key that names it exactly (`ack_overdue:visit:12:<clock start>`,
-- `promise_reminder:promise:7`). The row is inserted in the transaction that
-- writes the alert's timeline event and audit row, and only if the key is
-- new, so each alert is raised once however many servers watch and a failed
-- write leaves no mark (it is raised again on the next tick).
CREATE TABLE watch_mark (
    key TEXT PRIMARY KEY,
    raised_at BIGINT NOT NULL
);
CREATE INDEX watch_mark_by_time ON watch_mark(raised_at);
