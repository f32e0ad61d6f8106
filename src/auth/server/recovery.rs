//! Account recovery and verified addresses: a forgotten password reset by
//! an emailed link, the account's address confirmed, and a new address
//! taken only once a link sent to it is followed. Each link carries a
//! one-time token (`tokens`), and its message is queued in the same
//! transaction that stores the token (`server::mail`).

use super::messages;
use super::tokens::{MailedToken, TokenDigest, TokenPurpose};
use super::{AuthSession, audit, confirm_password, optional_user, require_user, start_session};
use crate::auth::activity::AuditKind;
use crate::auth::domain::{CurrentUser, Email, EmailStatus, NextPath, Password};
use crate::error::AppError;
use crate::server::clock::{unix_now, unix_now_ms};
use crate::server::db::{AddressConfirmation, NewToken};
use crate::server::mail::Mail;
use crate::server::request::{self, client_ip, redirect_plain_form_post};
use crate::server::state::AppState;

/// Sends a reset link if an account has this address. The answer is the
/// same either way, and so is the throttle (per address and IP), so
/// neither tells whether the account exists.
pub async fn forgot_password(email: &str) -> Result<(), AppError> {
    let email = Email::parse(email)?;
    let state = request::state()?;
    state.mail_throttle.attempt(&email, client_ip()).await?;
    // Storing a link and its message takes a few milliseconds that an
    // unknown address does not: both answer at the same instant instead.
    // A failure waits too: a fast error would tell that there is an account.
    let answer_at = tokio::time::Instant::now() + FORGOT_ANSWER_TIME;
    let queued = queue_reset_link(&state, &email).await;
    tokio::time::sleep_until(answer_at).await;
    queued?;
    redirect_plain_form_post("/forgot-password?sent=1");
    Ok(())
}

/// How long a reset request takes to answer, whether or not an account has
/// the address: far more than storing a link takes (a few milliseconds),
/// too little for a person to notice.
const FORGOT_ANSWER_TIME: std::time::Duration = std::time::Duration::from_millis(150);

/// Stores a reset link and queues its message, if an account has `email`.
async fn queue_reset_link(state: &AppState, email: &Email) -> Result<(), AppError> {
    let Some(account) = state.db.find_credentials(email).await? else {
        return Ok(());
    };
    let user = account.user;
    let token = MailedToken::generate();
    let mail = messages::password_reset(&state.mailer, &user.email, &token);
    let ttl = state.mailer.password_reset_ttl;
    let purpose = TokenPurpose::PasswordReset;
    issue(state, &token, purpose, user.id, &user.email, ttl, &[mail]).await?;
    audit(state, user.id, AuditKind::PasswordResetRequested).await;
    tracing::info!(user_id = user.id, "password reset link queued");
    Ok(())
}

/// Sets a new password with a reset link's token: every session of the
/// user ends, this browser gets a fresh one, and a notice goes to the
/// address. The token works once, and only while the account still has
/// the address it was sent to.
pub async fn reset_password(token: &str, password: &str) -> Result<CurrentUser, AppError> {
    let (state, session) = (request::state()?, AuthSession::of_request()?);
    let digest = TokenDigest::of_presented(token).ok_or(AppError::InvalidLink)?;
    let holder = state
        .db
        .token_holder(&digest, TokenPurpose::PasswordReset, unix_now())
        .await?
        .ok_or(AppError::InvalidLink)?;
    let email = Email::parse(&holder.email)?;
    let password = Password::parse_new_for(&email, password)?;
    // The fresh session must be storable before the password changes.
    state.sessions.ensure_reachable().await?;
    let hash = state.passwords.hash(password).await?;
    let notice = messages::password_changed(&state.mailer, &holder.email);
    if !state
        .db
        .reset_password(&digest, &holder, &hash, &[notice], unix_now_ms())
        .await?
    {
        return Err(AppError::InvalidLink);
    }
    state.mailer.queued();
    let user = CurrentUser {
        id: holder.user_id,
        email: holder.email,
    };
    // Sessions made with the old password are refused from now on, even
    // one a login still running saves later (`credentials_changed`'s rule).
    state
        .known_users
        .seen_now(user.id, hash.credentials_version());
    state.sessions.revoke_all_except(user.id, None).await?;
    start_session(&state, &session, &user, &hash, false).await?;
    audit(&state, user.id, AuditKind::PasswordReset).await;
    tracing::info!(user_id = user.id, "password reset");
    redirect_plain_form_post(NextPath::DEFAULT);
    Ok(user)
}

