-- What a client's season is built from (their calendars, recorded history and races)
-- changes in the same transaction as this number, so a server that kept the season
-- knows, from one read, whether it is still the one the database holds.
ALTER TABLE clients ADD COLUMN season_version BIGINT NOT NULL DEFAULT 0;
