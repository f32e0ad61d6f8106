//! The `email_tokens` table: one-time links sent by email, by the SHA-256
//! of their token (`auth::server::TokenDigest`), with the user, the purpose,
//! the address the link went to, and when it stops working. Using a token
//! deletes it, in the same transaction as the change it allows.

use sqlx::FromRow;

use super::outbox::insert_mails;
use super::{Database, on_pool};
use crate::auth::server::{PasswordHashString, TokenDigest, TokenPurpose};
use crate::error::AppError;
use crate::server::mail::Mail;

/// A token to store.
pub struct NewToken<'a> {
    pub digest: &'a TokenDigest,
    pub user_id: i64,
    pub purpose: TokenPurpose,
    /// The address the link goes to.
    pub email: &'a str,
    /// Unix seconds.
    pub created_at: i64,
    pub expires_at: i64,
}

/// Whose a live token is, and the address it was sent to.
#[derive(Debug, Clone, FromRow)]
pub struct TokenHolder {
    pub user_id: i64,
    pub email: String,
}

/// What following a confirmation link did.
#[derive(Debug, PartialEq, Eq)]
pub enum AddressConfirmation {
    /// The account's address is confirmed.
    Confirmed { user_id: i64, email: String },
    /// The account's address is now `email`, confirmed; it was `old`.
    Changed {
        user_id: i64,
        old: String,
        email: String,
    },
    /// Unknown, used, expired, or sent to an address the account no longer has.
    Invalid,
    /// The new address belongs to another account by now: nothing changed.
    Taken,
}

/// The account's address and whether it is confirmed, with a change that
/// waits for its link.
#[derive(Debug, FromRow)]
pub struct EmailStatusRow {
    pub email: String,
    pub email_confirmed_at: Option<i64>,
    pub pending_email: Option<String>,
}

/// The links a password change ends (by any route): reset links, and a
/// pending address change, which whoever knew the old password may have
/// asked for.
pub(super) const ENDED_BY_A_PASSWORD_CHANGE: [TokenPurpose; 2] =
    [TokenPurpose::PasswordReset, TokenPurpose::ChangeEmail];

/// The links an address change ends: those sent to the old address.
const ENDED_BY_AN_ADDRESS_CHANGE: [TokenPurpose; 2] =
    [TokenPurpose::PasswordReset, TokenPurpose::ConfirmEmail];

/// Deletes the user's links of the two `purposes` on `$conn` (a transaction).
macro_rules! end_links {
    ($conn:expr, $user_id:expr, $purposes:expr) => {{
        let [first, second] = $purposes;
        sqlx::query("DELETE FROM email_tokens WHERE user_id = $1 AND purpose IN ($2, $3)")
            .bind($user_id)
            .bind(first.as_str())
            .bind(second.as_str())
            .execute(&mut *$conn)
            .await
    }};
}
pub(super) use end_links;

#[derive(FromRow)]
struct UsedToken {
    user_id: i64,
    purpose: String,
    email: String,
}

impl Database {
    /// Stores `token` and queues the `mails` that carry it, in one
    /// transaction: a link is never stored without its message, nor sent
    /// without being stored. Expired tokens are dropped on the way, and a
    /// new address change replaces the user's earlier one.
    pub async fn issue_token(
        &self,
        token: &NewToken<'_>,
        mails: &[Mail],
        now_ms: i64,
    ) -> Result<(), AppError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM email_tokens WHERE expires_at <= $1")
                .bind(token.created_at)
                .execute(&mut *tx)
                .await?;
            if token.purpose == TokenPurpose::ChangeEmail {
                sqlx::query("DELETE FROM email_tokens WHERE user_id = $1 AND purpose = $2")
                    .bind(token.user_id)
                    .bind(token.purpose.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO email_tokens (token_hash, user_id, purpose, email, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token.digest.as_str())
            .bind(token.user_id)
            .bind(token.purpose.as_str())
            .bind(token.email)
            .bind(token.created_at)
            .bind(token.expires_at)
            .execute(&mut *tx)
            .await?;
            insert_mails!(tx, mails, now_ms)?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// The holder of a live token for `purpose`, without using it up
    /// (opening a link shows a form; mail scanners open links too).
    pub async fn token_holder(
        &self,
        digest: &TokenDigest,
        purpose: TokenPurpose,
        now: i64,
    ) -> Result<Option<TokenHolder>, AppError> {
        let holder = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT user_id, email FROM email_tokens \
                 WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3",
            )
            .bind(digest.as_str())
            .bind(purpose.as_str())
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(holder)
    }

    /// Uses the reset token `digest` of `holder` to set `hash`, in one
    /// transaction: false, and nothing changed, if the token was used
    /// meanwhile or the account's address is no longer the one the link
    /// went to. Every other reset link and any pending address change of
    /// the user die with it, and the `mails` (the notice) are queued.
    pub async fn reset_password(
        &self,
        digest: &TokenDigest,
        holder: &TokenHolder,
        hash: &PasswordHashString,
        mails: &[Mail],
        now_ms: i64,
    ) -> Result<bool, AppError> {
        let now = now_ms.div_euclid(1000);
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let used = sqlx::query(
                "DELETE FROM email_tokens \
                 WHERE token_hash = $1 AND purpose = $2 AND user_id = $3 AND expires_at > $4",
            )
            .bind(digest.as_str())
            .bind(TokenPurpose::PasswordReset.as_str())
            .bind(holder.user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let updated = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND email = $3")
                .bind(hash.as_str())
                .bind(holder.user_id)
                .bind(&holder.email)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if used == 0 || updated == 0 {
                tx.rollback().await.map(|()| false)
            } else {
                end_links!(tx, holder.user_id, ENDED_BY_A_PASSWORD_CHANGE)?;
                insert_mails!(tx, mails, now_ms)?;
                tx.commit().await.map(|()| true)
            }
        })?;
        Ok(done)
    }

