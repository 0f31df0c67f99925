-- The locations a staff member works at. None means every location, so a
-- one-site practice stays simple; a group practice lists them, and staff
-- see and act only there (another location's records answer "not found").
CREATE TABLE staff_location (
    user_id INTEGER NOT NULL REFERENCES staff_user(id),
    location_id TEXT NOT NULL REFERENCES location(id),
    PRIMARY KEY (user_id, location_id)
);
