-- Idempotency keys live on the appointment they booked (appointments.idempotency_key);
-- the separate table of stored responses was never used.
DROP TABLE idempotency;
