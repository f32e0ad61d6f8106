//! What the workout server functions do. Each one starts from the session's
//! user and passes that user's id to every query, so no request can reach
//! another user's rows: a foreign id behaves exactly like a missing one (404).

use super::domain::draft::parse_title;
use super::domain::progress::ExerciseProgress;
use super::domain::{
    Exercise, ExerciseType, FlatWorkout, NewWorkout, PageCursor, PageSize, Summary, Workout,
    WorkoutDraft, WorkoutForm, WorkoutPage,
};
use crate::auth::server::require_user;
use crate::error::AppError;
use crate::server::clock::today;
use crate::server::request::{self, redirect_plain_form_post, with_request};

pub async fn list(before: Option<&str>, limit: Option<u32>) -> Result<WorkoutPage, AppError> {
    let user = require_user().await?;
    let before = before
        .filter(|raw| !raw.trim().is_empty())
        .map(PageCursor::parse)
        .transpose()?;
    let size = PageSize::parse(limit)?;
    let state = request::state()?;
    state.db.list_workouts(user.id, before, size).await
}

pub async fn get(id: i64) -> Result<Workout, AppError> {
    let user = require_user().await?;
    let state = request::state()?;
    state
        .db
        .find_workout(user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// How many days back the streak is counted: a streak longer than this
/// many training days shows as what they cover.
const STREAK_DAYS: u16 = 400;

pub async fn summary() -> Result<Summary, AppError> {
    let user = require_user().await?;
    let state = request::state()?;
    let today = today();
    let log = state.db.daily_log(user.id, Summary::window(today)).await?;
    let (mut summary, settled_streak) = Summary::of(today, &log);
    summary.streak_weeks = match settled_streak {
        Some(weeks) => weeks,
        // A streak as long as the chart: count it from the days before too.
        None => {
            let tomorrow = today.next_day().unwrap_or(today);
            let days = state
                .db
                .recent_workout_days(user.id, tomorrow, STREAK_DAYS)
                .await?;
            Summary::streak_from(today, &days)
        }
    };
    summary.units = state.db.units_of(user.id).await?;
    Ok(summary)
}

pub async fn save(id: Option<i64>, draft: &WorkoutDraft) -> Result<Workout, AppError> {
    let user = require_user().await?;
    let state = request::state()?;
    let units = state.db.units_of(user.id).await?;
    let workout = NewWorkout::parse(draft, units, today())?;
    let saved = match id {
        None => state.db.create_workout(user.id, &workout).await?,
        Some(id) => state
            .db
            .update_workout(user.id, id, &workout)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    redirect_plain_form_post(&return_to_dashboard());
    Ok(saved)
}

pub async fn last_titled(title: &str) -> Result<Option<Workout>, AppError> {
    let user = require_user().await?;
    let title = parse_title(title)?;
    let state = request::state()?;
    if title.is_empty() {
        return Ok(None);
    }
    state.db.last_workout_titled(user.id, &title).await
}

pub async fn progress(id: i64) -> Result<ExerciseProgress, AppError> {
    let user = require_user().await?;
    let state = request::state()?;
    let exercise = state
        .db
        .find_exercise(user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let history = state.db.exercise_history(user.id, exercise.id).await?;
    let units = state.db.units_of(user.id).await?;
    Ok(ExerciseProgress::from_history(exercise, units, history))
}

pub async fn exercises() -> Result<Vec<Exercise>, AppError> {
    let user = require_user().await?;
    let state = request::state()?;
    Ok(state.db.catalogue(user.id).await?.into_vec())
}

pub async fn add_exercise(name: &str, exercise_type: &str) -> Result<Exercise, AppError> {
    let user = require_user().await?;
    let name = Exercise::parse_name("name", name)?;
    let exercise_type = ExerciseType::parse("exercise_type", exercise_type)?;
    let state = request::state()?;
    state.db.add_exercise(user.id, &name, exercise_type).await
}

pub async fn create(form: &WorkoutForm) -> Result<Workout, AppError> {
    let user = require_user().await?;
    let workout = FlatWorkout::parse(form, today())?.into_new();
    let state = request::state()?;
    let created = state.db.create_workout(user.id, &workout).await?;
    redirect_plain_form_post(&return_to_dashboard());
    Ok(created)
}

pub async fn update(id: i64, form: &WorkoutForm) -> Result<Workout, AppError> {
    let user = require_user().await?;
    let workout = FlatWorkout::parse(form, today())?.into_new();
    let state = request::state()?;
    let updated = state
        .db
        .update_workout(user.id, id, &workout)
        .await?
        .ok_or(AppError::NotFound)?;
    redirect_plain_form_post(&return_to_dashboard());
    Ok(updated)
}

pub async fn delete(id: i64) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = request::state()?;
    if !state.db.delete_workout(user.id, id).await? {
        return Err(AppError::NotFound);
    }
    redirect_plain_form_post(&return_to_dashboard());
    Ok(())
}

/// After a plain form post, back to the dashboard page the form was on, without
/// the `edit`/`delete` state that opened the form.
fn return_to_dashboard() -> String {
    let before = with_request(|parts| {
        let referer = parts.headers.get(http::header::REFERER)?.to_str().ok()?;
        let url = url::Url::parse(referer).ok()?;
        (url.path() == "/dashboard")
            .then(|| url.query_pairs().find(|(key, _)| key == "before"))
            .flatten()
            .and_then(|(_, value)| PageCursor::parse(&value).ok())
    });
    match before {
        Some(cursor) => format!("/dashboard?before={}", cursor.encode()),
        None => "/dashboard".to_owned(),
    }
}
