//! Workout queries over `workouts`, `workout_entries` and `workout_sets`.
//! Every statement filters on `user_id`: ownership is part of the query
//! itself, so a row of another user is simply not found. A workout is read
//! in one statement (the workout joined to its entries, exercises and sets)
//! and written in one transaction.

use std::collections::HashMap;

use sqlx::FromRow;
use time::Date;

use super::exercises::{Catalogue, add_exercise, read_catalogue};
use super::{Database, begin_writing, on_pool};
use crate::error::AppError;
use crate::workouts::domain::progress::DatedSet;
use crate::workouts::domain::{
    Bests, DailyLog, Entry, Exercise, ExerciseType, FlatWorkout, LoggedDay, LoggedSet, NewWorkout,
    PageCursor, PageSize, Period, RecordKind, Rpe, SetKind, SetValues, Workout, WorkoutHeader,
    WorkoutPage,
};

/// The joined read of whole workouts, for the workouts in `page` (a CTE the
/// statement defines first): one row per entry, its sets folded into one
/// text column (see [`set_list!`]), or one row per workout without entries;
/// workouts newest first (or oldest first with `oldest_first`), entries in
/// their order. A row per entry rather than per set: a driver's cost is per
/// row, and a lifting session has about four sets per entry.
macro_rules! joined_read {
    (oldest_first) => {
        joined_read!(@ordered "page.date, page.id, en.position")
    };
    () => {
        joined_read!(@ordered "page.date DESC, page.id DESC, en.position")
    };
    (@ordered $order:literal) => {
        concat!(
            "SELECT page.id, page.date, page.start_minute, page.title, page.duration_minutes, \
                    page.notes, ex.id AS exercise_id, \
                    ex.name AS exercise_name, ex.exercise_type, \
                    ex.user_id IS NOT NULL AS exercise_own, (",
            set_list!(),
            ") AS sets \
             FROM page \
             LEFT JOIN workout_entries en ON en.workout_id = page.id \
             LEFT JOIN exercises ex ON ex.id = en.exercise_id \
             ORDER BY ",
            $order
        )
    };
}

/// An entry's sets (the `en` of the enclosing query) as one text value, in
/// their order: each set's seven columns of [`SetColumns`] joined by `,`
/// (NULL as nothing), sets joined by `;`; NULL without sets. Every column is
/// a number or one of a fixed set of words, so neither separator can occur
/// inside one. `string_agg` with `ORDER BY` is PostgreSQL's and SQLite's
/// (3.44 and later) alike. Read back by [`SetColumns::parse_list`].
macro_rules! set_list {
    () => {
        "SELECT string_agg(s.set_type \
                || ',' || COALESCE(CAST(s.reps AS TEXT), '') \
                || ',' || COALESCE(CAST(s.weight_g AS TEXT), '') \
                || ',' || COALESCE(CAST(s.rpe_halves AS TEXT), '') \
                || ',' || COALESCE(CAST(s.duration_s AS TEXT), '') \
                || ',' || COALESCE(CAST(s.distance_m AS TEXT), '') \
                || ',' || COALESCE(s.record, ''), ';' ORDER BY s.position) \
         FROM workout_sets s WHERE s.entry_id = en.id"
    };
}

/// One row of [`joined_read!`]. Integers are read as i64 (what both SQLite
/// and PostgreSQL hand back) and narrowed once, here.
#[derive(FromRow)]
struct JoinedRow {
    id: i64,
    date: Date,
    start_minute: Option<i64>,
    title: String,
    duration_minutes: Option<i64>,
    notes: String,
    exercise_id: Option<i64>,
    exercise_name: Option<String>,
    exercise_type: Option<String>,
    exercise_own: Option<bool>,
    /// The entry's sets, as [`set_list!`] writes them.
    sets: Option<String>,
}

/// A set's columns, as every read of sets names them. `set_type` is NULL
/// for an entry without sets (a LEFT JOIN's empty side).
#[derive(FromRow)]
struct SetColumns {
    set_type: Option<String>,
    reps: Option<i64>,
    weight_g: Option<i64>,
    rpe_halves: Option<i64>,
    duration_s: Option<i64>,
    distance_m: Option<i64>,
    record: Option<String>,
}

