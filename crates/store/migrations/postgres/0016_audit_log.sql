-- Who read or changed a client's intake or session notes, and when. Rows name the
-- client by id only and outlive an erased client, so the erasure itself stays on record.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    client_id TEXT,
    subject TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_client ON audit_log (client_id, at);
