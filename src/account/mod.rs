//! The account: the user's sessions (listed, revoked one by one or all but
//! this one), password change, account deletion, and the audit trail.
//!
//! Every server function here requires a logged-in user and acts on that
//! user's sessions and data only.

pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;

pub use crate::auth::activity::{AuditEvent, AuditKind, SessionInfo};
use crate::error::AppError;
use crate::workouts::domain::Units;

/// `POST /api/account/sessions`: the user's active sessions, newest first.
#[server(prefix = "/api/account", endpoint = "sessions")]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    server::list_sessions().await
}

/// `POST /api/account/revoke_session` (`handle`): ends one of the user's
/// sessions at once, on every instance; 404 for a handle that is not theirs.
#[server(prefix = "/api/account", endpoint = "revoke_session")]
pub async fn revoke_session(handle: String) -> Result<(), AppError> {
    server::revoke_session(&handle).await
}

/// `POST /api/account/logout_others`: ends every session of the user but this
/// one; answers how many were ended.
#[server(prefix = "/api/account", endpoint = "logout_others")]
pub async fn log_out_other_sessions() -> Result<u32, AppError> {
    server::log_out_other_sessions().await
}

/// `POST /api/account/change_password` (`current_password`, `new_password`):
/// keeps this session under a new id and ends every other one.
#[server(prefix = "/api/account", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    server::change_password(&current_password, &new_password).await
}

/// `POST /api/account/change_email` (`password`, `new_email`): sends a
/// confirmation link to the new address and a notice to the current one;
/// the address changes when the link is followed (`/api/email/confirm`).
/// Answers the new address (canonical); `409` if an account has it already.
#[server(prefix = "/api/account", endpoint = "change_email")]
pub async fn change_email(password: String, new_email: String) -> Result<String, AppError> {
    server::change_email(&password, &new_email).await
}

/// `POST /api/account/delete` (`password`): deletes the user, their workouts
/// and audit trail, and every session, this one included.
#[server(prefix = "/api/account", endpoint = "delete")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    server::delete_account(&password).await
}

/// `POST /api/account/audit`: the user's last 50 security events, newest first.
#[server(prefix = "/api/account", endpoint = "audit")]
pub async fn audit_trail() -> Result<Vec<AuditEvent>, AppError> {
    server::audit_trail().await
}

/// `POST /api/account/units`: the units the user enters and reads weights
/// and distances in (`{"weight":"kg"|"lb","distance":"km"|"mi"}`).
#[server(prefix = "/api/account", endpoint = "units")]
pub async fn get_units() -> Result<Units, AppError> {
    server::units().await
}

/// `POST /api/account/set_units` (`weight_unit`: `kg` or `lb`,
/// `distance_unit`: `km` or `mi`): changes how values are entered and shown;
/// stored values do not change. Answers the new units.
#[server(prefix = "/api/account", endpoint = "set_units")]
pub async fn set_units(weight_unit: String, distance_unit: String) -> Result<Units, AppError> {
    server::set_units(&weight_unit, &distance_unit).await
}