impl SetColumns {
    fn logged_set(&self) -> Option<LoggedSet> {
        Some(LoggedSet {
            values: SetValues {
                kind: SetKind::from_name(self.set_type.as_deref()?)?,
                reps: narrow(self.reps),
                weight_g: narrow(self.weight_g),
                rpe: narrow::<u8>(self.rpe_halves).and_then(Rpe::from_halves),
                duration_s: narrow(self.duration_s),
                distance_m: narrow(self.distance_m),
            },
            record: self.record.as_deref().and_then(RecordKind::from_name),
        })
    }
}

impl SetColumns {
    /// The sets of [`set_list!`]'s text, in order. A set that does not read
    /// (which the table's constraints rule out) is left out.
    fn parse_list(text: &str) -> Vec<LoggedSet> {
        text.split(';')
            .filter_map(|set| Self::parse(set)?.logged_set())
            .collect()
    }

    /// One set of [`set_list!`]: seven fields joined by `,`.
    fn parse(text: &str) -> Option<Self> {
        let mut fields = text.split(',');
        let mut next = || fields.next();
        let word = |field: &str| (!field.is_empty()).then(|| field.to_owned());
        let number = |field: &str| field.parse::<i64>().ok();
        Some(Self {
            set_type: word(next()?),
            reps: number(next()?),
            weight_g: number(next()?),
            rpe_halves: number(next()?),
            duration_s: number(next()?),
            distance_m: number(next()?),
            record: word(next()?),
        })
    }
}

/// The table's CHECK constraints keep every value in range.
fn narrow<T: TryFrom<i64>>(value: Option<i64>) -> Option<T> {
    value.and_then(|v| T::try_from(v).ok())
}

impl JoinedRow {
    fn header(&self) -> WorkoutHeader {
        WorkoutHeader {
            id: self.id,
            date: self.date,
            start_minute: narrow(self.start_minute),
            title: self.title.clone(),
            duration_minutes: narrow(self.duration_minutes),
            notes: self.notes.clone(),
        }
    }

    fn exercise(&self) -> Option<Exercise> {
        Some(Exercise {
            id: self.exercise_id?,
            name: self.exercise_name.clone()?,
            exercise_type: ExerciseType::from_name(self.exercise_type.as_deref()?)?,
            own: self.exercise_own.unwrap_or(false),
        })
    }
}

/// One row of [`Database::exercise_history`].
#[derive(FromRow)]
struct HistoryRow {
    id: i64,
    date: Date,
    #[sqlx(flatten)]
    set: SetColumns,
}

impl HistoryRow {
    fn into_dated(self) -> Option<DatedSet> {
        Some(DatedSet {
            date: self.date,
            workout_id: self.id,
            set: self.set.logged_set()?,
        })
    }
}

/// Folds the joined rows (in order) back into workouts.
fn assemble(rows: Vec<JoinedRow>) -> Vec<Workout> {
    let mut workouts: Vec<(WorkoutHeader, Vec<Entry>)> = Vec::new();
    for row in rows {
        if workouts
            .last()
            .is_none_or(|(header, _)| header.id != row.id)
        {
            workouts.push((row.header(), Vec::new()));
        }
        let (_, entries) = workouts.last_mut().expect("pushed above");
        let Some(exercise) = row.exercise() else {
            continue;
        };
        entries.push(Entry {
            exercise,
            sets: row
                .sets
                .as_deref()
                .map(SetColumns::parse_list)
                .unwrap_or_default(),
        });
    }
    workouts
        .into_iter()
        .map(|(header, entries)| Workout::new(header, entries))
        .collect()
}

/// The best values of an exercise's non-warm-up sets in the user's workouts
/// before (`date`, `id`), as [`Bests`] reads them. The e1RM and pace are the
/// same integer formulas as `SetValues::estimated_one_rep_max_g` and
/// `SetValues::pace_s_per_km`.
const BESTS_BEFORE: &str = "SELECT \
       MAX(CASE WHEN s.weight_g > 0 AND s.reps = 1 THEN s.weight_g \
                WHEN s.weight_g > 0 AND s.reps > 1 THEN s.weight_g * (30 + s.reps) / 30 END), \
       MAX(CASE WHEN s.weight_g > 0 AND s.reps > 0 THEN s.weight_g END), \
       MAX(CASE WHEN s.reps > 0 THEN s.reps END), \
       MAX(s.distance_m), \
       MIN(CASE WHEN s.distance_m > 0 THEN s.duration_s * 1000 / s.distance_m END) \
     FROM workout_sets s \
     JOIN workout_entries en ON en.id = s.entry_id \
     JOIN workouts w ON w.id = en.workout_id \
     WHERE en.user_id = $1 AND en.exercise_id = $2 AND s.set_type <> 'warmup' \
       AND (w.date, w.id) < ($3, $4)";

