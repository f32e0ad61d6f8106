//! Account upkeep and the audit trail.

use super::{Database, on_pool};
use crate::account::domain::{AuditEvent, AuditKind};
use crate::auth::passwords::PasswordHashString;
use crate::error::AppError;

impl Database {
    pub async fn password_hash_of(
        &self,
        user_id: i64,
    ) -> Result<Option<PasswordHashString>, AppError> {
        let hash: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(hash.map(PasswordHashString::from_stored))
    }

    pub async fn set_password_hash(
        &self,
        user_id: i64,
        hash: &PasswordHashString,
    ) -> Result<(), AppError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash.as_str())
                .bind(user_id)
                .execute(pool)
                .await
                .map(|_| ())
        })?;
        Ok(())
    }

    /// Deletes the user; their workouts and audit trail go with them (ON DELETE CASCADE).
    pub async fn delete_user(&self, user_id: i64) -> Result<bool, AppError> {
        let deleted = on_pool!(self, pool => {
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(user_id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(deleted > 0)
    }

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
        let rows: Vec<(i64, String, String)> = on_pool!(self, pool => {
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
            .filter_map(|(at, kind, ip)| {
                Some(AuditEvent {
                    at,
                    kind: AuditKind::parse(&kind)?,
                    ip,
                })
            })
            .collect())
    }
}
