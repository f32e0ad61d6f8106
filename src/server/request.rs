//! The request a server function or page render is serving, as the features
//! see it: its head, its client's address, its session, the app's state, and
//! the redirect a plain form post expects. Shared plumbing: every feature's
//! server side starts here, and none of them owns it.
//!
//! leptos_axum puts the request's head (`http::request::Parts`) and the
//! `AppState` into the Leptos context of each server-function call and page
//! render; these functions read them from there.

use leptos::prelude::{Owner, provide_context, use_context, with_context};
use leptos::reactive::computed::ScopedFuture;
use tower_sessions::Session;

use super::proxy::ClientIp;
use super::sessions::SignedWithRetiredKey;
use super::state::AppState;
use crate::auth::server::PageUser;
use crate::error::AppError;

/// Reads the request being served (its head: method, URI, headers,
/// extensions). By reference: `use_context` would copy every header and
/// extension.
pub fn with_request<R>(read: impl FnOnce(&http::request::Parts) -> Option<R>) -> Option<R> {
    with_context::<http::request::Parts, _>(read).flatten()
}

/// A request header as text; `None` when absent or not visible ASCII.
pub fn header(name: http::header::HeaderName) -> Option<String> {
    with_request(|parts| Some(parts.headers.get(name)?.to_str().ok()?.to_owned()))
}

/// The address the request came from: the TCP peer, or the client named by a
/// trusted proxy (see `server::proxy`).
pub fn client_ip() -> Option<std::net::IpAddr> {
    with_request(|parts| Some(parts.extensions.get::<ClientIp>()?.0))
}

/// The request's session as tower-sessions keeps it (the session layer put
/// it in the request's extensions). Features read and write it through the
/// typed `auth::server::AuthSession`, never by key.
pub fn session() -> Result<Session, AppError> {
    with_request(|parts| parts.extensions.get::<Session>().cloned()).ok_or_else(|| {
        tracing::error!("session layer missing");
        AppError::Internal
    })
}

/// The app's services (see [`AppState`]).
///
/// Missing only when the request is gone: a page's resources fetch in
/// spawned tasks, and when the client abandons the render (a closed tab, a
/// load generator stopping) the render's owner is dropped, and its context
/// with it, while such a task may still be starting. Nobody reads the
/// answer, so this is no error worth an operator's attention. (A router that
/// failed to provide the state would fail every server-function test.)
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::debug!("no AppState in the Leptos context: the request was abandoned");
        AppError::Internal
    })
}

/// Whether this request's session cookie was signed with a retired key
/// (see `server::sessions::accept_retired_key`).
pub fn cookie_signed_with_retired_key() -> bool {
    with_request(|parts| parts.extensions.get::<SignedWithRetiredKey>().map(|_| ())).is_some()
}

/// Runs `work`, the body of a plain axum handler (a download, an upload),
/// with what a server function finds in its Leptos context: the request's
/// head, the state and a cell for its user. So `require_user` and every
/// function here work the same in it.
pub async fn as_server_function<T>(
    state: &AppState,
    parts: http::request::Parts,
    work: impl Future<Output = T>,
) -> T {
    let state = state.clone();
    Owner::new()
        .with(|| {
            ScopedFuture::new(async move {
                provide_context(parts);
                provide_context(state);
                provide_context(PageUser::default());
                work.await
            })
        })
        .await
}

/// A form posted without JavaScript expects a redirect to `path`; the WASM
/// client navigates by itself once its user resource says who is logged in.
pub fn redirect_plain_form_post(path: &str) {
    let accepts_html = with_request(|parts| {
        let accept = parts.headers.get(http::header::ACCEPT)?.to_str().ok()?;
        Some(accept.contains("text/html"))
    })
    .unwrap_or(false);
    if accepts_html {
        leptos_axum::redirect(path);
    }
}

/// The session store failed (Redis down or too slow): an outage, answered
/// 503, so call sites can use `?` on every session operation.
impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        tracing::error!(%err, "session store unavailable");
        AppError::Unavailable
    }
}

/// The same, for the store's own operations (loading or deleting a record
/// by id, as the account page's session list does).
impl From<tower_sessions::session_store::Error> for AppError {
    fn from(err: tower_sessions::session_store::Error) -> Self {
        tracing::error!(%err, "session store unavailable");
        AppError::Unavailable
    }
}

/// A Redis command that failed or timed out (`REDIS_COMMAND_TIMEOUT`): the
/// per-user session index, the login throttle. An outage, answered 503.
impl From<tower_sessions_redis_store::fred::error::Error> for AppError {
    fn from(err: tower_sessions_redis_store::fred::error::Error) -> Self {
        tracing::error!(%err, "Redis unavailable");
        AppError::Unavailable
    }
}