type BestsRow = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn bests_from(row: BestsRow) -> Bests {
    Bests {
        e1rm_g: narrow(row.0),
        weight_g: narrow(row.1),
        reps: narrow(row.2),
        distance_m: narrow(row.3),
        pace_s_per_km: narrow(row.4),
    }
}

/// The most rows one multi-row INSERT of sets carries (9 values each, well
/// under SQLite's and PostgreSQL's limits on bound values).
const SETS_PER_INSERT: usize = 200;

/// The exercise `$entry` names, from `$catalogue` (a user's, read on `$tx`),
/// or added as the user's own (typed as the entry says, or by its sets).
macro_rules! resolve_exercise {
    ($tx:expr, $user_id:expr, $catalogue:expr, $entry:expr) => {{
        let entry: &crate::workouts::domain::NewEntry = $entry;
        match $catalogue.find(&entry.exercise) {
            Some(exercise) => exercise.clone(),
            None => {
                let exercise_type = entry
                    .exercise_type
                    .unwrap_or_else(|| ExerciseType::inferred_from(&entry.sets));
                let added = add_exercise!($tx, $user_id, &entry.exercise, exercise_type);
                $catalogue.push(added.clone());
                added
            }
        }
    }};
}

/// The user's [`Bests`] of an exercise in workouts before (`$date`, `$id`),
/// read on `$tx`.
macro_rules! bests_before {
    ($tx:expr, $user_id:expr, $exercise_id:expr, $date:expr, $id:expr) => {{
        let row: BestsRow = sqlx::query_as(BESTS_BEFORE)
            .bind($user_id)
            .bind($exercise_id)
            .bind($date)
            .bind($id)
            .fetch_one(&mut *$tx)
            .await?;
        bests_from(row)
    }};
}

/// Inserts a workout's own fields on `$tx`; yields its id.
macro_rules! insert_workout {
    ($tx:expr, $user_id:expr, $workout:expr) => {{
        let workout: &NewWorkout = $workout;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO workouts (user_id, date, start_minute, title, duration_minutes, notes) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind($user_id)
        .bind(workout.date)
        .bind(workout.start_minute.map(i64::from))
        .bind(&workout.title)
        .bind(workout.duration_minutes.map(i64::from))
        .bind(&workout.notes)
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}

/// Inserts one entry at `$position` of workout `$workout_id` and its sets
/// (`&[LoggedSet]`, records as given) on `$tx`, the sets a few hundred per
/// statement.
macro_rules! insert_entry {
    ($tx:expr, $user_id:expr, $workout_id:expr, $position:expr, $exercise_id:expr, $sets:expr) => {{
        let sets: &[LoggedSet] = $sets;
        let entry_id: i64 = sqlx::query_scalar(
            "INSERT INTO workout_entries (workout_id, user_id, position, exercise_id) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind($workout_id)
        .bind($user_id)
        .bind($position as i64)
        .bind($exercise_id)
        .fetch_one(&mut *$tx)
        .await?;
        for (chunk_index, chunk) in sets.chunks(SETS_PER_INSERT).enumerate() {
            let sql = insert_sets_sql(chunk.len());
            let mut query = sqlx::query(&sql);
            for (offset, set) in chunk.iter().enumerate() {
                let values = &set.values;
                query = query
                    .bind(entry_id)
                    .bind((chunk_index * SETS_PER_INSERT + offset) as i64)
                    .bind(values.kind.as_str())
                    .bind(values.reps.map(i64::from))
                    .bind(values.weight_g.map(i64::from))
                    .bind(values.rpe.map(|rpe| i64::from(rpe.halves())))
                    .bind(values.duration_s.map(i64::from))
                    .bind(values.distance_m.map(i64::from))
                    .bind(set.record.map(RecordKind::as_str));
            }
            query.execute(&mut *$tx).await?;
        }
    }};
}

/// Writes `$workout`'s entries and sets for workout `$workout_id` on `$tx`:
/// resolves each exercise by name (adding the user's own for a new name),
/// marks each set that beats the exercise's earlier bests as a record, and
/// yields the entries as stored.
macro_rules! write_entries {
    ($tx:expr, $user_id:expr, $workout_id:expr, $workout:expr) => {{
        let user_id: i64 = $user_id;
        let workout_id: i64 = $workout_id;
        let workout: &NewWorkout = $workout;
        let mut catalogue: Catalogue = read_catalogue!(&mut *$tx, user_id);
        let mut bests: HashMap<i64, Bests> = HashMap::new();
        let mut entries = Vec::with_capacity(workout.entries.len());
        for (position, new_entry) in workout.entries.iter().enumerate() {
            let exercise = resolve_exercise!($tx, user_id, catalogue, new_entry);
            if !bests.contains_key(&exercise.id) {
                let found = bests_before!($tx, user_id, exercise.id, workout.date, workout_id);
                bests.insert(exercise.id, found);
            }
            let best = bests.get_mut(&exercise.id).expect("inserted above");
            let sets: Vec<LoggedSet> = new_entry
                .sets
                .iter()
                .map(|values| LoggedSet {
                    values: *values,
                    record: best.record_of(exercise.exercise_type, values),
                })
                .collect();
            insert_entry!($tx, user_id, workout_id, position, exercise.id, &sets);
            entries.push(Entry { exercise, sets });
        }
        entries
    }};
}

/// A workout an import stores, with the record of each set where the file
/// says it (parallel to its entries and sets); `None`: worked out here.
pub struct WorkoutToImport<'a> {
    pub workout: &'a NewWorkout,
    pub records: Option<&'a [Vec<Option<RecordKind>>]>,
}

/// What an import stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOutcome {
    pub stored: u32,
    /// Left out: the log already held a workout with the same fingerprint.
    pub already_there: u32,
}

/// `INSERT INTO workout_sets ... VALUES` with `rows` rows of placeholders.
fn insert_sets_sql(rows: usize) -> String {
    const COLUMNS: usize = 9;
    let mut sql = String::from(
        "INSERT INTO workout_sets \
         (entry_id, position, set_type, reps, weight_g, rpe_halves, duration_s, distance_m, record) VALUES ",
    );
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..COLUMNS {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * COLUMNS + column + 1));
        }
        sql.push(')');
    }
    sql
}

