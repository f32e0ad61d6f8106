//! The workout log: each user's own workouts, listed, summarised, created,
//! edited and deleted.
//!
//! The server functions below are this feature's whole API. Every one of them
//! requires a logged-in user and reads or changes only that user's rows (see
//! `server.rs`); another user's workout is answered exactly like a missing one.

pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;

use crate::error::AppError;
pub use domain::{Summary, Workout, WorkoutForm, WorkoutPage};

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

/// `POST /api/workouts/create` (form fields of [`WorkoutForm`]).
#[server(prefix = "/api/workouts", endpoint = "create")]
pub async fn create_workout(#[server(flatten)] form: WorkoutForm) -> Result<Workout, AppError> {
    server::create(&form).await
}

/// `POST /api/workouts/update` (`id` and the fields of [`WorkoutForm`]): replaces
/// every field of one of the user's workouts, or 404.
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
