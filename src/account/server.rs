//! What the account server functions do. Each starts from the session's user
//! and acts on that user's sessions and data only.

use crate::auth::activity::{AuditEvent, AuditKind, SessionInfo};
use crate::auth::domain::{Email, Password};
use crate::auth::server::{
    AuthSession, audit, confirm_password, credentials_changed, password_changed_notice,
    request_email_change, require_user, user_deleted,
};
use crate::error::AppError;
use crate::server::clock::unix_now_ms;
use crate::server::request::{self, redirect_plain_form_post};
use crate::workouts::domain::{DistanceUnit, Units, WeightUnit};

const AUDIT_TRAIL_LENGTH: i64 = 50;

pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let user = require_user().await?;
    let (state, session) = (request::state()?, AuthSession::of_request()?);
    state.sessions.list(user.id, session.id()).await
}

pub async fn revoke_session(handle: &str) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = request::state()?;
    state.sessions.revoke(user.id, handle.trim()).await?;
    audit(&state, user.id, AuditKind::SessionRevoked).await;
    redirect_plain_form_post("/account");
    Ok(())
}

pub async fn log_out_other_sessions() -> Result<u32, AppError> {
    let user = require_user().await?;
    let (state, session) = (request::state()?, AuthSession::of_request()?);
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
    let (state, session) = (request::state()?, AuthSession::of_request()?);
    let email = Email::parse(&user.email)?;
    confirm_password(&state, &session, &user, current, "current_password").await?;
    let new = Password::parse_new_for(&email, new).map_err(|err| err.for_field("new_password"))?;
    let hash = state.passwords.hash(new).await?;
    let notice = password_changed_notice(&state, &user.email);
    state
        .db
        .set_password_hash(user.id, &hash, &[notice], unix_now_ms())
        .await?;
    state.mailer.queued();
    credentials_changed(&state, &session, user.id, &hash).await?;
    audit(&state, user.id, AuditKind::PasswordChanged).await;
    tracing::info!(user_id = user.id, "password changed");
    redirect_plain_form_post("/account");
    Ok(())
}

/// Asks to make `new_email` the account's address (see
/// `auth::server::request_email_change`).
pub async fn change_email(password: &str, new_email: &str) -> Result<String, AppError> {
    request_email_change(password, new_email).await
}

/// Deletes the user with their workouts and audit trail, and ends every one
/// of their sessions, this one included.
pub async fn delete_account(password: &str) -> Result<(), AppError> {
    let user = require_user().await?;
    let (state, session) = (request::state()?, AuthSession::of_request()?);
    confirm_password(&state, &session, &user, password, "password").await?;
    state.db.delete_user(user.id).await?;
    user_deleted(&state, user.id).await?;
    session.end().await?;
    tracing::info!(user_id = user.id, "account deleted");
    redirect_plain_form_post("/");
    Ok(())
}

pub async fn audit_trail() -> Result<Vec<AuditEvent>, AppError> {
    let user = require_user().await?;
    let state = request::state()?;
    state.db.audit_trail(user.id, AUDIT_TRAIL_LENGTH).await
}

pub async fn units() -> Result<Units, AppError> {
    let user = require_user().await?;
    request::state()?.db.units_of(user.id).await
}

pub async fn set_units(weight_unit: &str, distance_unit: &str) -> Result<Units, AppError> {
    let user = require_user().await?;
    let units = Units {
        weight: WeightUnit::parse("weight_unit", weight_unit)?,
        distance: DistanceUnit::parse("distance_unit", distance_unit)?,
    };
    if !request::state()?.db.set_units(user.id, units).await? {
        return Err(AppError::Unauthorized);
    }
    redirect_plain_form_post("/account");
    Ok(units)
}
