//! The binary's own start-up checks, run as a real process.

use std::process::Command;

use crate::common::{Backend, TestDatabase};

#[test]
fn production_mode_refuses_to_start_without_a_session_secret_and_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_workout_log"))
        .current_dir(dir.path()) // no .env to pick up
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LEPTOS_ENV", "PROD")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!output.status.success(), "the app started without a secret");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SESSION_SECRET is required"), "{stderr}");
    assert!(
        stderr.contains("head -c 64 /dev/urandom | base64 -w0"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "nothing was created before refusing"
    );
}

#[test]
fn production_mode_refuses_to_start_without_mail_settings_and_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_workout_log"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LEPTOS_ENV", "PROD")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("SESSION_SECRET", "A".repeat(88))
        .env("MAIL_FROM", "Workout log <no-reply@example.com>")
        .output()
        .unwrap();
    assert!(!output.status.success(), "the app started without SMTP_URL");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("set SMTP_URL, PUBLIC_URL"), "{stderr}");
    assert!(
        stderr.contains("smtps://"),
        "says what a value looks like: {stderr}"
    );
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

async fn the_seed_command_creates_a_demo_account_with_workouts_and_can_run_again(backend: Backend) {
    let db = TestDatabase::start(backend);
    let dir = tempfile::tempdir().unwrap();
    let seed = || {
        Command::new(env!("CARGO_BIN_EXE_workout_log"))
            .arg("seed")
            .current_dir(dir.path())
            .env("DATABASE_URL", db.url())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let first = seed();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(stdout.contains("demo@example.com"), "{stdout}");

    let second = seed();
    assert!(second.status.success());
    assert_eq!(
        String::from_utf8_lossy(&second.stdout),
        stdout,
        "the same result again"
    );
    let (users, workouts) = (
        db.count_rows("users").await,
        db.count_rows("workouts").await,
    );
    assert_eq!(users, 1, "one demo account, not two");
    assert!(
        workouts >= 14,
        "several weeks of workouts, not duplicated: {workouts}"
    );
    assert!(
        workouts <= 24,
        "a rerun replaces the samples instead of adding: {workouts}"
    );
}

crate::on_both_databases!(the_seed_command_creates_a_demo_account_with_workouts_and_can_run_again);

#[test]
fn unknown_arguments_print_the_usage_and_fail() {
    let output = Command::new(env!("CARGO_BIN_EXE_workout_log"))
        .arg("--frobnicate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: workout_log [seed]"));
}
