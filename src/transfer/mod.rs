//! Taking a training log out and bringing one in: the export of a user's
//! whole log as CSV (one row per set) or JSON (the whole model), and the
//! import of those files and of other apps' exports (Strong, Hevy), with a
//! preview before anything is stored.
//!
//! The downloads and the upload are plain HTTP routes, not server
//! functions: a browser follows a link to a download and posts a file as
//! multipart form data (`server::routes`).

pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

/// The kinds of file the import reads, told apart by their first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// This app's CSV export (`GET /export/workouts.csv`).
    WorkoutLogCsv,
    /// This app's JSON export (`GET /export/workouts.json`).
    WorkoutLogJson,
    /// Strong's CSV export, comma-separated (newer app versions): weights in
    /// the exporting user's unit, a `Duration` column such as `1h 5m`,
    /// 12-hour times.
    Strong,
    /// Strong's CSV export, semicolon-separated (older app versions), with
    /// `Weight Unit` and `Distance Unit` columns and 24-hour times.
    StrongSemicolon,
    /// Hevy's CSV export (`weight_kg` or `weight_lbs` columns).
    Hevy,
}

/// What an import found in a file (a preview), or stored (with `confirm`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub format: ImportFormat,
    pub workouts: u32,
    /// Different exercise names (in any case).
    pub exercises: u32,
    pub sets: u32,
    /// `YYYY-MM-DD`; `None` when the file holds no workout.
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// Every row left out, with its line in the file (for JSON, the
    /// workout's position in the file) and why.
    pub rejected: Vec<RejectedRow>,
    /// With `confirm`: how many workouts were stored, and how many were
    /// left out as already in the log (an import of the same file again
    /// stores nothing).
    pub stored: Option<u32>,
    pub already_there: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    pub line: u64,
    pub reason: String,
}
