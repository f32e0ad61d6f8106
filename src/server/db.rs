//! All data access lives here (accounts below, workouts in `db/workouts.rs`),
//! so that a second backend (PostgreSQL) is a change to this module and its
//! migrations, not to the handlers.

mod account;
mod workouts;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::config::DatabaseUrl;
use crate::auth::domain::{CurrentUser, Email};
use crate::auth::passwords::PasswordHashString;
use crate::error::AppError;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a request waits for a free connection before it answers 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone, Debug)]
pub struct Database {
    pool: Pool,
}

/// One pool type per backend, so every query is compiled and type-checked
/// for both (an `Any` pool would erase the column types).
#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever backend this database is.
/// Every statement is written once, with `$1`-style placeholders, which both
/// SQLite and PostgreSQL accept.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match &$db.pool {
            crate::server::db::Pool::Sqlite($pool) => $body,
            crate::server::db::Pool::Postgres($pool) => $body,
        }
    };
}
use on_pool;

/// What a login needs to know about an account.
pub struct StoredCredentials {
    pub user: CurrentUser,
    pub password_hash: PasswordHashString,
}

impl Database {
    /// Connects (creating an SQLite file if needed) and applies pending migrations.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, sqlx::Error> {
        let pool = match url {
            DatabaseUrl::Sqlite(url) => Pool::Sqlite(connect_sqlite(url).await?),
            DatabaseUrl::Postgres(url) => Pool::Postgres(connect_postgres(url).await?),
        };
        let db = Self { pool };
        match &db.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(db)
    }

    /// Answers whether the database takes a query now (for `/readyz`).
    pub async fn ping(&self) -> Result<(), AppError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }

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
        let row: Option<(i64, String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, email, password_hash FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(|(id, email, hash)| StoredCredentials {
            user: CurrentUser { id, email },
            password_hash: PasswordHashString::from_stored(hash),
        }))
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<CurrentUser>, AppError> {
        let row: Option<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, email FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
        })?;
        Ok(row.map(|(id, email)| CurrentUser { id, email }))
    }
}

async fn connect_sqlite(url: &str) -> Result<SqlitePool, sqlx::Error> {
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
    SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // An in-process database has no connection to lose; the default ping
        // before every query was one more round trip to sqlx's worker thread.
        .test_before_acquire(false)
        .connect_with(options)
        .await
}

async fn connect_postgres(url: &str) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.application_name("workout_log");
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // Connections left idle are returned to the server rather than kept forever.
        .idle_timeout(Duration::from_secs(300))
        .connect_with(options)
        .await
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => {
                tracing::error!(%err, "database unavailable");
                AppError::Unavailable
            }
            // Every foreign key names a user: the caller's account was
            // deleted behind the app's back moments ago (see `known_users`).
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                tracing::info!("a write for a user who no longer exists");
                AppError::Unauthorized
            }
            err => {
                tracing::error!(%err, "database error");
                AppError::Internal
            }
        }
    }
}
