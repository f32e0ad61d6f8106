//! The server side of authentication (compiled only with `ssr`): what the
//! auth server functions do, and how a request's session becomes a user.
//!
//! The items of this module are the feature's server-side API, for the other
//! features (`require_user`, `confirm_password`, `audit`, [`AuthSession`])
//! and for the server that assembles the app (the services it builds).
//! The submodules are private:
//!
//! - `session`: the typed session, [`AuthSession`] and what it holds;
//! - `user_sessions`: the Redis store with each user's index of sessions;
//! - `passwords`: argon2id on the app's own hashing threads;
//! - `password_policy`: what a new password may not be (the email, Django's
//!   list of common passwords), as `Password::parse_new_for`;
//! - `throttle`: password attempts counted and locked per email and IP, in Redis;
//! - `known_users`: which users this process found in the database lately;
//! - `tokens`: the one-time tokens of emailed links, stored as digests;
//! - `recovery`: password reset, address confirmation and address change;
//! - `messages`: the text of every message the app sends.

mod known_users;
mod messages;
mod password_policy;
mod passwords;
mod recovery;
mod session;
mod throttle;
mod tokens;
mod user_sessions;

use std::sync::Arc;

use leptos::prelude::use_context;
use tokio::sync::OnceCell;

pub use known_users::KnownUsers;
pub use passwords::{PasswordHashString, PasswordHasher};
pub use recovery::{
    confirm_email, email_status, forgot_password, password_changed_notice, request_email_change,
    resend_confirmation, reset_password,
};
pub use session::{AuthSession, Freshness, LoggedIn, SessionMeta};
pub use throttle::{LoginThrottle, ThrottlePolicy};
pub use tokens::{TokenDigest, TokenPurpose};
pub use user_sessions::{IndexedStore, UserSessions};

use super::activity::AuditKind;
use super::domain::{CurrentUser, Email, NextPath, Password};
use crate::error::AppError;
use crate::server::clock::unix_now;
use crate::server::request::{self, client_ip, redirect_plain_form_post};
use crate::server::state::AppState;

pub async fn signup(email: &str, password: &str) -> Result<CurrentUser, AppError> {
    let email = new_address(email)?;
    let password = Password::parse_new_for(&email, password)?;
    let (state, session) = (request::state()?, AuthSession::of_request()?);
    state.sessions.ensure_reachable().await?;

    let hash = state.passwords.hash(password).await?;
    let user = state.db.create_user(&email, &hash).await?;
    start_session(&state, &session, &user, &hash, false).await?;
    audit(&state, user.id, AuditKind::SignedUp).await;
    // The account works at once; a confirmation link that could not be
    // queued can be asked for again from the dashboard.
    if let Err(err) = recovery::send_confirmation(&state, user.id, &user.email).await {
        tracing::warn!(
            ?err,
            user_id = user.id,
            "could not queue the confirmation link"
        );
    }
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
    let (state, session) = (request::state()?, AuthSession::of_request()?);
    let ip = client_ip();
    // Counted before any hashing: a locked email or IP costs the server
    // nothing, and a burst cannot outrun the count.
    state.throttle.attempt(&email, ip).await?;

    let account = state.db.find_credentials(&email).await?;
    let stored_hash = account
        .as_ref()
        .map(|account| account.password_hash.clone());
    // Runs a full argon2 verification even when there is no such account.
    let verified = state.passwords.verify(password, stored_hash).await?;
    let account = match account {
        Some(account) if verified => account,
        account => {
            tracing::info!("failed login");
            if let Some(account) = account {
                audit(&state, account.user.id, AuditKind::LoginFailed).await;
            }
            return Err(AppError::InvalidCredentials);
        }
    };
    state.throttle.record_success(&email, ip).await?;
    let user = account.user;
    start_session(&state, &session, &user, &account.password_hash, remember).await?;
    audit(&state, user.id, AuditKind::LoggedIn).await;
    tracing::info!(user_id = user.id, remember, "logged in");
    redirect_plain_form_post(NextPath::parse_or_default(next).as_str());
    Ok(user)
}

pub async fn logout() -> Result<(), AppError> {
    let session = AuthSession::of_request()?;
    if let Some(logged_in) = session.current().await? {
        let state = request::state()?;
        if let Some(id) = session.id() {
            state.sessions.forget(logged_in.user.id, &id).await?;
        }
        audit(&state, logged_in.user.id, AuditKind::LoggedOut).await;
    }
    session.end().await?;
    redirect_plain_form_post("/");
    Ok(())
}

/// The logged-in user, or `Unauthorized`.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    optional_user().await?.ok_or(AppError::Unauthorized)
}

/// The user of the request, resolved once: a page's nav bar, the page and
/// each piece of its data ask, and would otherwise each read the session and
/// maybe query the database. Provided per request, page render or
/// server-function call (`server::provide_page_context`).
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
    let session = AuthSession::of_request()?;
    let Some(mut logged_in) = session.current().await? else {
        return Ok(None);
    };
    let state = request::state()?;
    let (user_id, now) = (logged_in.user.id, unix_now());
    match logged_in.meta.freshness(now, state.sessions.timeouts()) {
        Freshness::Expired => {
            tracing::info!(user_id, "session expired; destroying it");
            session.end().await?;
            return Ok(None);
        }
        // Written back when due, and when the cookie was signed with a
        // retired key (the response then carries one signed with the
        // current key; see `server::sessions::accept_retired_key`).
        Freshness::Refresh => {}
        Freshness::Valid if request::cookie_signed_with_retired_key() => {}
        Freshness::Valid => return still_known(&state, &session, logged_in).await,
    }
    if !session.touch(&mut logged_in, now).await? {
        tracing::info!(
            user_id,
            "the session ended while this request ran; anonymous"
        );
        return Ok(None);
    }
    still_known(&state, &session, logged_in).await
}