    /// Uses a confirmation token (of either kind), in one transaction. For
    /// an address change the address changes only if it is still free: of
    /// two accounts racing for one address, the UNIQUE constraint lets
    /// exactly one have it. Links sent to the old address die with it.
    pub async fn confirm_address(
        &self,
        digest: &TokenDigest,
        now: i64,
    ) -> Result<AddressConfirmation, AppError> {
        let outcome: Result<AddressConfirmation, sqlx::Error> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin().await?;
                let used: Option<UsedToken> = sqlx::query_as(
                    "DELETE FROM email_tokens \
                     WHERE token_hash = $1 AND purpose IN ($2, $3) AND expires_at > $4 \
                     RETURNING user_id, purpose, email",
                )
                .bind(digest.as_str())
                .bind(TokenPurpose::ConfirmEmail.as_str())
                .bind(TokenPurpose::ChangeEmail.as_str())
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(used) = used else {
                    return Ok(AddressConfirmation::Invalid);
                };
                let outcome = match TokenPurpose::parse(&used.purpose) {
                    Some(TokenPurpose::ConfirmEmail) => {
                        let updated = sqlx::query(
                            "UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, $3) \
                             WHERE id = $1 AND email = $2",
                        )
                        .bind(used.user_id)
                        .bind(&used.email)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if updated == 0 {
                            return Ok(AddressConfirmation::Invalid);
                        }
                        // Its other confirmation links have done their work.
                        let confirmations = [TokenPurpose::ConfirmEmail, TokenPurpose::ConfirmEmail];
                        end_links!(tx, used.user_id, confirmations)?;
                        AddressConfirmation::Confirmed { user_id: used.user_id, email: used.email }
                    }
                    Some(TokenPurpose::ChangeEmail) => {
                        let old: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
                            .bind(used.user_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                        let Some(old) = old else {
                            return Ok(AddressConfirmation::Invalid);
                        };
                        let updated = sqlx::query(
                            "UPDATE users SET email = $2, email_confirmed_at = $3 WHERE id = $1",
                        )
                        .bind(used.user_id)
                        .bind(&used.email)
                        .bind(now)
                        .execute(&mut *tx)
                        .await;
                        match updated {
                            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
                                return Ok(AddressConfirmation::Taken);
                            }
                            updated => updated?,
                        };
                        end_links!(tx, used.user_id, ENDED_BY_AN_ADDRESS_CHANGE)?;
                        AddressConfirmation::Changed { user_id: used.user_id, old, email: used.email }
                    }
                    _ => return Ok(AddressConfirmation::Invalid),
                };
                tx.commit().await?;
                Ok(outcome)
            }
            .await
        });
        Ok(outcome?)
    }

    /// The user's address, when it was confirmed, and the new address a
    /// change waits to have confirmed; `None` for a user who no longer exists.
    pub async fn email_status(
        &self,
        user_id: i64,
        now: i64,
    ) -> Result<Option<EmailStatusRow>, AppError> {
        let row = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT email, email_confirmed_at, \
                 (SELECT t.email FROM email_tokens t \
                  WHERE t.user_id = users.id AND t.purpose = $2 AND t.expires_at > $3 \
                  ORDER BY t.created_at DESC LIMIT 1) AS pending_email \
                 FROM users WHERE id = $1",
            )
            .bind(user_id)
            .bind(TokenPurpose::ChangeEmail.as_str())
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(row)
    }
}
