-- One note per appointment. A note saved again for the same appointment, as the notes
-- form allowed before, becomes an amendment of the first, so nothing written is lost.
CREATE TEMPORARY TABLE first_notes AS
    SELECT appointment_id, (SELECT f.id FROM session_notes f WHERE f.appointment_id = n.appointment_id
                            ORDER BY f.created_at, f.id LIMIT 1) AS first_id
    FROM session_notes n GROUP BY appointment_id;
INSERT INTO note_amendments (id, note_id, at, author, reason, content)
    SELECT d.id, f.first_id, d.created_at, '', 'saved again for the same visit',
           json_object('findings', json(d.findings), 'pressure_used', d.pressure_used,
                       'techniques', json(d.techniques), 'homework_given', d.homework_given)
    FROM session_notes d JOIN first_notes f ON f.appointment_id = d.appointment_id
    WHERE d.id <> f.first_id;
UPDATE session_notes SET homework_done = (
    SELECT d.homework_done FROM session_notes d JOIN first_notes f ON f.appointment_id = d.appointment_id
    WHERE f.first_id = session_notes.id AND d.homework_done IS NOT NULL
    ORDER BY d.created_at DESC, d.id DESC LIMIT 1)
WHERE homework_done IS NULL;
DELETE FROM session_notes WHERE id NOT IN (SELECT first_id FROM first_notes);
DROP TABLE first_notes;
DROP INDEX session_notes_by_appointment;
CREATE UNIQUE INDEX session_notes_one_per_appointment ON session_notes (appointment_id);
