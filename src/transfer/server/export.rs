//! The downloads: the session's user's whole log, oldest workout first, read
//! a page of workouts at a time and streamed as it is written, so a long
//! log never sits in memory whole.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use futures::stream::{self, Stream, StreamExt as _};
use time::Date;

use super::{csv_format, json_format};
use crate::auth::server::require_user;
use crate::error::AppError;
use crate::server::clock::today;
use crate::server::db::Database;
use crate::server::http::error_response;
use crate::server::request;
use crate::server::state::AppState;
use crate::workouts::domain::{Workout, format_iso_date};

/// Workouts read per query.
const PAGE: u16 = 100;

/// `GET /export/workouts.csv`.
pub async fn csv(State(state): State<AppState>, req: Request) -> Response {
    export(state, req, Format::Csv).await
}

/// `GET /export/workouts.json`.
pub async fn json(State(state): State<AppState>, req: Request) -> Response {
    export(state, req, Format::Json).await
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Csv,
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }

    fn opening(self) -> Vec<u8> {
        match self {
            Self::Csv => {
                let mut writer = csv::Writer::from_writer(Vec::new());
                let written = writer.write_record(csv_format::HEADER);
                debug_assert!(written.is_ok(), "writing to memory");
                writer.into_inner().unwrap_or_default()
            }
            Self::Json => json_format::opening().into_bytes(),
        }
    }

    fn closing(self) -> &'static [u8] {
        match self {
            Self::Csv => b"",
            Self::Json => json_format::CLOSING.as_bytes(),
        }
    }

    /// One page of workouts, numbered from `first_number`.
    fn page(self, workouts: &[Workout], first_number: u64) -> Vec<u8> {
        match self {
            Self::Csv => {
                let mut writer = csv::Writer::from_writer(Vec::new());
                for (offset, workout) in workouts.iter().enumerate() {
                    for row in csv_format::workout_rows(first_number + offset as u64, workout) {
                        let written = writer.write_record(&row);
                        debug_assert!(written.is_ok(), "writing to memory");
                    }
                }
                writer.into_inner().unwrap_or_default()
            }
            Self::Json => {
                let mut out = Vec::new();
                for (offset, workout) in workouts.iter().enumerate() {
                    if first_number + offset as u64 > 1 {
                        out.push(b',');
                    }
                    let written =
                        serde_json::to_writer(&mut out, &json_format::FileWorkout::of(workout));
                    debug_assert!(written.is_ok(), "writing to memory");
                }
                out
            }
        }
    }
}

async fn export(state: AppState, req: Request, format: Format) -> Response {
    let (parts, _) = req.into_parts();
    let user = match request::as_server_function(&state, parts, require_user()).await {
        Ok(user) => user,
        Err(err) => return error_response(&err),
    };
    // The first page is read before answering: a database that is down is
    // a 503, not a download that breaks off.
    let first = match state.db.workouts_oldest_first(user.id, None, PAGE).await {
        Ok(page) => page,
        Err(err) => return error_response(&err),
    };
    // Fused: the compression layer polls a body again after it has ended.
    let body = Body::from_stream(pages(state.db.clone(), user.id, format, first).fuse());
    let filename = format!(
        "attachment; filename=\"workouts-{}.{}\"",
        format_iso_date(today()),
        format.extension()
    );
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Where the stream is: what it wrote last and what it read ahead.
struct Progress {
    db: Database,
    user_id: i64,
    format: Format,
    /// The page to write next; `None` once the log is written out.
    page: Option<Vec<Workout>>,
    /// The number the next workout gets in the file.
    next_number: u64,
    opened: bool,
    closed: bool,
}

/// The opening, each page (reading the next one after writing it), then
/// the closing. A database failure midway ends the stream with an error, so
/// the client sees a broken download, never a short file that looks whole.
fn pages(
    db: Database,
    user_id: i64,
    format: Format,
    first: Vec<Workout>,
) -> impl Stream<Item = Result<Bytes, AppError>> {
    let start = Progress {
        db,
        user_id,
        format,
        page: Some(first),
        next_number: 1,
        opened: false,
        closed: false,
    };
    stream::unfold(start, |mut progress| async move {
        if !progress.opened {
            progress.opened = true;
            return Some((Ok(Bytes::from(progress.format.opening())), progress));
        }
        let Some(page) = progress.page.take().filter(|page| !page.is_empty()) else {
            if progress.closed {
                return None;
            }
            progress.closed = true;
            return Some((Ok(Bytes::from_static(progress.format.closing())), progress));
        };
        let chunk = progress.format.page(&page, progress.next_number);
        progress.next_number += page.len() as u64;
        if page.len() == usize::from(PAGE) {
            let last: &Workout = page.last().expect("a full page");
            let after: (Date, i64) = (last.date, last.id);
            match progress
                .db
                .workouts_oldest_first(progress.user_id, Some(after), PAGE)
                .await
            {
                Ok(next) => progress.page = Some(next),
                Err(err) => {
                    progress.closed = true;
                    return Some((Err(err), progress));
                }
            }
        }
        Some((Ok(Bytes::from(chunk)), progress))
    })
}
