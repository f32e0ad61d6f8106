//! Workouts as browser and server share them, and the form input parsed into
//! values that are valid by construction: a [`NewWorkout`] cannot hold a
//! negative distance or a date in the next century.
//!
//! - `model.rs`: exercises, entries and sets, records and the e1RM formula;
//! - `units.rs`: kg or lb, km or mi, and their exact conversions;
//! - `draft.rs`: the logging form and its parse into a [`NewWorkout`];
//! - `progress.rs`: an exercise's history, records and chart points;
//! - this file: the workout itself, the one-exercise form of the first API
//!   ([`WorkoutForm`]), paging and the dashboard's calendar figures.

pub mod draft;
pub mod model;
pub mod progress;
pub mod units;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, Weekday};

pub use draft::{EntryDraft, NewEntry, NewWorkout, SetDraft, WorkoutDraft};
pub use model::{
    Bests, Entry, Exercise, ExerciseType, LoggedSet, RecordKind, Rpe, SetKind, SetValues,
};
pub use units::{DistanceUnit, Units, WeightUnit};

use crate::error::AppError;

/// One logged workout, as the owner sees it: its exercise entries in order,
/// each with its sets. Weights, distances and times are whole grams, metres
/// and seconds, so no floating-point value is ever stored or compared.
///
/// `kind`, `sets`, `reps`, `weight_g` and `distance_m` describe the first
/// entry the way the one-exercise API always has (see [`Workout::new`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workout {
    pub id: i64,
    #[serde(with = "iso_date")]
    pub date: Date,
    /// `HH:MM`, when given.
    #[serde(with = "clock_time")]
    pub start_time: Option<u16>,
    pub title: String,
    pub duration_minutes: Option<u16>,
    pub notes: String,
    pub entries: Vec<Entry>,
    /// The first entry's exercise.
    pub kind: String,
    /// The first entry's number of sets; `None` when it is one set without
    /// reps or weight (a run) or has no sets.
    pub sets: Option<u16>,
    /// The first set's reps.
    pub reps: Option<u16>,
    /// The first set's weight.
    pub weight_g: Option<u32>,
    /// The first entry's distance, all its sets together.
    pub distance_m: Option<u32>,
}

/// A workout's own fields, before its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkoutHeader {
    pub id: i64,
    pub date: Date,
    pub start_minute: Option<u16>,
    pub title: String,
    pub duration_minutes: Option<u16>,
    pub notes: String,
}

impl Workout {
    /// The workout with its flat fields derived from the first entry.
    pub fn new(header: WorkoutHeader, entries: Vec<Entry>) -> Self {
        let first = entries.first();
        let sets: Vec<&SetValues> = first
            .map(|entry| entry.sets.iter().map(|set| &set.values).collect())
            .unwrap_or_default();
        let one_effort = sets.len() == 1 && sets[0].reps.is_none() && sets[0].weight_g.is_none();
        let distance: u32 = sets.iter().filter_map(|set| set.distance_m).sum();
        Self {
            kind: first
                .map(|entry| entry.exercise.name.clone())
                .unwrap_or_default(),
            sets: (!sets.is_empty() && !one_effort)
                .then(|| u16::try_from(sets.len()).unwrap_or(u16::MAX)),
            reps: sets.first().and_then(|set| set.reps),
            weight_g: sets.first().and_then(|set| set.weight_g),
            distance_m: (distance > 0).then_some(distance),
            id: header.id,
            date: header.date,
            start_time: header.start_minute,
            title: header.title,
            duration_minutes: header.duration_minutes,
            notes: header.notes,
            entries,
        }
    }

    /// See [`NewWorkout::fingerprint`]: the same for a stored workout.
    pub fn fingerprint(&self) -> String {
        draft::fingerprint(
            (
                self.date,
                self.start_time,
                &self.title,
                self.duration_minutes,
                &self.notes,
            ),
            self.entries.iter().map(|entry| {
                (
                    entry.exercise.name.as_str(),
                    entry.sets.iter().map(|set| set.values).collect(),
                )
            }),
        )
    }

    /// The title, or else the exercises' names: how the workout is named in lists.
    pub fn display_title(&self) -> String {
        if self.title.is_empty() {
            let names: Vec<&str> = self
                .entries
                .iter()
                .map(|e| e.exercise.name.as_str())
                .collect();
            names.join(", ")
        } else {
            self.title.clone()
        }
    }
}

/// One page of a user's workouts, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkoutPage {
    pub workouts: Vec<Workout>,
    /// Pass as `before` to get the next (older) page; `None` on the last page.
    pub next: Option<String>,
}

/// The dashboard's figures. Weeks start on Monday; "today" is the server's
/// date in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    #[serde(with = "iso_date")]
    pub today: Date,
    pub this_week: u32,
    pub this_month: u32,
    pub total: u32,
    /// The last [`Summary::WEEKS`] weeks, oldest first, ending with this week.
    pub weeks: Vec<WeekCount>,
    /// Weeks in a row with at least one workout, up to this week (or up to
    /// last week while this week has none yet: the streak is still alive).
    pub streak_weeks: u32,
    /// The units the user reads values in.
    pub units: Units,
}

impl Summary {
    pub const WEEKS: usize = 8;

