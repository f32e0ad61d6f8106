//! A whole workout as the logging form sends it (every value a string, in
//! the user's units) and its parse into a [`NewWorkout`]: valid by
//! construction, in canonical units. Field names in errors are the form's
//! own (`entries[1][sets][2][weight]`), so the page can point at the box.

use serde::{Deserialize, Serialize};
use time::Date;

use super::model::{Exercise, ExerciseType, MAX_REPS, MAX_SET_SECONDS, Rpe, SetKind, SetValues};
use super::units::{DistanceUnit, MAX_DISTANCE_M, MAX_WEIGHT_G, Units, WeightUnit};
use super::{FlatWorkout, blank_to_none, parse_date, parse_notes, parse_whole};
use crate::error::AppError;

/// The logging form as it arrives. Blank optional values mean "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkoutDraft {
    pub date: String,
    /// `HH:MM` (what `<input type=time>` sends); seconds are dropped.
    pub start_time: Option<String>,
    pub title: Option<String>,
    pub duration_minutes: Option<String>,
    pub notes: Option<String>,
    /// The unit the form's weights are in; the user's preference if absent.
    pub weight_unit: Option<String>,
    /// The unit the form's distances are in; the user's preference if absent.
    pub distance_unit: Option<String>,
    pub entries: Vec<EntryDraft>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EntryDraft {
    /// The exercise's name; a name not in the catalogue becomes the user's own.
    pub exercise: String,
    pub sets: Vec<SetDraft>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SetDraft {
    /// `warmup`, `normal` (the default), `failure` or `drop`.
    pub kind: Option<String>,
    pub reps: Option<String>,
    /// In the form's weight unit.
    pub weight: Option<String>,
    /// 1 to 10 in steps of 0.5.
    pub rpe: Option<String>,
    /// Minutes (`25`), `m:ss` (`25:30`) or `h:mm:ss` (`1:05:00`).
    pub duration: Option<String>,
    /// In the form's distance unit.
    pub distance: Option<String>,
    /// A stored weight as the form first showed it (`weight_shown`) and its
    /// exact grams (`weight_stored`): while `weight` still reads as shown,
    /// the grams are kept as they were, not read back from the rounded text.
    pub weight_shown: Option<String>,
    pub weight_stored: Option<String>,
    /// The same for a stored distance, in metres.
    pub distance_shown: Option<String>,
    pub distance_stored: Option<String>,
}

/// A workout that passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWorkout {
    pub date: Date,
    /// Minutes after midnight.
    pub start_minute: Option<u16>,
    pub title: String,
    pub duration_minutes: Option<u16>,
    pub notes: String,
    pub entries: Vec<NewEntry>,
}

/// One exercise of a [`NewWorkout`], by name (resolved against the user's
/// catalogue when stored), with its sets in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub exercise: String,
    /// The type a new exercise of this name gets (an import file may say);
    /// `None`: inferred from the sets ([`ExerciseType::inferred_from`]).
    pub exercise_type: Option<ExerciseType>,
    pub sets: Vec<SetValues>,
}

impl NewWorkout {
    pub const TITLE_MAX_CHARS: usize = 80;
    pub const MAX_ENTRIES: usize = 40;
    pub const MAX_SETS_PER_ENTRY: usize = 100;
    pub const MAX_SETS: usize = 500;

    /// Checks every field; the first failure names its field. Values are
    /// read in the units the draft names, else in `preferred`. `today`
    /// bounds the date (one day of slack for time zones ahead of UTC).
    pub fn parse(draft: &WorkoutDraft, preferred: Units, today: Date) -> Result<Self, AppError> {
        let units = Units {
            weight: match blank_to_none(&draft.weight_unit) {
                Some(raw) => WeightUnit::parse("weight_unit", raw)?,
                None => preferred.weight,
            },
            distance: match blank_to_none(&draft.distance_unit) {
                Some(raw) => DistanceUnit::parse("distance_unit", raw)?,
                None => preferred.distance,
            },
        };
        let workout = Self {
            date: parse_date(&draft.date, today)?,
            start_minute: blank_to_none(&draft.start_time)
                .map(parse_clock_time)
                .transpose()?,
            title: parse_title(draft.title.as_deref().unwrap_or(""))?,
            duration_minutes: parse_whole(
                "duration_minutes",
                &draft.duration_minutes,
                1,
                FlatWorkout::MAX_MINUTES,
            )?,
            notes: parse_notes(draft.notes.as_deref().unwrap_or(""))?,
            entries: parse_entries(&draft.entries, units)?,
        };
        Ok(workout)
    }

