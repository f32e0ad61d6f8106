//! All data access lives here, one file per table (`users.rs`,
//! `workouts.rs` with its entries and sets, `exercises.rs`, `audit.rs`,
//! `email_tokens.rs`, `outbox.rs`), so that a second backend (PostgreSQL) is a
//! change to this module and its migrations, not to the handlers. This file
//! holds what they share: the pools, `on_pool!`, the migrations and the
//! mapping of sqlx errors to `AppError`.

mod audit;
mod email_tokens;
mod exercises;
mod outbox;
mod users;
mod workouts;

pub use email_tokens::{AddressConfirmation, EmailStatusRow, NewToken, TokenHolder};
pub use exercises::Catalogue;
pub use outbox::{ClaimedMail, MailboxEntry};
pub use users::{EmailCheck, StoredCredentials};
pub use workouts::{ImportOutcome, WorkoutToImport};

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::config::DatabaseUrl;
use crate::error::AppError;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a request waits for a free connection before it answers 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

// Both pools keep their connections (no `idle_timeout`, no `max_lifetime`):
// either one makes sqlx 0.8.6 run a reaper task whose sweep, after a rare
// race in the pool's idle count (sqlx issue #3645, fixed by PR #4289 in no
// release yet), spins a core at 100 % for good and hangs shutdown; it hung a
// test run here. A closed connection is still replaced on demand, and
// PostgreSQL's `idle_session_timeout` can reap idle ones server-side.

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
/// SQLite and PostgreSQL accept. A macro, not a generic function: the body
/// is compiled once per backend, so its binds and row types are checked
/// against both, and sqlx's `Executor` bounds need no spelling out.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match &$db.pool {
            crate::server::db::Pool::Sqlite($pool) => $body,
            crate::server::db::Pool::Postgres($pool) => $body,
        }
    };
}
use on_pool;

/// How a transaction that reads before it writes begins on each backend.
/// SQLite's plain `BEGIN` takes no lock until the first write, and if another
/// connection committed a write meanwhile, that first write fails at once
/// (`SQLITE_BUSY_SNAPSHOT`; the busy timeout does not wait it out):
/// `BEGIN IMMEDIATE` takes the write lock up front, waiting its turn.
pub(super) trait WriteTransaction: sqlx::Database {
    const BEGIN: &'static str;
}

impl WriteTransaction for sqlx::Sqlite {
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
}

impl WriteTransaction for sqlx::Postgres {
    const BEGIN: &'static str = "BEGIN";
}

/// A transaction that may read before it writes (see [`WriteTransaction`]).
pub(super) async fn begin_writing<DB: WriteTransaction>(
    pool: &sqlx::Pool<DB>,
) -> Result<sqlx::Transaction<'static, DB>, sqlx::Error> {
    pool.begin_with(DB::BEGIN).await
}

/// Logs what the start-up check of stored emails found: an operator must
/// settle collisions (two accounts, one canonical email) by hand.
fn report_email_check(check: &EmailCheck) {
    if !check.rewritten.is_empty() {
        tracing::info!(ids = ?check.rewritten, "stored emails brought to their canonical form");
    }
    for ids in &check.collisions {
        tracing::error!(
            ?ids,
            "these accounts' emails have one canonical form: left unchanged, settle them by hand"
        );
    }
    if !check.invalid.is_empty() {
        tracing::warn!(ids = ?check.invalid, "stored emails with invisible or text-direction characters: left unchanged, they cannot log in");
    }
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
        report_email_check(&db.canonicalise_stored_emails().await?);
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
        .idle_timeout(None)
        .max_lifetime(None)
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
        .idle_timeout(None)
        .max_lifetime(None)
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