    /// The figures of `log` (read over [`Summary::window`]): the counts,
    /// each week's volume and, when the days read settle it, the streak;
    /// otherwise `None` for the streak, which [`Summary::streak_from`] then
    /// counts from the days before too. A streak is settled by these days
    /// when it ends (a week without workouts) inside them.
    pub fn of(today: Date, log: &DailyLog) -> (Self, Option<u32>) {
        let counts: Vec<(Date, u32)> = log.days.iter().map(|d| (d.date, d.workouts)).collect();
        let volumes: Vec<(Date, u64)> = log.days.iter().map(|d| (d.date, d.volume_g)).collect();
        let mut summary = Self::from_daily_counts(today, log.total, &counts);
        summary.add_daily_volumes(&volumes);
        let mut dates: Vec<Date> = log.days.iter().map(|d| d.date).collect();
        dates.sort_unstable_by(|a, b| b.cmp(a));
        let streak = Self::streak_from(today, &dates);
        let first_read = Self::window(today).starts;
        let settled = match Self::latest_streak_week(today, &dates) {
            // Neither this week nor last has a workout: both are read.
            None => true,
            // The week before the streak's first, wholly read and empty.
            Some(latest) => latest - Duration::weeks(i64::from(streak)) >= first_read,
        };
        (summary, settled.then_some(streak))
    }

    /// The Monday of the latest week a streak counts from: this week, or
    /// last week while this week has none yet; `None` if neither has a
    /// workout.
    fn latest_streak_week(today: Date, days_newest_first: &[Date]) -> Option<Date> {
        let this_week = week_start(today);
        let latest = days_newest_first
            .iter()
            .map(|day| week_start(*day))
            .find(|week| *week <= this_week)?;
        (latest >= this_week - Duration::weeks(1)).then_some(latest)
    }

    /// The dates [`Summary::from_daily_counts`] needs counts for: from the
    /// oldest week on the chart (or the first of the month, if earlier) to
    /// the end of this week or this month, whichever is later.
    pub fn window(today: Date) -> Period {
        let (week, month) = (Period::week_of(today), Period::month_of(today));
        let oldest_week = week.starts - Duration::weeks(Self::WEEKS as i64 - 1);
        Period {
            starts: month.starts.min(oldest_week),
            ends: month.ends.max(week.ends),
        }
    }

    /// Buckets per-day counts into this week, this month and the last eight
    /// weeks. Each figure counts only the days inside its own period, so a
    /// workout dated tomorrow (allowed, for a user a time zone ahead) that
    /// falls in next month or next week counts in neither this month nor
    /// this week.
    pub fn from_daily_counts(today: Date, total: u32, days: &[(Date, u32)]) -> Self {
        let count_in = |period: Period| -> u32 {
            days.iter()
                .filter(|(day, _)| period.contains(*day))
                .map(|(_, count)| count)
                .sum()
        };
        let this_week = Period::week_of(today);
        let weeks = (0..Self::WEEKS as i64)
            .rev()
            .map(|back| {
                let week = Period::week_of(this_week.starts - Duration::weeks(back));
                WeekCount {
                    starts: week.starts,
                    count: count_in(week),
                    volume_g: 0,
                }
            })
            .collect();
        Self {
            today,
            this_week: count_in(this_week),
            this_month: count_in(Period::month_of(today)),
            total,
            weeks,
            streak_weeks: 0,
            units: Units::default(),
        }
    }

    /// Adds each day's volume (grams lifted, working sets) to its week.
    pub fn add_daily_volumes(&mut self, days: &[(Date, u64)]) {
        for week in &mut self.weeks {
            let period = Period::week_of(week.starts);
            week.volume_g = days
                .iter()
                .filter(|(day, _)| period.contains(*day))
                .map(|(_, grams)| grams)
                .sum();
        }
    }

    /// The streak in weeks, from the days with workouts, newest first.
    pub fn streak_from(today: Date, days_newest_first: &[Date]) -> u32 {
        let mut weeks = days_newest_first
            .iter()
            .map(|day| week_start(*day))
            .peekable();
        let this_week = week_start(today);
        // Days after this week (tomorrow, a time zone ahead) do not count yet.
        while weeks.peek().is_some_and(|week| *week > this_week) {
            weeks.next();
        }
        let mut expected = match weeks.peek() {
            Some(week) if *week == this_week => this_week,
            Some(week) if *week == this_week - Duration::weeks(1) => *week,
            _ => return 0,
        };
        let mut streak = 0;
        for week in weeks {
            if week == expected {
                continue;
            }
            if week == expected - Duration::weeks(1) {
                streak += 1;
                expected = week;
            } else {
                break;
            }
        }
        streak + 1
    }
}

/// A run of calendar days: `starts` is the first, `ends` the first day after
/// (half-open, so consecutive periods neither overlap nor leave gaps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub starts: Date,
    pub ends: Date,
}

impl Period {
    /// The Monday-to-Sunday week (ISO 8601) that holds `date`.
    pub fn week_of(date: Date) -> Self {
        let starts = week_start(date);
        Self {
            starts,
            ends: starts + Duration::weeks(1),
        }
    }

    /// The calendar month that holds `date`.
    pub fn month_of(date: Date) -> Self {
        let starts = month_start(date);
        Self {
            starts,
            ends: starts + Duration::days(i64::from(date.month().length(date.year()))),
        }
    }

    pub fn contains(self, day: Date) -> bool {
        self.starts <= day && day < self.ends
    }
}

/// A user's workouts as the summary counts them: how many in all, and each
/// day of a period that has any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailyLog {
    pub total: u32,
    pub days: Vec<LoggedDay>,
}

/// One day with workouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedDay {
    pub date: Date,
    pub workouts: u32,
    /// Weight × reps of the day's working sets (warm-ups left out), grams.
    pub volume_g: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekCount {
    #[serde(with = "iso_date")]
    pub starts: Date,
    pub count: u32,
    /// Weight × reps of the week's working sets (warm-ups left out), grams.
    pub volume_g: u64,
}

