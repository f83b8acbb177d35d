-- A client is never in two rooms: one row per 5-minute cell a client's appointment
-- covers (its own time, not the therapist's buffer), under PRIMARY KEY (client, cell),
-- exactly as appointment_cells guards each therapist.
CREATE TABLE client_cells (
    client_id TEXT NOT NULL REFERENCES clients (id),
    cell_start INTEGER NOT NULL,
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    PRIMARY KEY (client_id, cell_start)
);
CREATE INDEX client_cells_by_appointment ON client_cells (appointment_id);

-- Appointments booked before this rule keep their cells; where a client was already
-- booked twice at once, the earlier booking holds the cell and the other stays as it is.
WITH RECURSIVE cell (client_id, appointment_id, cell_start, end_at) AS (
    SELECT client_id, id, start_at - (start_at % 300), end_at
    FROM appointments WHERE status IN ('booked', 'completed', 'no_show')
    UNION ALL
    SELECT client_id, appointment_id, cell_start + 300, end_at
    FROM cell WHERE cell_start + 300 < end_at
)
INSERT INTO client_cells (client_id, cell_start, appointment_id)
SELECT client_id, cell_start, appointment_id FROM cell WHERE true
ORDER BY cell_start, appointment_id
ON CONFLICT DO NOTHING;
