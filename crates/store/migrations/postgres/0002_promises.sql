-- Promises: every quote is a promise with a due time, measured kept or broken.
-- A renegotiation keeps the old promise on record (status 'renegotiated',
-- replaced_by pointing at the new one). 'withdrawn' is for a promise whose
-- visit ended without the service (the patient left or was cancelled): it
-- was neither kept nor broken.

ALTER TABLE visit ADD COLUMN seen_at BIGINT;

CREATE TABLE promise (
    id BIGSERIAL PRIMARY KEY,
    location_id TEXT NOT NULL REFERENCES location(id),
    visit_id BIGINT REFERENCES visit(id),
    patient_id BIGINT REFERENCES patient(id),
    kind TEXT NOT NULL,
    made_by TEXT NOT NULL,
    owner TEXT,
    note TEXT NOT NULL DEFAULT '',
    made_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    likely_at BIGINT,
    suggested_due_at BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    fulfilled_at BIGINT,
    fulfilled_by TEXT,
    replaced_by BIGINT
);
CREATE INDEX promise_by_visit ON promise(visit_id, id);
CREATE INDEX promise_open ON promise(status, due_at);
CREATE INDEX promise_by_kind ON promise(location_id, kind, status);
