//! An exercise's history, as its page shows it: a point per workout for the
//! chart, the records (e1RM, heaviest, best volume, rep maxes at 1, 3, 5 and
//! 10 reps, most reps, longest distance, best pace), and the latest sets.

use serde::{Deserialize, Serialize};
use time::Date;

use super::model::{Exercise, LoggedSet, SetKind, SetValues};
use super::units::Units;

/// The rep counts the page shows a rep max for.
pub const REP_MAX_REPS: [u16; 4] = [1, 3, 5, 10];
/// How many of the latest sets the page lists.
pub const RECENT_SETS: usize = 100;

/// A best value and the day it was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dated<T> {
    pub value: T,
    #[serde(with = "super::iso_date")]
    pub date: Date,
}

/// The heaviest weight lifted for at least `reps` reps (a 6-rep set proves
/// 5 reps at its weight too), working sets only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepMax {
    pub reps: u16,
    pub best: Option<Dated<u32>>,
}

/// One workout's bests of the exercise (working sets only): a point of the
/// chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPoint {
    #[serde(with = "super::iso_date")]
    pub date: Date,
    pub workout_id: i64,
    pub best_e1rm_g: Option<u32>,
    pub heaviest_g: Option<u32>,
    /// Weight × reps, grams.
    pub volume_g: u64,
    pub most_reps: Option<u16>,
    pub longest_m: Option<u32>,
    /// Seconds per kilometre, the fastest.
    pub best_pace_s_per_km: Option<u32>,
    pub longest_s: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseRecords {
    pub best_e1rm_g: Option<Dated<u32>>,
    pub heaviest_g: Option<Dated<u32>>,
    /// The most weight × reps in one workout, grams.
    pub best_volume_g: Option<Dated<u64>>,
    pub rep_maxes: Vec<RepMax>,
    pub most_reps: Option<Dated<u16>>,
    pub longest_m: Option<Dated<u32>>,
    pub best_pace_s_per_km: Option<Dated<u32>>,
    pub longest_s: Option<Dated<u32>>,
}

/// A set with the day of its workout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedSet {
    #[serde(with = "super::iso_date")]
    pub date: Date,
    pub workout_id: i64,
    pub set: LoggedSet,
}

/// `POST /api/workouts/progress`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseProgress {
    pub exercise: Exercise,
    pub units: Units,
    /// Oldest first; workouts with only warm-ups of it are left out.
    pub sessions: Vec<SessionPoint>,
    pub records: ExerciseRecords,
    /// The latest [`RECENT_SETS`] sets, newest first.
    pub recent: Vec<DatedSet>,
    /// Every set of the exercise, warm-ups too.
    pub set_count: u32,
}

/// Keeps the better of two dated values; on a tie, the earlier (the day the
/// record was first set).
fn keep_best<T: Copy + PartialOrd>(
    best: &mut Option<Dated<T>>,
    value: Option<T>,
    date: Date,
    higher_is_better: bool,
) {
    let Some(value) = value else { return };
    let better = match best {
        None => true,
        Some(current) if higher_is_better => value > current.value,
        Some(current) => value < current.value,
    };
    if better {
        *best = Some(Dated { value, date });
    }
}

