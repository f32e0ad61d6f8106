//! `workout_log seed`: a demo account with six weeks of sample workouts
//! (lifting sessions with warm-ups and records, runs, yoga), so a
//! new user sees a filled dashboard in one step. Running it again resets the
//! demo account to the same state; no other account is touched.

use time::{Date, Duration, Month};

use super::clock::today;
use super::config::Config;
use super::db::Database;
use crate::auth::domain::{Email, Password};
use crate::auth::server::PasswordHasher;
use crate::workouts::domain::{NewEntry, NewWorkout, SetKind, SetValues, week_start};

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

/// A plausible training plan: an easy run on Monday, "Lower" (squat and
/// Romanian deadlift, warm-ups first, getting heavier each week) on
/// Wednesday, "Upper" (bench press, barbell row, pull-ups) on Friday and a
/// long run or yoga on Saturday. Nothing after `today`.
pub fn sample_workouts(today: Date) -> Vec<NewWorkout> {
    let first_monday = week_start(today) - Duration::weeks(WEEKS - 1);
    let mut workouts = Vec::new();
    for week in 0..WEEKS {
        let monday = first_monday + Duration::weeks(week);
        let step = u32::try_from(week).unwrap_or(0);
        let plan = [
            (
                0,
                running(5_000 + 500 * step, (28 + step) * 60, "Easy pace"),
            ),
            (2, lower(step)),
            (4, upper(step)),
            (
                5,
                if week % 2 == 0 {
                    running(10_000, 55 * 60, "Long run")
                } else {
                    yoga()
                },
            ),
        ];
        for (offset, workout) in plan {
            let date = monday + Duration::days(offset);
            if date <= today {
                workouts.push(NewWorkout { date, ..workout });
            }
        }
    }
    workouts
}

/// The date each sample workout is given when it is logged.
const PLACEHOLDER_DATE: Date = match Date::from_calendar_date(2000, Month::January, 1) {
    Ok(date) => date,
    Err(_) => panic!("a valid date"),
};

fn workout(title: &str, minutes: u16, start_minute: u16, entries: Vec<NewEntry>) -> NewWorkout {
    NewWorkout {
        date: PLACEHOLDER_DATE,
        start_minute: Some(start_minute),
        title: title.to_owned(),
        duration_minutes: Some(minutes),
        notes: String::new(),
        entries,
    }
}

fn entry(exercise: &str, sets: Vec<SetValues>) -> NewEntry {
    NewEntry {
        exercise: exercise.to_owned(),
        exercise_type: None,
        sets,
    }
}

fn lift(kind: SetKind, weight_g: u32, reps: u16) -> SetValues {
    SetValues {
        kind,
        reps: Some(reps),
        weight_g: Some(weight_g),
        ..SetValues::default()
    }
}

/// Two warm-up sets at 40 % and 60 %, then `working` sets of `reps`.
fn pyramid(top_g: u32, working: usize, reps: u16) -> Vec<SetValues> {
    let round = |g: u32| g / 2_500 * 2_500;
    let mut sets = vec![
        lift(SetKind::Warmup, round(top_g * 2 / 5), 8),
        lift(SetKind::Warmup, round(top_g * 3 / 5), 5),
    ];
    sets.extend(std::iter::repeat_n(
        lift(SetKind::Normal, top_g, reps),
        working,
    ));
    sets
}

fn running(distance_m: u32, duration_s: u32, notes: &str) -> NewWorkout {
    let set = SetValues {
        distance_m: Some(distance_m),
        duration_s: Some(duration_s),
        ..SetValues::default()
    };
    NewWorkout {
        title: String::new(),
        notes: notes.to_owned(),
        ..workout(
            "",
            u16::try_from(duration_s / 60).unwrap_or(60),
            7 * 60,
            vec![entry("Run", vec![set])],
        )
    }
}

fn lower(step: u32) -> NewWorkout {
    workout(
        "Lower",
        60,
        18 * 60,
        vec![
            entry("Squat", pyramid(80_000 + 2_500 * step, 5, 5)),
            entry("Romanian Deadlift", pyramid(70_000 + 2_500 * step, 3, 8)),
        ],
    )
}

fn upper(step: u32) -> NewWorkout {
    let pull_ups = (0..3)
        .map(|set| SetValues {
            reps: Some(u16::try_from(6 + step).unwrap_or(6) - set),
            ..SetValues::default()
        })
        .collect();
    workout(
        "Upper",
        55,
        18 * 60,
        vec![
            entry("Bench Press", pyramid(60_000 + 2_500 * step, 5, 5)),
            entry("Barbell Row", pyramid(50_000 + 2_500 * step, 3, 8)),
            entry("Pull-up", pull_ups),
        ],
    )
}

fn yoga() -> NewWorkout {
    NewWorkout {
        notes: "Mobility flow".to_owned(),
        ..workout("Yoga", 45, 9 * 60, vec![entry("Yoga", Vec::new())])
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
        // Five full weeks of four and this week's Monday and Wednesday.
        assert_eq!(workouts.len(), 5 * 4 + 2);
        let sets: usize = workouts.iter().map(NewWorkout::set_count).sum();
        // A week: a run (1 set), Lower (4 warm-ups, 8 working), Upper (4
        // warm-ups, 8 working, 3 pull-ups), a long run every other Saturday.
        assert_eq!(sets, 5 * (1 + 12 + 15) + 3 + 1 + 12);
    }
}
