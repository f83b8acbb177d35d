-- Moves with every change to a client's appointments (booked, moved, cancelled,
-- finished, merged or erased), in the same transaction, so what an instance keeps of
-- them is checked in the read that fetches the client. A trigger rather than code: no
-- path that writes an appointment can forget it. A table of its own rather than a
-- column of `clients`: a booking already holds a share lock on its client's row (the
-- foreign key), and raising it to an update lock under racing bookings fails ("new
-- multixact has more than one updating member").
CREATE TABLE bookings_versions (
    client_id TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE FUNCTION bump_bookings_version(who TEXT) RETURNS void LANGUAGE sql AS $$
  INSERT INTO bookings_versions (client_id, version) VALUES (who, 1)
  ON CONFLICT (client_id) DO UPDATE SET version = bookings_versions.version + 1;
$$;

CREATE FUNCTION appointments_bump_bookings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM bump_bookings_version(OLD.client_id);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.client_id IS DISTINCT FROM OLD.client_id) THEN
    PERFORM bump_bookings_version(NEW.client_id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER appointments_bump_bookings AFTER INSERT OR UPDATE OR DELETE ON appointments
FOR EACH ROW EXECUTE FUNCTION appointments_bump_bookings();

CREATE FUNCTION clients_drop_bookings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM bookings_versions WHERE client_id = OLD.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER clients_drop_bookings_version AFTER DELETE ON clients
FOR EACH ROW EXECUTE FUNCTION clients_drop_bookings_version();
