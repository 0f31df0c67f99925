-- A staff member's second factor: a TOTP secret (RFC 6238) shared with their
-- authenticator app. Checking a code needs the secret itself, so it is stored
-- as it is (base32). It is shown once, while enrolling, and after that never
-- leaves the server: not in the API, the pages, the logs or the audit log.
-- Protect the database and its backups as the patient data in them is
-- protected; whoever reads this table can make codes.
--
-- confirmed_at is NULL while enrolling (a secret offered, no code seen yet).
-- last_step is the newest 30-second step whose code was accepted, so a code
-- is never accepted twice. failures and last_failed_at count wrong codes in a
-- row (counted before a code is checked, cleared by a right one).
CREATE TABLE staff_second_factor (
    user_id INTEGER PRIMARY KEY REFERENCES staff_user(id),
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failed_at INTEGER
);

-- One-time recovery codes for a lost phone, kept only as the SHA-256 of the
-- code: each holds 80 random bits, so the hash cannot be guessed back.
-- used_at is set when one is spent; a spent code never works again.
CREATE TABLE staff_recovery_code (
    user_id INTEGER NOT NULL REFERENCES staff_user(id),
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (user_id, code_hash)
);
