-- Frontdesk schema, SQLite flavour. Times are milliseconds since the Unix
-- epoch (UTC) in INTEGER columns, so both backends store and compare them the
-- same way; the location's time zone is applied only when showing them.

CREATE TABLE location (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    ack_first_within_s INTEGER NOT NULL DEFAULT 120,
    ack_recheck_every_s INTEGER NOT NULL DEFAULT 900,
    ack_escalate_after_s INTEGER NOT NULL DEFAULT 300
);

CREATE TABLE provider (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    location_id TEXT NOT NULL REFERENCES location(id)
);

CREATE TABLE staff_user (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- Only a hash of the session token is kept, so a copy of the database does
-- not hand out live sessions.
CREATE TABLE staff_session (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES staff_user(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE patient (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    preferred_name TEXT,
    date_of_birth TEXT,
    phone TEXT,
    email TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE visit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    location_id TEXT NOT NULL REFERENCES location(id),
    patient_id INTEGER NOT NULL REFERENCES patient(id),
    provider_id TEXT REFERENCES provider(id),
    visit_type TEXT,
    appointment_id TEXT,
    scheduled_at INTEGER,
    duration_min INTEGER,
    state TEXT NOT NULL,
    arrived_at INTEGER,
    last_acknowledged_at INTEGER,
    acknowledged_by TEXT,
    state_changed_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (location_id, appointment_id)
);
CREATE INDEX visit_by_state ON visit(location_id, state);

-- The timeline is append-only: rows are inserted, never updated or deleted.
CREATE TABLE visit_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id INTEGER NOT NULL REFERENCES visit(id),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX visit_event_by_visit ON visit_event(visit_id, id);

-- One row per request that reads or changes patient data.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log(at);
