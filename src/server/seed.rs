//! `workout_log seed`: a demo account with six weeks of sample workouts, so a
//! new user sees a filled dashboard in one step. Running it again resets the
//! demo account to the same state; no other account is touched.

use time::{Date, Duration, Month};

use super::clock::today;
use super::config::Config;
use super::db::Database;
use crate::auth::domain::{Email, Password};
use crate::auth::server::PasswordHasher;
use crate::workouts::domain::{NewWorkout, week_start};

pub const DEMO_EMAIL: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "demo password";
const WEEKS: i64 = 6;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("could not open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    App(#[from] crate::error::AppError),
}

/// Creates (or resets) the demo user and its workouts; returns how many.
pub async fn run(config: &Config) -> Result<usize, SeedError> {
    let db = Database::connect(&config.database_url).await?;
    let email = Email::parse(DEMO_EMAIL)?;
    let hash = PasswordHasher::new(1)
        .hash(Password::parse_new_for(&email, DEMO_PASSWORD)?)
        .await?;
    let user = db.upsert_user(&email, &hash).await?;
    db.delete_workouts_of(user.id).await?;
    let workouts = sample_workouts(today());
    for workout in &workouts {
        db.create_workout(user.id, workout).await?;
    }
    db.close().await;
    Ok(workouts.len())
}

/// A plausible training plan: runs on Monday and Friday, squats on Wednesday
/// (getting heavier each week), yoga most Saturdays. Nothing after `today`.
pub fn sample_workouts(today: Date) -> Vec<NewWorkout> {
    let first_monday = week_start(today) - Duration::weeks(WEEKS - 1);
    let mut workouts = Vec::new();
    for week in 0..WEEKS {
        let monday = first_monday + Duration::weeks(week);
        let week_no = u32::try_from(week).unwrap_or(0);
        let plan = [
            (
                0,
                running(5_000 + 500 * week_no, 28 + week_no as u16, "Easy pace"),
            ),
            (2, squat(70_000 + 2_500 * week_no)),
            (4, running(8_000, 45, "Long run")),
            (5, yoga()),
        ];
        for (offset, workout) in plan {
            let date = monday + Duration::days(offset);
            // Skip a Saturday every other week: real logs have gaps.
            if date > today || (offset == 5 && week % 2 == 1) {
                continue;
            }
            workouts.push(NewWorkout { date, ..workout });
        }
    }
    workouts
}

/// The date each sample workout is given when it is logged.
const PLACEHOLDER_DATE: Date = match Date::from_calendar_date(2000, Month::January, 1) {
    Ok(date) => date,
    Err(_) => panic!("a valid date"),
};

fn running(distance_m: u32, minutes: u16, notes: &str) -> NewWorkout {
    NewWorkout {
        duration_minutes: Some(minutes),
        distance_m: Some(distance_m),
        notes: notes.to_owned(),
        ..NewWorkout::bare(PLACEHOLDER_DATE, "Run")
    }
}

fn squat(weight_g: u32) -> NewWorkout {
    NewWorkout {
        sets: Some(5),
        reps: Some(5),
        weight_g: Some(weight_g),
        duration_minutes: Some(40),
        ..NewWorkout::bare(PLACEHOLDER_DATE, "Squat")
    }
}

fn yoga() -> NewWorkout {
    NewWorkout {
        duration_minutes: Some(45),
        notes: "Mobility flow".to_owned(),
        ..NewWorkout::bare(PLACEHOLDER_DATE, "Yoga")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn samples_cover_six_weeks_and_never_the_future() {
        let today = date!(2026 - 11 - 25); // a Wednesday
        let workouts = sample_workouts(today);
        assert!(workouts.iter().all(|w| w.date <= today));
        let oldest = workouts.iter().map(|w| w.date).min().unwrap();
        assert_eq!(oldest, date!(2026 - 10 - 19));
        // Five full weeks (4 + 3 + 4 + 3 + 4) and this week's Monday and Wednesday.
        assert_eq!(workouts.len(), 18 + 2);
        // Every sample is a valid workout by the same rules as the form.
        for w in &workouts {
            assert!(w.kind.chars().count() <= NewWorkout::KIND_MAX_CHARS);
            assert!(w.weight_g.is_none_or(|g| g <= NewWorkout::MAX_KG * 1000));
        }
    }
}
