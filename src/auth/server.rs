//! The server side of authentication: what the auth server functions do, and how
//! a request's session is turned into a user.
//!
//! The session holds the user id and a [`SessionMeta`] (device, IP, times); the
//! cookie holds only the (signed) random session id.

use std::sync::Arc;

use leptos::prelude::{use_context, with_context};
use tokio::sync::OnceCell;
use tower_sessions::{Expiry, Session};

use super::domain::{CurrentUser, Email, NextPath, Password};
use super::user_sessions::{EMAIL_KEY, Freshness, META_KEY, SessionMeta, USER_ID_KEY, unix_now};
use crate::account::domain::AuditKind;
use crate::error::AppError;
use crate::server::state::AppState;

pub async fn signup(email: &str, password: &str) -> Result<CurrentUser, AppError> {
    let email = Email::parse(email)?;
    let password = Password::parse_new_for(&email, password)?;
    let (state, session) = (AppState::from_context()?, request_session().await?);
    state.sessions.ensure_reachable().await?;

    let hash = state.passwords.hash(password).await?;
    let user = state.db.create_user(&email, &hash).await?;
    start_session(&state, &session, &user, false).await?;
    audit(&state, user.id, AuditKind::SignedUp).await;
    tracing::info!(user_id = user.id, "signed up");
    redirect_plain_form_post(NextPath::DEFAULT);
    Ok(user)
}