impl Database {
    /// One page of the user's workouts, newest first, after `before` (keyset
    /// paging: stable while rows are added, and an index range scan), each
    /// with its entries and sets.
    pub async fn list_workouts(
        &self,
        user_id: i64,
        before: Option<PageCursor>,
        size: PageSize,
    ) -> Result<WorkoutPage, AppError> {
        const SQL: &str = concat!(
            "WITH page AS (SELECT id, date, start_minute, title, duration_minutes, notes \
             FROM workouts WHERE user_id = $1 AND (date, id) < ($2, $3) \
             ORDER BY date DESC, id DESC LIMIT $4) ",
            joined_read!()
        );
        let limit = i64::from(size.get());
        let (date, id) = match before {
            Some(cursor) => (cursor.date, cursor.id),
            None => (Date::MAX, i64::MAX),
        };
        let rows: Vec<JoinedRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(user_id)
                .bind(date)
                .bind(id)
                // One extra workout tells whether there is a next page.
                .bind(limit + 1)
                .fetch_all(pool)
                .await
        })?;
        let mut workouts = assemble(rows);
        let next = (workouts.len() as i64 > limit).then(|| {
            workouts.truncate(limit as usize);
            PageCursor::after(workouts.last().expect("a full page has a last row")).encode()
        });
        Ok(WorkoutPage { workouts, next })
    }

    pub async fn find_workout(&self, user_id: i64, id: i64) -> Result<Option<Workout>, AppError> {
        const SQL: &str = concat!(
            "WITH page AS (SELECT id, date, start_minute, title, duration_minutes, notes \
             FROM workouts WHERE id = $1 AND user_id = $2) ",
            joined_read!()
        );
        let rows: Vec<JoinedRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(id)
                .bind(user_id)
                .fetch_all(pool)
                .await
        })?;
        Ok(assemble(rows).pop())
    }

    /// Up to `limit` of the user's workouts after (`date`, `id`), oldest
    /// first: the export reads a user's whole log this way, a page at a time.
    pub async fn workouts_oldest_first(
        &self,
        user_id: i64,
        after: Option<(Date, i64)>,
        limit: u16,
    ) -> Result<Vec<Workout>, AppError> {
        const SQL: &str = concat!(
            "WITH page AS (SELECT id, date, start_minute, title, duration_minutes, notes \
             FROM workouts WHERE user_id = $1 AND (date, id) > ($2, $3) \
             ORDER BY date, id LIMIT $4) ",
            joined_read!(oldest_first)
        );
        // Before any date a workout may have (and within PostgreSQL's range).
        let before_all = FlatWorkout::EARLIEST
            .previous_day()
            .unwrap_or(FlatWorkout::EARLIEST);
        let (date, id) = after.unwrap_or((before_all, 0));
        let rows: Vec<JoinedRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(user_id)
                .bind(date)
                .bind(id)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?;
        Ok(assemble(rows))
    }

    /// The user's latest workout with this title (any case), for "repeat
    /// last"; `None` when there is none or the title is blank.
    pub async fn last_workout_titled(
        &self,
        user_id: i64,
        title: &str,
    ) -> Result<Option<Workout>, AppError> {
        const SQL: &str = concat!(
            "WITH page AS (SELECT id, date, start_minute, title, duration_minutes, notes \
             FROM workouts WHERE user_id = $1 AND lower(title) = lower($2) AND title <> '' \
             ORDER BY date DESC, id DESC LIMIT 1) ",
            joined_read!()
        );
        let rows: Vec<JoinedRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(user_id)
                .bind(title.trim())
                .fetch_all(pool)
                .await
        })?;
        Ok(assemble(rows).pop())
    }

    /// Stores a new workout with its entries and sets in one transaction.
    pub async fn create_workout(
        &self,
        user_id: i64,
        workout: &NewWorkout,
    ) -> Result<Workout, AppError> {
        let created = on_pool!(self, pool => {
            let created: Result<Workout, sqlx::Error> = async {
                let mut tx = pool.begin().await?;
                let id = insert_workout!(tx, user_id, workout);
                let entries = write_entries!(tx, user_id, id, workout);
                tx.commit().await?;
                Ok(Workout::new(header_of(id, workout), entries))
            }
            .await;
            created
        })?;
        Ok(created)
    }

    /// Replaces every field and every entry; `None` when the user has no
    /// workout with this id.
    pub async fn update_workout(
        &self,
        user_id: i64,
        id: i64,
        workout: &NewWorkout,
    ) -> Result<Option<Workout>, AppError> {
        let updated = on_pool!(self, pool => {
            let updated: Result<Option<Workout>, sqlx::Error> = async {
                let mut tx = pool.begin().await?;
                let found: Option<i64> = sqlx::query_scalar(
                    "UPDATE workouts SET date = $1, start_minute = $2, title = $3, \
                     duration_minutes = $4, notes = $5 WHERE id = $6 AND user_id = $7 RETURNING id",
                )
                .bind(workout.date)
                .bind(workout.start_minute.map(i64::from))
                .bind(&workout.title)
                .bind(workout.duration_minutes.map(i64::from))
                .bind(&workout.notes)
                .bind(id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                if found.is_none() {
                    tx.rollback().await?;
                    return Ok(None);
                }
                sqlx::query("DELETE FROM workout_entries WHERE workout_id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                let entries = write_entries!(tx, user_id, id, workout);
                tx.commit().await?;
                Ok(Some(Workout::new(header_of(id, workout), entries)))
            }
            .await;
            updated
        })?;
        Ok(updated)
    }

    /// Stores an import in one transaction: every workout whose fingerprint
    /// is not in the user's log already, oldest first; exercises resolved by
    /// name as when logging. Records are kept where the file says them, else
    /// worked out against the user's bests from before the file's first date,
    /// then through the file's workouts and the log's own in its date range,
    /// in date order.
    pub async fn import_workouts(
        &self,
        user_id: i64,
        workouts: &[WorkoutToImport<'_>],
    ) -> Result<ImportOutcome, AppError> {
        let Some(first) = workouts.iter().map(|w| w.workout.date).min() else {
            return Ok(ImportOutcome {
                stored: 0,
                already_there: 0,
            });
        };
        let last = workouts
            .iter()
            .map(|w| w.workout.date)
            .max()
            .unwrap_or(first);
        let mut order: Vec<usize> = (0..workouts.len()).collect();
        order.sort_by_key(|&i| {
            (
                workouts[i].workout.date,
                workouts[i].workout.start_minute,
                i,
            )
        });
        const IN_RANGE: &str = concat!(
            "WITH page AS (SELECT id, date, start_minute, title, duration_minutes, notes \
             FROM workouts WHERE user_id = $1 AND date >= $2 AND date <= $3) ",
            joined_read!(oldest_first)
        );
        let outcome = on_pool!(self, pool => {
            let outcome: Result<ImportOutcome, sqlx::Error> = async {
                let mut tx = begin_writing(pool).await?;
                let existing: Vec<JoinedRow> = sqlx::query_as(IN_RANGE)
                    .bind(user_id)
                    .bind(first)
                    .bind(last)
                    .fetch_all(&mut *tx)
                    .await?;
                let stored_in_range = assemble(existing);
                let existing: std::collections::HashSet<String> =
                    stored_in_range.iter().map(Workout::fingerprint).collect();
                // The log's own workouts in the file's range are walked with
                // the file's, in date order, so a record is one against both.
                let mut walk: Vec<(Date, Option<u16>, bool, usize)> = stored_in_range
                    .iter()
                    .enumerate()
                    .map(|(i, w)| (w.date, w.start_time, false, i))
                    .chain(order.iter().map(|&i| {
                        (workouts[i].workout.date, workouts[i].workout.start_minute, true, i)
                    }))
                    .collect();
                walk.sort();
                let mut catalogue: Catalogue = read_catalogue!(&mut *tx, user_id);
                let mut bests: HashMap<i64, Bests> = HashMap::new();
                let mut outcome = ImportOutcome { stored: 0, already_there: 0 };
                for (_, _, from_file, index) in walk {
                    if !from_file {
                        for entry in &stored_in_range[index].entries {
                            let exercise = &entry.exercise;
                            let best = match bests.entry(exercise.id) {
                                std::collections::hash_map::Entry::Occupied(found) => found.into_mut(),
                                std::collections::hash_map::Entry::Vacant(slot) => {
                                    slot.insert(bests_before!(tx, user_id, exercise.id, first, 0i64))
                                }
                            };
                            for set in &entry.sets {
                                best.record_of(exercise.exercise_type, &set.values);
                            }
                        }
                        continue;
                    }
                    let WorkoutToImport { workout, records } = &workouts[index];
                    if existing.contains(&workout.fingerprint()) {
                        outcome.already_there += 1;
                        continue;
                    }
                    let workout_id = insert_workout!(tx, user_id, *workout);
                    for (position, entry) in workout.entries.iter().enumerate() {
                        let exercise = resolve_exercise!(tx, user_id, catalogue, entry);
                        if records.is_none() && !bests.contains_key(&exercise.id) {
                            let found = bests_before!(tx, user_id, exercise.id, first, 0i64);
                            bests.insert(exercise.id, found);
                        }
                        let sets: Vec<LoggedSet> = entry
                            .sets
                            .iter()
                            .enumerate()
                            .map(|(set_index, values)| LoggedSet {
                                values: *values,
                                record: match records {
                                    Some(records) => records
                                        .get(position)
                                        .and_then(|entry| entry.get(set_index))
                                        .copied()
                                        .flatten(),
                                    None => bests
                                        .get_mut(&exercise.id)
                                        .and_then(|best| best.record_of(exercise.exercise_type, values)),
                                },
                            })
                            .collect();
                        insert_entry!(tx, user_id, workout_id, position, exercise.id, &sets);
                    }
                    outcome.stored += 1;
                }
                tx.commit().await?;
                Ok(outcome)
            }
            .await;
            outcome
        })?;
        Ok(outcome)
    }

    /// True when a workout was deleted, false when the user has none with this id.
    pub async fn delete_workout(&self, user_id: i64, id: i64) -> Result<bool, AppError> {
        let deleted = on_pool!(self, pool => {
            sqlx::query("DELETE FROM workouts WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(deleted > 0)
    }

    /// Deletes every workout of the user and their own exercises (the seed
    /// command's reset).
    pub async fn delete_workouts_of(&self, user_id: i64) -> Result<u64, AppError> {
        Ok(on_pool!(self, pool => {
            let deleted: Result<u64, sqlx::Error> = async {
                let mut tx = pool.begin().await?;
                let done = sqlx::query("DELETE FROM workouts WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM exercises WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }
            .await;
            deleted
        })?)
    }

    /// The user's number of workouts and, for each day in `period` with
    /// any, how many and the weight × reps of their working sets (warm-ups
    /// left out): what the dashboard's summary is counted from, in one
    /// statement of a row per day.
    pub async fn daily_log(&self, user_id: i64, period: Period) -> Result<DailyLog, AppError> {
        const SQL: &str = "SELECT NULL AS date, COUNT(*), NULL AS volume FROM workouts \
             WHERE user_id = $1 \
             UNION ALL \
             SELECT w.date, COUNT(*), CAST(SUM(( \
                    SELECT SUM(s.weight_g * s.reps) FROM workout_entries en \
                    JOIN workout_sets s ON s.entry_id = en.id \
                    WHERE en.workout_id = w.id AND s.set_type <> 'warmup')) AS BIGINT) \
             FROM workouts w WHERE w.user_id = $1 AND w.date >= $2 AND w.date < $3 \
             GROUP BY w.date";
        let rows: Vec<(Option<Date>, i64, Option<i64>)> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(user_id)
                .bind(period.starts)
                .bind(period.ends)
                .fetch_all(pool)
                .await
        })?;
        let mut log = DailyLog::default();
        for (date, count, volume) in rows {
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            match date {
                None => log.total = count,
                Some(date) => log.days.push(LoggedDay {
                    date,
                    workouts: count,
                    volume_g: volume.and_then(|v| u64::try_from(v).ok()).unwrap_or(0),
                }),
            }
        }
        Ok(log)
    }
}

impl Database {
    /// Every set of one exercise in the user's workouts, oldest first (by
    /// date, workout, entry, set), with its workout's id and date.
    pub async fn exercise_history(
        &self,
        user_id: i64,
        exercise_id: i64,
    ) -> Result<Vec<DatedSet>, AppError> {
        const SQL: &str = "SELECT w.id, w.date, s.set_type, s.reps, s.weight_g, s.rpe_halves, \
                    s.duration_s, s.distance_m, s.record \
             FROM workout_entries en \
             JOIN workouts w ON w.id = en.workout_id \
             JOIN workout_sets s ON s.entry_id = en.id \
             WHERE en.user_id = $1 AND en.exercise_id = $2 \
             ORDER BY w.date, w.id, en.position, s.position";
        let rows: Vec<HistoryRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(user_id)
                .bind(exercise_id)
                .fetch_all(pool)
                .await
        })?;
        Ok(rows
            .into_iter()
            .filter_map(HistoryRow::into_dated)
            .collect())
    }

    /// The latest `limit` days (up to `until`) on which the user worked out,
    /// newest first: what the streak is counted from.
    pub async fn recent_workout_days(
        &self,
        user_id: i64,
        until: Date,
        limit: u16,
    ) -> Result<Vec<Date>, AppError> {
        const SQL: &str = "SELECT DISTINCT date FROM workouts WHERE user_id = $1 AND date <= $2 \
             ORDER BY date DESC LIMIT $3";
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(SQL)
                .bind(user_id)
                .bind(until)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await
        })?)
    }
}

