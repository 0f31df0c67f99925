-- Messages to patients (their private status link by e-mail or text), kept
-- until a background task delivers them by SMTP or a webhook. channel is
-- 'email' or 'sms'; status 'pending', 'sent' or 'failed'. Once a message is
-- delivered or given up on, its body (which holds the private link) is
-- replaced, so the table keeps no working links. last_error never holds
-- addresses or names.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    location_id TEXT NOT NULL REFERENCES location(id),
    visit_id INTEGER REFERENCES visit(id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
