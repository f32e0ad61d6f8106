//! Migrations carry every row forward: a database built and filled with an
//! earlier release's schema, then opened by today's app, which applies the
//! rest. Every field of every row is compared.

use crate::common::{Backend, Deployment, TestDatabase, TestRedis, WORKOUT_FIELDS};

/// The first migration of account recovery: the schema before it is the
/// previous release's.
const RECOVERY_MIGRATION: &str = "20261201000001";

type UserRow = (i64, String, String, String);
type WorkoutRow = (
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
);
type AuditRow = (i64, i64, i64, String, String);

async fn rows(db: &TestDatabase) -> (Vec<UserRow>, Vec<WorkoutRow>, Vec<AuditRow>) {
    let pool = db.connect().await;
    let users = sqlx::query_as(
        "SELECT CAST(id AS BIGINT), email, password_hash, CAST(created_at AS TEXT) FROM users ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let workouts = sqlx::query_as(&format!(
        "SELECT {WORKOUT_FIELDS}, CAST(created_at AS TEXT) FROM workouts ORDER BY id"
    ))
    .fetch_all(&pool)
    .await
    .unwrap();
    let audit = sqlx::query_as(
        "SELECT CAST(id AS BIGINT), CAST(user_id AS BIGINT), CAST(at AS BIGINT), kind, ip \
         FROM audit_events ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    (users, workouts, audit)
}

async fn the_account_recovery_migration_keeps_every_account_workout_and_event(backend: Backend) {
    let db = TestDatabase::start(backend);
    // The previous release's schema: its migrations only.
    let earlier = tempfile::tempdir().unwrap();
    let dir = match backend {
        Backend::Sqlite => "migrations/sqlite",
        Backend::Postgres => "migrations/postgres",
    };
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_owned() + dir).unwrap()
    {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < RECOVERY_MIGRATION {
            std::fs::copy(&path, earlier.path().join(&name)).unwrap();
        }
    }
    let pool = db.connect().await;
    sqlx::migrate::Migrator::new(earlier.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let hasher = workout_log::auth::server::PasswordHasher::sized_for_this_machine();
    let password = workout_log::auth::domain::Password::parse_new("correct horse battery").unwrap();
    let hash = hasher.hash(password).await.unwrap();
    for email in [
        "ann@example.com",
        "k\u{e1}te@example.com",
        "bob@example.com",
    ] {
        sqlx::query("INSERT INTO users (email, password_hash) VALUES ($1, $2)")
            .bind(email)
            .bind(hash.as_str())
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM users WHERE email = 'bob@example.com'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO workouts (user_id, date, kind, duration_minutes, distance_m, sets, reps, weight_g, notes) VALUES \
         (1, '2026-11-20', 'Run', 30, 5000, NULL, NULL, NULL, 'easy'), \
         (1, '2026-11-21', 'Squat', NULL, NULL, 5, 5, 100000, ''), \
         (2, '2026-11-22', 'Yoga', 60, NULL, NULL, NULL, NULL, 'note with ''quotes''')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO audit_events (user_id, at, kind, ip) VALUES \
         (1, 1795438800, 'signed_up', '127.0.0.1'), (2, 1795438801, 'logged_in', '::1')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let before = rows(&db).await;
    assert_eq!((before.0.len(), before.1.len(), before.2.len()), (2, 3, 2));

    let deployment = Deployment::with_database(db, TestRedis::start());
    let app = deployment.spawn_app().await;
    let after = rows(&deployment.db).await;
    assert_eq!(after, before, "every field of every row");
    assert_eq!(
        deployment
            .count_rows("users WHERE email_confirmed_at IS NULL")
            .await,
        2,
        "unconfirmed until their owners follow a link"
    );
    // The accounts still work, and can use what the migration added.
    let res = app
        .login("k\u{e1}te@example.com", "correct horse battery")
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post_form(
            "/api/password/forgot",
            &[("email", "ann@example.com")],
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        deployment
            .count_rows("email_tokens WHERE user_id = 1 AND purpose = 'password_reset'")
            .await,
        1,
        "the migrated account was found and sent a link"
    );
    // A new account does not take a deleted one's id.
    let res = app.signup("new@example.com", "correct horse battery").await;
    let user: serde_json::Value = res.json().await.unwrap();
    assert_eq!(user["id"], 4);
    app.shutdown().await;
}

crate::on_both_databases!(the_account_recovery_migration_keeps_every_account_workout_and_event);
