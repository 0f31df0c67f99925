-- A location may quote waits (and suggest promise due times) at its own
-- quantile, in percent (50-99); NULL means the server's default.
ALTER TABLE location ADD COLUMN quote_quantile_pct BIGINT;