/// The Monday that starts the week of `date`.
pub fn week_start(date: Date) -> Date {
    date - Duration::days(i64::from(date.weekday().number_days_from_monday()))
}

pub fn month_start(date: Date) -> Date {
    date.replace_day(1).expect("every month has a first day")
}

/// The workout form as it arrives: every field a string, optional ones may be
/// missing or blank. Field names are the form's and the API's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkoutForm {
    pub date: String,
    pub kind: String,
    pub duration_minutes: Option<String>,
    pub distance_km: Option<String>,
    pub sets: Option<String>,
    pub reps: Option<String>,
    pub weight_kg: Option<String>,
    pub notes: Option<String>,
}

/// The one-exercise form, parsed: what [`FlatWorkout::into_new`] turns into
/// a workout of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatWorkout {
    pub date: Date,
    pub kind: String,
    pub duration_minutes: Option<u16>,
    pub distance_m: Option<u32>,
    pub sets: Option<u16>,
    pub reps: Option<u16>,
    pub weight_g: Option<u32>,
    pub notes: String,
}

impl FlatWorkout {
    /// A workout of `kind` on `date` with every measure unset and no notes.
    pub fn bare(date: Date, kind: &str) -> Self {
        Self {
            date,
            kind: kind.to_owned(),
            duration_minutes: None,
            distance_m: None,
            sets: None,
            reps: None,
            weight_g: None,
            notes: String::new(),
        }
    }

    pub const KIND_MAX_CHARS: usize = 40;
    pub const NOTES_MAX_CHARS: usize = 1000;
    pub const MAX_MINUTES: u16 = 24 * 60;
    pub const MAX_KM: u32 = 1000;
    pub const MAX_SETS: u16 = 100;
    pub const MAX_REPS: u16 = 1000;
    pub const MAX_KG: u32 = 1000;
    /// Earliest date accepted: nobody logs workouts from before this.
    pub const EARLIEST: Date = match Date::from_calendar_date(1900, Month::January, 1) {
        Ok(date) => date,
        Err(_) => panic!("valid constant date"),
    };

    /// Checks every field against its rule; the first failure names its field.
    /// `today` bounds the date (one day of slack for time zones ahead of UTC).
    pub fn parse(form: &WorkoutForm, today: Date) -> Result<Self, AppError> {
        Ok(Self {
            date: parse_date(&form.date, today)?,
            kind: parse_kind(&form.kind)?,
            duration_minutes: parse_whole(
                "duration_minutes",
                &form.duration_minutes,
                1,
                Self::MAX_MINUTES,
            )?,
            distance_m: parse_thousandths("distance_km", &form.distance_km, Self::MAX_KM)?,
            sets: parse_whole("sets", &form.sets, 1, Self::MAX_SETS)?,
            reps: parse_whole("reps", &form.reps, 1, Self::MAX_REPS)?,
            weight_g: parse_thousandths("weight_kg", &form.weight_kg, Self::MAX_KG)?,
            notes: parse_notes(form.notes.as_deref().unwrap_or(""))?,
        })
    }
}

impl FlatWorkout {
    /// The workout of one entry this form describes, as the migration to
    /// entries carried every old row forward: `sets` becomes that many sets
    /// of the reps and weight (a distance goes on the first); without a set
    /// count, anything measured is one set, and a distance takes the
    /// workout's duration too, so a run has a pace.
    pub fn into_new(self) -> NewWorkout {
        let sets = match self.sets {
            Some(count) => (0..count)
                .map(|index| SetValues {
                    reps: self.reps,
                    weight_g: self.weight_g,
                    distance_m: self.distance_m.filter(|_| index == 0),
                    ..SetValues::default()
                })
                .collect(),
            None if self.reps.is_some() || self.weight_g.is_some() || self.distance_m.is_some() => {
                vec![SetValues {
                    reps: self.reps,
                    weight_g: self.weight_g,
                    distance_m: self.distance_m,
                    duration_s: self
                        .duration_minutes
                        .filter(|_| self.distance_m.is_some())
                        .map(|minutes| u32::from(minutes) * 60),
                    ..SetValues::default()
                }]
            }
            None => Vec::new(),
        };
        NewWorkout {
            date: self.date,
            start_minute: None,
            title: String::new(),
            duration_minutes: self.duration_minutes,
            notes: self.notes,
            entries: vec![NewEntry {
                exercise: self.kind,
                exercise_type: None,
                sets,
            }],
        }
    }
}

fn parse_date(raw: &str, today: Date) -> Result<Date, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AppError::invalid("date", "Enter the date of the workout"));
    }
    let date = parse_iso_date(raw)
        .ok_or_else(|| AppError::invalid("date", "Enter the date as YYYY-MM-DD"))?;
    let latest = today.next_day().unwrap_or(today);
    if date > latest {
        return Err(AppError::invalid(
            "date",
            "The date cannot be in the future",
        ));
    }
    if date < FlatWorkout::EARLIEST {
        return Err(AppError::invalid(
            "date",
            "The date must be in 1900 or later",
        ));
    }
    Ok(date)
}

