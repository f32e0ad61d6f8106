//! What a workout holds: exercise entries in order, each with sets in order,
//! every exercise from the user's catalogue. Values are canonical (grams,
//! metres, seconds, RPE in half points); [`super::units`] turns them into
//! what a user reads.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What a set of an exercise records, which decides how it is shown and
/// which records it can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExerciseType {
    /// Weight × reps (squat, bench press).
    WeightReps,
    /// Reps of the body's own weight, optionally with added weight (pull-up).
    BodyweightReps,
    /// Time only (plank, yoga).
    Duration,
    /// Distance and time (run, rowing machine).
    DistanceDuration,
}

impl ExerciseType {
    pub const ALL: [Self; 4] = [
        Self::WeightReps,
        Self::BodyweightReps,
        Self::Duration,
        Self::DistanceDuration,
    ];

    /// The name stored in the database and used in forms and files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WeightReps => "weight_reps",
            Self::BodyweightReps => "bodyweight_reps",
            Self::Duration => "duration",
            Self::DistanceDuration => "distance_duration",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::WeightReps => "Weight and reps",
            Self::BodyweightReps => "Bodyweight reps",
            Self::Duration => "Time",
            Self::DistanceDuration => "Distance and time",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// A 422 on `field` unless `raw` names a type.
    pub fn parse(field: &str, raw: &str) -> Result<Self, AppError> {
        Self::from_name(raw.trim()).ok_or_else(|| {
            AppError::invalid(
                field,
                "The exercise type must be weight_reps, bodyweight_reps, duration or distance_duration",
            )
        })
    }

    /// The type a new exercise gets from the sets it is first logged with:
    /// a weight makes it weight × reps, a distance distance and time, reps
    /// alone bodyweight reps, anything else time.
    pub fn inferred_from<'a>(sets: impl IntoIterator<Item = &'a SetValues>) -> Self {
        let sets: Vec<&SetValues> = sets.into_iter().collect();
        if sets.iter().any(|s| s.weight_g.is_some_and(|g| g > 0)) {
            Self::WeightReps
        } else if sets.iter().any(|s| s.distance_m.is_some()) {
            Self::DistanceDuration
        } else if sets.iter().any(|s| s.reps.is_some()) {
            Self::BodyweightReps
        } else {
            Self::Duration
        }
    }
}

/// How a set counts. Warm-up sets never set records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetKind {
    Warmup,
    #[default]
    Normal,
    Failure,
    Drop,
}

impl SetKind {
    pub const ALL: [Self; 4] = [Self::Warmup, Self::Normal, Self::Failure, Self::Drop];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warmup => "warmup",
            Self::Normal => "normal",
            Self::Failure => "failure",
            Self::Drop => "drop",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Warmup => "Warm-up",
            Self::Normal => "Normal",
            Self::Failure => "Failure",
            Self::Drop => "Drop set",
        }
    }

    /// The stored name, or the spellings other apps export (`warm-up`,
    /// Hevy's `dropset`, Strong's `W`/`D`/`F` markers); any case.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "" | "normal" | "n" | "working" => Some(Self::Normal),
            "warmup" | "warm-up" | "warm_up" | "w" => Some(Self::Warmup),
            "failure" | "f" => Some(Self::Failure),
            "drop" | "dropset" | "drop_set" | "drop set" | "d" => Some(Self::Drop),
            _ => None,
        }
    }
}

/// Rate of perceived exertion, 1 to 10 in steps of a half, held in half
/// points (RPE 8.5 is 17) so it is exact and fits the stored integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rpe(u8);

impl Rpe {
    pub const MIN_HALVES: u8 = 2;
    pub const MAX_HALVES: u8 = 20;

    pub fn from_halves(halves: u8) -> Option<Self> {
        (Self::MIN_HALVES..=Self::MAX_HALVES)
            .contains(&halves)
            .then_some(Self(halves))
    }

    pub fn halves(self) -> u8 {
        self.0
    }

    /// `8`, `8.5` or `8,5`; blank is `None`; anything else a 422 on `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Option<Self>, AppError> {
        let invalid = || AppError::invalid(field, "RPE must be from 1 to 10 in steps of 0.5");
        let Some(tenths) = super::units::parse_decimal(raw, 1).map_err(|_| invalid())? else {
            return Ok(None);
        };
        if tenths % 5 != 0 {
            return Err(invalid());
        }
        u8::try_from(tenths / 5)
            .ok()
            .and_then(Self::from_halves)
            .map(Some)
            .ok_or_else(invalid)
    }
}

