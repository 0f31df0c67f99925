-- Private links to a patient's status page. Only a hash of the link's token
-- is kept; the link itself is shown once, when it is made. Links expire.
CREATE TABLE status_link (
    token_hash TEXT PRIMARY KEY,
    visit_id BIGINT NOT NULL REFERENCES visit(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX status_link_by_visit ON status_link(visit_id);
