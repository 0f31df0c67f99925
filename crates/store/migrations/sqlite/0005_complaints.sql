-- Complaints, taken verbatim from any channel and worked on two clocks
-- (acknowledge within N business days, resolve within N calendar days).
-- Everything that happens to a complaint is a complaint_event, append-only:
-- received, acknowledged, assigned, paused, resumed, reply, escalated,
-- resolved. Pauses are read back from the paused/resumed events.
-- escalation_level is the highest level already announced (owner, manager, admin).
CREATE TABLE complaint (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    location_id TEXT NOT NULL REFERENCES location(id),
    visit_id INTEGER REFERENCES visit(id),
    text TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    contact_name TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    owner TEXT,
    owner_role TEXT,
    status TEXT NOT NULL,
    received_by TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at INTEGER,
    paused_since INTEGER,
    resolved_by TEXT,
    resolved_at INTEGER,
    contact_person TEXT,
    steps TEXT,
    result TEXT,
    escalation_level TEXT NOT NULL DEFAULT 'owner'
);
CREATE INDEX complaint_by_location ON complaint(location_id, status, received_at);

CREATE TABLE complaint_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER NOT NULL REFERENCES complaint(id),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX complaint_event_by_complaint ON complaint_event(complaint_id, id);

-- Per-location complaint settings: opening hours ("Mon-Fri 08:00-18:00"),
-- closed dates (one YYYY-MM-DD per line), the two clocks, whether front desk
-- and clinicians may read every complaint, and the practice's website.
ALTER TABLE location ADD COLUMN business_hours TEXT NOT NULL DEFAULT 'Mon-Fri 08:00-18:00';
ALTER TABLE location ADD COLUMN closed_dates TEXT NOT NULL DEFAULT '';
ALTER TABLE location ADD COLUMN complaint_ack_days INTEGER NOT NULL DEFAULT 1;
ALTER TABLE location ADD COLUMN complaint_resolve_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE location ADD COLUMN staff_read_all_complaints INTEGER NOT NULL DEFAULT 0;
ALTER TABLE location ADD COLUMN website TEXT NOT NULL DEFAULT '';
