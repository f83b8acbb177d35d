-- One-time sign-in links emailed to clients: only the hash of the secret is kept, each
-- works once and only until it expires.
CREATE TABLE sign_in_links (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX sign_in_links_by_client ON sign_in_links (client_id);
CREATE INDEX sign_in_links_by_expiry ON sign_in_links (expires_at);
