//! Accounts and sessions: sign up, log in, log out, and who is logged in.
//!
//! The server functions below are the whole API between browser and server for
//! this feature; their bodies run only on the server (see `server.rs`).

pub mod domain;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod passwords;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;

use crate::error::AppError;
pub use domain::CurrentUser;

/// `POST /api/signup` (form fields `email`, `password`): creates the account and
/// logs it in.
#[server(prefix = "/api", endpoint = "signup")]
pub async fn signup(email: String, password: String) -> Result<CurrentUser, AppError> {
    server::signup(&email, &password).await
}

/// `POST /api/login` (form fields `email`, `password`, optional `next`).
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<CurrentUser, AppError> {
    server::login(&email, &password, next.as_deref()).await
}

/// `POST /api/logout`: destroys the session in Redis and expires the cookie.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    server::logout().await
}

/// `POST /api/me`: the current user as JSON, or 401 for an anonymous caller.
#[server(prefix = "/api", endpoint = "me")]
pub async fn me() -> Result<CurrentUser, AppError> {
    server::require_user().await
}

/// `POST /api/current_user`: the current user or `null`; what the UI renders from.
#[server(prefix = "/api", endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    server::optional_user().await
}

/// Who is logged in, as the whole UI sees it.
#[derive(Clone, Copy)]
pub struct Auth {
    /// Blocking, so the server knows the user before it sends any HTML and can
    /// redirect a gated page with a real 302.
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
}

impl Auth {
    pub fn provide() -> Self {
        let auth = Self {
            user: Resource::new_blocking(|| (), |()| get_current_user()),
        };
        provide_context(auth);
        auth
    }

    pub fn expect() -> Self {
        expect_context::<Self>()
    }

    /// Asks the server again, after a login, signup or logout.
    pub fn refresh(&self) {
        self.user.refetch();
    }
}
