-- Paired kiosks: a tablet becomes a location's kiosk by opening a one-time
-- pairing link (15 minutes) that staff made; it then holds a long-lived
-- device token in a cookie. Only hashes of the pairing code and the device
-- token are kept. A revoked kiosk is refused at once; a renamed one keeps
-- its pairing.
CREATE TABLE kiosk (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    location_id TEXT NOT NULL REFERENCES location(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    pairing_hash TEXT UNIQUE,
    pairing_expires_at INTEGER,
    device_hash TEXT UNIQUE,
    paired_at INTEGER,
    last_seen_at INTEGER,
    revoked_at INTEGER
);
