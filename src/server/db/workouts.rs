//! Workout queries. Every statement filters on `user_id`: ownership is part of
//! the query itself, so a row of another user is simply not found.

use sqlx::FromRow;
use time::Date;

use super::{Database, on_pool};
use crate::error::AppError;
use crate::workouts::domain::{NewWorkout, PageCursor, PageSize, Summary, Workout, WorkoutPage};

/// The columns a [`WorkoutRow`] reads, as a literal for `concat!`: each
/// statement is one static string, built at compile time.
macro_rules! columns {
    () => {
        "id, date, kind, duration_minutes, distance_m, sets, reps, weight_g, notes"
    };
}

/// A row as stored. Integers are read as i64 (what both SQLite and PostgreSQL
/// hand back) and narrowed once, in [`WorkoutRow::into_workout`].
#[derive(FromRow)]
struct WorkoutRow {
    id: i64,
    date: Date,
    kind: String,
    duration_minutes: Option<i64>,
    distance_m: Option<i64>,
    sets: Option<i64>,
    reps: Option<i64>,
    weight_g: Option<i64>,
    notes: String,
}

impl WorkoutRow {
    fn into_workout(self) -> Workout {
        // The table's CHECK constraints keep every value in range.
        fn narrow<T: TryFrom<i64>>(value: Option<i64>) -> Option<T> {
            value.and_then(|v| T::try_from(v).ok())
        }
        Workout {
            id: self.id,
            date: self.date,
            kind: self.kind,
            duration_minutes: narrow(self.duration_minutes),
            distance_m: narrow(self.distance_m),
            sets: narrow(self.sets),
            reps: narrow(self.reps),
            weight_g: narrow(self.weight_g),
            notes: self.notes,
        }
    }
}

/// Binds the stored fields of `workout` in the order of `date, kind,
/// duration_minutes, distance_m, sets, reps, weight_g, notes`.
macro_rules! bind_fields {
    ($query:expr, $workout:expr) => {
        $query
            .bind($workout.date)
            .bind(&$workout.kind)
            .bind($workout.duration_minutes.map(i64::from))
            .bind($workout.distance_m.map(i64::from))
            .bind($workout.sets.map(i64::from))
            .bind($workout.reps.map(i64::from))
            .bind($workout.weight_g.map(i64::from))
            .bind(&$workout.notes)
    };
}

impl Database {
    /// One page of the user's workouts, newest first, after `before` (keyset
    /// paging: stable while rows are added, and an index range scan).
    pub async fn list_workouts(
        &self,
        user_id: i64,
        before: Option<PageCursor>,
        size: PageSize,
    ) -> Result<WorkoutPage, AppError> {
        const SQL: &str = concat!(
            "SELECT ",
            columns!(),
            " FROM workouts WHERE user_id = $1 AND (date, id) < ($2, $3) \
             ORDER BY date DESC, id DESC LIMIT $4"
        );
        let limit = i64::from(size.get());
        let (date, id) = match before {
            Some(cursor) => (cursor.date, cursor.id),
            None => (Date::MAX, i64::MAX),
        };
        let rows: Vec<WorkoutRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(user_id)
                .bind(date)
                .bind(id)
                // One extra row tells whether there is a next page.
                .bind(limit + 1)
                .fetch_all(pool)
                .await
        })?;
        let mut workouts: Vec<Workout> = rows.into_iter().map(WorkoutRow::into_workout).collect();
        let next = (workouts.len() as i64 > limit).then(|| {
            workouts.truncate(limit as usize);
            PageCursor::after(workouts.last().expect("a full page has a last row")).encode()
        });
        Ok(WorkoutPage { workouts, next })
    }

    pub async fn find_workout(&self, user_id: i64, id: i64) -> Result<Option<Workout>, AppError> {
        const SQL: &str = concat!(
            "SELECT ",
            columns!(),
            " FROM workouts WHERE id = $1 AND user_id = $2"
        );
        let row: Option<WorkoutRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(id)
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(WorkoutRow::into_workout))
    }

    pub async fn create_workout(
        &self,
        user_id: i64,
        workout: &NewWorkout,
    ) -> Result<Workout, AppError> {
        const SQL: &str = concat!(
            "INSERT INTO workouts (date, kind, duration_minutes, distance_m, sets, reps, weight_g, notes, user_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
            columns!()
        );
        let row: WorkoutRow = on_pool!(self, pool => {
            bind_fields!(sqlx::query_as(SQL), workout)
                .bind(user_id)
                .fetch_one(pool)
                .await
        })?;
        Ok(row.into_workout())
    }

    /// Replaces every field; `None` when the user has no workout with this id.
    pub async fn update_workout(
        &self,
        user_id: i64,
        id: i64,
        workout: &NewWorkout,
    ) -> Result<Option<Workout>, AppError> {
        const SQL: &str = concat!(
            "UPDATE workouts SET date = $1, kind = $2, duration_minutes = $3, distance_m = $4, \
             sets = $5, reps = $6, weight_g = $7, notes = $8 \
             WHERE id = $9 AND user_id = $10 RETURNING ",
            columns!()
        );
        let row: Option<WorkoutRow> = on_pool!(self, pool => {
            bind_fields!(sqlx::query_as(SQL), workout)
                .bind(id)
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(WorkoutRow::into_workout))
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

    pub async fn delete_workouts_of(&self, user_id: i64) -> Result<u64, AppError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM workouts WHERE user_id = $1")
                .bind(user_id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?)
    }

    /// The dashboard's figures in one query (one round trip), from two index
    /// range scans: the total, in the row without a date, and per-day counts
    /// over the window the chart and the month need.
    pub async fn workout_summary(&self, user_id: i64, today: Date) -> Result<Summary, AppError> {
        const SQL: &str = "SELECT NULL AS date, COUNT(*) FROM workouts WHERE user_id = $1 \
             UNION ALL \
             SELECT date, COUNT(*) FROM workouts WHERE user_id = $1 AND date >= $2 AND date < $3 \
             GROUP BY date";
        let window = Summary::window(today);
        let rows: Vec<(Option<Date>, i64)> = on_pool!(self, pool => {
            sqlx::query_as(SQL)
                .bind(user_id)
                .bind(window.starts)
                .bind(window.ends)
                .fetch_all(pool)
                .await
        })?;
        let total = rows
            .iter()
            .find_map(|(day, count)| day.is_none().then_some(*count))
            .unwrap_or(0);
        let days: Vec<(Date, u32)> = rows
            .into_iter()
            .filter_map(|(day, count)| Some((day?, u32::try_from(count).unwrap_or(u32::MAX))))
            .collect();
        Ok(Summary::from_daily_counts(
            today,
            u32::try_from(total).unwrap_or(u32::MAX),
            &days,
        ))
    }
}
