-- Lookups that read far more rows than they return, each given the index it needs.
-- Cancelling a race-week booking and withdrawing a waitlist entry find their race-week
-- request by these columns; erasing a client deletes rows these columns point at.
CREATE INDEX race_requests_by_appointment ON race_requests (appointment_id);
CREATE INDEX race_requests_by_wait ON race_requests (wait_id);
CREATE INDEX waitlist_by_appointment ON waitlist (appointment_id);
CREATE INDEX homework_by_note ON homework (note_id);
-- An event's requests in the order they came, without sorting the whole field.
CREATE INDEX race_requests_by_seq ON race_requests (event_id, seq);
-- Which clients a therapist treats (asked on every request a therapist makes about a
-- client), from the index alone.
CREATE INDEX appointments_by_therapist_client ON appointments (therapist_id, client_id, status, end_at);
-- Messages sent lately are counted by when they went, not by reading every one ever sent.
CREATE INDEX outbox_sent ON outbox (state, sent_at);
-- Only open offers are ever looked up by therapist and time; past ones stay on file.
CREATE INDEX waitlist_offers_open_by_time ON waitlist_offers (therapist_id, state, start_at);
DROP INDEX waitlist_offers_by_time;
