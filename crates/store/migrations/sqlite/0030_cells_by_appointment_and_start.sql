-- What slot search reads of every booking in a span, straight from two indexes without
-- visiting the rows: the booking's start, state, therapist and id, then the end of the
-- time it holds (its last cell).
CREATE INDEX appointment_cells_by_appointment_and_start ON appointment_cells (appointment_id, cell_start);
DROP INDEX appointment_cells_by_appointment;
CREATE INDEX appointments_by_start_covering ON appointments (start_at, status, therapist_id, id);
DROP INDEX appointments_by_start;
