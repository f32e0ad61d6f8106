//! The training log: each user's own workouts (exercise entries with their
//! sets), listed, summarised, logged, edited and deleted, and the exercise
//! catalogue they are logged from.
//!
//! The server functions below are this feature's whole API. Every one of them
//! requires a logged-in user and reads or changes only that user's rows (see
//! `server.rs`); another user's workout is answered exactly like a missing one.

// `save_workout` takes the logging form's fields as its arguments; the
// server macro's browser half does not keep an allow put on the item.
#![allow(clippy::too_many_arguments)]

pub mod domain;
pub mod editor;
pub mod pages;
pub mod progress_page;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;

use crate::error::AppError;
pub use domain::{
    EntryDraft, Exercise, ExerciseType, SetDraft, Summary, Workout, WorkoutDraft, WorkoutForm,
    WorkoutPage,
};

/// `POST /api/workouts/list` (optional `before` cursor and `limit`, 1 to 100,
/// default 20): the user's workouts, newest first.
#[server(prefix = "/api/workouts", endpoint = "list")]
pub async fn list_workouts(
    before: Option<String>,
    limit: Option<u32>,
) -> Result<WorkoutPage, AppError> {
    server::list(before.as_deref(), limit).await
}

/// `POST /api/workouts/get` (`id`): one of the user's workouts, or 404.
#[server(prefix = "/api/workouts", endpoint = "get")]
pub async fn get_workout(id: i64) -> Result<Workout, AppError> {
    server::get(id).await
}

/// `POST /api/workouts/summary`: counts for this week, this month, in total and
/// for each of the last eight weeks.
#[server(prefix = "/api/workouts", endpoint = "summary")]
pub async fn workout_summary() -> Result<Summary, AppError> {
    server::summary().await
}

/// `POST /api/workouts/save`: logs a whole workout, or with `id` replaces
/// one of the user's (404 for any other id). The fields are those of
/// [`WorkoutDraft`]; entries and their sets are indexed form fields
/// (`entries[0][exercise]`, `entries[0][sets][1][weight]`), read in
/// `weight_unit` and `distance_unit` or else the user's preferred units.
/// A name not in the catalogue becomes the user's own exercise. Answers the
/// stored workout, each set that beat a record marked with it.
#[server(prefix = "/api/workouts", endpoint = "save")]
pub async fn save_workout(
    id: Option<i64>,
    date: String,
    start_time: Option<String>,
    title: Option<String>,
    duration_minutes: Option<String>,
    notes: Option<String>,
    weight_unit: Option<String>,
    distance_unit: Option<String>,
    entries: Option<Vec<EntryDraft>>,
) -> Result<Workout, AppError> {
    let draft = WorkoutDraft {
        date,
        start_time,
        title,
        duration_minutes,
        notes,
        weight_unit,
        distance_unit,
        entries: entries.unwrap_or_default(),
    };
    server::save(id, &draft).await
}

/// `POST /api/workouts/last` (`title`): the user's latest workout with this
/// title, any case ("repeat last"), or `null`.
#[server(prefix = "/api/workouts", endpoint = "last")]
pub async fn last_workout_titled(title: String) -> Result<Option<Workout>, AppError> {
    server::last_titled(&title).await
}

/// `POST /api/workouts/exercises`: the user's catalogue, the common
/// exercises first, then their own.
#[server(prefix = "/api/workouts", endpoint = "exercises")]
pub async fn list_exercises() -> Result<Vec<Exercise>, AppError> {
    server::exercises().await
}

/// `POST /api/workouts/add_exercise` (`name`, `exercise_type`: one of
/// `weight_reps`, `bodyweight_reps`, `duration`, `distance_duration`): adds
/// the user's own exercise, or answers the one of that name (any case)
/// already in their catalogue.
#[server(prefix = "/api/workouts", endpoint = "add_exercise")]
pub async fn add_exercise(name: String, exercise_type: String) -> Result<Exercise, AppError> {
    server::add_exercise(&name, &exercise_type).await
}

/// `POST /api/workouts/progress` (`id`): one exercise of the user's
/// catalogue with its history: a point per workout, its records (e1RM,
/// heaviest, best volume, rep maxes at 1, 3, 5 and 10 reps, most reps,
/// longest distance and time, best pace) and its latest sets; 404 for an id
/// that is neither a common exercise nor the user's own.
#[server(prefix = "/api/workouts", endpoint = "progress")]
pub async fn exercise_progress(id: i64) -> Result<domain::progress::ExerciseProgress, AppError> {
    server::progress(id).await
}

/// `POST /api/workouts/create` (form fields of [`WorkoutForm`]): a workout
/// of one exercise, as the first version of the API logged them.
#[server(prefix = "/api/workouts", endpoint = "create")]
pub async fn create_workout(#[server(flatten)] form: WorkoutForm) -> Result<Workout, AppError> {
    server::create(&form).await
}

/// `POST /api/workouts/update` (`id` and the fields of [`WorkoutForm`]): replaces
/// every field of one of the user's workouts, all its entries by one, or 404.
#[server(prefix = "/api/workouts", endpoint = "update")]
pub async fn update_workout(
    id: i64,
    #[server(flatten)] form: WorkoutForm,
) -> Result<Workout, AppError> {
    server::update(id, &form).await
}

/// `POST /api/workouts/delete` (`id`): deletes one of the user's workouts, or 404.
#[server(prefix = "/api/workouts", endpoint = "delete")]
pub async fn delete_workout(id: i64) -> Result<(), AppError> {
    server::delete(id).await
}
