-- The currency prices are shown in: an ISO 4217 code (GBP, EUR, USD…), or empty for
-- plain numbers.
ALTER TABLE clinic ADD COLUMN currency TEXT NOT NULL DEFAULT '';