    /// What makes two workouts the same one: every field and every set,
    /// exercise names in any case (an import skips a workout whose
    /// fingerprint is already in the log).
    pub fn fingerprint(&self) -> String {
        fingerprint(
            (
                self.date,
                self.start_minute,
                &self.title,
                self.duration_minutes,
                &self.notes,
            ),
            self.entries
                .iter()
                .map(|entry| (entry.exercise.as_str(), entry.sets.to_vec())),
        )
    }

    /// How many sets the workout holds in all.
    pub fn set_count(&self) -> usize {
        self.entries.iter().map(|entry| entry.sets.len()).sum()
    }
}

/// The workout's own fields, for [`fingerprint`].
pub type WorkoutFields<'a> = (Date, Option<u16>, &'a str, Option<u16>, &'a str);

/// A workout's fields and its entries' names (in lower case) and sets, as
/// one string: equal for equal workouts, stored or not.
pub fn fingerprint<'a>(
    fields: WorkoutFields<'_>,
    entries: impl Iterator<Item = (&'a str, Vec<SetValues>)>,
) -> String {
    let entries: Vec<(String, Vec<SetValues>)> = entries
        .map(|(name, sets)| (super::Exercise::name_key(name), sets))
        .collect();
    format!("{fields:?}{entries:?}")
}

fn parse_entries(drafts: &[EntryDraft], units: Units) -> Result<Vec<NewEntry>, AppError> {
    // A form row left empty (no exercise, no values) is not an entry.
    let drafts: Vec<(usize, &EntryDraft)> = drafts
        .iter()
        .enumerate()
        .filter(|(_, entry)| {
            !entry.exercise.trim().is_empty() || entry.sets.iter().any(SetDraft::has_values)
        })
        .collect();
    if drafts.is_empty() {
        return Err(AppError::invalid("entries", "Add at least one exercise"));
    }
    if drafts.len() > NewWorkout::MAX_ENTRIES {
        return Err(AppError::invalid(
            "entries",
            format!(
                "A workout holds at most {} exercises",
                NewWorkout::MAX_ENTRIES
            ),
        ));
    }
    let entries = drafts
        .into_iter()
        .map(|(index, draft)| parse_entry(index, draft, units))
        .collect::<Result<Vec<_>, _>>()?;
    if entries.iter().map(|e| e.sets.len()).sum::<usize>() > NewWorkout::MAX_SETS {
        return Err(AppError::invalid(
            "entries",
            format!("A workout holds at most {} sets", NewWorkout::MAX_SETS),
        ));
    }
    Ok(entries)
}

fn parse_entry(index: usize, draft: &EntryDraft, units: Units) -> Result<NewEntry, AppError> {
    let exercise = Exercise::parse_name(&format!("entries[{index}][exercise]"), &draft.exercise)?;
    let sets: Vec<(usize, &SetDraft)> = draft
        .sets
        .iter()
        .enumerate()
        .filter(|(_, set)| set.has_values())
        .collect();
    if sets.len() > NewWorkout::MAX_SETS_PER_ENTRY {
        return Err(AppError::invalid(
            &format!("entries[{index}][sets]"),
            format!(
                "An exercise holds at most {} sets",
                NewWorkout::MAX_SETS_PER_ENTRY
            ),
        ));
    }
    let sets = sets
        .into_iter()
        .map(|(set_index, set)| set.parse(&format!("entries[{index}][sets][{set_index}]"), units))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(NewEntry {
        exercise,
        exercise_type: None,
        sets,
    })
}

