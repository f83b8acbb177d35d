-- A client is never in two rooms: one row per 5-minute cell a client's appointment
-- covers (its own time, not the therapist's buffer), under PRIMARY KEY (client, cell),
-- exactly as appointment_cells guards each therapist.
CREATE TABLE client_cells (
    client_id TEXT NOT NULL REFERENCES clients (id),
    cell_start BIGINT NOT NULL,
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    PRIMARY KEY (client_id, cell_start)
);
CREATE INDEX client_cells_by_appointment ON client_cells (appointment_id);

-- Appointments booked before this rule keep their cells; where a client was already
-- booked twice at once, the earlier booking holds the cell and the other stays as it is.
INSERT INTO client_cells (client_id, cell_start, appointment_id)
SELECT a.client_id, c.cell_start, a.id
FROM appointments a
CROSS JOIN LATERAL generate_series(a.start_at - (a.start_at % 300), a.end_at - 1, 300) AS c (cell_start)
WHERE a.status IN ('booked', 'completed', 'no_show')
ORDER BY c.cell_start, a.id
ON CONFLICT DO NOTHING;