/// Strict `YYYY-MM-DD` with a real calendar day (no 2026-02-30).
pub fn parse_iso_date(raw: &str) -> Option<Date> {
    let bytes = raw.as_bytes();
    let digits_at = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    if !digits_at(0..4) || !digits_at(5..7) || !digits_at(8..10) {
        return None;
    }
    let year: i32 = raw[0..4].parse().ok()?;
    let month: u8 = raw[5..7].parse().ok()?;
    let day: u8 = raw[8..10].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

fn parse_kind(raw: &str) -> Result<String, AppError> {
    let kind = raw.trim();
    if kind.is_empty() {
        return Err(AppError::invalid(
            "kind",
            "Enter what kind of workout it was, like Run or Squat",
        ));
    }
    if kind.chars().count() > FlatWorkout::KIND_MAX_CHARS {
        return Err(AppError::invalid(
            "kind",
            format!(
                "Keep the kind to {} characters",
                FlatWorkout::KIND_MAX_CHARS
            ),
        ));
    }
    if kind.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "kind",
            "The kind cannot contain control characters",
        ));
    }
    Ok(kind.to_owned())
}

fn parse_notes(raw: &str) -> Result<String, AppError> {
    // Browsers send CRLF line breaks from a textarea; store plain LF.
    let notes = raw.trim().replace("\r\n", "\n");
    if notes.chars().count() > FlatWorkout::NOTES_MAX_CHARS {
        return Err(AppError::invalid(
            "notes",
            format!(
                "Keep the notes to {} characters",
                FlatWorkout::NOTES_MAX_CHARS
            ),
        ));
    }
    if notes
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::invalid(
            "notes",
            "The notes cannot contain control characters",
        ));
    }
    Ok(notes)
}

/// A label for each numeric field, for messages (a set's field ends in its
/// name: `entries[0][sets][1][reps]`).
fn label(field: &str) -> &'static str {
    let name = field
        .rsplit('[')
        .next()
        .unwrap_or(field)
        .trim_end_matches(']');
    match name {
        "duration_minutes" => "The duration in minutes",
        "distance_km" => "The distance in km",
        "sets" => "The number of sets",
        "reps" => "The number of reps",
        "weight_kg" => "The weight in kg",
        _ => "The value",
    }
}

fn blank_to_none(raw: &Option<String>) -> Option<&str> {
    raw.as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// An optional whole number in `min..=max`.
fn parse_whole(
    field: &str,
    raw: &Option<String>,
    min: u16,
    max: u16,
) -> Result<Option<u16>, AppError> {
    let Some(raw) = blank_to_none(raw) else {
        return Ok(None);
    };
    let out_of_range = || {
        AppError::invalid(
            field,
            format!(
                "{} must be a whole number from {min} to {max}",
                label(field)
            ),
        )
    };
    if !raw.bytes().all(|b| b.is_ascii_digit()) || raw.len() > 6 {
        return Err(out_of_range());
    }
    match raw.parse::<u16>() {
        Ok(value) if (min..=max).contains(&value) => Ok(Some(value)),
        _ => Err(out_of_range()),
    }
}

/// An optional positive decimal with at most three decimals (`5`, `5.25`,
/// `5,25`), up to `max`, returned in thousandths (km to m, kg to g).
fn parse_thousandths(field: &str, raw: &Option<String>, max: u32) -> Result<Option<u32>, AppError> {
    let Some(raw) = blank_to_none(raw) else {
        return Ok(None);
    };
    let invalid = || {
        AppError::invalid(
            field,
            format!(
                "{} must be a number above 0 and at most {max}, with up to 3 decimals",
                label(field)
            ),
        )
    };
    let thousandths = units::parse_decimal(raw, 3)
        .ok()
        .flatten()
        .ok_or_else(invalid)?;
    match u32::try_from(thousandths) {
        Ok(value) if (1..=max * 1000).contains(&value) => Ok(Some(value)),
        _ => Err(invalid()),
    }
}

/// Keyset cursor for paging: the last row's date and id, as `YYYY-MM-DD_ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor {
    pub date: Date,
    pub id: i64,
}

impl PageCursor {
    pub fn after(workout: &Workout) -> Self {
        Self {
            date: workout.date,
            id: workout.id,
        }
    }

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let invalid = || {
            AppError::invalid(
                "before",
                "The page cursor is not valid; start again from the first page",
            )
        };
        let (date, id) = raw.trim().split_once('_').ok_or_else(invalid)?;
        let date = parse_iso_date(date).ok_or_else(invalid)?;
        let id = id
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(invalid)?;
        Ok(Self { date, id })
    }

    pub fn encode(&self) -> String {
        format!("{}_{}", format_iso_date(self.date), self.id)
    }
}

/// How many workouts one page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u16);

impl PageSize {
    pub const DEFAULT: u16 = 20;
    pub const MAX: u16 = 100;

