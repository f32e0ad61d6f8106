//! The `users` table: accounts, their argon2id password hashes, and
//! deleting an account (its workouts and audit trail go with it, by
//! `ON DELETE CASCADE`).

use sqlx::FromRow;

use super::email_tokens::{ENDED_BY_A_PASSWORD_CHANGE, end_links};
use super::outbox::insert_mails;
use super::{Database, on_pool};
use crate::auth::domain::{CurrentUser, Email};
use crate::auth::server::PasswordHashString;
use crate::error::AppError;
use crate::server::mail::Mail;
use crate::workouts::domain::{DistanceUnit, Units, WeightUnit};

/// What a login needs to know about an account.
pub struct StoredCredentials {
    pub user: CurrentUser,
    pub password_hash: PasswordHashString,
}

/// A user with the stored hash, for a login or a session check.
#[derive(FromRow)]
struct CredentialsRow {
    id: i64,
    email: String,
    password_hash: String,
}

impl CredentialsRow {
    fn into_credentials(self) -> StoredCredentials {
        StoredCredentials {
            user: CurrentUser {
                id: self.id,
                email: self.email,
            },
            password_hash: PasswordHashString::from_stored(self.password_hash),
        }
    }
}

impl Database {
    /// Inserts a new account. The UNIQUE constraint, not a prior lookup, decides
    /// who wins when two signups for one email race.
    pub async fn create_user(
        &self,
        email: &Email,
        hash: &PasswordHashString,
    ) -> Result<CurrentUser, AppError> {
        let inserted: Result<i64, sqlx::Error> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id",
            )
            .bind(email.as_str())
            .bind(hash.as_str())
            .fetch_one(pool)
            .await
        });
        match inserted {
            Ok(id) => Ok(CurrentUser {
                id,
                email: email.to_string(),
            }),
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
                Err(AppError::EmailTaken)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Creates the account, or gives an existing one this password hash
    /// (the seed command's demo user).
    pub async fn upsert_user(
        &self,
        email: &Email,
        hash: &PasswordHashString,
    ) -> Result<CurrentUser, AppError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO users (email, password_hash) VALUES ($1, $2) \
                 ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash \
                 RETURNING id",
            )
            .bind(email.as_str())
            .bind(hash.as_str())
            .fetch_one(pool)
            .await
        })?;
        Ok(CurrentUser {
            id,
            email: email.to_string(),
        })
    }

    pub async fn find_credentials(
        &self,
        email: &Email,
    ) -> Result<Option<StoredCredentials>, AppError> {
        let row: Option<CredentialsRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, email, password_hash FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(CredentialsRow::into_credentials))
    }

    /// The user with this id and their password hash, if they still exist.
    pub async fn find_credentials_of(
        &self,
        id: i64,
    ) -> Result<Option<StoredCredentials>, AppError> {
        let row: Option<CredentialsRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, email, password_hash FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(CredentialsRow::into_credentials))
    }

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

    /// Replaces the user's password hash, and in the same transaction
    /// ends every reset link and pending address change of theirs (a
    /// password changed by any route leaves none working: an address change
    /// asked for by whoever knew the old password dies with it) and queues
    /// `mails` (the notice).
    pub async fn set_password_hash(
        &self,
        user_id: i64,
        hash: &PasswordHashString,
        mails: &[Mail],
        now_ms: i64,
    ) -> Result<(), AppError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash.as_str())
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            end_links!(tx, user_id, ENDED_BY_A_PASSWORD_CHANGE)?;
            insert_mails!(tx, mails, now_ms)?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// The units the user enters and reads values in; the defaults (kg, km)
    /// for an id with no account.
    pub async fn units_of(&self, user_id: i64) -> Result<Units, AppError> {
        let row: Option<(String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT weight_unit, distance_unit FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map_or_else(Units::default, |(weight, distance)| Units {
            // The table's CHECK allows only these names.
            weight: WeightUnit::parse("weight_unit", &weight).unwrap_or_default(),
            distance: DistanceUnit::parse("distance_unit", &distance).unwrap_or_default(),
        }))
    }

    /// Stores the user's units; false when the account is gone.
    pub async fn set_units(&self, user_id: i64, units: Units) -> Result<bool, AppError> {
        let updated = on_pool!(self, pool => {
            sqlx::query("UPDATE users SET weight_unit = $1, distance_unit = $2 WHERE id = $3")
                .bind(units.weight.as_str())
                .bind(units.distance.as_str())
                .bind(user_id)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(updated > 0)
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
}

/// What [`Database::canonicalise_stored_emails`] found among emails stored
/// before the canonical form (user ids).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EmailCheck {
    /// Rewritten to their canonical form, which named no other account.
    pub rewritten: Vec<i64>,
    /// Accounts whose emails have one canonical form: left as they are, for
    /// an operator to settle (never merged).
    pub collisions: Vec<Vec<i64>>,
    /// Emails that are no longer valid (an invisible or text-direction
    /// character): left as they are; they cannot log in until changed.
    pub invalid: Vec<i64>,
}

impl Database {
    /// Brings emails stored by releases that only lower-cased them to the
    /// canonical form ([`Email`]), at start-up, after the migrations. Only
    /// emails with a non-ASCII character can differ (ASCII ones were
    /// lower-cased already), so only those are read. A canonical form that
    /// another account already has, or that two stored emails share, is
    /// reported and changes nothing.
    pub async fn canonicalise_stored_emails(&self) -> Result<EmailCheck, sqlx::Error> {
        let rows: Vec<(i64, String)> = match &self.pool {
            super::Pool::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT id, email FROM users WHERE email GLOB '*[^ -~]*' ORDER BY id",
                )
                .fetch_all(pool)
                .await?
            }
            super::Pool::Postgres(pool) => {
                sqlx::query_as("SELECT id, email FROM users WHERE email ~ '[^ -~]' ORDER BY id")
                    .fetch_all(pool)
                    .await?
            }
        };
        let mut check = EmailCheck::default();
        let mut by_canonical: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
        for (id, stored) in rows {
            match Email::parse(&stored) {
                Ok(email) if email.as_str() == stored => {}
                Ok(email) => by_canonical.entry(email.to_string()).or_default().push(id),
                Err(_) => check.invalid.push(id),
            }
        }
        for (canonical, mut ids) in by_canonical {
            let holder: Option<i64> = on_pool!(self, pool => {
                sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                    .bind(&canonical)
                    .fetch_optional(pool)
                    .await
            })?;
            if let Some(holder) = holder {
                ids.insert(0, holder);
            }
            if ids.len() > 1 {
                check.collisions.push(ids);
                continue;
            }
            on_pool!(self, pool => {
                sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
                    .bind(&canonical)
                    .bind(ids[0])
                    .execute(pool)
                    .await
                    .map(|_| ())
            })?;
            check.rewritten.push(ids[0]);
        }
        Ok(check)
    }
}
