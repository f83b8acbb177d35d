-- Moves with every change to a client's appointments (booked, moved, cancelled,
-- finished, merged or erased), in the same transaction, so what an instance keeps of
-- them is checked in the read that fetches the client. A trigger rather than code: no
-- path that writes an appointment can forget it.
ALTER TABLE clients ADD COLUMN bookings_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION bump_bookings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE clients SET bookings_version = bookings_version + 1 WHERE id = OLD.client_id;
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.client_id IS DISTINCT FROM OLD.client_id) THEN
    UPDATE clients SET bookings_version = bookings_version + 1 WHERE id = NEW.client_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER appointments_bump_bookings AFTER INSERT OR UPDATE OR DELETE ON appointments
FOR EACH ROW EXECUTE FUNCTION bump_bookings_version();
