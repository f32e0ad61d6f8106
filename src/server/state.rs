//! What every request handler and server function can reach.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;

use super::db::Database;
use crate::auth::passwords::PasswordHasher;
use crate::auth::throttle::LoginThrottle;
use crate::auth::user_sessions::UserSessions;
use crate::error::AppError;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub passwords: PasswordHasher,
    pub throttle: LoginThrottle,
    pub sessions: UserSessions,
}

impl AppState {
    /// The state as server functions see it (provided as Leptos context).
    pub fn from_context() -> Result<Self, AppError> {
        use_context::<Self>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            AppError::Internal
        })
    }
}
