-- Every change to a complaint bumps its revision, and each change is written
-- only if the revision is still the one read: two staff working the same
-- complaint at once cannot overwrite each other (the second is told to try
-- again), as visits are guarded by their state.
ALTER TABLE complaint ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