impl ExerciseProgress {
    /// From every set of the exercise, oldest first (by workout, then order
    /// in it), each with its workout's id and date.
    pub fn from_history(exercise: Exercise, units: Units, history: Vec<DatedSet>) -> Self {
        let mut sessions: Vec<SessionPoint> = Vec::new();
        let mut records = ExerciseRecords {
            best_e1rm_g: None,
            heaviest_g: None,
            best_volume_g: None,
            rep_maxes: REP_MAX_REPS
                .iter()
                .map(|&reps| RepMax { reps, best: None })
                .collect(),
            most_reps: None,
            longest_m: None,
            best_pace_s_per_km: None,
            longest_s: None,
        };
        for dated in &history {
            let v: &SetValues = &dated.set.values;
            if v.kind == SetKind::Warmup {
                continue;
            }
            if sessions
                .last()
                .is_none_or(|point| point.workout_id != dated.workout_id)
            {
                sessions.push(SessionPoint {
                    date: dated.date,
                    workout_id: dated.workout_id,
                    best_e1rm_g: None,
                    heaviest_g: None,
                    volume_g: 0,
                    most_reps: None,
                    longest_m: None,
                    best_pace_s_per_km: None,
                    longest_s: None,
                });
            }
            let point = sessions.last_mut().expect("pushed above");
            let weight = v
                .weight_g
                .filter(|g| *g > 0 && v.reps.is_some_and(|r| r > 0));
            point.best_e1rm_g = point.best_e1rm_g.max(v.estimated_one_rep_max_g());
            point.heaviest_g = point.heaviest_g.max(weight);
            point.volume_g += v.volume_g().unwrap_or(0);
            point.most_reps = point.most_reps.max(v.reps.filter(|r| *r > 0));
            point.longest_m = point.longest_m.max(v.distance_m);
            point.longest_s = point.longest_s.max(v.duration_s);
            point.best_pace_s_per_km = match (point.best_pace_s_per_km, v.pace_s_per_km()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let date = dated.date;
            keep_best(
                &mut records.best_e1rm_g,
                v.estimated_one_rep_max_g(),
                date,
                true,
            );
            keep_best(&mut records.heaviest_g, weight, date, true);
            keep_best(
                &mut records.most_reps,
                v.reps.filter(|r| *r > 0),
                date,
                true,
            );
            keep_best(&mut records.longest_m, v.distance_m, date, true);
            keep_best(&mut records.longest_s, v.duration_s, date, true);
            keep_best(
                &mut records.best_pace_s_per_km,
                v.pace_s_per_km(),
                date,
                false,
            );
            if let (Some(weight), Some(reps)) = (weight, v.reps) {
                for rep_max in records.rep_maxes.iter_mut().filter(|m| reps >= m.reps) {
                    keep_best(&mut rep_max.best, Some(weight), date, true);
                }
            }
        }
        for point in &sessions {
            keep_best(
                &mut records.best_volume_g,
                Some(point.volume_g).filter(|v| *v > 0),
                point.date,
                true,
            );
        }
        let set_count = u32::try_from(history.len()).unwrap_or(u32::MAX);
        let recent = history.into_iter().rev().take(RECENT_SETS).collect();
        Self {
            exercise,
            units,
            sessions,
            records,
            recent,
            set_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workouts::domain::{ExerciseType, RecordKind};
    use time::macros::date;

    fn lift(workout_id: i64, date: Date, kind: SetKind, weight_g: u32, reps: u16) -> DatedSet {
        DatedSet {
            date,
            workout_id,
            set: LoggedSet {
                values: SetValues {
                    kind,
                    weight_g: Some(weight_g),
                    reps: Some(reps),
                    ..SetValues::default()
                },
                record: None::<RecordKind>,
            },
        }
    }

    #[test]
    fn records_and_points_come_from_working_sets() {
        let squat = Exercise {
            id: 1,
            name: "Squat".into(),
            exercise_type: ExerciseType::WeightReps,
            own: false,
        };
        let (monday, friday) = (date!(2026 - 11 - 02), date!(2026 - 11 - 06));
        let history = vec![
            lift(1, monday, SetKind::Warmup, 150_000, 5),
            lift(1, monday, SetKind::Normal, 100_000, 6),
            lift(1, monday, SetKind::Normal, 100_000, 5),
            lift(2, friday, SetKind::Normal, 120_000, 1),
            lift(2, friday, SetKind::Normal, 90_000, 10),
        ];
        let progress = ExerciseProgress::from_history(squat, Units::default(), history);
        assert_eq!(progress.sessions.len(), 2);
        assert_eq!(
            progress.sessions[0].best_e1rm_g,
            Some(120_000),
            "100 × 6, the warm-up left out"
        );
        assert_eq!(progress.sessions[0].volume_g, 1_100_000);
        let r = &progress.records;
        assert_eq!(
            r.best_e1rm_g,
            Some(Dated {
                value: 120_000,
                date: monday
            }),
            "a tie keeps the first day"
        );
        assert_eq!(r.heaviest_g.unwrap().value, 120_000);
        assert_eq!(r.best_volume_g.unwrap().date, monday);
        let maxes: Vec<Option<u32>> = r
            .rep_maxes
            .iter()
            .map(|m| m.best.map(|b| b.value))
            .collect();
        assert_eq!(
            maxes,
            [Some(120_000), Some(100_000), Some(100_000), Some(90_000)]
        );
        assert_eq!(progress.set_count, 5);
        assert_eq!(progress.recent[0].set.values.reps, Some(10), "newest first");
    }
}
