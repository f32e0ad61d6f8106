//! What the account server functions do. Each starts from the session's user
//! and acts on that user's sessions and data only.

use super::domain::{AuditEvent, AuditKind, SessionInfo};
use crate::auth::domain::{Email, Password};
use crate::auth::server::{
    audit, client_ip, redirect_plain_form_post, request_session, require_user,
    session_store_unavailable,
};
use crate::error::AppError;
use crate::server::state::AppState;

const AUDIT_TRAIL_LENGTH: i64 = 50;

pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let user = require_user().await?;
    let (state, session) = (AppState::from_context()?, request_session().await?);
    state.sessions.list(user.id, session.id()).await
}

pub async fn revoke_session(handle: &str) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = AppState::from_context()?;
    state.sessions.revoke(user.id, handle.trim()).await?;
    audit(&state, user.id, AuditKind::SessionRevoked).await;
    redirect_plain_form_post("/account");
    Ok(())
}

pub async fn log_out_other_sessions() -> Result<u32, AppError> {
    let user = require_user().await?;
    let (state, session) = (AppState::from_context()?, request_session().await?);
    let ended = state
        .sessions
        .revoke_all_except(user.id, session.id())
        .await?;
    audit(&state, user.id, AuditKind::OtherSessionsEnded).await;
    redirect_plain_form_post("/account");
    Ok(ended)
}

/// Checks the current password, stores the new one, ends every other session
/// and gives this one a new id (whoever knew the old id learns nothing).
pub async fn change_password(current: &str, new: &str) -> Result<(), AppError> {
    let user = require_user().await?;
    let (state, session) = (AppState::from_context()?, request_session().await?);
    let email = Email::parse(&user.email)?;
    confirm_password(&state, user.id, &email, current, "current_password").await?;
    let new = Password::parse_new_for(&email, new).map_err(|err| match err {
        AppError::InvalidField { message, .. } => AppError::invalid("new_password", message),
        other => other,
    })?;
    let hash = state.passwords.hash(new).await?;
    state.db.set_password_hash(user.id, &hash).await?;
    state
        .sessions
        .revoke_all_except(user.id, session.id())
        .await?;
    session
        .cycle_id()
        .await
        .map_err(session_store_unavailable)?;
    audit(&state, user.id, AuditKind::PasswordChanged).await;
    tracing::info!(user_id = user.id, "password changed");
    redirect_plain_form_post("/account");
    Ok(())
}

/// Deletes the user with their workouts and audit trail, and ends every one
/// of their sessions, this one included.
pub async fn delete_account(password: &str) -> Result<(), AppError> {
    let user = require_user().await?;
    let (state, session) = (AppState::from_context()?, request_session().await?);
    let email = Email::parse(&user.email)?;
    confirm_password(&state, user.id, &email, password, "password").await?;
    state.sessions.revoke_all_except(user.id, None).await?;
    state.db.delete_user(user.id).await?;
    session.flush().await.map_err(session_store_unavailable)?;
    tracing::info!(user_id = user.id, "account deleted");
    redirect_plain_form_post("/");
    Ok(())
}

pub async fn audit_trail() -> Result<Vec<AuditEvent>, AppError> {
    let user = require_user().await?;
    let state = AppState::from_context()?;
    state.db.audit_trail(user.id, AUDIT_TRAIL_LENGTH).await
}

/// A full argon2 verification of the user's password; a mismatch names
/// `field`. Throttled like a login, so a stolen session cannot be used to
/// guess the password.
async fn confirm_password(
    state: &AppState,
    user_id: i64,
    email: &Email,
    raw: &str,
    field: &str,
) -> Result<(), AppError> {
    let ip = client_ip();
    state.throttle.check(email, ip).await?;
    let wrong = || AppError::invalid(field, "That password is not correct");
    let candidate = Password::parse_candidate(raw).map_err(|_| wrong())?;
    let stored = state.db.password_hash_of(user_id).await?;
    if state.passwords.verify(candidate, stored).await? {
        Ok(())
    } else {
        state.throttle.record_failure(email, ip).await?;
        Err(wrong())
    }
}
