//! What every request handler and server function can reach (read it with
//! `server::request::state()`).

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::db::Database;
use super::mail::Mailer;
use crate::auth::server::{KnownUsers, LoginThrottle, PasswordHasher, UserSessions};

/// Shared by reference: every server-function call and page render puts a
/// copy in its Leptos context, and a copy is one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

pub struct Services {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub passwords: PasswordHasher,
    pub throttle: LoginThrottle,
    /// Requests that send mail, throttled per address and IP
    /// (`ThrottlePolicy::for_mail`).
    pub mail_throttle: LoginThrottle,
    pub mailer: Mailer,
    pub sessions: UserSessions,
    pub known_users: KnownUsers,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
