//! This app's JSON: the whole log, lossless. Values are canonical (grams,
//! metres, seconds, RPE in half points), as the API answers them.
//!
//! ```json
//! {"format": "workout_log", "version": 1, "workouts": [
//!   {"date": "2026-11-20", "start_time": "18:04", "title": "Lower A",
//!    "duration_minutes": 65, "notes": "",
//!    "entries": [{"exercise": "Squat", "exercise_type": "weight_reps",
//!      "sets": [{"kind": "normal", "reps": 5, "weight_g": 100000, "rpe": 17,
//!                "duration_s": null, "distance_m": null, "record": "e1rm"}]}]}]}
//! ```

use serde::{Deserialize, Serialize};

use crate::workouts::domain::draft::format_clock_time;
use crate::workouts::domain::{ExerciseType, LoggedSet, Workout, format_iso_date};

/// The value of the `format` field: what tells this file from others.
pub const FORMAT: &str = "workout_log";
pub const VERSION: u32 = 1;

/// The file's opening, up to its first workout.
pub fn opening() -> String {
    format!("{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"workouts\":[")
}

pub const CLOSING: &str = "]}\n";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileWorkout {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`, or `null`.
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub duration_minutes: Option<u16>,
    #[serde(default)]
    pub notes: String,
    pub entries: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub exercise: String,
    pub exercise_type: ExerciseType,
    #[serde(default)]
    pub sets: Vec<LoggedSet>,
}

impl FileWorkout {
    pub fn of(workout: &Workout) -> Self {
        Self {
            date: format_iso_date(workout.date),
            start_time: workout.start_time.map(format_clock_time),
            title: workout.title.clone(),
            duration_minutes: workout.duration_minutes,
            notes: workout.notes.clone(),
            entries: workout
                .entries
                .iter()
                .map(|entry| FileEntry {
                    exercise: entry.exercise.name.clone(),
                    exercise_type: entry.exercise.exercise_type,
                    sets: entry.sets.clone(),
                })
                .collect(),
        }
    }
}
