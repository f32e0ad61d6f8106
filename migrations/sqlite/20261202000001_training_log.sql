-- The training log: a workout holds exercise entries in order, each entry
-- holds sets in order, and every exercise comes from a catalogue (shared
-- common exercises plus each user's own). Every existing workout is carried
-- forward: its kind becomes an exercise, its sets x reps x weight that many
-- sets; its date, duration and notes stay where they were.

-- Units each user enters and reads weights and distances in. Values are
-- always stored in grams, metres and seconds.
ALTER TABLE users ADD COLUMN weight_unit TEXT NOT NULL DEFAULT 'kg' CHECK (weight_unit IN ('kg', 'lb'));
ALTER TABLE users ADD COLUMN distance_unit TEXT NOT NULL DEFAULT 'km' CHECK (distance_unit IN ('km', 'mi'));

-- The catalogue. user_id NULL: a common exercise every user has; otherwise
-- one user's own. Names match case-insensitively: name_key is the name in
-- lower case, unique per owner (the common ones count as owner 0).
CREATE TABLE exercises (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    name_key      TEXT    NOT NULL,
    -- What a set of it records: weight_reps, bodyweight_reps, duration or
    -- distance_duration.
    exercise_type TEXT    NOT NULL CHECK (exercise_type IN ('weight_reps', 'bodyweight_reps', 'duration', 'distance_duration')),
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX exercises_by_owner_name ON exercises (COALESCE(user_id, 0), name_key);

INSERT INTO exercises (name, name_key, exercise_type) VALUES
    ('Squat', 'squat', 'weight_reps'),
    ('Front Squat', 'front squat', 'weight_reps'),
    ('Bench Press', 'bench press', 'weight_reps'),
    ('Incline Bench Press', 'incline bench press', 'weight_reps'),
    ('Dumbbell Bench Press', 'dumbbell bench press', 'weight_reps'),
    ('Deadlift', 'deadlift', 'weight_reps'),
    ('Romanian Deadlift', 'romanian deadlift', 'weight_reps'),
    ('Sumo Deadlift', 'sumo deadlift', 'weight_reps'),
    ('Overhead Press', 'overhead press', 'weight_reps'),
    ('Push Press', 'push press', 'weight_reps'),
    ('Barbell Row', 'barbell row', 'weight_reps'),
    ('Dumbbell Row', 'dumbbell row', 'weight_reps'),
    ('Lat Pulldown', 'lat pulldown', 'weight_reps'),
    ('Seated Cable Row', 'seated cable row', 'weight_reps'),
    ('Leg Press', 'leg press', 'weight_reps'),
    ('Lunge', 'lunge', 'weight_reps'),
    ('Bulgarian Split Squat', 'bulgarian split squat', 'weight_reps'),
    ('Hip Thrust', 'hip thrust', 'weight_reps'),
    ('Leg Curl', 'leg curl', 'weight_reps'),
    ('Leg Extension', 'leg extension', 'weight_reps'),
    ('Calf Raise', 'calf raise', 'weight_reps'),
    ('Bicep Curl', 'bicep curl', 'weight_reps'),
    ('Hammer Curl', 'hammer curl', 'weight_reps'),
    ('Triceps Pushdown', 'triceps pushdown', 'weight_reps'),
    ('Skull Crusher', 'skull crusher', 'weight_reps'),
    ('Lateral Raise', 'lateral raise', 'weight_reps'),
    ('Face Pull', 'face pull', 'weight_reps'),
    ('Shrug', 'shrug', 'weight_reps'),
    ('Power Clean', 'power clean', 'weight_reps'),
    ('Kettlebell Swing', 'kettlebell swing', 'weight_reps'),
    ('Pull-up', 'pull-up', 'bodyweight_reps'),
    ('Chin-up', 'chin-up', 'bodyweight_reps'),
    ('Push-up', 'push-up', 'bodyweight_reps'),
    ('Dip', 'dip', 'bodyweight_reps'),
    ('Sit-up', 'sit-up', 'bodyweight_reps'),
    ('Hanging Leg Raise', 'hanging leg raise', 'bodyweight_reps'),
    ('Burpee', 'burpee', 'bodyweight_reps'),
    ('Plank', 'plank', 'duration'),
    ('Yoga', 'yoga', 'duration'),
    ('Jump Rope', 'jump rope', 'duration'),
    ('Run', 'run', 'distance_duration'),
    ('Walk', 'walk', 'distance_duration'),
    ('Hike', 'hike', 'distance_duration'),
    ('Cycling', 'cycling', 'distance_duration'),
    ('Rowing Machine', 'rowing machine', 'distance_duration'),
    ('Swimming', 'swimming', 'distance_duration');

-- A workout's own fields besides date, duration and notes.
ALTER TABLE workouts ADD COLUMN title TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 80);
-- Minutes after midnight, local to the user (0 to 1439); NULL when not given.
ALTER TABLE workouts ADD COLUMN start_minute INTEGER CHECK (start_minute BETWEEN 0 AND 1439);
-- Lets an entry name its workout and owner together (the foreign key below).
CREATE UNIQUE INDEX workouts_by_id_user ON workouts (id, user_id);

-- One exercise in a workout, at a position. user_id repeats the workout's
-- owner (the composite foreign key keeps the two equal) so an exercise's
-- history is one index range per user.
CREATE TABLE workout_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    workout_id  INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    position    INTEGER NOT NULL CHECK (position BETWEEN 0 AND 99),
    exercise_id INTEGER NOT NULL REFERENCES exercises (id),
    FOREIGN KEY (workout_id, user_id) REFERENCES workouts (id, user_id) ON DELETE CASCADE,
    UNIQUE (workout_id, position)
);
CREATE INDEX workout_entries_by_user_exercise ON workout_entries (user_id, exercise_id);
CREATE INDEX workout_entries_by_exercise ON workout_entries (exercise_id);

