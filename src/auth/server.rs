//! The server side of authentication: what the auth server functions do, and how
//! a request's session is turned into a user.
//!
//! The session holds only the user id under [`USER_ID_KEY`]; the cookie holds
//! only the (signed) random session id.

use leptos::prelude::use_context;
use tower_sessions::Session;

use super::domain::{CurrentUser, Email, NextPath, Password};
use crate::error::AppError;
use crate::server::state::AppState;

const USER_ID_KEY: &str = "user_id";

pub async fn signup(email: &str, password: &str) -> Result<CurrentUser, AppError> {
    let email = Email::parse(email)?;
    let password = Password::parse_new(password)?;
    let (state, session) = (AppState::from_context()?, request_session().await?);

    let hash = state.passwords.hash(password).await?;
    let user = state.db.create_user(&email, &hash).await?;
    start_session(&session, &user).await?;
    tracing::info!(user_id = user.id, "signed up");
    redirect_plain_form_post(NextPath::DEFAULT);
    Ok(user)
}

pub async fn login(
    email: &str,
    password: &str,
    next: Option<&str>,
) -> Result<CurrentUser, AppError> {
    // A malformed email cannot have an account: the same answer as a wrong password.
    let email = Email::parse(email).map_err(|_| AppError::InvalidCredentials)?;
    let password = Password::parse_candidate(password)?;
    let (state, session) = (AppState::from_context()?, request_session().await?);

    let account = state.db.find_credentials(&email).await?;
    let stored_hash = account
        .as_ref()
        .map(|account| account.password_hash.clone());
    // Runs a full argon2 verification even when there is no such account.
    let verified = state.passwords.verify(password, stored_hash).await?;
    let user = match account {
        Some(account) if verified => account.user,
        _ => {
            tracing::info!("failed login");
            return Err(AppError::InvalidCredentials);
        }
    };
    start_session(&session, &user).await?;
    tracing::info!(user_id = user.id, "logged in");
    redirect_plain_form_post(NextPath::parse_or_default(next).as_str());
    Ok(user)
}

pub async fn logout() -> Result<(), AppError> {
    let session = request_session().await?;
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

/// The logged-in user, if any. A session whose user no longer exists is
/// destroyed on the spot.
pub async fn optional_user() -> Result<Option<CurrentUser>, AppError> {
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
    match state.db.find_user(user_id).await? {
        Some(user) => Ok(Some(user)),
        None => {
            tracing::info!(user_id, "session refers to a deleted user; destroying it");
            session.flush().await.map_err(session_store_unavailable)?;
            Ok(None)
        }
    }
}

/// Binds the session to `user` under a fresh id, so an id planted in the browser
/// before login (session fixation) is worthless afterwards.
async fn start_session(session: &Session, user: &CurrentUser) -> Result<(), AppError> {
    if session.id().is_some() {
        session
            .cycle_id()
            .await
            .map_err(session_store_unavailable)?;
    }
    session.clear().await;
    session
        .insert(USER_ID_KEY, user.id)
        .await
        .map_err(session_store_unavailable)?;
    Ok(())
}

async fn request_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|err| {
        tracing::error!(%err, "session layer missing");
        AppError::Internal
    })
}

fn session_store_unavailable(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(%err, "session store unavailable");
    AppError::Unavailable
}

/// A form posted without JavaScript expects a redirect; the WASM client
/// navigates by itself once its user resource says who is logged in.
fn redirect_plain_form_post(path: &str) {
    let accepts_html = use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if accepts_html {
        leptos_axum::redirect(path);
    }
}
