-- Access by relationship and sign-in that an attacker cannot turn against its owner.

-- A staff login can be revoked (and restored) by the owner.
ALTER TABLE staff ADD COLUMN active INTEGER NOT NULL DEFAULT 1;

-- How a session was opened ('link', 'password', 'staff') and when: a client changes a
-- password only right after a link sign-in, or with the current one.
ALTER TABLE web_sessions ADD COLUMN via TEXT NOT NULL DEFAULT 'password';
ALTER TABLE web_sessions ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX web_sessions_by_client ON web_sessions (client_id);
CREATE INDEX web_sessions_by_staff ON web_sessions (staff_id);

-- Addresses an account signed in from: they keep signing in while strangers guess.
CREATE TABLE known_sign_ins (
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (account, address)
);

-- The setup token is used once: the first claim wins, whatever races it.
CREATE TABLE setup_claims (
    id TEXT PRIMARY KEY,
    claimed_at INTEGER NOT NULL
);

-- Limits on booking without an account.
ALTER TABLE clinic ADD COLUMN booking_horizon_days INTEGER NOT NULL DEFAULT 365;
ALTER TABLE clinic ADD COLUMN max_open_bookings INTEGER NOT NULL DEFAULT 4;