impl std::fmt::Display for Rpe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_multiple_of(2) {
            write!(f, "{}", self.0 / 2)
        } else {
            write!(f, "{}.5", self.0 / 2)
        }
    }
}

impl TryFrom<u8> for Rpe {
    type Error = String;
    fn try_from(halves: u8) -> Result<Self, Self::Error> {
        Self::from_halves(halves).ok_or_else(|| format!("RPE half points out of range: {halves}"))
    }
}

impl From<Rpe> for u8 {
    fn from(rpe: Rpe) -> u8 {
        rpe.0
    }
}

/// The record a set set when it was logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// The best estimated one-rep max (see [`estimated_one_rep_max_g`]).
    E1rm,
    /// The heaviest weight lifted for at least one rep.
    Weight,
    /// The most reps in one set (bodyweight exercises).
    Reps,
    /// The longest distance.
    Distance,
    /// The fastest pace (least time per kilometre) over a distance.
    Pace,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::E1rm => "e1rm",
            Self::Weight => "weight",
            Self::Reps => "reps",
            Self::Distance => "distance",
            Self::Pace => "pace",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::E1rm,
            Self::Weight,
            Self::Reps,
            Self::Distance,
            Self::Pace,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::E1rm => "Best e1RM",
            Self::Weight => "Heaviest",
            Self::Reps => "Most reps",
            Self::Distance => "Longest",
            Self::Pace => "Fastest pace",
        }
    }
}

/// What one set measured, canonically. Every field is optional: an old
/// "3 sets" without reps is three sets that measured nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SetValues {
    pub kind: SetKind,
    pub reps: Option<u16>,
    pub weight_g: Option<u32>,
    pub rpe: Option<Rpe>,
    pub duration_s: Option<u32>,
    pub distance_m: Option<u32>,
}

/// The most reps a set may have.
pub const MAX_REPS: u16 = 1000;
/// The longest a set may last: a day, in seconds.
pub const MAX_SET_SECONDS: u32 = 24 * 60 * 60;

impl SetValues {
    /// Whether every value is within what a set may hold (the ranges the
    /// form enforces and the table's CHECK constraints): the message says
    /// which is not. For values that did not come through the form (files).
    pub fn check(&self) -> Result<(), String> {
        use super::units::{MAX_DISTANCE_M, MAX_WEIGHT_G};
        if self.reps.is_some_and(|reps| reps > MAX_REPS) {
            return Err(format!("Reps must be at most {MAX_REPS}"));
        }
        if self.weight_g.is_some_and(|g| g > MAX_WEIGHT_G) {
            return Err("The weight must be at most 1000 kg".to_owned());
        }
        if self
            .duration_s
            .is_some_and(|s| !(1..=MAX_SET_SECONDS).contains(&s))
        {
            return Err("The time must be from 1 second to 24 hours".to_owned());
        }
        if self
            .distance_m
            .is_some_and(|m| !(1..=MAX_DISTANCE_M).contains(&m))
        {
            return Err("The distance must be from 1 m to 1000 km".to_owned());
        }
        Ok(())
    }

    /// The set's estimated one-rep max in grams, by Epley's formula
    /// (B. Epley, "Poundage Chart", Boyd Epley Workout, 1985):
    /// weight × (1 + reps / 30) for more than one rep, the weight itself for
    /// one rep. `None` without a weight above 0 and at least one rep.
    /// Integer grams, rounded down, so the same set always compares equal.
    pub fn estimated_one_rep_max_g(&self) -> Option<u32> {
        let (weight, reps) = (
            self.weight_g.filter(|g| *g > 0)?,
            self.reps.filter(|r| *r > 0)?,
        );
        Some(if reps == 1 {
            weight
        } else {
            u32::try_from(u64::from(weight) * (30 + u64::from(reps)) / 30).unwrap_or(u32::MAX)
        })
    }

    /// Weight × reps in grams: the set's volume (`None` without both).
    pub fn volume_g(&self) -> Option<u64> {
        Some(u64::from(self.weight_g?) * u64::from(self.reps?))
    }

    /// Seconds per kilometre, rounded down (`None` without both a distance
    /// and a time).
    pub fn pace_s_per_km(&self) -> Option<u32> {
        let (duration, distance) = (self.duration_s?, self.distance_m.filter(|m| *m > 0)?);
        u32::try_from(u64::from(duration) * 1000 / u64::from(distance)).ok()
    }
}

