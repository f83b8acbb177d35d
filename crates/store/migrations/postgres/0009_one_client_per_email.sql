-- One client per email. Records that share an email (case and surrounding spaces aside)
-- are one person: their races, calendars, history, appointments, feeds, sessions and
-- sign-in links move to the oldest record, which keeps its own details, and the others
-- go. From here on the database refuses a second record with the same email.
UPDATE clients SET email = TRIM(email) WHERE email <> TRIM(email);

CREATE TABLE client_merge (old_id TEXT PRIMARY KEY, keep_id TEXT NOT NULL);
INSERT INTO client_merge (old_id, keep_id)
SELECT c.id, (SELECT k.id FROM clients k WHERE LOWER(k.email) = LOWER(c.email)
              ORDER BY k.created_at, k.id LIMIT 1)
FROM clients c WHERE c.email <> '';
DELETE FROM client_merge WHERE old_id = keep_id;

-- Cells move with their appointments. Where two records were booked at the same time,
-- the cell already held stays held, as when client cells were first written.
INSERT INTO client_cells (client_id, cell_start, appointment_id)
SELECT m.keep_id, cc.cell_start, cc.appointment_id
FROM client_cells cc JOIN client_merge m ON m.old_id = cc.client_id
WHERE true
ORDER BY cc.cell_start, cc.appointment_id
ON CONFLICT DO NOTHING;
DELETE FROM client_cells WHERE client_id IN (SELECT old_id FROM client_merge);

UPDATE appointments SET client_id = (SELECT keep_id FROM client_merge WHERE old_id = appointments.client_id)
WHERE client_id IN (SELECT old_id FROM client_merge);
UPDATE client_races SET client_id = (SELECT keep_id FROM client_merge WHERE old_id = client_races.client_id)
WHERE client_id IN (SELECT old_id FROM client_merge);
UPDATE client_calendars SET client_id = (SELECT keep_id FROM client_merge WHERE old_id = client_calendars.client_id)
WHERE client_id IN (SELECT old_id FROM client_merge);
UPDATE feed_tokens SET client_id = (SELECT keep_id FROM client_merge WHERE old_id = feed_tokens.client_id)
WHERE client_id IN (SELECT old_id FROM client_merge);
UPDATE web_sessions SET client_id = (SELECT keep_id FROM client_merge WHERE old_id = web_sessions.client_id)
WHERE client_id IN (SELECT old_id FROM client_merge);
UPDATE sign_in_links SET client_id = (SELECT keep_id FROM client_merge WHERE old_id = sign_in_links.client_id)
WHERE client_id IN (SELECT old_id FROM client_merge);
-- What the kept record's season is built from has changed.
UPDATE clients SET season_version = season_version + 1
WHERE id IN (SELECT keep_id FROM client_merge);
DELETE FROM clients WHERE id IN (SELECT old_id FROM client_merge);
DROP TABLE client_merge;

DROP INDEX clients_by_email;
CREATE UNIQUE INDEX clients_by_email ON clients (LOWER(email)) WHERE email <> '';
