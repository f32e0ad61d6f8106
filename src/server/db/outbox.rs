//! The `mail_outbox` table: messages waiting to be sent. A message is
//! written in the same transaction as what it announces (a token, a changed
//! password), so the request answers only once it is safely queued; the
//! mail worker (`server::mail`) claims and delivers it.

use sqlx::FromRow;

use super::{Database, on_pool};
use crate::error::AppError;
use crate::server::mail::Mail;

/// A message the worker claimed, with the attempt this is (from 1).
#[derive(Debug, FromRow)]
pub struct ClaimedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    /// Unix seconds.
    pub created_at: i64,
}

/// A message as the development mailbox lists it.
#[derive(Debug, FromRow)]
pub struct MailboxEntry {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Unix seconds.
    pub created_at: i64,
    pub delivered: bool,
}

/// Inserts `mails` on `$conn` (a transaction), due at once (`now_ms`).
macro_rules! insert_mails {
    ($conn:expr, $mails:expr, $now:expr) => {{
        let mut result: Result<(), sqlx::Error> = Ok(());
        for mail in $mails {
            result = sqlx::query(
                "INSERT INTO mail_outbox (recipient, subject, body, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&mail.to)
            .bind(&mail.subject)
            .bind(&mail.body)
            .bind($now.div_euclid(1000))
            .bind($now)
            .execute(&mut *$conn)
            .await
            .map(|_| ());
            if result.is_err() {
                break;
            }
        }
        result
    }};
}
pub(super) use insert_mails;

impl Database {
    /// Queues `mails` (one transaction: all or none), due at once.
    pub async fn queue_mail(&self, mails: &[Mail], now_ms: i64) -> Result<(), AppError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_mails!(tx, mails, now_ms)?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Takes the oldest message that is due, for `lease_ms`: no other
    /// worker (another instance) takes it meanwhile, and if this one dies
    /// with it, it is due again when the lease ends. The outer `WHERE`
    /// repeats the due test so that of two workers that chose one row at
    /// once, PostgreSQL lets only the first update it (the second re-reads
    /// the row and finds it leased); SQLite runs one writer at a time.
    pub async fn claim_mail(
        &self,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<ClaimedMail>, AppError> {
        let claimed = on_pool!(self, pool => {
            sqlx::query_as(
                "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $2 \
                 WHERE id = (SELECT id FROM mail_outbox \
                             WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
                             ORDER BY next_attempt_at, id LIMIT 1) \
                   AND delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
                 RETURNING id, recipient, subject, body, attempts, created_at",
            )
            .bind(now_ms)
            .bind(now_ms.saturating_add(lease_ms))
            .fetch_optional(pool)
            .await
        })?;
        Ok(claimed)
    }

    /// When the next message is due (Unix ms), if any is waiting.
    pub async fn next_mail_due(&self) -> Result<Option<i64>, AppError> {
        let due = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT MIN(next_attempt_at) FROM mail_outbox \
                 WHERE delivered_at IS NULL AND failed_at IS NULL",
            )
            .fetch_one(pool)
            .await
        })?;
        Ok(due)
    }

    /// Delivered over SMTP: the message (and the link in it) leaves the
    /// database. Each of these records matches the claim (`attempts`), so
    /// a worker whose lease ran out changes nothing another one holds.
    pub async fn mail_sent(&self, mail: &ClaimedMail) -> Result<(), AppError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM mail_outbox WHERE id = $1 AND attempts = $2")
                .bind(mail.id)
                .bind(mail.attempts)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Delivered to the development mailbox, which keeps it to show it.
    pub async fn mail_kept_in_mailbox(&self, mail: &ClaimedMail, now: i64) -> Result<(), AppError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE mail_outbox SET delivered_at = $3, last_error = NULL \
                 WHERE id = $1 AND attempts = $2",
            )
                .bind(mail.id)
                .bind(mail.attempts)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// An attempt failed: try again at `retry_at_ms`, or, for a refusal
    /// that no retry can change (`None`), never; then the text (and any
    /// link in it) is dropped, and the row stays as the record of it.
    pub async fn mail_attempt_failed(
        &self,
        mail: &ClaimedMail,
        error: &str,
        retry_at_ms: Option<i64>,
        now: i64,
    ) -> Result<(), AppError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE mail_outbox SET last_error = $2, \
                 next_attempt_at = COALESCE($3, next_attempt_at), \
                 failed_at = CASE WHEN $3 IS NULL THEN $4 ELSE NULL END, \
                 body = CASE WHEN $3 IS NULL THEN '' ELSE body END \
                 WHERE id = $1 AND attempts = $5",
            )
            .bind(mail.id)
            .bind(error)
            .bind(retry_at_ms)
            .bind(now)
            .bind(mail.attempts)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The newest `limit` messages, for the development mailbox.
    pub async fn mailbox(&self, limit: i64) -> Result<Vec<MailboxEntry>, AppError> {
        let rows = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, recipient, subject, body, created_at, \
                 (delivered_at IS NOT NULL) AS delivered \
                 FROM mail_outbox ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows)
    }
}
