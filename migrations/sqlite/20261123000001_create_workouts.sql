-- One row per logged workout. Every query filters on user_id, so ownership is
-- part of each statement's WHERE clause, never a separate check.
CREATE TABLE workouts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- ISO 8601 calendar date (YYYY-MM-DD): sorts and compares as text.
    date             TEXT    NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    kind             TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    duration_minutes INTEGER CHECK (duration_minutes BETWEEN 1 AND 1440),
    -- Whole metres and grams: exact, no floating-point drift.
    distance_m       INTEGER CHECK (distance_m BETWEEN 1 AND 1000000),
    sets             INTEGER CHECK (sets BETWEEN 1 AND 100),
    reps             INTEGER CHECK (reps BETWEEN 1 AND 1000),
    weight_g         INTEGER CHECK (weight_g BETWEEN 1 AND 1000000),
    notes            TEXT    NOT NULL DEFAULT '' CHECK (length(notes) <= 1000),
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The dashboard's list (newest first, keyset paging) and the summary's date
-- ranges both read one user's rows in date order: one index serves both.
CREATE INDEX workouts_by_user_date ON workouts (user_id, date DESC, id DESC);
