-- Big lobbies (10,000 waiting across 20 locations on one server): what the
-- watcher reads every second is found by index, without reading every visit.

-- The acknowledgement clocks of a location's patients: the watcher asks for
-- the clocks whose due or escalation time has just passed; every column it
-- computes them from is in the index, so no table row is read for the rest.
CREATE INDEX IF NOT EXISTS visit_clock ON visit(location_id, state, arrived_at, last_acknowledged_at);

-- Open wait promises, for the watcher's re-quotes (a share of the visits each
-- tick, and every promise about to fall due).
CREATE INDEX IF NOT EXISTS promise_open_waits ON promise(kind, status, visit_id, due_at);
