-- Arrival links: before an appointment the outbox sends the patient a
-- private link for that appointment alone ("I'm here", "I'm running late",
-- "I can't come"). Only a hash of the link's token is kept; the link works
-- from valid_from to expires_at (the appointment's local day). used_at is
-- when "I'm here" checked the patient in through it.
CREATE TABLE arrival_link (
    token_hash TEXT PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visit(id),
    location_id TEXT NOT NULL REFERENCES location(id),
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX arrival_link_by_visit ON arrival_link(visit_id);

-- When the reminder carrying an arrival link was queued: set in the same
-- transaction as its outbox messages, and only when still empty, so each
-- appointment is reminded once however many servers watch the clock.
ALTER TABLE visit ADD COLUMN reminded_at INTEGER;
CREATE INDEX visit_awaiting_reminder ON visit(location_id, scheduled_at)
    WHERE state = 'expected' AND reminded_at IS NULL;
