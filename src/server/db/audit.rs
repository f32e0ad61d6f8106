//! The `audit_events` table: each user's security events (logins, failed
//! logins, password changes, revocations), newest first.

use sqlx::FromRow;

use super::{Database, on_pool};
use crate::auth::activity::{AuditEvent, AuditKind};
use crate::error::AppError;

/// A row as stored; `kind` is [`AuditKind::as_str`].
#[derive(FromRow)]
struct AuditRow {
    at: i64,
    kind: String,
    ip: String,
}

impl Database {
    pub async fn record_event(
        &self,
        user_id: i64,
        kind: AuditKind,
        ip: &str,
        at: i64,
    ) -> Result<(), AppError> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO audit_events (user_id, at, kind, ip) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(at)
                .bind(kind.as_str())
                .bind(ip)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    pub async fn audit_trail(&self, user_id: i64, limit: i64) -> Result<Vec<AuditEvent>, AppError> {
        let rows: Vec<AuditRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT at, kind, ip FROM audit_events WHERE user_id = $1 \
                 ORDER BY at DESC, id DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(AuditEvent {
                    at: row.at,
                    kind: AuditKind::parse(&row.kind)?,
                    ip: row.ip,
                })
            })
            .collect())
    }
}
