-- Moves with every change to a client's appointments (booked, moved, cancelled,
-- finished, merged or erased), in the same transaction, so what an instance keeps of
-- them is checked in the read that fetches the client. Triggers rather than code: no
-- path that writes an appointment can forget it.
ALTER TABLE clients ADD COLUMN bookings_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER appointments_added_bump_bookings AFTER INSERT ON appointments
BEGIN
  UPDATE clients SET bookings_version = bookings_version + 1 WHERE id = NEW.client_id;
END;

CREATE TRIGGER appointments_changed_bump_bookings AFTER UPDATE ON appointments
BEGIN
  UPDATE clients SET bookings_version = bookings_version + 1
  WHERE id = NEW.client_id OR id = OLD.client_id;
END;

CREATE TRIGGER appointments_removed_bump_bookings AFTER DELETE ON appointments
BEGIN
  UPDATE clients SET bookings_version = bookings_version + 1 WHERE id = OLD.client_id;
END;
