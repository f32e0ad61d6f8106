//! Migrations carry every row forward: a database built and filled with an
//! earlier release's schema, then opened by today's app, which applies the
//! rest. Every field of every row is compared.

use serde_json::{Value, json};

use crate::common::{
    Backend, Deployment, ENTRY_COLUMNS, EXERCISE_COLUMNS, SET_COLUMNS, TestDatabase, TestRedis,
    text_rows,
};

/// The first migration of account recovery: the schema before it is the
/// release before that.
const RECOVERY_MIGRATION: &str = "20261201000001";
/// The first migration of the training log (exercises, entries, sets).
const TRAINING_LOG_MIGRATION: &str = "20261202000001";

/// The workout fields every schema so far has had, `created_at` included.
const KEPT_WORKOUT_FIELDS: &str = "CAST(id AS BIGINT), CAST(user_id AS BIGINT), \
     CAST(date AS TEXT), CAST(COALESCE(duration_minutes, -1) AS BIGINT), notes, \
     CAST(created_at AS TEXT)";

type UserRow = (i64, String, String, String);
type WorkoutRow = (i64, i64, String, i64, String, String);
type AuditRow = (i64, i64, i64, String, String);

/// A fresh database with the schema an earlier release left: every
/// migration before `first_missing` applied, the rest not.
async fn database_before(backend: Backend, first_missing: &str) -> TestDatabase {
    let db = TestDatabase::start(backend);
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
        if name.as_str() < first_missing {
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
    pool.close().await;
    db
}

/// Runs each statement on `db`.
async fn execute(db: &TestDatabase, statements: &[&str]) {
    let pool = db.connect().await;
    for statement in statements {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

async fn rows(db: &TestDatabase) -> (Vec<UserRow>, Vec<WorkoutRow>, Vec<AuditRow>) {
    let pool = db.connect().await;
    let users = sqlx::query_as(
        "SELECT CAST(id AS BIGINT), email, password_hash, CAST(created_at AS TEXT) FROM users ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let workouts = sqlx::query_as(&format!(
        "SELECT {KEPT_WORKOUT_FIELDS} FROM workouts ORDER BY id"
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
    let db = database_before(backend, RECOVERY_MIGRATION).await;
    let pool = db.connect().await;
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

/// Every old one-row workout becomes a workout of one entry: its kind an
/// exercise (a common one when the name matches in any case, else the
/// user's own, one per name), its sets x reps x weight that many sets;
/// its date, duration, notes and creation time stay. Compared field by
/// field, then read back through the API with the flat fields it had.
async fn the_training_log_migration_turns_every_workout_into_entries_and_sets(backend: Backend) {
    let db = database_before(backend, TRAINING_LOG_MIGRATION).await;
    let hasher = workout_log::auth::server::PasswordHasher::sized_for_this_machine();
    let password = workout_log::auth::domain::Password::parse_new("correct horse battery").unwrap();
    let hash = hasher.hash(password).await.unwrap();
    let users = format!(
        "INSERT INTO users (email, password_hash) VALUES \
         ('ann@example.com', '{hash}'), ('kim@example.com', '{hash}')",
        hash = hash.as_str()
    );
    execute(
        &db,
        &[
            &users,
            "INSERT INTO workouts (user_id, date, kind, duration_minutes, distance_m, sets, reps, weight_g, notes) VALUES \
             (1, '2026-11-20', 'Run', 30, 5000, NULL, NULL, NULL, 'easy'), \
             (1, '2026-11-21', 'squat', NULL, NULL, 5, 5, 100000, ''), \
             (2, '2026-11-22', 'Yoga', 60, NULL, NULL, NULL, NULL, 'note with ''quotes'''), \
             (2, '2026-11-23', 'Kettlebell Snatch', NULL, NULL, 3, NULL, NULL, ''), \
             (2, '2026-11-24', 'kettlebell snatch', 20, NULL, NULL, 12, 24000, 'one set'), \
             (1, '2026-11-25', 'Rowing', 20, 2000, NULL, NULL, NULL, ''), \
             (2, '2026-11-26', 'Swim', NULL, 1500, 2, NULL, NULL, ''), \
             (1, '2026-11-27', 'Kettlebell Snatch', NULL, NULL, 1, 10, 16000, '')",
        ],
    )
    .await;
    let kept_before = kept_workout_rows(&db).await;

    let deployment = Deployment::with_database(db, TestRedis::start());
    let app = deployment.spawn_app().await;
    assert_eq!(
        kept_workout_rows(&deployment.db).await,
        kept_before,
        "date, duration, notes, created_at"
    );
    let pool = deployment.db.connect().await;
    let titles: Vec<(String, i64)> = sqlx::query_as(
        "SELECT title, CAST(COALESCE(start_minute, -1) AS BIGINT) FROM workouts ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(titles.iter().all(|t| *t == (String::new(), -1)));
    // The common exercises (ids 1 to 46) come first; the users' own follow.
    let own: Vec<String> = text_rows(&pool, "exercises", EXERCISE_COLUMNS)
        .await
        .into_iter()
        .filter(|row| row.split('|').nth(1) != Some("-"))
        .collect();
    assert_eq!(
        own,
        [
            "47|1|Kettlebell Snatch|kettlebell snatch|weight_reps",
            "48|1|Rowing|rowing|distance_duration",
            "49|2|Kettlebell Snatch|kettlebell snatch|weight_reps",
            "50|2|Swim|swim|distance_duration",
        ],
        "one per user and name, typed by what its rows recorded"
    );
    let (squat, yoga, run) = (1, 39, 41);
    assert_eq!(
        text_rows(&pool, "workout_entries", ENTRY_COLUMNS).await,
        [
            format!("1|1|1|0|{run}"),
            format!("2|2|1|0|{squat}"),
            format!("3|3|2|0|{yoga}"),
            "4|4|2|0|49".to_owned(),
            "5|5|2|0|49".to_owned(),
            "6|6|1|0|48".to_owned(),
            "7|7|2|0|50".to_owned(),
            "8|8|1|0|47".to_owned(),
        ]
    );
    // Sets by entry and position (their ids follow the order of inserts).
    let mut sets: Vec<String> = text_rows(&pool, "workout_sets", SET_COLUMNS)
        .await
        .into_iter()
        .map(|row| row.split_once('|').unwrap().1.to_owned())
        .collect();
    sets.sort();
    let mut expected: Vec<String> = [
        "1|0|normal|-|-|-|1800|5000|-",
        "4|0|normal|-|-|-|-|-|-",
        "4|1|normal|-|-|-|-|-|-",
        "4|2|normal|-|-|-|-|-|-",
        "5|0|normal|12|24000|-|-|-|-",
        "6|0|normal|-|-|-|1200|2000|-",
        "7|0|normal|-|-|-|-|1500|-",
        "7|1|normal|-|-|-|-|-|-",
        "8|0|normal|10|16000|-|-|-|-",
    ]
    .map(str::to_owned)
    .to_vec();
    expected.extend((0..5).map(|position| format!("2|{position}|normal|5|100000|-|-|-|-")));
    expected.sort();
    assert_eq!(sets, expected);
    pool.close().await;

    // Through the API, each workout keeps the flat fields it was logged with.
    let res = app.login("ann@example.com", "correct horse battery").await;
    let cookie = crate::common::session_cookie(res.headers()).unwrap().pair();
    let page: Value = app
        .post_form("/api/workouts/list", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let flat: Vec<Value> = page["workouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            json!([
                w["id"],
                w["kind"],
                w["sets"],
                w["reps"],
                w["weight_g"],
                w["distance_m"],
                w["duration_minutes"],
                w["notes"]
            ])
        })
        .collect();
    assert_eq!(
        flat,
        [
            json!([8, "Kettlebell Snatch", 1, 10, 16000, null, null, ""]),
            json!([6, "Rowing", null, null, null, 2000, 20, ""]),
            json!([2, "Squat", 5, 5, 100000, null, null, ""]),
            json!([1, "Run", null, null, null, 5000, 30, "easy"]),
        ]
    );
    app.shutdown().await;
}

async fn kept_workout_rows(db: &TestDatabase) -> Vec<WorkoutRow> {
    let pool = db.connect().await;
    let rows = sqlx::query_as(&format!(
        "SELECT {KEPT_WORKOUT_FIELDS} FROM workouts ORDER BY id"
    ))
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

crate::on_both_databases!(
    the_account_recovery_migration_keeps_every_account_workout_and_event,
    the_training_log_migration_turns_every_workout_into_entries_and_sets,
);
