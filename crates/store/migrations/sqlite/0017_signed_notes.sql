-- Session notes in four parts (what the client reports, what the therapist found, what
-- it means, what comes next), edited until the therapist signs them. Changes after that
-- are amendments kept beside the signed note, each with who made it, when and why.
ALTER TABLE session_notes ADD COLUMN subjective TEXT NOT NULL DEFAULT '';
ALTER TABLE session_notes ADD COLUMN pain INTEGER;
ALTER TABLE session_notes ADD COLUMN last_homework_done INTEGER;
ALTER TABLE session_notes ADD COLUMN assessment TEXT NOT NULL DEFAULT '';
ALTER TABLE session_notes ADD COLUMN next_visit TEXT NOT NULL DEFAULT '';
ALTER TABLE session_notes ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE session_notes ADD COLUMN updated_at INTEGER;
ALTER TABLE session_notes ADD COLUMN signed_at INTEGER;
ALTER TABLE session_notes ADD COLUMN signed_by TEXT;

-- The whole note as amended, as JSON, newest last.
CREATE TABLE note_amendments (
    id TEXT PRIMARY KEY,
    note_id TEXT NOT NULL REFERENCES session_notes (id),
    at INTEGER NOT NULL,
    author TEXT NOT NULL,
    reason TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE INDEX note_amendments_by_note ON note_amendments (note_id, at);

-- Notes saved before could not be changed: they stand as signed when written.
UPDATE session_notes SET signed_at = created_at, signed_by = '', updated_at = created_at;