pub async fn login(
    email: &str,
    password: &str,
    next: Option<&str>,
    remember: bool,
) -> Result<CurrentUser, AppError> {
    // A malformed email cannot have an account: the same answer as a wrong password.
    let email = Email::parse(email).map_err(|_| AppError::InvalidCredentials)?;
    let password = Password::parse_candidate(password)?;
    let (state, session) = (AppState::from_context()?, request_session().await?);
    let ip = client_ip();
    // Before any hashing: a locked email or IP costs the server nothing.
    state.throttle.check(&email, ip).await?;

    let account = state.db.find_credentials(&email).await?;
    let stored_hash = account
        .as_ref()
        .map(|account| account.password_hash.clone());
    // Runs a full argon2 verification even when there is no such account.
    let verified = state.passwords.verify(password, stored_hash).await?;
    let user = match account {
        Some(account) if verified => account.user,
        account => {
            tracing::info!("failed login");
            if let Some(account) = account {
                audit(&state, account.user.id, AuditKind::LoginFailed).await;
            }
            state.throttle.record_failure(&email, ip).await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    state.throttle.record_success(&email).await?;
    start_session(&state, &session, &user, remember).await?;
    audit(&state, user.id, AuditKind::LoggedIn).await;
    tracing::info!(user_id = user.id, remember, "logged in");
    redirect_plain_form_post(NextPath::parse_or_default(next).as_str());
    Ok(user)
}

pub async fn logout() -> Result<(), AppError> {
    let session = request_session().await?;
    if let Some(user_id) = session
        .get::<i64>(USER_ID_KEY)
        .await
        .map_err(session_store_unavailable)?
    {
        let state = AppState::from_context()?;
        if let Some(id) = session.id() {
            state.sessions.forget(user_id, &id).await?;
        }
        audit(&state, user_id, AuditKind::LoggedOut).await;
    }
    // Deletes the record from Redis, so the old cookie is worthless everywhere,
    // and makes the session layer expire the cookie in this browser.
    session.flush().await.map_err(session_store_unavailable)?;
    redirect_plain_form_post("/");
    Ok(())
}

/// The logged-in user, or `Unauthorized`.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    optional_user().await?.ok_or(AppError::Unauthorized)
}

/// The user of the page being rendered, resolved once: the nav bar, the page
/// and each piece of its data ask, and would otherwise each query the
/// database. Provided per page render (`server::provide_page_context`);
/// server-function requests resolve their user once anyway.
#[derive(Clone, Default)]
pub struct PageUser(Arc<OnceCell<Option<CurrentUser>>>);

/// The logged-in user, if any (see [`resolve_user`]).
pub async fn optional_user() -> Result<Option<CurrentUser>, AppError> {
    match use_context::<PageUser>() {
        Some(PageUser(cell)) => cell.get_or_try_init(resolve_user).await.cloned(),
        None => resolve_user().await,
    }
}

/// The session's user. A session that outlived its timeouts or whose user no
/// longer exists is destroyed on the spot. Activity is written back only once
/// a fraction of the inactivity timeout has passed, and the user is looked up
/// only when this process has not found it in the database lately (see
/// `known_users`), so most requests cost one Redis read, no write and no query.
async fn resolve_user() -> Result<Option<CurrentUser>, AppError> {
    let session = request_session().await?;
    // No cookie means no Redis round trip: tower-sessions only loads a record
    // for a session id it was given.
    let Some(user_id) = session
        .get::<i64>(USER_ID_KEY)
        .await
        .map_err(session_store_unavailable)?
    else {
        return Ok(None);
    };
    let state = AppState::from_context()?;
    let meta = session
        .get::<SessionMeta>(META_KEY)
        .await
        .map_err(session_store_unavailable)?;
    let now = unix_now();
    let Some(mut meta) = meta else {
        tracing::info!(user_id, "session without metadata; destroying it");
        session.flush().await.map_err(session_store_unavailable)?;
        return Ok(None);
    };
    match meta.freshness(now, state.sessions.timeouts()) {
        Freshness::Expired => {
            tracing::info!(user_id, "session expired; destroying it");
            session.flush().await.map_err(session_store_unavailable)?;
            return Ok(None);
        }
        Freshness::Refresh => {
            meta.last_active = now;
            session.set_expiry(Some(cookie_expiry(&meta)));
            session
                .insert(META_KEY, meta)
                .await
                .map_err(session_store_unavailable)?;
        }
        Freshness::Valid => {}
    }
    // Sessions from before sessions carried the email have none, and are
    // looked up in the database on every request until they end.
    let email = session
        .get::<String>(EMAIL_KEY)
        .await
        .map_err(session_store_unavailable)?;
    if let Some(email) = email
        && state.known_users.recently_seen(user_id)
    {
        return Ok(Some(CurrentUser { id: user_id, email }));
    }
    match state.db.find_user(user_id).await? {
        Some(user) => {
            state.known_users.seen_now(user_id);
            Ok(Some(user))
        }
        None => {
            state.known_users.forget(user_id);
            tracing::info!(user_id, "session refers to a deleted user; destroying it");
            session.flush().await.map_err(session_store_unavailable)?;
            Ok(None)
        }
    }
}

/// Binds the session to `user` under a fresh id, so an id planted in the browser
/// before login (session fixation) is worthless afterwards.
async fn start_session(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    remember: bool,
) -> Result<(), AppError> {
    if session.id().is_some() {
        session
            .cycle_id()
            .await
            .map_err(session_store_unavailable)?;
    }
    session.clear().await;
    let meta = SessionMeta::new(
        &request_header(http::header::USER_AGENT).unwrap_or_default(),
        &client_ip().map(|ip| ip.to_string()).unwrap_or_default(),
        remember,
        unix_now(),
        state.sessions.timeouts(),
    );
    session.set_expiry(Some(cookie_expiry(&meta)));
    session
        .insert(USER_ID_KEY, user.id)
        .await
        .map_err(session_store_unavailable)?;
    session
        .insert(EMAIL_KEY, &user.email)
        .await
        .map_err(session_store_unavailable)?;
    state.known_users.seen_now(user.id);
    session
        .insert(META_KEY, meta)
        .await
        .map_err(session_store_unavailable)?;
    Ok(())
}

/// A remembered session gets a persistent cookie that ends with it; any other
/// a browser-session cookie (the server-side record expires on its own rules).
fn cookie_expiry(meta: &SessionMeta) -> Expiry {
    match time::OffsetDateTime::from_unix_timestamp(meta.ends_at) {
        Ok(ends) if meta.remembered => Expiry::AtDateTime(ends),
        _ => Expiry::OnSessionEnd,
    }
}

/// Records a security event; a failure to record is logged, never fatal.
pub(crate) async fn audit(state: &AppState, user_id: i64, kind: AuditKind) {
    let ip = client_ip().map(|ip| ip.to_string()).unwrap_or_default();
    if let Err(err) = state.db.record_event(user_id, kind, &ip, unix_now()).await {
        tracing::warn!(
            ?err,
            user_id,
            kind = kind.as_str(),
            "could not record an audit event"
        );
    }
}

/// Reads the request being served (its head: method, URI, headers,
/// extensions). By reference: `use_context` would copy every header and
/// extension, on every request.
pub(crate) fn with_request<R>(read: impl FnOnce(&http::request::Parts) -> Option<R>) -> Option<R> {
    with_context::<http::request::Parts, _>(read).flatten()
}

fn request_header(name: http::header::HeaderName) -> Option<String> {
    with_request(|parts| Some(parts.headers.get(name)?.to_str().ok()?.to_owned()))
}

/// The address the request came from: the TCP peer, or the client named by a
/// trusted proxy (see `server::proxy`).
pub(crate) fn client_ip() -> Option<std::net::IpAddr> {
    with_request(|parts| {
        let ip = parts.extensions.get::<crate::server::proxy::ClientIp>()?;
        Some(ip.0)
    })
}

/// The request's session, which the session layer put in its extensions.
pub(crate) async fn request_session() -> Result<Session, AppError> {
    with_request(|parts| parts.extensions.get::<Session>().cloned()).ok_or_else(|| {
        tracing::error!("session layer missing");
        AppError::Internal
    })
}

pub(crate) fn session_store_unavailable(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(%err, "session store unavailable");
    AppError::Unavailable
}

/// A form posted without JavaScript expects a redirect; the WASM client
/// navigates by itself once its user resource says who is logged in.
pub(crate) fn redirect_plain_form_post(path: &str) {
    let accepts_html = with_request(|parts| {
        let accept = parts.headers.get(http::header::ACCEPT)?.to_str().ok()?;
        Some(accept.contains("text/html"))
    })
    .unwrap_or(false);
    if accepts_html {
        leptos_axum::redirect(path);
    }
}
