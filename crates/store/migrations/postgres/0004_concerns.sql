-- A patient's questions and concerns, in their own words, tracked until the
-- patient confirms the answer. 'open' and 'reopened' stop a checkout.
-- first_answered_at is kept for the time-to-first-answer measure; answer
-- holds the latest answer (every answer is also on the visit's timeline).
-- tone_flags: the tone coach's flag kinds when staff sent an answer anyway.
CREATE TABLE concern (
    id BIGSERIAL PRIMARY KEY,
    location_id TEXT NOT NULL REFERENCES location(id),
    visit_id BIGINT NOT NULL REFERENCES visit(id),
    text TEXT NOT NULL,
    source TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    owner TEXT,
    status TEXT NOT NULL,
    answer TEXT,
    answered_by TEXT,
    answered_at BIGINT,
    first_answered_at BIGINT,
    tone_flags TEXT NOT NULL DEFAULT '',
    responded_at BIGINT,
    patient_note TEXT,
    promise_id BIGINT REFERENCES promise(id)
);
CREATE INDEX concern_by_visit ON concern(visit_id, id);
CREATE INDEX concern_by_location ON concern(location_id, raised_at);
-- The board marks upset patients (an 'upset' event today).
CREATE INDEX visit_event_by_kind ON visit_event(kind, at);
