-- One row per logged workout. Every query filters on user_id, so ownership is
-- part of each statement's WHERE clause, never a separate check. Integers are
-- BIGINT because the application reads every integer column as i64, as on SQLite.
CREATE TABLE workouts (
    id               BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    date             DATE        NOT NULL,
    kind             TEXT        NOT NULL CHECK (char_length(kind) BETWEEN 1 AND 40),
    duration_minutes BIGINT      CHECK (duration_minutes BETWEEN 1 AND 1440),
    -- Whole metres and grams: exact, no floating-point drift.
    distance_m       BIGINT      CHECK (distance_m BETWEEN 1 AND 1000000),
    sets             BIGINT      CHECK (sets BETWEEN 1 AND 100),
    reps             BIGINT      CHECK (reps BETWEEN 1 AND 1000),
    weight_g         BIGINT      CHECK (weight_g BETWEEN 1 AND 1000000),
    notes            TEXT        NOT NULL DEFAULT '' CHECK (char_length(notes) <= 1000),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The dashboard's list (newest first, keyset paging) and the summary's date
-- ranges both read one user's rows in date order: one index serves both.
CREATE INDEX workouts_by_user_date ON workouts (user_id, date DESC, id DESC);
