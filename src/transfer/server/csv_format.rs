//! This app's CSV: one row per set, oldest workout first, with the
//! workout's and the exercise's fields repeated on each of its rows. Units
//! are in the column names (`weight_kg`, `distance_km`, `duration_seconds`)
//! and values are exact (grams are kilograms to three decimals), so an
//! export read back in is the same log. An entry without sets is one row
//! with the set columns empty.

use crate::workouts::domain::draft::format_clock_time;
use crate::workouts::domain::{Entry, LoggedSet, Workout, format_iso_date, format_thousandths};

/// The header row, in column order.
pub const HEADER: [&str; 17] = [
    "workout",
    "date",
    "start_time",
    "title",
    "duration_minutes",
    "notes",
    "entry",
    "exercise",
    "exercise_type",
    "set",
    "set_type",
    "reps",
    "weight_kg",
    "rpe",
    "duration_seconds",
    "distance_km",
    "record",
];

/// The rows of one workout, numbered `number` in the file (workouts are
/// told apart by this number, not by date or title, which may repeat).
pub fn workout_rows(number: u64, workout: &Workout) -> Vec<[String; 17]> {
    let mut rows = Vec::new();
    for (entry_index, entry) in workout.entries.iter().enumerate() {
        if entry.sets.is_empty() {
            rows.push(row(number, workout, entry_index, entry, None));
        }
        for (set_index, set) in entry.sets.iter().enumerate() {
            rows.push(row(
                number,
                workout,
                entry_index,
                entry,
                Some((set_index, set)),
            ));
        }
    }
    rows
}

fn row(
    number: u64,
    workout: &Workout,
    entry_index: usize,
    entry: &Entry,
    set: Option<(usize, &LoggedSet)>,
) -> [String; 17] {
    let optional = |value: Option<String>| value.unwrap_or_default();
    let values = set.map(|(_, set)| set.values);
    [
        number.to_string(),
        format_iso_date(workout.date),
        optional(workout.start_time.map(format_clock_time)),
        neutralised(&workout.title),
        optional(workout.duration_minutes.map(|m| m.to_string())),
        neutralised(&workout.notes),
        (entry_index + 1).to_string(),
        neutralised(&entry.exercise.name),
        entry.exercise.exercise_type.as_str().to_owned(),
        optional(set.map(|(index, _)| (index + 1).to_string())),
        optional(values.map(|v| v.kind.as_str().to_owned())),
        optional(values.and_then(|v| v.reps).map(|r| r.to_string())),
        optional(values.and_then(|v| v.weight_g).map(format_thousandths)),
        optional(values.and_then(|v| v.rpe).map(|rpe| rpe.to_string())),
        optional(values.and_then(|v| v.duration_s).map(|s| s.to_string())),
        optional(values.and_then(|v| v.distance_m).map(format_thousandths)),
        optional(
            set.and_then(|(_, set)| set.record)
                .map(|r| r.as_str().to_owned()),
        ),
    ]
}

/// Characters that make a spreadsheet read a cell as a formula when they
/// start it (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Text as a spreadsheet will show it and never run it: a cell starting
/// with a formula character gets a leading `'`, which spreadsheets hide and
/// the import of this format removes again. Text that already starts with
/// `'` and a formula character gets one more, so that every text comes back.
pub fn neutralised(text: &str) -> String {
    if needs_quote(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The text a [`neutralised`] cell stood for.
pub fn restored(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

fn needs_quote(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS) || text.strip_prefix('\'').is_some_and(needs_quote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_restored() {
        for text in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let cell = neutralised(text);
            assert!(cell.starts_with('\''), "{text:?}");
            assert_eq!(restored(&cell), text);
        }
        assert_eq!(neutralised("'=x"), "''=x");
        assert_eq!(restored("''=x"), "'=x");
        for text in ["Squat", "'quoted'", "1+1", ""] {
            assert_eq!(neutralised(text), text);
            assert_eq!(restored(text), text);
        }
    }
}
