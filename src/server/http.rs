//! HTTP plumbing around the Leptos app: static files, error statuses for
//! server functions, and the not-found page.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt as _;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use super::state::AppState;
use crate::app::shell;
use crate::error::AppError;

/// Server functions answer every error with 500 and a JSON body. This gives the
/// response the status the error really stands for (401, 409, 422, 503, ...),
/// in one place, including for errors raised by the framework itself (a
/// missing or malformed argument is a 400, not a 500).
pub async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are small JSON documents; anything larger is not ours to touch.
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = match err {
            AppError::Unavailable => Some(1),
            AppError::TooManyAttempts { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `/pkg` holds the compiled WASM, JS and CSS. Names are stable between builds
/// in development, so browsers must revalidate (cheap: ETag/Last-Modified).
pub fn pkg_service(state: &AppState) -> axum::Router {
    let options = &state.leptos_options;
    let dir = format!("{}/{}", options.site_root, options.site_pkg_dir);
    axum::Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}

/// Files from `public/` (copied to the site root), else the app's 404 page.
pub async fn public_file_or_not_found(State(state): State<AppState>, req: Request) -> Response {
    let root = state.leptos_options.site_root.to_string();
    let (parts, body) = req.into_parts();
    let probe = Request::from_parts(parts.clone(), Body::empty());
    let Ok(res) = ServeDir::new(root).oneshot(probe).await;
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        return res.into_response();
    }
    render_not_found(state, Request::from_parts(parts, body)).await
}

async fn render_not_found(state: AppState, req: Request) -> Response {
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || super::provide_page_context(&state),
        move || shell(options.clone()),
    );
    let mut res = handler(req).await.into_response();
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}