impl SetDraft {
    /// Whether the row holds any value (a blank row of the form is skipped;
    /// the kind alone does not count).
    fn has_values(&self) -> bool {
        [
            &self.reps,
            &self.weight,
            &self.rpe,
            &self.duration,
            &self.distance,
        ]
        .into_iter()
        .any(|value| blank_to_none(value).is_some())
    }

    /// `prefix` is the set's field path, such as `entries[0][sets][2]`.
    fn parse(&self, prefix: &str, units: Units) -> Result<SetValues, AppError> {
        let field = |name: &str| format!("{prefix}[{name}]");
        let kind = match blank_to_none(&self.kind) {
            None => SetKind::Normal,
            Some(raw) => SetKind::from_name(raw).ok_or_else(|| {
                AppError::invalid(
                    &field("kind"),
                    "The set type must be warmup, normal, failure or drop",
                )
            })?,
        };
        Ok(SetValues {
            kind,
            reps: parse_whole(&field("reps"), &self.reps, 0, MAX_REPS)?,
            weight_g: match kept(
                &self.weight,
                &self.weight_shown,
                &self.weight_stored,
                0,
                MAX_WEIGHT_G,
            ) {
                Some(grams) => Some(grams),
                None => units
                    .weight
                    .parse_grams(&field("weight"), self.weight.as_deref().unwrap_or(""))?,
            },
            rpe: Rpe::parse(&field("rpe"), self.rpe.as_deref().unwrap_or(""))?,
            duration_s: blank_to_none(&self.duration)
                .map(|raw| parse_duration(&field("duration"), raw))
                .transpose()?,
            distance_m: match kept(
                &self.distance,
                &self.distance_shown,
                &self.distance_stored,
                1,
                MAX_DISTANCE_M,
            ) {
                Some(metres) => Some(metres),
                None => units
                    .distance
                    .parse_metres(&field("distance"), self.distance.as_deref().unwrap_or(""))?,
            },
        })
    }
}

/// The stored value a box still stands for: `typed` reads exactly as the
/// form first showed it and `stored` is a value in `min..=max`.
fn kept(
    typed: &Option<String>,
    shown: &Option<String>,
    stored: &Option<String>,
    min: u32,
    max: u32,
) -> Option<u32> {
    let typed = blank_to_none(typed)?;
    (blank_to_none(shown)? == typed)
        .then(|| blank_to_none(stored)?.parse::<u32>().ok())
        .flatten()
        .filter(|value| (min..=max).contains(value))
}

/// A trimmed title of at most [`NewWorkout::TITLE_MAX_CHARS`] characters,
/// without control characters; errors name `title`.
pub fn parse_title(raw: &str) -> Result<String, AppError> {
    let title = raw.trim();
    if title.chars().count() > NewWorkout::TITLE_MAX_CHARS {
        return Err(AppError::invalid(
            "title",
            format!(
                "Keep the title to {} characters",
                NewWorkout::TITLE_MAX_CHARS
            ),
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "title",
            "The title cannot contain control characters",
        ));
    }
    Ok(title.to_owned())
}

/// `HH:MM` or `HH:MM:SS` on a 24-hour clock, as minutes after midnight.
pub fn parse_clock_time(raw: &str) -> Result<u16, AppError> {
    let invalid = || AppError::invalid("start_time", "Enter the start time as HH:MM");
    let parts: Vec<&str> = raw.trim().split(':').collect();
    let number = |part: &str, max: u16| -> Result<u16, AppError> {
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        part.parse::<u16>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(invalid)
    };
    match parts.as_slice() {
        [hours, minutes] | [hours, minutes, _] => {
            if let [_, _, seconds] = parts.as_slice() {
                number(seconds, 59)?;
            }
            Ok(number(hours, 23)? * 60 + number(minutes, 59)?)
        }
        _ => Err(invalid()),
    }
}

