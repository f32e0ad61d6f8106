//! What every request handler and server function can reach.

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;

use super::db::Database;
use crate::auth::known_users::KnownUsers;
use crate::auth::passwords::PasswordHasher;
use crate::auth::throttle::LoginThrottle;
use crate::auth::user_sessions::UserSessions;
use crate::error::AppError;

/// Shared by reference: every server-function call and page render puts a
/// copy in its Leptos context, and a copy is one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

pub struct Services {
    pub leptos_options: LeptosOptions,
    pub db: Database,
    pub passwords: PasswordHasher,
    pub throttle: LoginThrottle,
    pub sessions: UserSessions,
    pub known_users: KnownUsers,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }

    /// The state as server functions see it (provided as Leptos context).
    ///
    /// Missing only when the request is gone: a page's resources fetch in
    /// spawned tasks, and when the client abandons the render (a closed tab, a
    /// load generator stopping) the render's owner is dropped, and its context
    /// with it, while such a task may still be starting. Nobody reads the
    /// answer, so this is no error worth an operator's attention. (A router that
    /// failed to provide the state would fail every server-function test.)
    pub fn from_context() -> Result<Self, AppError> {
        use_context::<Self>().ok_or_else(|| {
            tracing::debug!("no AppState in the Leptos context: the request was abandoned");
            AppError::Internal
        })
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