    pub fn parse(raw: Option<u32>) -> Result<Self, AppError> {
        match raw {
            None => Ok(Self(Self::DEFAULT)),
            Some(n) if (1..=u32::from(Self::MAX)).contains(&n) => Ok(Self(n as u16)),
            Some(_) => Err(AppError::invalid(
                "limit",
                format!("The page size must be from 1 to {}", Self::MAX),
            )),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

pub fn format_iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `Mon 3 Nov 2026`: how dates read in the list.
pub fn format_long_date(date: Date) -> String {
    format!(
        "{} {} {} {}",
        weekday_abbr(date.weekday()),
        date.day(),
        month_abbr(date.month()),
        date.year()
    )
}

/// `3 Nov`: how weeks read under the chart.
pub fn format_short_date(date: Date) -> String {
    format!("{} {}", date.day(), month_abbr(date.month()))
}

fn weekday_abbr(day: Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day.number_days_from_monday() as usize]
}

fn month_abbr(month: Month) -> &'static str {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][usize::from(u8::from(month)) - 1]
}

/// Thousandths as a short decimal: 5200 -> "5.2", 60000 -> "60".
pub fn format_thousandths(value: u32) -> String {
    units::format_scaled(u128::from(value), 3)
}

/// A start time crosses the wire as `HH:MM` (what `<input type=time>` reads).
mod clock_time {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(
        minute: &Option<u16>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match minute {
            Some(minute) => serializer.serialize_str(&super::draft::format_clock_time(*minute)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u16>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|raw| {
                super::draft::parse_clock_time(&raw).map_err(|_| D::Error::custom("expected HH:MM"))
            })
            .transpose()
    }
}

/// Dates cross the wire as `YYYY-MM-DD`, which is also what `<input type=date>`
/// reads and writes.
mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_iso_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let raw = String::deserialize(deserializer)?;
        super::parse_iso_date(&raw).ok_or_else(|| D::Error::custom("expected a YYYY-MM-DD date"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn form() -> WorkoutForm {
        WorkoutForm {
            date: "2026-11-20".into(),
            kind: " Run ".into(),
            duration_minutes: Some("42".into()),
            distance_km: Some("10,5".into()),
            sets: Some("".into()),
            reps: None,
            weight_kg: Some("  ".into()),
            notes: Some("easy\r\npace ".into()),
        }
    }

    fn field_of(form: &WorkoutForm) -> Option<String> {
        FlatWorkout::parse(form, TODAY)
            .err()
            .and_then(|err| err.field().map(str::to_owned))
    }

    #[test]
    fn a_valid_form_is_normalised() {
        let workout = FlatWorkout::parse(&form(), TODAY).unwrap();
        assert_eq!(workout.date, date!(2026 - 11 - 20));
        assert_eq!(workout.kind, "Run");
        assert_eq!(workout.duration_minutes, Some(42));
        assert_eq!(workout.distance_m, Some(10_500));
        assert_eq!(workout.sets, None, "blank is absent");
        assert_eq!(workout.weight_g, None);
        assert_eq!(workout.notes, "easy\npace");
    }

    #[test]
    fn each_invalid_field_is_named() {
        type Breakage = fn(&mut WorkoutForm);
        let cases: Vec<(&str, Breakage)> = vec![
            ("date", |f| f.date = String::new()),
            ("date", |f| f.date = "2026-02-30".into()),
            ("date", |f| f.date = "20-11-2026".into()),
            ("date", |f| f.date = "2026-11-25".into()),
            ("date", |f| f.date = "1899-12-31".into()),
            ("date", |f| f.date = "２０２６-11-20".into()),
            ("kind", |f| f.kind = "   ".into()),
            ("kind", |f| f.kind = "x".repeat(41)),
            ("kind", |f| f.kind = "Run\u{0}".into()),
            ("duration_minutes", |f| {
                f.duration_minutes = Some("0".into())
            }),
            ("duration_minutes", |f| {
                f.duration_minutes = Some("-5".into())
            }),
            ("duration_minutes", |f| {
                f.duration_minutes = Some("1441".into())
            }),
            ("duration_minutes", |f| {
                f.duration_minutes = Some("99999999999999999999".into())
            }),
            ("duration_minutes", |f| {
                f.duration_minutes = Some("1e3".into())
            }),
            ("distance_km", |f| f.distance_km = Some("-1".into())),
            ("distance_km", |f| f.distance_km = Some("0".into())),
            ("distance_km", |f| f.distance_km = Some("1000.001".into())),
            ("distance_km", |f| f.distance_km = Some("1.2345".into())),
            ("distance_km", |f| f.distance_km = Some("NaN".into())),
            ("distance_km", |f| f.distance_km = Some(".".into())),
            ("sets", |f| f.sets = Some("101".into())),
            ("reps", |f| f.reps = Some("1001".into())),
            ("weight_kg", |f| f.weight_kg = Some("4294967.296".into())),
            ("weight_kg", |f| f.weight_kg = Some("inf".into())),
            ("notes", |f| f.notes = Some("x".repeat(1001))),
        ];
        for (field, break_it) in cases {
            let mut broken = form();
            break_it(&mut broken);
            assert_eq!(field_of(&broken).as_deref(), Some(field), "{broken:?}");
        }
    }

    #[test]
    fn limits_are_inclusive_and_count_characters() {
        let mut f = form();
        f.date = "2026-11-24".into(); // tomorrow: a time zone ahead of UTC
        f.kind = "é".repeat(40);
        f.duration_minutes = Some("1440".into());
        f.distance_km = Some("1000".into());
        f.weight_kg = Some(".5".into());
        f.notes = Some("ü".repeat(1000));
        let workout = FlatWorkout::parse(&f, TODAY).unwrap();
        assert_eq!(workout.distance_m, Some(1_000_000));
        assert_eq!(workout.weight_g, Some(500));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = PageCursor {
            date: date!(2026 - 01 - 05),
            id: 42,
        };
        assert_eq!(cursor.encode(), "2026-01-05_42");
        assert_eq!(PageCursor::parse(&cursor.encode()).unwrap(), cursor);
        for bad in [
            "",
            "2026-01-05",
            "2026-01-05_",
            "2026-01-05_-1",
            "x_1",
            "2026-13-01_1",
            "2026-01-05_1_2",
        ] {
            assert_eq!(
                PageCursor::parse(bad).unwrap_err().field(),
                Some("before"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn page_size_defaults_and_bounds() {
        assert_eq!(PageSize::parse(None).unwrap().get(), PageSize::DEFAULT);
        assert_eq!(PageSize::parse(Some(100)).unwrap().get(), 100);
        assert!(PageSize::parse(Some(0)).is_err());
        assert!(PageSize::parse(Some(101)).is_err());
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        assert_eq!(week_start(date!(2026 - 11 - 23)), date!(2026 - 11 - 23)); // a Monday
        assert_eq!(week_start(date!(2026 - 11 - 29)), date!(2026 - 11 - 23));
        assert_eq!(week_start(date!(2026 - 11 - 01)), date!(2026 - 10 - 26));
        assert_eq!(month_start(date!(2026 - 11 - 23)), date!(2026 - 11 - 01));
    }

    #[test]
    fn the_summary_buckets_days_into_week_month_and_eight_weeks() {
        // Today is Monday 23 Nov; the month started on a Sunday in the week before.
        let days = [
            (date!(2026 - 11 - 24), 1), // tomorrow (a time zone ahead): this week
            (date!(2026 - 11 - 23), 2), // today
            (date!(2026 - 11 - 22), 1), // last week, this month
            (date!(2026 - 11 - 01), 1), // first of the month, in the week of 26 Oct
            (date!(2026 - 10 - 31), 4), // last month
            (date!(2026 - 10 - 05), 5), // the Monday that starts the oldest week shown
            (date!(2026 - 10 - 04), 7), // before the chart
        ];
        assert_eq!(
            Summary::window(TODAY),
            Period {
                starts: date!(2026 - 10 - 05),
                ends: date!(2026 - 12 - 01)
            }
        );
        let summary = Summary::from_daily_counts(TODAY, 30, &days);
        assert_eq!(
            (summary.this_week, summary.this_month, summary.total),
            (3, 5, 30)
        );
        let weeks: Vec<(Date, u32)> = summary.weeks.iter().map(|w| (w.starts, w.count)).collect();
        assert_eq!(
            weeks,
            vec![
                (date!(2026 - 10 - 05), 5),
                (date!(2026 - 10 - 12), 0),
                (date!(2026 - 10 - 19), 0),
                (date!(2026 - 10 - 26), 5),
                (date!(2026 - 11 - 02), 0),
                (date!(2026 - 11 - 09), 0),
                (date!(2026 - 11 - 16), 1),
                (date!(2026 - 11 - 23), 3),
            ]
        );
        // At the end of a long month the eight weeks still reach further back.
        assert_eq!(
            Summary::window(date!(2026 - 03 - 31)).starts,
            date!(2026 - 02 - 09)
        );
    }

    #[test]
    fn each_figure_counts_only_days_inside_its_period() {
        // Monday 30 Nov: tomorrow is in this week but next month.
        let monday = date!(2026 - 11 - 30);
        let days = [(date!(2026 - 12 - 01), 1), (monday, 2)];
        let s = Summary::from_daily_counts(monday, 3, &days);
        assert_eq!((s.this_week, s.this_month), (3, 2));
        // Sunday 29 Nov: tomorrow is in this month but next week.
        let sunday = date!(2026 - 11 - 29);
        let days = [(date!(2026 - 11 - 30), 1), (sunday, 2)];
        let s = Summary::from_daily_counts(sunday, 3, &days);
        assert_eq!((s.this_week, s.this_month), (2, 3));
        assert_eq!(s.weeks.last().unwrap().count, 2, "the chart's week too");
        // Thursday 31 Dec: tomorrow is next month and next year.
        let s = Summary::from_daily_counts(date!(2026 - 12 - 31), 1, &[(date!(2027 - 01 - 01), 1)]);
        assert_eq!((s.this_week, s.this_month), (1, 0));
    }

    #[test]
    fn a_streak_counts_weeks_in_a_row_up_to_this_or_last_week() {
        let monday = date!(2026 - 11 - 23);
        let streak = |days: &[Date]| Summary::streak_from(monday, days);
        assert_eq!(streak(&[]), 0);
        assert_eq!(streak(&[monday]), 1);
        // Last week and the two before: alive until this week ends.
        let weeks_back = |n: i64| monday - Duration::weeks(n) + Duration::days(2);
        assert_eq!(
            streak(&[weeks_back(1), weeks_back(1), weeks_back(2), weeks_back(3)]),
            3
        );
        assert_eq!(
            streak(&[monday, weeks_back(1), weeks_back(3)]),
            2,
            "a gap ends it"
        );
        assert_eq!(streak(&[weeks_back(2)]), 0, "a week missed");
        assert_eq!(
            streak(&[monday + Duration::days(1), monday]),
            1,
            "tomorrow is this week"
        );
    }

    #[test]
    fn the_summary_settles_the_streak_only_when_it_ends_inside_the_days_read() {
        let today = date!(2026 - 11 - 25); // a Wednesday
        let log_of = |dates: &[Date]| DailyLog {
            total: dates.len() as u32,
            days: dates
                .iter()
                .map(|&date| LoggedDay {
                    date,
                    workouts: 1,
                    volume_g: 1000,
                })
                .collect(),
        };
        let weeks_back = |n: i64| today - Duration::weeks(n);
        // A gap three weeks back: settled, two weeks.
        let (summary, streak) = Summary::of(today, &log_of(&[today, weeks_back(1), weeks_back(3)]));
        assert_eq!(streak, Some(2));
        assert_eq!(summary.this_week, 1);
        assert_eq!(summary.weeks.last().unwrap().volume_g, 1000);
        // Nothing this week or last: settled at none.
        assert_eq!(Summary::of(today, &log_of(&[weeks_back(2)])).1, Some(0));
        assert_eq!(Summary::of(today, &log_of(&[])).1, Some(0));
        // Every week as far back as the days read: the days before decide.
        let every_week: Vec<Date> = (0..Summary::WEEKS as i64).map(weeks_back).collect();
        assert_eq!(Summary::of(today, &log_of(&every_week)).1, None);
        // Alive from last week, back to the oldest week read: unsettled too.
        assert_eq!(Summary::of(today, &log_of(&every_week[1..])).1, None);
        // Tomorrow in next week (a Sunday) does not count yet.
        let sunday = date!(2026 - 11 - 29);
        let (_, streak) = Summary::of(sunday, &log_of(&[date!(2026 - 11 - 30)]));
        assert_eq!(streak, Some(0));
    }

    #[test]
    fn periods_are_half_open_weeks_and_calendar_months() {
        assert_eq!(
            Period::month_of(date!(2028 - 02 - 10)),
            Period {
                starts: date!(2028 - 02 - 01),
                ends: date!(2028 - 03 - 01)
            }
        );
        assert_eq!(
            Period::month_of(date!(2026 - 12 - 31)).ends,
            date!(2027 - 01 - 01)
        );
        let week = Period::week_of(date!(2026 - 11 - 29));
        assert!(week.contains(date!(2026 - 11 - 23)) && week.contains(date!(2026 - 11 - 29)));
        assert!(!week.contains(date!(2026 - 11 - 30)) && !week.contains(date!(2026 - 11 - 22)));
    }

    #[test]
    fn numbers_and_dates_format_for_people() {
        assert_eq!(format_thousandths(5200), "5.2");
        assert_eq!(format_thousandths(60_000), "60");
        assert_eq!(format_thousandths(1), "0.001");
        assert_eq!(format_long_date(date!(2026 - 11 - 23)), "Mon 23 Nov 2026");
        assert_eq!(format_short_date(date!(2026 - 11 - 03)), "3 Nov");
    }

    #[test]
    fn workouts_serialise_dates_and_times_as_iso_strings() {
        let run = Entry {
            exercise: Exercise {
                id: 41,
                name: "Run".into(),
                exercise_type: ExerciseType::DistanceDuration,
                own: false,
            },
            sets: vec![LoggedSet {
                values: SetValues {
                    distance_m: Some(5000),
                    duration_s: Some(1500),
                    ..SetValues::default()
                },
                record: Some(RecordKind::Distance),
            }],
        };
        let header = WorkoutHeader {
            id: 1,
            date: date!(2026 - 11 - 03),
            start_minute: Some(7 * 60 + 5),
            title: String::new(),
            duration_minutes: None,
            notes: String::new(),
        };
        let workout = Workout::new(header, vec![run]);
        let json = serde_json::to_value(&workout).unwrap();
        assert_eq!(json["date"], "2026-11-03");
        assert_eq!(json["start_time"], "07:05");
        assert_eq!(json["entries"][0]["sets"][0]["distance_m"], 5000);
        assert_eq!(json["entries"][0]["sets"][0]["record"], "distance");
        assert_eq!(serde_json::from_value::<Workout>(json).unwrap(), workout);
    }

    /// The one-exercise form becomes one entry and reads back with the same
    /// flat fields.
    #[test]
    fn a_flat_form_round_trips_through_one_entry() {
        let cases = [
            (Some("5"), Some("5"), Some("100"), None, Some(5)),
            (None, None, None, Some("5.5"), None),
            (None, Some("10"), None, None, Some(1)),
            (Some("3"), None, None, None, Some(3)),
            (None, None, None, None, None),
        ];
        for (sets, reps, weight, distance, flat_sets) in cases {
            let form = WorkoutForm {
                date: "2026-11-20".into(),
                kind: "Squat".into(),
                duration_minutes: Some("30".into()),
                sets: sets.map(Into::into),
                reps: reps.map(Into::into),
                weight_kg: weight.map(Into::into),
                distance_km: distance.map(Into::into),
                notes: None,
            };
            let flat = FlatWorkout::parse(&form, TODAY).unwrap();
            let new = flat.clone().into_new();
            let entries = new
                .entries
                .iter()
                .map(|entry| Entry {
                    exercise: Exercise {
                        id: 1,
                        name: entry.exercise.clone(),
                        exercise_type: ExerciseType::WeightReps,
                        own: true,
                    },
                    sets: entry
                        .sets
                        .iter()
                        .map(|values| LoggedSet {
                            values: *values,
                            record: None,
                        })
                        .collect(),
                })
                .collect();
            let header = WorkoutHeader {
                id: 1,
                date: new.date,
                start_minute: None,
                title: new.title,
                duration_minutes: new.duration_minutes,
                notes: new.notes,
            };
            let back = Workout::new(header, entries);
            assert_eq!(
                (
                    back.kind.as_str(),
                    back.sets,
                    back.reps,
                    back.weight_g,
                    back.distance_m
                ),
                (
                    flat.kind.as_str(),
                    flat_sets,
                    flat.reps,
                    flat.weight_g,
                    flat.distance_m
                ),
                "{form:?}"
            );
            assert_eq!(back.duration_minutes, Some(30));
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        const TODAY: Date = match Date::from_calendar_date(2026, Month::November, 23) {
            Ok(date) => date,
            Err(_) => panic!("a valid date"),
        };

        /// The form's fields, in the order [`set_field`] numbers them.
        const FIELDS: [&str; 8] = [
            "date",
            "kind",
            "duration_minutes",
            "distance_km",
            "sets",
            "reps",
            "weight_kg",
            "notes",
        ];

        fn whole(max: u32) -> impl Strategy<Value = Option<String>> {
            proptest::option::of((1..=max).prop_map(|n| n.to_string()))
        }

        fn thousandths(max_whole: u32) -> impl Strategy<Value = Option<String>> {
            proptest::option::of((1..=max_whole * 1000).prop_map(format_thousandths))
        }

        /// A form every field of which is valid: any date from 1900 to
        /// tomorrow, any kind and notes within their limits, any number in
        /// range or none.
        fn valid_form() -> impl Strategy<Value = WorkoutForm> {
            let days = (TODAY.next_day().unwrap() - FlatWorkout::EARLIEST).whole_days();
            (
                (0..=days).prop_map(|back| {
                    (TODAY.next_day().unwrap() - Duration::days(back)).to_string()
                }),
                "[A-Za-z0-9][A-Za-z0-9 ()/-]{0,39}",
                (
                    whole(u32::from(FlatWorkout::MAX_MINUTES)),
                    thousandths(FlatWorkout::MAX_KM),
                    whole(u32::from(FlatWorkout::MAX_SETS)),
                ),
                (
                    whole(u32::from(FlatWorkout::MAX_REPS)),
                    thousandths(FlatWorkout::MAX_KG),
                ),
                proptest::option::of("[^\\p{Cc}]{0,300}(\n[^\\p{Cc}]{0,300}){0,2}"),
            )
                .prop_map(
                    |(
                        date,
                        kind,
                        (duration_minutes, distance_km, sets),
                        (reps, weight_kg),
                        notes,
                    )| WorkoutForm {
                        date,
                        kind,
                        duration_minutes,
                        distance_km,
                        sets,
                        reps,
                        weight_kg,
                        notes,
                    },
                )
        }

        /// Strings a hostile or careless client might send for any field.
        fn hostile() -> impl Strategy<Value = Option<String>> {
            proptest::option::of(prop_oneof![
                "-?[0-9]{0,25}([.,][0-9]{0,6})?",
                "[0-9]{4}-[0-9]{2}-[0-9]{2}",
                Just("NaN".to_owned()),
                Just("1e309".to_owned()),
                Just("-0".to_owned()),
                Just("18446744073709551616".to_owned()),
                ".{0,1100}",
                any::<String>(),
            ])
        }

        fn set_field(form: &mut WorkoutForm, field: usize, value: Option<String>) {
            match field {
                0 => form.date = value.unwrap_or_default(),
                1 => form.kind = value.unwrap_or_default(),
                2 => form.duration_minutes = value,
                3 => form.distance_km = value,
                4 => form.sets = value,
                5 => form.reps = value,
                6 => form.weight_kg = value,
                _ => form.notes = value,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4096))]

            /// Every valid form parses: the generator for the next property
            /// really reaches every field.
            #[test]
            fn any_valid_workout_form_parses(form in valid_form()) {
                prop_assert!(FlatWorkout::parse(&form, TODAY).is_ok(), "{:?}", form);
            }

            /// A valid form with one field, any one, set to a hostile value is
            /// either refused with a 422 naming exactly that field, or becomes
            /// a workout inside every limit of the schema (so the database's
            /// CHECK constraints can never fire).
            #[test]
            fn one_hostile_field_is_refused_by_its_name_or_stays_within_the_schema(
                mut form in valid_form(),
                field in 0..FIELDS.len(),
                value in hostile(),
            ) {
                set_field(&mut form, field, value);
                match FlatWorkout::parse(&form, TODAY) {
                    Ok(w) => {
                        let kind_chars = w.kind.chars().count();
                        prop_assert!((1..=FlatWorkout::KIND_MAX_CHARS).contains(&kind_chars));
                        prop_assert!(!w.kind.chars().any(char::is_control));
                        prop_assert!(w.notes.chars().count() <= FlatWorkout::NOTES_MAX_CHARS);
                        prop_assert!(!w.notes.contains('\0'));
                        prop_assert!(w.date >= FlatWorkout::EARLIEST && w.date <= TODAY.next_day().unwrap());
                        prop_assert!(w.duration_minutes.is_none_or(|m| (1..=FlatWorkout::MAX_MINUTES).contains(&m)));
                        prop_assert!(w.distance_m.is_none_or(|m| (1..=FlatWorkout::MAX_KM * 1000).contains(&m)));
                        prop_assert!(w.sets.is_none_or(|n| (1..=FlatWorkout::MAX_SETS).contains(&n)));
                        prop_assert!(w.reps.is_none_or(|n| (1..=FlatWorkout::MAX_REPS).contains(&n)));
                        prop_assert!(w.weight_g.is_none_or(|g| (1..=FlatWorkout::MAX_KG * 1000).contains(&g)));
                    }
                    Err(err) => {
                        prop_assert_eq!(err.status(), 422);
                        prop_assert_eq!(err.field(), Some(FIELDS[field]));
                    }
                }
            }

            /// A cursor either parses and round-trips, or is a 422 on `before`.
            #[test]
            fn any_page_cursor_round_trips_or_is_refused(raw in prop_oneof!["[0-9]{4}-[0-9]{2}-[0-9]{2}_-?[0-9]{1,20}", any::<String>()]) {
                match PageCursor::parse(&raw) {
                    Ok(cursor) => prop_assert_eq!(PageCursor::parse(&cursor.encode()).unwrap(), cursor),
                    Err(err) => prop_assert_eq!(err.field(), Some("before")),
                }
            }
        }
    }
}
