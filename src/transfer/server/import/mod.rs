//! `POST /api/import`: a file posted as multipart form data (field `file`;
//! `unit`, `kg` or `lb`, and `distance_unit`, `km` or `mi`, for files that
//! do not say their values' units, else the user's;
//! `confirm=true` to store). Without `confirm` the answer is a preview
//! ([`ImportSummary`]): the format found, the counts, the dates, and every
//! row left out with its line and why. With it, everything the preview
//! counted is stored in one transaction, except workouts the log already
//! holds, so importing a file twice stores it once.
//!
//! - `formats.rs`: each format's reader, and how a file's first line tells
//!   which one it is;
//! - `rows.rs`: the rows every reader yields and their grouping into
//!   workouts.

mod formats;
mod rows;

use std::collections::HashSet;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::auth::server::require_user;
use crate::error::AppError;
use crate::server::clock::today;
use crate::server::db::WorkoutToImport;
use crate::server::http::{MAX_UPLOAD_BYTES, error_response};
use crate::server::request;
use crate::server::state::AppState;
use crate::transfer::ImportSummary;
use crate::workouts::domain::{DistanceUnit, Exercise, Units, WeightUnit, format_iso_date};
use formats::{ParsedFile, ReadOptions};

pub use formats::MAX_ROWS;

/// The form an import posts.
struct ImportForm {
    file: Bytes,
    unit: Option<WeightUnit>,
    distance_unit: Option<DistanceUnit>,
    confirm: bool,
}

pub async fn import(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let header_text = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let content_type = header_text(header::CONTENT_TYPE);
    // A form posted without JavaScript: the browser shows the answer.
    let wants_page = header_text(header::ACCEPT).contains("text/html");
    let answer = request::as_server_function(&state, parts, async {
        let user = require_user().await?;
        let form = read_form(&content_type, body).await?;
        let preferred = state.db.units_of(user.id).await?;
        let options = ReadOptions {
            units: Units {
                weight: form.unit.unwrap_or(preferred.weight),
                distance: form.distance_unit.unwrap_or(preferred.distance),
            },
            today: today(),
        };
        let file = form.file;
        let parsed = tokio::task::spawn_blocking(move || formats::read(&file, options))
            .await
            .map_err(|_| AppError::Internal)??;
        let mut summary = summary_of(&parsed);
        if form.confirm {
            let workouts: Vec<WorkoutToImport<'_>> = parsed
                .workouts
                .iter()
                .map(|imported| WorkoutToImport {
                    workout: &imported.workout,
                    records: parsed.records_known.then_some(imported.records.as_slice()),
                })
                .collect();
            let outcome = state.db.import_workouts(user.id, &workouts).await?;
            tracing::info!(
                user_id = user.id,
                format = ?parsed.format,
                stored = outcome.stored,
                already_there = outcome.already_there,
                "import stored"
            );
            summary.stored = Some(outcome.stored);
            summary.already_there = Some(outcome.already_there);
        }
        Ok::<_, AppError>(summary)
    })
    .await;
    match (answer, wants_page) {
        (Ok(summary), false) => axum::Json(summary).into_response(),
        (Err(err), false) => error_response(&err),
        (answer, true) => answer_page(answer),
    }
}

/// The answer to a plain form post: a short page that says what the file
/// held or what was stored, or why it could not be read, and links back.
fn answer_page(answer: Result<ImportSummary, AppError>) -> Response {
    let (status, heading, lines) = match &answer {
        Ok(summary) => {
            let mut lines = vec![crate::transfer::pages::describe(summary)];
            lines.extend(
                summary
                    .rejected
                    .iter()
                    .map(|row| format!("Line {}: {}", row.line, row.reason)),
            );
            if summary.stored.is_none() {
                lines.push(
                    "Nothing was stored: to store it, choose the file again and tick \"Store it\"."
                        .to_owned(),
                );
            }
            (axum::http::StatusCode::OK, "Import", lines)
        }
        Err(err) => (
            axum::http::StatusCode::from_u16(err.status())
                .unwrap_or(axum::http::StatusCode::BAD_REQUEST),
            "The file could not be imported",
            vec![err.to_string()],
        ),
    };
    let items: String = lines
        .iter()
        .map(|line| format!("<li>{}</li>", html_escape::encode_text(line)))
        .collect();
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{heading}</title></head><body><main><h1>{heading}</h1><ul>{items}</ul>\
         <p><a href=\"/account\">Back to your account</a> · <a href=\"/dashboard\">Your workouts</a></p>\
         </main></body></html>"
    );
    (status, axum::response::Html(page)).into_response()
}

/// The multipart form's fields. Unknown fields are ignored.
async fn read_form(content_type: &str, body: Body) -> Result<ImportForm, AppError> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| {
        AppError::BadRequest(
            "Send the file as multipart/form-data, in a field named \"file\"".to_owned(),
        )
    })?;
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let malformed = |_| AppError::BadRequest("The multipart form could not be read".to_owned());
    let (mut file, mut unit, mut distance_unit, mut confirm) = (None, None, None, false);
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        match field.name() {
            Some("file") => {
                let bytes = field.bytes().await.map_err(malformed)?;
                if bytes.len() > MAX_UPLOAD_BYTES {
                    return Err(AppError::TooLarge);
                }
                file = Some(bytes);
            }
            Some("unit") => {
                let text = field.text().await.map_err(malformed)?;
                if !text.trim().is_empty() {
                    unit = Some(WeightUnit::parse("unit", &text)?);
                }
            }
            Some("distance_unit") => {
                let text = field.text().await.map_err(malformed)?;
                if !text.trim().is_empty() {
                    distance_unit = Some(DistanceUnit::parse("distance_unit", &text)?);
                }
            }
            Some("confirm") => {
                let text = field.text().await.map_err(malformed)?;
                confirm = matches!(text.trim(), "true" | "on" | "1" | "yes");
            }
            _ => {}
        }
    }
    let file = file
        .filter(|bytes| !bytes.is_empty())
        .ok_or_else(|| AppError::invalid("file", "Choose a file to import"))?;
    Ok(ImportForm {
        file,
        unit,
        distance_unit,
        confirm,
    })
}

fn summary_of(parsed: &ParsedFile) -> ImportSummary {
    let workouts = &parsed.workouts;
    let exercises: HashSet<String> = workouts
        .iter()
        .flat_map(|imported| imported.workout.entries.iter())
        .map(|entry| Exercise::name_key(&entry.exercise))
        .collect();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    ImportSummary {
        format: parsed.format,
        workouts: count(workouts.len()),
        exercises: count(exercises.len()),
        sets: count(
            workouts
                .iter()
                .map(|imported| imported.workout.set_count())
                .sum(),
        ),
        first_date: workouts
            .iter()
            .map(|imported| imported.workout.date)
            .min()
            .map(format_iso_date),
        last_date: workouts
            .iter()
            .map(|imported| imported.workout.date)
            .max()
            .map(format_iso_date),
        rejected: parsed.rejected.clone(),
        stored: None,
        already_there: None,
    }
}
