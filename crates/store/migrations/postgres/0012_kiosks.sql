-- Paired kiosks: a tablet becomes a location's kiosk by opening a one-time
-- pairing link (15 minutes) that staff made; it then holds a long-lived
-- device token in a cookie. Only hashes of the pairing code and the device
-- token are kept. A revoked kiosk is refused at once; a renamed one keeps
-- its pairing.
CREATE TABLE kiosk (
    id BIGSERIAL PRIMARY KEY,
    location_id TEXT NOT NULL REFERENCES location(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    pairing_hash TEXT UNIQUE,
    pairing_expires_at BIGINT,
    device_hash TEXT UNIQUE,
    paired_at BIGINT,
    last_seen_at BIGINT,
    revoked_at BIGINT
);
