-- Safe retries: the first answer to a request sent with an Idempotency-Key.
-- The row is written in the same transaction as what the request created
-- (`made`, e.g. `visit:12`), so a request that created nothing leaves no
-- row; `status` and `body` are filled in once the answer is made. A key is
-- the caller's own (`caller`: a staff username) and one route's; the hash
-- is of the request body, to refuse the same key with another request.
-- The daily purge deletes rows older than 24 hours.
CREATE TABLE idempotency_key (
    caller TEXT NOT NULL,
    route TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    made TEXT NOT NULL,
    status BIGINT,
    body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (caller, route, key)
);
CREATE INDEX idempotency_key_by_age ON idempotency_key(created_at);
