-- Post-visit surveys. A location's delay between a visit's end and its
-- survey, in seconds (NULL: no surveys at this location).
ALTER TABLE location ADD COLUMN survey_delay_s BIGINT DEFAULT 7200;

-- One row per done visit the survey watcher decided about: 'sent' (with
-- the hash of the link's token), 'answered', or skipped: 'opted_out',
-- 'asked_recently' (this address was asked within 30 days). The answer is
-- kept in its columns; a low one names the recovery promise it opened and,
-- when the patient asked to be contacted and wrote a comment, the complaint.
CREATE TABLE survey (
    id BIGSERIAL PRIMARY KEY,
    visit_id BIGINT NOT NULL UNIQUE REFERENCES visit(id),
    location_id TEXT NOT NULL REFERENCES location(id),
    status TEXT NOT NULL,
    token_hash TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    answered_at BIGINT,
    helpful TEXT,
    courteous TEXT,
    listened TEXT,
    wait_as_promised BIGINT,
    overall BIGINT,
    comment TEXT,
    contact_me BIGINT,
    low BIGINT,
    recovery_promise_id BIGINT REFERENCES promise(id),
    complaint_id BIGINT REFERENCES complaint(id)
);
CREATE INDEX survey_by_location ON survey(location_id, created_at);

-- The addresses (SHA-256 of the normalised address, never the address) each
-- survey went to: "at most once per patient in 30 days".
CREATE TABLE survey_address (
    address_hash TEXT NOT NULL,
    survey_id BIGINT NOT NULL REFERENCES survey(id),
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (address_hash, survey_id)
);
CREATE INDEX survey_address_recent ON survey_address(address_hash, sent_at);

-- Addresses (hashed as above) that asked for no more surveys.
CREATE TABLE survey_opt_out (
    address_hash TEXT PRIMARY KEY,
    opted_out_at BIGINT NOT NULL
);

-- The survey watcher's search (done visits by the time they were done) and
-- the scorecard's (a location's visits, promises and complaints by time).
CREATE INDEX visit_by_state_time ON visit(location_id, state, state_changed_at);
CREATE INDEX visit_by_arrival ON visit(location_id, arrived_at);
CREATE INDEX promise_by_made ON promise(location_id, made_at);
CREATE INDEX complaint_by_received ON complaint(location_id, received_at);
