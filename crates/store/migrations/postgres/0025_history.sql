-- Recorded history (the runs a watch recorded, as sessions) in a table of its own, no
-- longer a calendar whose name ends in ".history.json".
CREATE TABLE client_history (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    -- The uploaded file's name.
    filename TEXT NOT NULL,
    -- The recorded sessions as JSON, in the domain's shape.
    sessions TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX client_history_by_client ON client_history (client_id, uploaded_at);
INSERT INTO client_history (id, client_id, filename, sessions, uploaded_at)
SELECT id, client_id, SUBSTR(filename, 1, LENGTH(filename) - 13), content, uploaded_at
FROM client_calendars WHERE filename LIKE '%.history.json';
DELETE FROM client_calendars WHERE filename LIKE '%.history.json';