/// One logged set: its values and the record it set when it was logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedSet {
    #[serde(flatten)]
    pub values: SetValues,
    pub record: Option<RecordKind>,
}

/// An exercise of the catalogue: a common one (`own` false) or the user's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exercise {
    pub id: i64,
    pub name: String,
    pub exercise_type: ExerciseType,
    pub own: bool,
}

impl Exercise {
    pub const NAME_MAX_CHARS: usize = 60;

    /// The key names are matched by: the same name in any case is the same
    /// exercise.
    pub fn name_key(name: &str) -> String {
        name.trim().to_lowercase()
    }

    /// A trimmed name of 1 to 60 characters with no control characters.
    pub fn parse_name(field: &str, raw: &str) -> Result<String, AppError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(AppError::invalid(
                field,
                "Enter the exercise, like Squat or Run",
            ));
        }
        if name.chars().count() > Self::NAME_MAX_CHARS {
            return Err(AppError::invalid(
                field,
                format!(
                    "Keep the exercise name to {} characters",
                    Self::NAME_MAX_CHARS
                ),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::invalid(
                field,
                "The exercise name cannot contain control characters",
            ));
        }
        Ok(name.to_owned())
    }
}

/// One exercise in a workout with its sets, in the order they were done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub exercise: Exercise,
    pub sets: Vec<LoggedSet>,
}

/// The best values of an exercise's sets so far (warm-ups never count):
/// what a newly logged set must beat to be marked as a record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bests {
    pub e1rm_g: Option<u32>,
    /// The heaviest weight lifted for at least one rep.
    pub weight_g: Option<u32>,
    pub reps: Option<u16>,
    pub distance_m: Option<u32>,
    /// The least seconds per kilometre.
    pub pace_s_per_km: Option<u32>,
}

