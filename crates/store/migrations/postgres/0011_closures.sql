-- Days the whole clinic is closed (public holidays, a move): no one is bookable then.
CREATE TABLE closures (
    id TEXT PRIMARY KEY,
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    CHECK (to_date >= from_date)
);
CREATE INDEX closures_by_end ON closures (to_date);
