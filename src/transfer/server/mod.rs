//! The routes of this feature, and the file formats they write.
//!
//! - `csv_format.rs`: this app's CSV: its columns and how a set becomes a row;
//! - `json_format.rs`: this app's JSON, the whole model;
//! - `export.rs`: `GET /export/workouts.csv` and `/export/workouts.json`;
//! - `import/`: `POST /api/import`, the readers of each format.

mod csv_format;
mod export;
mod import;
mod json_format;

use axum::Router;
use axum::routing::{get, post};

use crate::server::state::AppState;

pub use import::MAX_ROWS;

/// `GET /export/workouts.csv` and `GET /export/workouts.json`: the session's
/// user's whole log, streamed as an attachment. `POST /api/import`: a file
/// previewed, or stored with `confirm` (see `import`). 401 without a session.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/export/workouts.csv", get(export::csv))
        .route("/export/workouts.json", get(export::json))
        .route(crate::server::http::UPLOAD_PATH, post(import::import))
}