impl Bests {
    /// The record `set` sets against everything before it, if any, and the
    /// bests updated to include it. Which records count depends on the
    /// exercise: e1RM, then heaviest weight, for weight × reps; most reps for
    /// bodyweight; longest distance, then fastest pace, for distance and
    /// time; none for time alone. Beating nothing (a first set) counts.
    pub fn record_of(
        &mut self,
        exercise_type: ExerciseType,
        set: &SetValues,
    ) -> Option<RecordKind> {
        if set.kind == SetKind::Warmup {
            return None;
        }
        let higher = |value: Option<u32>, best: Option<u32>| {
            value.is_some_and(|v| best.is_none_or(|b| v > b))
        };
        let e1rm = set.estimated_one_rep_max_g();
        let weight = set
            .weight_g
            .filter(|g| *g > 0 && set.reps.is_some_and(|r| r > 0));
        let reps = set.reps.filter(|r| *r > 0).map(u32::from);
        let pace = set.pace_s_per_km();
        let record = match exercise_type {
            ExerciseType::WeightReps if higher(e1rm, self.e1rm_g) => Some(RecordKind::E1rm),
            ExerciseType::WeightReps if higher(weight, self.weight_g) => Some(RecordKind::Weight),
            ExerciseType::BodyweightReps if higher(reps, self.reps.map(u32::from)) => {
                Some(RecordKind::Reps)
            }
            ExerciseType::DistanceDuration if higher(set.distance_m, self.distance_m) => {
                Some(RecordKind::Distance)
            }
            ExerciseType::DistanceDuration
                if pace.is_some_and(|p| self.pace_s_per_km.is_none_or(|best| p < best)) =>
            {
                Some(RecordKind::Pace)
            }
            _ => None,
        };
        self.e1rm_g = self.e1rm_g.max(e1rm);
        self.weight_g = self.weight_g.max(weight);
        self.reps = self.reps.max(set.reps.filter(|r| *r > 0));
        self.distance_m = self.distance_m.max(set.distance_m);
        self.pace_s_per_km = match (self.pace_s_per_km, pace) {
            (Some(best), Some(p)) => Some(best.min(p)),
            (best, p) => best.or(p),
        };
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(weight_g: u32, reps: u16) -> SetValues {
        SetValues {
            weight_g: Some(weight_g),
            reps: Some(reps),
            ..SetValues::default()
        }
    }

    #[test]
    fn epley_counts_one_rep_as_the_weight_itself() {
        assert_eq!(set(100_000, 1).estimated_one_rep_max_g(), Some(100_000));
        assert_eq!(set(100_000, 5).estimated_one_rep_max_g(), Some(116_666));
        assert_eq!(set(100_000, 10).estimated_one_rep_max_g(), Some(133_333));
        assert_eq!(set(0, 5).estimated_one_rep_max_g(), None);
        assert_eq!(set(100_000, 0).estimated_one_rep_max_g(), None);
        assert_eq!(
            set(1_000_000, 1000).estimated_one_rep_max_g(),
            Some(34_333_333)
        );
    }

    #[test]
    fn a_set_is_a_record_when_it_beats_every_earlier_one() {
        let mut bests = Bests::default();
        let squat = ExerciseType::WeightReps;
        assert_eq!(
            bests.record_of(squat, &set(100_000, 5)),
            Some(RecordKind::E1rm),
            "a first set"
        );
        assert_eq!(
            bests.record_of(squat, &set(100_000, 5)),
            None,
            "equal is not better"
        );
        assert_eq!(
            bests.record_of(squat, &set(110_000, 1)),
            Some(RecordKind::Weight),
            "heavier, lower e1RM"
        );
        assert_eq!(
            bests.record_of(squat, &set(100_000, 8)),
            Some(RecordKind::E1rm)
        );
        let warmup = SetValues {
            kind: SetKind::Warmup,
            ..set(200_000, 5)
        };
        assert_eq!(
            bests.record_of(squat, &warmup),
            None,
            "warm-ups never count"
        );
        assert_eq!(bests.e1rm_g, Some(126_666));
        let run = |distance_m, duration_s| SetValues {
            distance_m: Some(distance_m),
            duration_s: Some(duration_s),
            ..SetValues::default()
        };
        let mut bests = Bests::default();
        let kind = ExerciseType::DistanceDuration;
        assert_eq!(
            bests.record_of(kind, &run(5000, 1500)),
            Some(RecordKind::Distance)
        );
        assert_eq!(
            bests.record_of(kind, &run(5000, 1400)),
            Some(RecordKind::Pace)
        );
        assert_eq!(bests.record_of(kind, &run(3000, 1000)), None);
        assert_eq!(bests.record_of(ExerciseType::Duration, &run(9000, 1)), None);
    }

    #[test]
    fn pace_and_volume() {
        let run = SetValues {
            duration_s: Some(1500),
            distance_m: Some(5000),
            ..SetValues::default()
        };
        assert_eq!(run.pace_s_per_km(), Some(300));
        assert_eq!(set(100_000, 5).volume_g(), Some(500_000));
    }

    #[test]
    fn rpe_is_one_to_ten_in_halves() {
        assert_eq!(Rpe::parse("rpe", "8.5").unwrap().unwrap().halves(), 17);
        assert_eq!(Rpe::parse("rpe", "10").unwrap().unwrap().to_string(), "10");
        assert_eq!(
            Rpe::parse("rpe", "7,5").unwrap().unwrap().to_string(),
            "7.5"
        );
        assert_eq!(Rpe::parse("rpe", "").unwrap(), None);
        for bad in ["0.5", "10.5", "8.2", "-1", "x", "8.55"] {
            assert_eq!(
                Rpe::parse("rpe", bad).unwrap_err().field(),
                Some("rpe"),
                "{bad}"
            );
        }
    }

    #[test]
    fn set_kinds_read_other_apps_spellings() {
        assert_eq!(SetKind::from_name("dropset"), Some(SetKind::Drop));
        assert_eq!(SetKind::from_name("Warm-up"), Some(SetKind::Warmup));
        assert_eq!(SetKind::from_name(""), Some(SetKind::Normal));
        assert_eq!(SetKind::from_name("superset"), None);
    }

    #[test]
    fn a_new_exercise_is_typed_by_what_its_sets_measured() {
        let weighted = set(20_000, 8);
        let reps_only = SetValues {
            reps: Some(8),
            ..SetValues::default()
        };
        let run = SetValues {
            distance_m: Some(5000),
            ..SetValues::default()
        };
        assert_eq!(
            ExerciseType::inferred_from([&reps_only, &weighted]),
            ExerciseType::WeightReps
        );
        assert_eq!(
            ExerciseType::inferred_from([&run]),
            ExerciseType::DistanceDuration
        );
        assert_eq!(
            ExerciseType::inferred_from([&reps_only]),
            ExerciseType::BodyweightReps
        );
        assert_eq!(ExerciseType::inferred_from([]), ExerciseType::Duration);
    }
}
