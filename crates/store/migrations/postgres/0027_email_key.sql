-- Clients are told apart by an email key the store folds itself (trimmed, every letter
-- lower-cased, not only A to Z), so both databases agree on what is the same email:
-- SQLite's LOWER folds ASCII only. Keys are filled here as the database folds them; the
-- store folds again on open those with other letters, merging records that were one
-- person all along.
ALTER TABLE clients ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
UPDATE clients SET email_key = LOWER(TRIM(email)) WHERE email <> '';
DROP INDEX clients_by_email;
CREATE UNIQUE INDEX clients_by_email ON clients (email_key) WHERE email_key <> '';