/// Minutes after midnight as `HH:MM`.
pub fn format_clock_time(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A set's time: whole minutes (`25`), `m:ss` (`25:30`) or `h:mm:ss`
/// (`1:05:00`), as seconds from 1 to a day.
pub fn parse_duration(field: &str, raw: &str) -> Result<u32, AppError> {
    let invalid = || {
        AppError::invalid(
            field,
            "Enter the time as minutes (25), m:ss (25:30) or h:mm:ss (1:05:00), up to a day",
        )
    };
    let parts: Vec<&str> = raw.trim().split(':').collect();
    let number = |part: &str, max: Option<u32>| -> Result<u32, AppError> {
        if part.is_empty() || part.len() > 5 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let value: u32 = part.parse().map_err(|_| invalid())?;
        match max {
            Some(max) if value > max || part.len() != 2 => Err(invalid()),
            _ => Ok(value),
        }
    };
    let seconds = match parts.as_slice() {
        [minutes] => number(minutes, None)? * 60,
        [minutes, seconds] => number(minutes, None)? * 60 + number(seconds, Some(59))?,
        [hours, minutes, seconds] => {
            number(hours, None)? * 3600
                + number(minutes, Some(59))? * 60
                + number(seconds, Some(59))?
        }
        _ => return Err(invalid()),
    };
    if (1..=MAX_SET_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(invalid())
    }
}

/// Seconds as the form reads them back: `25:30`, `1:05:00`.
pub fn format_duration(seconds: u32) -> String {
    let (hours, minutes, secs) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{secs:02}")
    } else {
        format!("{minutes}:{secs:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn set(reps: &str, weight: &str) -> SetDraft {
        SetDraft {
            reps: Some(reps.into()),
            weight: Some(weight.into()),
            ..SetDraft::default()
        }
    }

    fn draft() -> WorkoutDraft {
        WorkoutDraft {
            date: "2026-11-20".into(),
            start_time: Some("18:04".into()),
            title: Some(" Lower A ".into()),
            entries: vec![
                EntryDraft {
                    exercise: " Squat ".into(),
                    sets: vec![set("5", "100"), set("5", "102.5"), SetDraft::default()],
                },
                EntryDraft::default(),
                EntryDraft {
                    exercise: "Run".into(),
                    sets: vec![SetDraft {
                        duration: Some("25:30".into()),
                        distance: Some("5".into()),
                        ..SetDraft::default()
                    }],
                },
            ],
            ..WorkoutDraft::default()
        }
    }

    fn field_of(draft: &WorkoutDraft) -> Option<String> {
        NewWorkout::parse(draft, Units::default(), TODAY)
            .err()
            .and_then(|err| err.field().map(str::to_owned))
    }

    #[test]
    fn a_draft_becomes_entries_of_canonical_sets_without_blank_rows() {
        let workout = NewWorkout::parse(&draft(), Units::default(), TODAY).unwrap();
        assert_eq!(workout.title, "Lower A");
        assert_eq!(workout.start_minute, Some(18 * 60 + 4));
        assert_eq!(workout.entries.len(), 2, "the blank row is skipped");
        assert_eq!(workout.entries[0].exercise, "Squat");
        assert_eq!(workout.entries[0].sets.len(), 2);
        assert_eq!(workout.entries[0].sets[1].weight_g, Some(102_500));
        assert_eq!(workout.entries[1].sets[0].duration_s, Some(1530));
        assert_eq!(workout.entries[1].sets[0].distance_m, Some(5000));
    }

    #[test]
    fn values_are_read_in_the_drafts_units_or_the_users() {
        let mut pounds = draft();
        pounds.weight_unit = Some("lb".into());
        pounds.entries[0].sets[0].weight = Some("225".into());
        let workout = NewWorkout::parse(&pounds, Units::default(), TODAY).unwrap();
        assert_eq!(workout.entries[0].sets[0].weight_g, Some(102_058));
        let preferred = Units {
            weight: WeightUnit::Lb,
            distance: DistanceUnit::Mi,
        };
        let workout = NewWorkout::parse(&draft(), preferred, TODAY).unwrap();
        assert_eq!(workout.entries[1].sets[0].distance_m, Some(8_047));
    }

    #[test]
    fn each_invalid_value_names_its_box() {
        type Breakage = fn(&mut WorkoutDraft);
        let cases: Vec<(&str, Breakage)> = vec![
            ("date", |d| d.date = "2026-02-30".into()),
            ("start_time", |d| d.start_time = Some("24:00".into())),
            ("start_time", |d| d.start_time = Some("6pm".into())),
            ("title", |d| d.title = Some("x".repeat(81))),
            ("weight_unit", |d| d.weight_unit = Some("stone".into())),
            ("entries", |d| d.entries.clear()),
            ("entries[0][exercise]", |d| {
                d.entries[0].exercise = " ".into()
            }),
            ("entries[0][sets][1][weight]", |d| {
                d.entries[0].sets[1].weight = Some("-5".into())
            }),
            ("entries[0][sets][0][reps]", |d| {
                d.entries[0].sets[0].reps = Some("1001".into())
            }),
            ("entries[0][sets][0][rpe]", |d| {
                d.entries[0].sets[0].rpe = Some("11".into())
            }),
            ("entries[0][sets][0][kind]", |d| {
                d.entries[0].sets[0].kind = Some("superset".into())
            }),
            ("entries[2][sets][0][duration]", |d| {
                d.entries[2].sets[0].duration = Some("1:60".into())
            }),
            ("entries[2][sets][0][distance]", |d| {
                d.entries[2].sets[0].distance = Some("0".into())
            }),
            ("entries", |d| {
                d.entries = vec![
                    EntryDraft {
                        exercise: "Run".into(),
                        sets: Vec::new(),
                    };
                    41
                ]
            }),
            ("entries[0][sets]", |d| {
                d.entries[0].sets = vec![set("1", "1"); 101]
            }),
        ];
        for (field, break_it) in cases {
            let mut broken = draft();
            break_it(&mut broken);
            assert_eq!(field_of(&broken).as_deref(), Some(field), "{broken:?}");
        }
    }

    #[test]
    fn a_value_left_as_shown_keeps_its_stored_grams_and_metres() {
        let pounds = Units {
            weight: WeightUnit::Lb,
            distance: DistanceUnit::Mi,
        };
        // 102.5 kg shows as 225.97 lb, which reads back as 102,498 g.
        let mut d = draft();
        d.entries[0].sets[0].weight = Some("225.97".into());
        d.entries[0].sets[0].weight_shown = Some("225.97".into());
        d.entries[0].sets[0].weight_stored = Some("102500".into());
        d.entries[2].sets[0].distance = Some("0.621".into());
        d.entries[2].sets[0].distance_shown = Some("0.621".into());
        d.entries[2].sets[0].distance_stored = Some("1000".into());
        let kept = NewWorkout::parse(&d, pounds, TODAY).unwrap();
        assert_eq!(kept.entries[0].sets[0].weight_g, Some(102_500));
        assert_eq!(kept.entries[1].sets[0].distance_m, Some(1000));
        // Typed over, or a stored value out of range: read as typed.
        d.entries[0].sets[0].weight = Some("226".into());
        d.entries[2].sets[0].distance_stored = Some("0".into());
        let typed = NewWorkout::parse(&d, pounds, TODAY).unwrap();
        assert_eq!(typed.entries[0].sets[0].weight_g, Some(102_512));
        assert_eq!(typed.entries[1].sets[0].distance_m, Some(999));
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("d", "25").unwrap(), 1500);
        assert_eq!(parse_duration("d", "25:30").unwrap(), 1530);
        assert_eq!(parse_duration("d", "1:05:00").unwrap(), 3900);
        assert_eq!(parse_duration("d", "24:00:00").unwrap(), 86_400);
        for bad in [
            "", "0", "0:00", "24:00:01", "1:5", "1:60", "x", "1::", "-1", "99999999",
        ] {
            assert!(parse_duration("d", bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(1530), "25:30");
        assert_eq!(format_duration(3900), "1:05:00");
        assert_eq!(parse_clock_time("07:30:59").unwrap(), 450);
        assert_eq!(format_clock_time(450), "07:30");
    }
}
