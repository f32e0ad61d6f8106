//! All data access lives here (accounts below, workouts in `db/workouts.rs`),
//! so that a second backend (PostgreSQL) is a change to this module and its
//! migrations, not to the handlers.

mod account;
mod workouts;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::auth::domain::{CurrentUser, Email};
use crate::auth::passwords::PasswordHashString;
use crate::error::AppError;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone, Debug)]
pub struct Database {
    pool: SqlitePool,
}

/// What a login needs to know about an account.
pub struct StoredCredentials {
    pub user: CurrentUser,
    pub password_hash: PasswordHashString,
}

impl Database {
    /// Opens (creating if needed) the database and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets readers proceed while a signup writes.
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        MIGRATIONS.run(&pool).await?;
        Ok(Self { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Inserts a new account. The UNIQUE constraint, not a prior lookup, decides
    /// who wins when two signups for one email race.
    pub async fn create_user(
        &self,
        email: &Email,
        hash: &PasswordHashString,
    ) -> Result<CurrentUser, AppError> {
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (email, password_hash) VALUES (?, ?) RETURNING id",
        )
        .bind(email.as_str())
        .bind(hash.as_str())
        .fetch_one(&self.pool)
        .await;
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
        let id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (email, password_hash) VALUES (?, ?) \
             ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash RETURNING id",
        )
        .bind(email.as_str())
        .bind(hash.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(CurrentUser {
            id,
            email: email.to_string(),
        })
    }

    pub async fn find_credentials(
        &self,
        email: &Email,
    ) -> Result<Option<StoredCredentials>, AppError> {
        let row = sqlx::query_as::<_, (i64, String, String)>(
            "SELECT id, email, password_hash FROM users WHERE email = ?",
        )
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, email, hash)| StoredCredentials {
            user: CurrentUser { id, email },
            password_hash: PasswordHashString::from_stored(hash),
        }))
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<CurrentUser>, AppError> {
        let row = sqlx::query_as::<_, (i64, String)>("SELECT id, email FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id, email)| CurrentUser { id, email }))
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::error!(%err, "database unavailable");
                AppError::Unavailable
            }
            err => {
                tracing::error!(%err, "database error");
                AppError::Internal
            }
        }
    }
}
