//! Accounts and sessions: sign up, log in, log out, and who is logged in;
//! each user's sessions and audit trail are kept here too.
//!
//! The server functions below are the whole API between browser and server for
//! this feature; their bodies run only on the server (`server/`, the one part
//! that is not compiled into the browser bundle).

pub mod activity;
pub mod domain;
pub mod pages;
pub mod recovery_pages;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;

use crate::error::AppError;
pub use domain::{CurrentUser, EmailStatus};

/// `POST /api/signup` (form fields `email`, `password`): creates the account and
/// logs it in.
#[server(prefix = "/api", endpoint = "signup")]
pub async fn signup(email: String, password: String) -> Result<CurrentUser, AppError> {
    server::signup(&email, &password).await
}

/// `POST /api/login` (form fields `email`, `password`, optional `next` and
/// `remember`: a persistent cookie instead of a browser-session one).
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
    remember: Option<String>,
) -> Result<CurrentUser, AppError> {
    // A checkbox posts its value when ticked and nothing otherwise.
    let remember = remember.is_some_and(|v| !v.is_empty() && v != "false");
    server::login(&email, &password, next.as_deref(), remember).await
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

/// `POST /api/password/forgot` (`email`): emails a reset link if an
/// account has this address. The same answer either way; throttled per
/// address and IP (429 with `Retry-After`).
#[server(prefix = "/api/password", endpoint = "forgot")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    server::forgot_password(&email).await
}

/// `POST /api/password/reset` (`token`, `password`): sets a new password
/// with a reset link's token, ends every session of the user and logs this
/// browser in; `400 "InvalidLink"` for a used, expired or unknown token.
#[server(prefix = "/api/password", endpoint = "reset")]
pub async fn reset_password(token: String, password: String) -> Result<CurrentUser, AppError> {
    server::reset_password(&token, &password).await
}

/// `POST /api/email/confirm` (`token`): confirms the account's address, or
/// makes a new one the account's; `400 "InvalidLink"`, or `409` when the
/// new address belongs to another account by now.
#[server(prefix = "/api/email", endpoint = "confirm")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    server::confirm_email(&token).await
}

/// `POST /api/email/status`: the logged-in user's address, whether it is
/// confirmed, and a change waiting for its link.
#[server(prefix = "/api/email", endpoint = "status")]
pub async fn get_email_status() -> Result<EmailStatus, AppError> {
    server::email_status().await
}

/// `POST /api/email/resend_confirmation`: sends the confirmation link
/// again (throttled); nothing once the address is confirmed.
#[server(prefix = "/api/email", endpoint = "resend_confirmation")]
pub async fn resend_confirmation() -> Result<(), AppError> {
    server::resend_confirmation().await
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

    /// Asks again whenever `any_unauthorized` turns true: a request of this
    /// page found its session gone (revoked, expired, user deleted), and the
    /// route gate then sends the browser to /login.
    pub fn refresh_when(self, any_unauthorized: impl Fn() -> bool + 'static) {
        Effect::new(move || {
            if any_unauthorized() {
                self.refresh();
            }
        });
    }
}

/// True for a finished request that was refused because nobody is logged in.
pub fn unauthorized<T>(result: Option<Result<T, AppError>>) -> bool {
    matches!(result, Some(Err(AppError::Unauthorized)))
}