fn header_of(id: i64, workout: &NewWorkout) -> WorkoutHeader {
    WorkoutHeader {
        id,
        date: workout.date,
        start_minute: workout.start_minute,
        title: workout.title.clone(),
        duration_minutes: workout.duration_minutes,
        notes: workout.notes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::SetColumns;
    use crate::workouts::domain::{RecordKind, Rpe, SetKind};

    #[test]
    fn a_set_list_reads_back_in_order_with_its_nulls() {
        let sets = SetColumns::parse_list(
            "warmup,5,60000,,,,;normal,5,100000,17,,,e1rm;normal,,,,1500,5000,pace",
        );
        assert_eq!(sets.len(), 3);
        assert_eq!(sets[0].values.kind, SetKind::Warmup);
        assert_eq!(sets[0].values.weight_g, Some(60_000));
        assert_eq!(sets[0].values.rpe, None);
        assert_eq!(sets[0].record, None);
        assert_eq!(sets[1].values.rpe, Rpe::from_halves(17));
        assert_eq!(sets[1].record, Some(RecordKind::E1rm));
        assert_eq!(sets[2].values.reps, None);
        assert_eq!(sets[2].values.duration_s, Some(1500));
        assert_eq!(sets[2].values.distance_m, Some(5000));
        assert_eq!(sets[2].record, Some(RecordKind::Pace));
    }

    #[test]
    fn a_set_that_does_not_read_is_left_out() {
        assert!(SetColumns::parse_list("sprint,1,,,,,").is_empty());
        assert!(SetColumns::parse_list("normal,5").is_empty());
    }
}
