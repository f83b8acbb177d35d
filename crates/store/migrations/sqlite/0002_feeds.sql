-- Calendar feed tokens: a secret per therapist or per client, stored as a hash.
CREATE TABLE feed_tokens (
    token_hash TEXT PRIMARY KEY,
    therapist_id TEXT REFERENCES therapists (id),
    client_id TEXT REFERENCES clients (id),
    created_at INTEGER NOT NULL,
    CHECK ((therapist_id IS NULL) <> (client_id IS NULL))
);
CREATE INDEX feed_tokens_by_therapist ON feed_tokens (therapist_id);
CREATE INDEX feed_tokens_by_client ON feed_tokens (client_id);
CREATE INDEX clients_by_email ON clients (email);
CREATE INDEX session_notes_by_created ON session_notes (created_at);
