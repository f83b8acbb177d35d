-- Rate-limit counts whose window ended long ago are swept away hourly; this index finds
-- them without reading the whole table.
CREATE INDEX rate_limits_by_start ON rate_limits (window_start);