-- One set of an entry, at a position. Whole grams, metres and seconds; RPE
-- in half points (RPE 8.5 is 17). A set may record nothing but that it was
-- done (an old "3 sets" without reps).
CREATE TABLE workout_sets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id    INTEGER NOT NULL REFERENCES workout_entries (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position BETWEEN 0 AND 99),
    -- warmup, normal, failure or drop.
    set_type    TEXT    NOT NULL DEFAULT 'normal' CHECK (set_type IN ('warmup', 'normal', 'failure', 'drop')),
    reps        INTEGER CHECK (reps BETWEEN 0 AND 1000),
    weight_g    INTEGER CHECK (weight_g BETWEEN 0 AND 1000000),
    rpe_halves  INTEGER CHECK (rpe_halves BETWEEN 2 AND 20),
    duration_s  INTEGER CHECK (duration_s BETWEEN 1 AND 86400),
    distance_m  INTEGER CHECK (distance_m BETWEEN 1 AND 1000000),
    -- The record this set set when it was logged (e1rm, weight, reps,
    -- distance or pace); NULL when it set none.
    record      TEXT    CHECK (record IN ('e1rm', 'weight', 'reps', 'distance', 'pace')),
    UNIQUE (entry_id, position)
);

-- Carry the old one-row workouts forward. Kinds that name a common exercise
-- (case-insensitively) use it; every other kind becomes the user's own
-- exercise, typed by what its rows recorded.
INSERT INTO exercises (user_id, name, name_key, exercise_type)
SELECT user_id, MIN(kind), lower(kind),
       CASE WHEN MAX(weight_g) IS NOT NULL THEN 'weight_reps'
            WHEN MAX(distance_m) IS NOT NULL THEN 'distance_duration'
            WHEN MAX(reps) IS NOT NULL OR MAX(sets) IS NOT NULL THEN 'bodyweight_reps'
            ELSE 'duration' END
FROM workouts
WHERE lower(kind) NOT IN (SELECT name_key FROM exercises WHERE user_id IS NULL)
GROUP BY user_id, lower(kind);

INSERT INTO workout_entries (workout_id, user_id, position, exercise_id)
SELECT w.id, w.user_id, 0,
       (SELECT e.id FROM exercises e
        WHERE e.name_key = lower(w.kind) AND (e.user_id = w.user_id OR e.user_id IS NULL))
FROM workouts w;

-- "5 sets": five sets, each with the row's reps and weight; a distance (there
-- is no such row from the form, but the API allowed one) goes on the first.
WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
INSERT INTO workout_sets (entry_id, position, reps, weight_g, distance_m)
SELECT en.id, n.i, w.reps, w.weight_g, CASE WHEN n.i = 0 THEN w.distance_m END
FROM workouts w
JOIN workout_entries en ON en.workout_id = w.id
JOIN n ON n.i < w.sets
WHERE w.sets IS NOT NULL;

-- No set count but something measured: one set. A distance also takes the
-- workout's duration, so a run's pace is known.
INSERT INTO workout_sets (entry_id, position, reps, weight_g, distance_m, duration_s)
SELECT en.id, 0, w.reps, w.weight_g, w.distance_m,
       CASE WHEN w.distance_m IS NOT NULL THEN w.duration_minutes * 60 END
FROM workouts w
JOIN workout_entries en ON en.workout_id = w.id
WHERE w.sets IS NULL
  AND (w.reps IS NOT NULL OR w.weight_g IS NOT NULL OR w.distance_m IS NOT NULL);

ALTER TABLE workouts DROP COLUMN kind;
ALTER TABLE workouts DROP COLUMN distance_m;
ALTER TABLE workouts DROP COLUMN sets;
ALTER TABLE workouts DROP COLUMN reps;
ALTER TABLE workouts DROP COLUMN weight_g;
