//! The `exercises` table: the common exercises (`user_id` NULL) every user
//! has, and each user's own. A user reads and adds only their own rows and
//! the common ones.

use sqlx::FromRow;

use super::{Database, on_pool};
use crate::error::AppError;
use crate::workouts::domain::{Exercise, ExerciseType};

/// The columns an [`ExerciseRow`] reads.
macro_rules! exercise_columns {
    () => {
        "id, name, exercise_type, user_id IS NOT NULL AS own"
    };
}
pub(super) use exercise_columns;

#[derive(FromRow)]
pub(super) struct ExerciseRow {
    id: i64,
    name: String,
    exercise_type: String,
    own: bool,
}

impl ExerciseRow {
    pub(super) fn into_exercise(self) -> Exercise {
        Exercise {
            id: self.id,
            name: self.name,
            // The table's CHECK allows only the four names.
            exercise_type: ExerciseType::from_name(&self.exercise_type)
                .unwrap_or(ExerciseType::WeightReps),
            own: self.own,
        }
    }
}

/// A user's catalogue in memory, for resolving names (case-insensitively)
/// without a query per name: one hash lookup each, however many exercises
/// a user has (an import may resolve 200,000 names).
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    exercises: Vec<Exercise>,
    /// Each name key's first exercise, by position in `exercises`.
    by_key: std::collections::HashMap<String, usize>,
}

impl Catalogue {
    pub fn find(&self, name: &str) -> Option<&Exercise> {
        let index = *self.by_key.get(&Exercise::name_key(name))?;
        self.exercises.get(index)
    }

    pub fn into_vec(self) -> Vec<Exercise> {
        self.exercises
    }
}

/// Inserts the user's own exercise on `$conn` unless one of that name (in
/// any case) exists, and yields its [`Exercise`] either way.
macro_rules! add_exercise {
    ($conn:expr, $user_id:expr, $name:expr, $exercise_type:expr) => {{
        let key = crate::workouts::domain::Exercise::name_key($name);
        let inserted: Option<crate::server::db::exercises::ExerciseRow> = sqlx::query_as(concat!(
            "INSERT INTO exercises (user_id, name, name_key, exercise_type) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING RETURNING ",
            crate::server::db::exercises::exercise_columns!()
        ))
        .bind($user_id)
        .bind($name)
        .bind(&key)
        .bind($exercise_type.as_str())
        .fetch_optional(&mut *$conn)
        .await?;
        match inserted {
            Some(row) => row,
            // Another request added it a moment ago.
            None => sqlx::query_as(concat!(
                "SELECT ",
                crate::server::db::exercises::exercise_columns!(),
                " FROM exercises WHERE user_id = $1 AND name_key = $2"
            ))
            .bind($user_id)
            .bind(&key)
            .fetch_one(&mut *$conn)
            .await?,
        }
        .into_exercise()
    }};
}
pub(super) use add_exercise;

/// Reads the user's catalogue (common exercises first, then their own, each
/// in the order they were added) on `$conn`.
macro_rules! read_catalogue {
    ($conn:expr, $user_id:expr) => {{
        let rows: Vec<crate::server::db::exercises::ExerciseRow> = sqlx::query_as(concat!(
            "SELECT ",
            crate::server::db::exercises::exercise_columns!(),
            " FROM exercises WHERE user_id = $1 OR user_id IS NULL \
             ORDER BY user_id IS NOT NULL, id"
        ))
        .bind($user_id)
        .fetch_all($conn)
        .await?;
        crate::server::db::exercises::Catalogue::from_rows(rows)
    }};
}
pub(super) use read_catalogue;

impl Catalogue {
    pub(super) fn from_rows(rows: Vec<ExerciseRow>) -> Self {
        let mut catalogue = Self::default();
        for row in rows {
            catalogue.push(row.into_exercise());
        }
        catalogue
    }

    pub(super) fn push(&mut self, exercise: Exercise) {
        self.by_key
            .entry(Exercise::name_key(&exercise.name))
            .or_insert(self.exercises.len());
        self.exercises.push(exercise);
    }
}

impl Database {
    /// Every exercise the user can log: the common ones, then their own.
    pub async fn catalogue(&self, user_id: i64) -> Result<Catalogue, AppError> {
        let catalogue = on_pool!(self, pool => {
            let read: Result<Catalogue, sqlx::Error> = async { Ok(read_catalogue!(pool, user_id)) }.await;
            read
        })?;
        Ok(catalogue)
    }

    /// The exercise of that name (in any case) in the user's catalogue,
    /// added as their own with `exercise_type` if there is none.
    pub async fn add_exercise(
        &self,
        user_id: i64,
        name: &str,
        exercise_type: ExerciseType,
    ) -> Result<Exercise, AppError> {
        if let Some(existing) = self.catalogue(user_id).await?.find(name) {
            return Ok(existing.clone());
        }
        let exercise = on_pool!(self, pool => {
            let added: Result<Exercise, sqlx::Error> = async {
                let mut conn = pool.acquire().await?;
                Ok(add_exercise!(conn, user_id, name, exercise_type))
            }
            .await;
            added
        })?;
        Ok(exercise)
    }

    /// One exercise of the user's catalogue, or `None` for an id that is
    /// neither common nor theirs.
    pub async fn find_exercise(&self, user_id: i64, id: i64) -> Result<Option<Exercise>, AppError> {
        const SQL: &str = concat!(
            "SELECT ",
            exercise_columns!(),
            " FROM exercises WHERE id = $1 AND (user_id = $2 OR user_id IS NULL)"
        );
        let row: Option<ExerciseRow> = on_pool!(self, pool => {
            sqlx::query_as(SQL).bind(id).bind(user_id).fetch_optional(pool).await
        })?;
        Ok(row.map(ExerciseRow::into_exercise))
    }
}
