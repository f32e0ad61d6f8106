//! What every format's reader produces: one [`SetRow`] per line of the file
//! (or a rejection with the line and the reason), and their grouping into
//! workouts and entries. Consecutive rows with the same workout key are one
//! workout; within it, consecutive rows with the same entry key are one
//! exercise entry, their sets in file order.

use time::Date;

use crate::transfer::RejectedRow;
use crate::workouts::domain::{
    ExerciseType, FlatWorkout, NewEntry, NewWorkout, RecordKind, SetValues,
};

/// One line of a file, read.
#[derive(Debug, Clone)]
pub struct SetRow {
    pub line: u64,
    /// Rows of one workout share it (Strong: date and name; this app's CSV:
    /// the workout's number).
    pub workout_key: String,
    pub date: Date,
    pub start_minute: Option<u16>,
    pub title: String,
    pub duration_minutes: Option<u16>,
    pub notes: String,
    /// Rows of one entry share it (the exercise's name, or an entry number).
    pub entry_key: String,
    pub exercise: String,
    pub exercise_type: Option<ExerciseType>,
    /// Notes on the exercise (other apps have them; this app keeps them in
    /// the workout's notes).
    pub exercise_notes: String,
    /// `None` for an entry without sets.
    pub set: Option<SetValues>,
    /// The record the file says the set set (this app's own files only).
    pub record: Option<RecordKind>,
}

/// A workout read from a file, with the record of each set where the file
/// says it (this app's own formats), parallel to its entries and sets.
#[derive(Debug, Clone)]
pub struct ImportedWorkout {
    pub workout: NewWorkout,
    pub records: Vec<Vec<Option<RecordKind>>>,
}

/// Groups rows (in file order) into workouts. Rows past a workout's limits
/// (exercises, sets) are rejected.
pub fn group(rows: Vec<SetRow>, rejected: &mut Vec<RejectedRow>) -> Vec<ImportedWorkout> {
    let mut workouts: Vec<(String, ImportedWorkout, Vec<String>)> = Vec::new();
    for row in rows {
        if workouts
            .last()
            .is_none_or(|(key, _, _)| *key != row.workout_key)
        {
            workouts.push((row.workout_key.clone(), start_workout(&row), Vec::new()));
        }
        let (_, imported, entry_keys) = workouts.last_mut().expect("pushed above");
        if let Err(reason) = add_row(imported, entry_keys, &row) {
            rejected.push(RejectedRow {
                line: row.line,
                reason,
            });
        }
    }
    workouts
        .into_iter()
        .map(|(_, imported, _)| imported)
        .filter(|imported| !imported.workout.entries.is_empty())
        .collect()
}

fn start_workout(row: &SetRow) -> ImportedWorkout {
    ImportedWorkout {
        workout: NewWorkout {
            date: row.date,
            start_minute: row.start_minute,
            title: row.title.clone(),
            duration_minutes: row.duration_minutes,
            notes: row.notes.clone(),
            entries: Vec::new(),
        },
        records: Vec::new(),
    }
}

fn add_row(
    imported: &mut ImportedWorkout,
    entry_keys: &mut Vec<String>,
    row: &SetRow,
) -> Result<(), String> {
    let workout = &mut imported.workout;
    // Other apps repeat a workout's fields on each row, or give them once.
    if workout.notes.is_empty() {
        workout.notes.clone_from(&row.notes);
    }
    workout.duration_minutes = workout.duration_minutes.or(row.duration_minutes);
    if entry_keys.last() != Some(&row.entry_key) {
        if workout.entries.len() == NewWorkout::MAX_ENTRIES {
            return Err(format!(
                "A workout holds at most {} exercises",
                NewWorkout::MAX_ENTRIES
            ));
        }
        entry_keys.push(row.entry_key.clone());
        workout.entries.push(NewEntry {
            exercise: row.exercise.clone(),
            exercise_type: row.exercise_type,
            sets: Vec::new(),
        });
        imported.records.push(Vec::new());
    }
    add_exercise_notes(workout, &row.exercise, &row.exercise_notes);
    let Some(set) = row.set else {
        return Ok(());
    };
    if workout.set_count() == NewWorkout::MAX_SETS {
        return Err(format!(
            "A workout holds at most {} sets",
            NewWorkout::MAX_SETS
        ));
    }
    let entry = workout.entries.last_mut().expect("pushed above");
    if entry.sets.len() == NewWorkout::MAX_SETS_PER_ENTRY {
        return Err(format!(
            "An exercise holds at most {} sets in a workout",
            NewWorkout::MAX_SETS_PER_ENTRY
        ));
    }
    entry.sets.push(set);
    imported
        .records
        .last_mut()
        .expect("pushed above")
        .push(row.record);
    Ok(())
}

/// Appends "Exercise: note" to the workout's notes, once, while they stay
/// within their limit (other apps repeat an exercise's notes on its rows,
/// or give them on any one).
fn add_exercise_notes(workout: &mut NewWorkout, exercise: &str, notes: &str) {
    // Control characters (NUL among them) are dropped: notes never hold them.
    let notes: String = notes
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    let notes = notes.trim();
    if notes.is_empty() {
        return;
    }
    let line = format!("{exercise}: {notes}");
    if workout.notes.lines().any(|existing| existing == line) {
        return;
    }
    let separator = if workout.notes.is_empty() { "" } else { "\n" };
    let length = workout.notes.chars().count() + separator.len() + line.chars().count();
    if length <= FlatWorkout::NOTES_MAX_CHARS {
        workout.notes.push_str(separator);
        workout.notes.push_str(&line);
    }
}

/// Checks the text fields a file gave a workout against the form's rules:
/// the message says what is wrong.
pub fn check_text(title: &str, notes: &str, exercise: &str) -> Result<(), String> {
    if title.chars().count() > NewWorkout::TITLE_MAX_CHARS {
        return Err(format!(
            "The workout name is longer than {} characters",
            NewWorkout::TITLE_MAX_CHARS
        ));
    }
    if notes.chars().count() > FlatWorkout::NOTES_MAX_CHARS {
        return Err(format!(
            "The notes are longer than {} characters",
            FlatWorkout::NOTES_MAX_CHARS
        ));
    }
    let control = |text: &str, allowed: &[char]| {
        text.chars()
            .any(|c| c.is_control() && !allowed.contains(&c))
    };
    if control(title, &[]) || control(notes, &['\n', '\t']) || control(exercise, &[]) {
        return Err("The text holds control characters".to_owned());
    }
    crate::workouts::domain::Exercise::parse_name("exercise", exercise)
        .map(|_| ())
        .map_err(|err| err.to_string())
}

/// Notes as stored: trimmed, with plain line breaks.
pub fn clean_notes(raw: &str) -> String {
    raw.trim().replace("\r\n", "\n").replace('\r', "\n")
}

/// A date a workout may have: from 1900 to tomorrow (one day of slack for
/// time zones ahead of UTC).
pub fn check_date(date: Date, today: Date) -> Result<Date, String> {
    let latest = today.next_day().unwrap_or(today);
    if date < FlatWorkout::EARLIEST || date > latest {
        return Err(format!("The date {date} is before 1900 or in the future"));
    }
    Ok(date)
}