/// Follows a confirmation link: the account's address is confirmed, or,
/// for an address change, becomes the new one (if still free), and every
/// session of the user shows it at once.
pub async fn confirm_email(token: &str) -> Result<(), AppError> {
    let state = request::state()?;
    let digest = TokenDigest::of_presented(token).ok_or(AppError::InvalidLink)?;
    match state.db.confirm_address(&digest, unix_now()).await? {
        AddressConfirmation::Confirmed { user_id, .. } => {
            audit(&state, user_id, AuditKind::EmailConfirmed).await;
            tracing::info!(user_id, "email confirmed");
        }
        AddressConfirmation::Changed {
            user_id,
            old,
            email,
        } => {
            // The old address learns it has gone; were it not its owner's
            // doing, they know where to look.
            let notice = messages::address_changed(&state.mailer, &old, &email);
            match state.db.queue_mail(&[notice], unix_now_ms()).await {
                Ok(()) => state.mailer.queued(),
                Err(err) => {
                    tracing::warn!(?err, user_id, "could not queue the address-changed notice")
                }
            }
            // The change is made: if Redis cannot take the new address
            // now, each session learns it at its next database check.
            if let Err(err) = state.sessions.set_email(user_id, &email).await {
                tracing::warn!(
                    ?err,
                    user_id,
                    "sessions keep the old address until their next check"
                );
            }
            audit(&state, user_id, AuditKind::EmailChanged).await;
            tracing::info!(user_id, "email changed");
        }
        AddressConfirmation::Invalid => return Err(AppError::InvalidLink),
        AddressConfirmation::Taken => return Err(AppError::EmailTaken),
    }
    let next = match optional_user().await? {
        Some(_) => NextPath::DEFAULT,
        None => "/login",
    };
    redirect_plain_form_post(next);
    Ok(())
}

/// The logged-in user's address: confirmed or not, and any change waiting
/// for its link.
pub async fn email_status() -> Result<EmailStatus, AppError> {
    let user = require_user().await?;
    let state = request::state()?;
    let row = state
        .db
        .email_status(user.id, unix_now())
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(EmailStatus {
        email: row.email,
        confirmed: row.email_confirmed_at.is_some(),
        pending_email: row.pending_email,
    })
}

/// Sends the confirmation link again (throttled like a reset request);
/// nothing for an address already confirmed.
pub async fn resend_confirmation() -> Result<(), AppError> {
    let (status, user, state) = (
        email_status().await?,
        require_user().await?,
        request::state()?,
    );
    if !status.confirmed {
        let email = Email::parse(&status.email)?;
        state.mail_throttle.attempt(&email, client_ip()).await?;
        send_confirmation(&state, user.id, &status.email).await?;
    }
    redirect_plain_form_post(NextPath::DEFAULT);
    Ok(())
}

/// Queues the link that confirms `email` as the account's address.
pub async fn send_confirmation(
    state: &AppState,
    user_id: i64,
    email: &str,
) -> Result<(), AppError> {
    let token = MailedToken::generate();
    let mail = messages::confirm_address(&state.mailer, email, &token);
    let ttl = state.mailer.email_confirmation_ttl;
    issue(
        state,
        &token,
        TokenPurpose::ConfirmEmail,
        user_id,
        email,
        ttl,
        &[mail],
    )
    .await
}

/// Asks to make `new_email` the account's address: the current password
/// first (throttled like a login), then a link to the new address and a
/// notice to the old one. The address changes only when the link is used.
/// Answers the address the link went to, in its canonical form. Whether
/// another account has it is said at once (as signup says it), but only
/// after the mail throttle counted the request: no cheap probing.
pub async fn request_email_change(password: &str, new_email: &str) -> Result<String, AppError> {
    let user = require_user().await?;
    let (state, session) = (request::state()?, AuthSession::of_request()?);
    let new_email = super::new_address(new_email).map_err(|err| err.for_field("new_email"))?;
    if new_email.as_str() == user.email {
        return Err(AppError::invalid(
            "new_email",
            "That is already your address",
        ));
    }
    confirm_password(&state, &session, &user, password, "password").await?;
    state.mail_throttle.attempt(&new_email, client_ip()).await?;
    if state.db.find_credentials(&new_email).await?.is_some() {
        return Err(AppError::EmailTaken);
    }
    let token = MailedToken::generate();
    let mails = [
        messages::confirm_new_address(&state.mailer, new_email.as_str(), &token),
        messages::address_change_notice(&state.mailer, &user.email, new_email.as_str()),
    ];
    let ttl = state.mailer.email_confirmation_ttl;
    issue(
        &state,
        &token,
        TokenPurpose::ChangeEmail,
        user.id,
        new_email.as_str(),
        ttl,
        &mails,
    )
    .await?;
    audit(&state, user.id, AuditKind::EmailChangeRequested).await;
    tracing::info!(user_id = user.id, "email change requested");
    redirect_plain_form_post("/account");
    Ok(new_email.to_string())
}

/// The notice that the user's password changed (for the account page's
/// password change; a reset queues its own).
pub fn password_changed_notice(state: &AppState, email: &str) -> Mail {
    messages::password_changed(&state.mailer, email)
}

/// Stores `token` for `purpose`, valid for `ttl`, with the `mails` that
/// carry it (one transaction), and wakes the mail worker.
async fn issue(
    state: &AppState,
    token: &MailedToken,
    purpose: TokenPurpose,
    user_id: i64,
    email: &str,
    ttl: std::time::Duration,
    mails: &[Mail],
) -> Result<(), AppError> {
    let now = unix_now();
    let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
    let new = NewToken {
        digest: &token.digest(),
        user_id,
        purpose,
        email,
        created_at: now,
        expires_at: now.saturating_add(ttl),
    };
    state.db.issue_token(&new, mails, unix_now_ms()).await?;
    state.mailer.queued();
    Ok(())
}
