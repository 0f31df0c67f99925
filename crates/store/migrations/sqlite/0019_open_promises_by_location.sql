-- A location's open promises other than waits (the promises page, and the
-- watcher's reminders for every location every second): found by index.
-- Without it the query read every open promise of the practice, wait
-- promises included (10,000 rows a location with 10,000 patients waiting).
CREATE INDEX IF NOT EXISTS promise_open_others ON promise(location_id, due_at)
    WHERE status = 'open' AND kind <> 'seen_by';
