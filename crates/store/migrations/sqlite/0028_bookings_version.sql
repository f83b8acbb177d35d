-- Moves with every change to a client's appointments (booked, moved, cancelled,
-- finished, merged or erased), in the same transaction, so what an instance keeps of
-- them is checked in the read that fetches the client. Triggers rather than code: no
-- path that writes an appointment can forget it. A table of its own rather than a
-- column of `clients`: a booking already holds a share lock on its client's row (the
-- foreign key), and raising it to an update lock under racing bookings fails on
-- PostgreSQL; both databases keep the same shape.
CREATE TABLE bookings_versions (
    client_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);

CREATE TRIGGER appointments_added_bump_bookings AFTER INSERT ON appointments
BEGIN
  INSERT OR IGNORE INTO bookings_versions (client_id, version) VALUES (NEW.client_id, 0);
  UPDATE bookings_versions SET version = version + 1 WHERE client_id = NEW.client_id;
END;

CREATE TRIGGER appointments_changed_bump_bookings AFTER UPDATE ON appointments
BEGIN
  INSERT OR IGNORE INTO bookings_versions (client_id, version) VALUES (NEW.client_id, 0);
  INSERT OR IGNORE INTO bookings_versions (client_id, version) VALUES (OLD.client_id, 0);
  UPDATE bookings_versions SET version = version + 1
  WHERE client_id = NEW.client_id OR client_id = OLD.client_id;
END;

CREATE TRIGGER appointments_removed_bump_bookings AFTER DELETE ON appointments
BEGIN
  INSERT OR IGNORE INTO bookings_versions (client_id, version) VALUES (OLD.client_id, 0);
  UPDATE bookings_versions SET version = version + 1 WHERE client_id = OLD.client_id;
END;

CREATE TRIGGER clients_removed_drop_bookings_version AFTER DELETE ON clients
BEGIN
  DELETE FROM bookings_versions WHERE client_id = OLD.id;
END;