/// The session's user, if they still exist with the credentials the
/// session was made with; the session is destroyed if not.
async fn still_known(
    state: &AppState,
    session: &AuthSession,
    mut logged_in: LoggedIn,
) -> Result<Option<CurrentUser>, AppError> {
    let user_id = logged_in.user.id;
    let version = logged_in.meta.credentials_version;
    let complete = !logged_in.user.email.is_empty() && version != 0;
    if complete && state.known_users.recent_version(user_id) == Some(version) {
        return Ok(Some(logged_in.user));
    }
    let Some(stored) = state.db.find_credentials_of(user_id).await? else {
        state.known_users.deleted(user_id);
        tracing::info!(user_id, "session refers to a deleted user; destroying it");
        session.end().await?;
        return Ok(None);
    };
    let current = stored.password_hash.credentials_version();
    state.known_users.seen_now(user_id, current);
    if version != 0 && version != current {
        tracing::info!(
            user_id,
            "session made with earlier credentials; destroying it"
        );
        session.end().await?;
        return Ok(None);
    }
    // A session from an earlier release learns what it lacked.
    if stored.user.email != logged_in.user.email || version == 0 {
        logged_in.user.email.clone_from(&stored.user.email);
        logged_in.meta.credentials_version = current;
        session.save(&logged_in).await?;
    }
    Ok(Some(stored.user))
}

/// An address a new account or an address change is to have
/// ([`Email::parse_new`]), which the mailer can also send to as it is: one
/// its parser refuses (`a..b@example.com`, `a@-b.example`) could never get a
/// confirmation or a reset link.
pub fn new_address(raw: &str) -> Result<Email, AppError> {
    let email = Email::parse_new(raw)?;
    match email.as_str().parse::<lettre::Address>() {
        Ok(address) if AsRef::<str>::as_ref(&address) == email.as_str() => Ok(email),
        _ => Err(AppError::invalid(
            "email",
            "Enter a valid email address, like name@example.com",
        )),
    }
}

/// Logs `user` in on this request's session (a fresh id, the device and
/// address of this request).
///
/// The session records the version of the credentials just checked
/// (`hash`): if the password changed while this login ran, the next request
/// finds the session older than the credentials and ends it.
async fn start_session(
    state: &AppState,
    session: &AuthSession,
    user: &CurrentUser,
    hash: &PasswordHashString,
    remember: bool,
) -> Result<(), AppError> {
    let meta = SessionMeta::new(
        &request::header(http::header::USER_AGENT).unwrap_or_default(),
        &client_ip().map(|ip| ip.to_string()).unwrap_or_default(),
        remember,
        hash.credentials_version(),
        unix_now(),
        state.sessions.timeouts(),
    );
    // The user is not marked as seen: the session's first request reads the
    // database, which knows of any password change or deletion that
    // happened while this login ran.
    session.start(user, meta).await
}

/// After the user was deleted: every session of theirs ends, on every
/// instance, and a session that a login still running saves afterwards is
/// refused at its first request (at once here, within
/// `SESSION_USER_RECHECK` on the other instances).
pub async fn user_deleted(state: &AppState, user_id: i64) -> Result<(), AppError> {
    state.known_users.deleted(user_id);
    state.sessions.revoke_all_except(user_id, None).await?;
    Ok(())
}

/// After the user's password hash was replaced by `hash` (a change; a
/// reset later): this request's session, if it is the user's, goes on
/// under a new id with the new credentials; every other session ends; and
/// any session made with the earlier hash, even one that a login still
/// running creates after this, is refused at its next request (at once on
/// this instance, within `SESSION_USER_RECHECK` on the others).
pub async fn credentials_changed(
    state: &AppState,
    session: &AuthSession,
    user_id: i64,
    hash: &PasswordHashString,
) -> Result<(), AppError> {
    let version = hash.credentials_version();
    state.known_users.seen_now(user_id, version);
    state
        .sessions
        .revoke_all_except(user_id, session.id())
        .await?;
    if let Some(mut logged_in) = session.current().await?
        && logged_in.user.id == user_id
    {
        logged_in.meta.credentials_version = version;
        session.save(&logged_in).await?;
        session.cycle_id().await?;
    }
    Ok(())
}

/// Checks the logged-in user's password with a full argon2 verification,
/// throttled like a login, so a stolen session cannot be used to guess it.
/// A mismatch is an `InvalidField` naming `field`. On success the session
/// records when the password was confirmed.
pub async fn confirm_password(
    state: &AppState,
    session: &AuthSession,
    user: &CurrentUser,
    raw: &str,
    field: &str,
) -> Result<(), AppError> {
    let email = Email::parse(&user.email)?;
    let ip = client_ip();
    let wrong = || AppError::invalid(field, "That password is not correct");
    let candidate = Password::parse_candidate(raw).map_err(|_| wrong())?;
    state.throttle.attempt(&email, ip).await?;
    let stored = state.db.password_hash_of(user.id).await?;
    if !state.passwords.verify(candidate, stored).await? {
        return Err(wrong());
    }
    state.throttle.record_success(&email, ip).await?;
    if let Some(mut logged_in) = session.current().await? {
        logged_in.meta.password_confirmed_at = unix_now();
        session.save(&logged_in).await?;
    }
    Ok(())
}

/// Records a security event for the audit trail, with this request's
/// address; a failure to record is logged, never fatal.
pub async fn audit(state: &AppState, user_id: i64, kind: AuditKind) {
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
