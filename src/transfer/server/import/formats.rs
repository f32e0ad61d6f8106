//! The readers of each format the import knows, and how a file's first line
//! tells which one it is. Each reads a file row by row into [`SetRow`]s or
//! rejections; nothing here touches the database.

use std::collections::HashMap;

use time::{Date, Month};

use super::rows::{ImportedWorkout, SetRow, check_date, check_text, clean_notes, group};
use crate::error::AppError;
use crate::transfer::server::{csv_format, json_format};
use crate::transfer::{ImportFormat, RejectedRow};
use crate::workouts::domain::draft::parse_clock_time;
use crate::workouts::domain::{
    DistanceUnit, ExerciseType, FlatWorkout, LoggedSet, NewEntry, NewWorkout, RecordKind, Rpe,
    SetKind, SetValues, Units, WeightUnit, parse_iso_date,
};

/// The most data rows (sets) a file may hold.
pub const MAX_ROWS: u64 = 200_000;

/// A file read: its format, its workouts in file order, and every row left
/// out. `records_known`: the file says which sets set records (this app's
/// own formats), so they are kept rather than worked out again.
#[derive(Debug)]
pub struct ParsedFile {
    pub format: ImportFormat,
    pub workouts: Vec<ImportedWorkout>,
    pub rejected: Vec<RejectedRow>,
    pub records_known: bool,
}

/// What the reading needs besides the file: the unit of weights in files
/// that do not say (the form's `unit`, else the user's), and today's date.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    pub units: Units,
    pub today: Date,
}

/// Reads a whole file. A file whose format is not known, or that is not
/// text at all, is a 422 on `file`; more than [`MAX_ROWS`] rows is a 413.
pub fn read(bytes: &[u8], options: ReadOptions) -> Result<ParsedFile, AppError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    if bytes.get(start) == Some(&b'{') {
        return read_json(bytes, options);
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let first_line =
        std::str::from_utf8(first_line).map_err(|_| not_readable("is not UTF-8 text"))?;
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|_| not_readable("has no header row"))?
        .iter()
        .map(|name| name.trim().trim_matches('"').to_owned())
        .collect();
    let columns = Columns::new(&header);
    let (format, read_row): (ImportFormat, RowReader) = if header == csv_format::HEADER {
        (ImportFormat::WorkoutLogCsv, own_csv_row)
    } else if columns.has(&[
        "Date",
        "Workout Name",
        "Exercise Name",
        "Set Order",
        "Weight Unit",
    ]) {
        (ImportFormat::StrongSemicolon, strong_row)
    } else if columns.has(&[
        "Date",
        "Workout Name",
        "Exercise Name",
        "Set Order",
        "Weight",
    ]) {
        (ImportFormat::Strong, strong_row)
    } else if columns.has(&["title", "start_time", "exercise_title", "set_type"]) {
        (ImportFormat::Hevy, hevy_row)
    } else {
        return Err(not_readable(&format!(
            "is not an export this app reads (its first line is \"{}\")",
            first_line.chars().take(80).collect::<String>().trim()
        )));
    };
    let mut rows = Vec::new();
    let mut rejected = Vec::new();
    let mut count = 0u64;
    // Line numbers are counted here: the csv crate's count is one short
    // after CRLF line ends.
    let (mut counted_to, mut line) = (0usize, 1u64);
    for record in reader.byte_records() {
        let record = record.map_err(|err| not_readable(&format!("is not valid CSV: {err}")))?;
        count += 1;
        if count > MAX_ROWS {
            return Err(AppError::TooLarge);
        }
        let starts = record
            .position()
            .map_or(counted_to, |position| position.byte() as usize)
            .clamp(counted_to, bytes.len());
        // After a CRLF the crate starts the next record at its LF.
        let starts = starts
            + bytes[starts..]
                .iter()
                .take_while(|b| **b == b'\n' || **b == b'\r')
                .count();
        line += bytes[counted_to..starts]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        counted_to = starts;
        let fields: Result<Vec<&str>, _> = record.iter().map(std::str::from_utf8).collect();
        let outcome = match fields {
            Err(_) => Err("The row is not UTF-8 text".to_owned()),
            Ok(fields) if fields.len() != header.len() => Err(format!(
                "The row has {} fields; the header has {}",
                fields.len(),
                header.len()
            )),
            Ok(fields) => read_row(
                &Row {
                    fields,
                    columns: &columns,
                    line,
                },
                options,
            ),
        };
        match outcome {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => {}
            Err(reason) => rejected.push(RejectedRow { line, reason }),
        }
    }
    let workouts = group(rows, &mut rejected);
    Ok(ParsedFile {
        format,
        workouts,
        rejected,
        records_known: format == ImportFormat::WorkoutLogCsv,
    })
}

fn not_readable(what: &str) -> AppError {
    AppError::invalid("file", format!("The file {what}"))
}

/// Reads one row; `Ok(None)` for a row that holds nothing to import.
type RowReader = fn(&Row<'_>, ReadOptions) -> Result<Option<SetRow>, String>;

/// Where each named column is.
struct Columns {
    index: HashMap<String, usize>,
}

impl Columns {
    fn new(header: &[String]) -> Self {
        Self {
            index: header
                .iter()
                .enumerate()
                .map(|(i, name)| (name.clone(), i))
                .collect(),
        }
    }

    fn has(&self, names: &[&str]) -> bool {
        names.iter().all(|name| self.index.contains_key(*name))
    }
}

/// One row's fields, by column name.
struct Row<'a> {
    fields: Vec<&'a str>,
    columns: &'a Columns,
    line: u64,
}

impl Row<'_> {
    /// The trimmed field of `column`; empty when the file has no such column.
    fn get(&self, column: &str) -> &str {
        self.columns
            .index
            .get(column)
            .and_then(|i| self.fields.get(*i))
            .map_or("", |field| field.trim())
    }
}

/// A non-negative number as files write it (`102.5`, `102,5`); `None` when blank.
fn number(column: &str, raw: &str) -> Result<Option<f64>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let normal = if raw.contains('.') {
        raw.to_owned()
    } else {
        raw.replace(',', ".")
    };
    match normal.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(Some(value)),
        _ => Err(format!("{column}: \"{raw}\" is not a number of 0 or more")),
    }
}

/// A whole number (`5`, `5.0`) up to `max`; `None` when blank, or when 0
/// and `zero_is_blank` (other apps write 0 for "not given").
fn whole(column: &str, raw: &str, max: u32, zero_is_blank: bool) -> Result<Option<u32>, String> {
    let Some(value) = number(column, raw)? else {
        return Ok(None);
    };
    if value.fract() != 0.0 || value > f64::from(max) {
        return Err(format!(
            "{column}: \"{raw}\" is not a whole number up to {max}"
        ));
    }
    let value = value as u32;
    Ok((value > 0 || !zero_is_blank).then_some(value))
}

fn rpe(column: &str, raw: &str) -> Result<Option<Rpe>, String> {
    let Some(value) = number(column, raw)? else {
        return Ok(None);
    };
    if value == 0.0 {
        return Ok(None);
    }
    let halves = value * 2.0;
    if halves.fract() != 0.0 {
        return Err(format!(
            "{column}: RPE must be from 1 to 10 in steps of 0.5"
        ));
    }
    Rpe::from_halves(halves as u8)
        .filter(|_| halves <= 20.0)
        .map(Some)
        .ok_or_else(|| format!("{column}: RPE must be from 1 to 10 in steps of 0.5"))
}

fn weight(column: &str, raw: &str, unit: WeightUnit) -> Result<Option<u32>, String> {
    match number(column, raw)? {
        None => Ok(None),
        Some(0.0) => Ok(None),
        Some(value) => unit
            .grams_from_f64(value)
            .filter(|g| *g <= crate::workouts::domain::units::MAX_WEIGHT_G)
            .map(Some)
            .ok_or_else(|| format!("{column}: the weight must be at most 1000 kg")),
    }
}

/// A distance in `unit`, or in metres for `m`; 0 is blank.
fn distance(column: &str, raw: &str, unit: Option<DistanceUnit>) -> Result<Option<u32>, String> {
    match number(column, raw)? {
        None => Ok(None),
        Some(0.0) => Ok(None),
        Some(value) => {
            let metres = match unit {
                Some(unit) => unit.metres_from_f64(value),
                None => DistanceUnit::Km.metres_from_f64(value / 1000.0),
            };
            metres
                .map(Some)
                .ok_or_else(|| format!("{column}: the distance must be from 1 m to 1000 km"))
        }
    }
}

/// Checks a set read from a file and gives it back.
fn checked(set: SetValues) -> Result<Option<SetValues>, String> {
    set.check()?;
    Ok(Some(set))
}

// --- This app's CSV ---------------------------------------------------------

/// Turns a field's parse error into a row's reason, naming the column.
fn field_error(column: &'static str) -> impl Fn(AppError) -> String {
    move |err| format!("{column}: {err}")
}

fn own_csv_row(row: &Row<'_>, options: ReadOptions) -> Result<Option<SetRow>, String> {
    let date = parse_iso_date(row.get("date"))
        .ok_or_else(|| format!("date: \"{}\" is not a YYYY-MM-DD date", row.get("date")))
        .and_then(|date| check_date(date, options.today))?;
    let start_minute = match row.get("start_time") {
        "" => None,
        raw => Some(parse_clock_time(raw).map_err(field_error("start_time"))?),
    };
    let title = csv_format::restored(row.get("title")).to_owned();
    let notes = clean_notes(csv_format::restored(row.get("notes")));
    let exercise = csv_format::restored(row.get("exercise")).to_owned();
    check_text(&title, &notes, &exercise)?;
    let exercise_type = ExerciseType::from_name(row.get("exercise_type")).ok_or_else(|| {
        format!(
            "exercise_type: \"{}\" is not a type",
            row.get("exercise_type")
        )
    })?;
    let duration = whole("duration_minutes", row.get("duration_minutes"), 1440, false)?;
    if duration == Some(0) {
        return Err("duration_minutes: must be from 1 to 1440".to_owned());
    }
    let set = if row.get("set").is_empty() {
        None
    } else {
        let kind = SetKind::from_name(row.get("set_type"))
            .ok_or_else(|| format!("set_type: \"{}\" is not a set type", row.get("set_type")))?;
        let kg = WeightUnit::Kg;
        let km = DistanceUnit::Km;
        checked(SetValues {
            kind,
            reps: whole("reps", row.get("reps"), 1000, false)?.map(|r| r as u16),
            weight_g: kg
                .parse_grams("weight_kg", row.get("weight_kg"))
                .map_err(field_error("weight_kg"))?,
            rpe: Rpe::parse("rpe", row.get("rpe")).map_err(field_error("rpe"))?,
            duration_s: whole(
                "duration_seconds",
                row.get("duration_seconds"),
                86_400,
                false,
            )?,
            distance_m: km
                .parse_metres("distance_km", row.get("distance_km"))
                .map_err(field_error("distance_km"))?,
        })?
    };
    let record = match row.get("record") {
        "" => None,
        raw => Some(
            RecordKind::from_name(raw)
                .ok_or_else(|| format!("record: \"{raw}\" is not a record"))?,
        ),
    };
    Ok(Some(SetRow {
        line: row.line,
        workout_key: row.get("workout").to_owned(),
        date,
        start_minute,
        title,
        duration_minutes: duration.map(|m| m as u16),
        notes,
        entry_key: row.get("entry").to_owned(),
        exercise,
        exercise_type: Some(exercise_type),
        exercise_notes: String::new(),
        set,
        record,
    }))
}

// --- Strong -----------------------------------------------------------------

fn strong_row(row: &Row<'_>, options: ReadOptions) -> Result<Option<SetRow>, String> {
    let (date, start_minute) = parse_strong_time(row.get("Date"))
        .ok_or_else(|| format!("Date: \"{}\" is not a date and time", row.get("Date")))?;
    let date = check_date(date, options.today)?;
    let title = row.get("Workout Name").to_owned();
    let exercise = row.get("Exercise Name").to_owned();
    let notes = clean_notes(row.get("Workout Notes"));
    check_text(&title, &notes, &exercise)?;
    let kind = match row.get("Set Order") {
        order if !order.is_empty() && order.bytes().all(|b| b.is_ascii_digit()) => SetKind::Normal,
        order => SetKind::from_name(order)
            .filter(|_| order.len() == 1)
            .ok_or_else(|| format!("Set Order: \"{order}\" is not a set"))?,
    };
    // The older export says each row's units; the newer one writes the
    // exporting user's units, which the form's `unit` and `distance_unit`
    // (or the user's own) stand for.
    let (weight_unit, distance_unit) = match row.columns.has(&["Weight Unit"]) {
        true => (
            match row.get("Weight Unit") {
                "" => options.units.weight,
                raw => WeightUnit::parse("Weight Unit", raw)
                    .map_err(|err| format!("Weight Unit: {err}"))?,
            },
            match row.get("Distance Unit").to_ascii_lowercase().as_str() {
                "" => Some(options.units.distance),
                "m" | "meters" | "metres" => None,
                raw => Some(
                    DistanceUnit::parse("Distance Unit", raw)
                        .map_err(|err| format!("Distance Unit: {err}"))?,
                ),
            },
        ),
        false => (options.units.weight, Some(options.units.distance)),
    };
    let duration_column = if row.columns.has(&["Duration"]) {
        "Duration"
    } else {
        "Workout Duration"
    };
    let set = checked(SetValues {
        kind,
        reps: whole("Reps", row.get("Reps"), 1000, true)?.map(|r| r as u16),
        weight_g: weight("Weight", row.get("Weight"), weight_unit)?,
        rpe: rpe("RPE", row.get("RPE"))?,
        duration_s: whole("Seconds", row.get("Seconds"), 86_400, true)?,
        distance_m: distance("Distance", row.get("Distance"), distance_unit)?,
    })?;
    Ok(Some(SetRow {
        line: row.line,
        workout_key: format!("{}\u{1}{}", row.get("Date"), title),
        date,
        start_minute: Some(start_minute),
        title,
        duration_minutes: parse_strong_duration(row.get(duration_column)),
        notes,
        entry_key: exercise.clone(),
        exercise,
        exercise_type: None,
        exercise_notes: clean_notes(row.get("Notes")),
        set,
        record: None,
    }))
}

/// `2019-01-11 12:31:54` (24-hour) or `2025-01-06 6:04:11 PM` (12-hour; the
/// space before AM/PM may be a narrow or plain no-break space), to the
/// minute.
pub fn parse_strong_time(raw: &str) -> Option<(Date, u16)> {
    let normal = raw.replace(['\u{202F}', '\u{00A0}'], " ");
    let (date, time) = normal.trim().split_once(' ')?;
    let date = parse_iso_date(date)?;
    let time = time.trim().to_ascii_uppercase();
    let (clock, half) = match time.strip_suffix("AM").or_else(|| time.strip_suffix("PM")) {
        Some(clock) => (clock.trim(), Some(time.ends_with("PM"))),
        None => (time.as_str(), None),
    };
    let mut parts = clock.split(':');
    let hour: u16 = parts.next()?.parse().ok()?;
    let minute: u16 = parts.next()?.parse().ok()?;
    if parts
        .next()
        .is_some_and(|seconds| seconds.parse::<u16>().map_or(true, |s| s > 59))
        || minute > 59
    {
        return None;
    }
    let hour = match half {
        None if hour < 24 => hour,
        Some(pm) if (1..=12).contains(&hour) => hour % 12 + if pm { 12 } else { 0 },
        _ => return None,
    };
    Some((date, hour * 60 + minute))
}

/// `1h 5m`, `45m`, `1h`, `50s` (rounded to the minute), or plain seconds,
/// as minutes from 1 to a day; `None` for anything else or nothing.
pub fn parse_strong_duration(raw: &str) -> Option<u16> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let seconds: u64 = if raw.bytes().all(|b| b.is_ascii_digit()) {
        raw.parse().ok()?
    } else {
        let mut total = 0u64;
        for part in raw.split_whitespace() {
            let (number, unit) = part.split_at(part.find(|c: char| !c.is_ascii_digit())?);
            let number: u64 = number.parse().ok()?;
            let scale = match unit {
                "h" => 3600,
                "m" | "min" => 60,
                "s" => 1,
                _ => return None,
            };
            total = total.checked_add(number.checked_mul(scale)?)?;
        }
        total
    };
    let minutes = seconds.saturating_add(30) / 60;
    (1..=u64::from(FlatWorkout::MAX_MINUTES))
        .contains(&minutes)
        .then_some(minutes as u16)
}

// --- Hevy -------------------------------------------------------------------

fn hevy_row(row: &Row<'_>, options: ReadOptions) -> Result<Option<SetRow>, String> {
    let (date, start_minute) = parse_hevy_time(row.get("start_time")).ok_or_else(|| {
        format!(
            "start_time: \"{}\" is not a date and time",
            row.get("start_time")
        )
    })?;
    let date = check_date(date, options.today)?;
    let title = row.get("title").to_owned();
    let exercise = row.get("exercise_title").to_owned();
    let notes = clean_notes(row.get("description"));
    check_text(&title, &notes, &exercise)?;
    let kind = SetKind::from_name(row.get("set_type"))
        .ok_or_else(|| format!("set_type: \"{}\" is not a set type", row.get("set_type")))?;
    let (weight_column, weight_unit) = if row.columns.has(&["weight_lbs"]) {
        ("weight_lbs", WeightUnit::Lb)
    } else {
        ("weight_kg", WeightUnit::Kg)
    };
    let (distance_column, distance_unit) = if row.columns.has(&["distance_miles"]) {
        ("distance_miles", DistanceUnit::Mi)
    } else {
        ("distance_km", DistanceUnit::Km)
    };
    let duration_minutes = parse_hevy_time(row.get("end_time")).and_then(|(end_date, end)| {
        let minutes = (end_date - date).whole_minutes() + i64::from(end) - i64::from(start_minute);
        u16::try_from(minutes)
            .ok()
            .filter(|m| (1..=FlatWorkout::MAX_MINUTES).contains(m))
    });
    let set = checked(SetValues {
        kind,
        reps: whole("reps", row.get("reps"), 1000, true)?.map(|r| r as u16),
        weight_g: weight(weight_column, row.get(weight_column), weight_unit)?,
        rpe: rpe("rpe", row.get("rpe"))?,
        duration_s: whole(
            "duration_seconds",
            row.get("duration_seconds"),
            86_400,
            true,
        )?,
        distance_m: distance(
            distance_column,
            row.get(distance_column),
            Some(distance_unit),
        )?,
    })?;
    Ok(Some(SetRow {
        line: row.line,
        workout_key: format!("{}\u{1}{}", row.get("start_time"), title),
        date,
        start_minute: Some(start_minute),
        title,
        duration_minutes,
        notes,
        entry_key: exercise.clone(),
        exercise,
        exercise_type: None,
        exercise_notes: clean_notes(row.get("exercise_notes")),
        set,
        record: None,
    }))
}

/// `26 Jul 2025, 07:06` (what Hevy writes), to the minute.
pub fn parse_hevy_time(raw: &str) -> Option<(Date, u16)> {
    let (date, time) = raw.trim().split_once(',')?;
    let mut parts = date.split_whitespace();
    let day: u8 = parts.next()?.parse().ok()?;
    let month = parts.next()?.get(..3)?.to_ascii_lowercase();
    let year: i32 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u8 + 1;
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let minute = parse_clock_time(time.trim()).ok()?;
    Some((date, minute))
}

// --- This app's JSON ----------------------------------------------------------

#[derive(serde::Deserialize)]
struct JsonFile {
    format: String,
    #[serde(default)]
    workouts: Vec<serde_json::Value>,
}

fn read_json(bytes: &[u8], options: ReadOptions) -> Result<ParsedFile, AppError> {
    let file: JsonFile = serde_json::from_slice(bytes)
        .map_err(|err| not_readable(&format!("is not JSON this app reads: {err}")))?;
    if file.format != json_format::FORMAT {
        return Err(not_readable(&format!(
            "is JSON of another format (\"{}\")",
            file.format.chars().take(40).collect::<String>()
        )));
    }
    // Every workout counts as a row, and so does each of its entries and
    // sets, refused or not: what a file holds is bounded before any work.
    let rows: u64 = file
        .workouts
        .iter()
        .map(|workout| 1 + json_rows(workout))
        .sum();
    if rows > MAX_ROWS {
        return Err(AppError::TooLarge);
    }
    let mut workouts = Vec::new();
    let mut rejected = Vec::new();
    for (index, value) in file.workouts.into_iter().enumerate() {
        let line = index as u64 + 1;
        let outcome = serde_json::from_value::<json_format::FileWorkout>(value)
            .map_err(|err| err.to_string())
            .and_then(|workout| json_workout(workout, options));
        match outcome {
            Ok(imported) => workouts.push(imported),
            Err(reason) => rejected.push(RejectedRow {
                line,
                reason: format!("Workout {line}: {reason}"),
            }),
        }
    }
    Ok(ParsedFile {
        format: ImportFormat::WorkoutLogJson,
        workouts,
        rejected,
        records_known: true,
    })
}

/// A workout's entries and their sets, as a JSON file holds them (any shape).
fn json_rows(workout: &serde_json::Value) -> u64 {
    let Some(entries) = workout.get("entries").and_then(serde_json::Value::as_array) else {
        return 0;
    };
    entries
        .iter()
        .map(|entry| {
            1 + entry
                .get("sets")
                .and_then(serde_json::Value::as_array)
                .map_or(0, |sets| sets.len() as u64)
        })
        .sum()
}

fn json_workout(
    file: json_format::FileWorkout,
    options: ReadOptions,
) -> Result<ImportedWorkout, String> {
    let date = parse_iso_date(&file.date)
        .ok_or_else(|| format!("date: \"{}\" is not a YYYY-MM-DD date", file.date))
        .and_then(|date| check_date(date, options.today))?;
    let start_minute = file
        .start_time
        .as_deref()
        .map(parse_clock_time)
        .transpose()
        .map_err(|err| format!("start_time: {err}"))?;
    if file
        .duration_minutes
        .is_some_and(|m| !(1..=FlatWorkout::MAX_MINUTES).contains(&m))
    {
        return Err("duration_minutes: must be from 1 to 1440".to_owned());
    }
    if file.entries.is_empty() || file.entries.len() > NewWorkout::MAX_ENTRIES {
        return Err(format!(
            "a workout holds 1 to {} exercises",
            NewWorkout::MAX_ENTRIES
        ));
    }
    let notes = clean_notes(&file.notes);
    let mut entries = Vec::new();
    let mut records = Vec::new();
    for entry in file.entries {
        check_text(&file.title, &notes, &entry.exercise)?;
        if entry.sets.len() > NewWorkout::MAX_SETS_PER_ENTRY {
            return Err(format!(
                "an exercise holds at most {} sets in a workout",
                NewWorkout::MAX_SETS_PER_ENTRY
            ));
        }
        for set in &entry.sets {
            set.values.check()?;
        }
        records.push(
            entry
                .sets
                .iter()
                .map(|set: &LoggedSet| set.record)
                .collect(),
        );
        entries.push(NewEntry {
            exercise: entry.exercise.trim().to_owned(),
            exercise_type: Some(entry.exercise_type),
            sets: entry.sets.into_iter().map(|set| set.values).collect(),
        });
    }
    let workout = NewWorkout {
        date,
        start_minute,
        title: file.title.trim().to_owned(),
        duration_minutes: file.duration_minutes,
        notes,
        entries,
    };
    if workout.set_count() > NewWorkout::MAX_SETS {
        return Err(format!(
            "a workout holds at most {} sets",
            NewWorkout::MAX_SETS
        ));
    }
    Ok(ImportedWorkout { workout, records })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn strong_times_in_either_clock() {
        assert_eq!(
            parse_strong_time("2019-01-11 12:31:54"),
            Some((date!(2019 - 01 - 11), 751))
        );
        assert_eq!(
            parse_strong_time("2025-01-06 6:04:11 PM"),
            Some((date!(2025 - 01 - 06), 1084))
        );
        assert_eq!(
            parse_strong_time("2025-01-06 12:04:11\u{202F}AM"),
            Some((date!(2025 - 01 - 06), 4))
        );
        assert_eq!(
            parse_strong_time("2025-01-06 12:00:00\u{00A0}pm"),
            Some((date!(2025 - 01 - 06), 720))
        );
        for bad in [
            "2025-01-06",
            "2025-01-06 13:00:00 PM",
            "2025-01-06 24:00:00",
            "06/01/2025 10:00",
            "2025-01-06 10:61",
        ] {
            assert_eq!(parse_strong_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn strong_durations() {
        assert_eq!(parse_strong_duration("1h 5m"), Some(65));
        assert_eq!(parse_strong_duration("45m"), Some(45));
        assert_eq!(parse_strong_duration("2h"), Some(120));
        assert_eq!(parse_strong_duration("3900"), Some(65));
        assert_eq!(parse_strong_duration("10s"), None, "under a minute");
        assert_eq!(parse_strong_duration(""), None);
        assert_eq!(parse_strong_duration("soon"), None);
        assert_eq!(
            parse_strong_duration("18446744073709551615h"),
            None,
            "no overflow"
        );
        assert_eq!(parse_strong_duration("18446744073709551615"), None);
    }

    #[test]
    fn hevy_times() {
        assert_eq!(
            parse_hevy_time("26 Jul 2025, 07:06"),
            Some((date!(2025 - 07 - 26), 426))
        );
        assert_eq!(
            parse_hevy_time("1 September 2024, 18:30"),
            Some((date!(2024 - 09 - 01), 1110))
        );
        assert_eq!(parse_hevy_time("31 Feb 2025, 07:06"), None);
        assert_eq!(parse_hevy_time("2025-07-26 07:06"), None);
    }

    #[test]
    fn numbers_as_files_write_them() {
        assert_eq!(number("w", "102,5"), Ok(Some(102.5)));
        assert_eq!(
            number("w", "1,000.5"),
            Err("w: \"1,000.5\" is not a number of 0 or more".into())
        );
        assert_eq!(whole("r", "5.0", 1000, true), Ok(Some(5)));
        assert_eq!(whole("r", "0", 1000, true), Ok(None));
        assert!(whole("r", "5.5", 1000, true).is_err());
        assert_eq!(rpe("rpe", "8.5").unwrap().unwrap().halves(), 17);
        assert!(rpe("rpe", "7.3").is_err());
        assert!(rpe("rpe", "11").is_err());
    }

    mod round_trip {
        use proptest::prelude::*;

        use super::*;
        use crate::transfer::server::{csv_format, json_format};
        use crate::workouts::domain::{Entry, Exercise, Workout, WorkoutHeader};

        const TODAY: Date = date!(2026 - 11 - 23);

        fn text(max: usize) -> impl Strategy<Value = String> {
            let body = proptest::string::string_regex(&format!("[^\\p{{Cc}}]{{0,{max}}}")).unwrap();
            let starts = vec!["", "=", "+", "-", "@", "'", "'=", "\"", ","];
            (proptest::sample::select(starts), body).prop_map(move |(start, body)| {
                let text: String = format!("{start}{body}").trim().chars().take(max).collect();
                text.trim().to_owned()
            })
        }

        fn set() -> impl Strategy<Value = LoggedSet> {
            let records = vec![
                None,
                Some(RecordKind::E1rm),
                Some(RecordKind::Weight),
                Some(RecordKind::Reps),
                Some(RecordKind::Distance),
                Some(RecordKind::Pace),
            ];
            (
                proptest::sample::select(SetKind::ALL.to_vec()),
                proptest::option::of(0..=1000u16),
                proptest::option::of(0..=1_000_000u32),
                proptest::option::of((2..=20u8).prop_map(|h| Rpe::from_halves(h).unwrap())),
                proptest::option::of(1..=86_400u32),
                proptest::option::of(1..=1_000_000u32),
                proptest::sample::select(records),
            )
                .prop_map(
                    |(kind, reps, weight_g, rpe, duration_s, distance_m, record)| LoggedSet {
                        values: SetValues {
                            kind,
                            reps,
                            weight_g,
                            rpe,
                            duration_s,
                            distance_m,
                        },
                        record,
                    },
                )
        }

        fn entry() -> impl Strategy<Value = Entry> {
            (
                text(60).prop_filter("a name", |name| !name.is_empty()),
                proptest::sample::select(ExerciseType::ALL.to_vec()),
                proptest::collection::vec(set(), 0..5),
            )
                .prop_map(|(name, exercise_type, sets)| Entry {
                    exercise: Exercise {
                        id: 0,
                        name,
                        exercise_type,
                        own: true,
                    },
                    sets,
                })
        }

        fn workout() -> impl Strategy<Value = Workout> {
            (
                0..=(TODAY - FlatWorkout::EARLIEST).whole_days(),
                proptest::option::of(0..1440u16),
                text(80),
                proptest::option::of(1..=1440u16),
                proptest::collection::vec(text(200), 0..3),
                proptest::collection::vec(entry(), 1..4),
            )
                .prop_map(
                    |(back, start_minute, title, duration_minutes, lines, entries)| {
                        let header = WorkoutHeader {
                            id: 0,
                            date: TODAY - time::Duration::days(back),
                            start_minute,
                            title,
                            duration_minutes,
                            notes: lines.join("\n").trim().to_owned(),
                        };
                        Workout::new(header, entries)
                    },
                )
        }

        fn as_csv(workouts: &[Workout]) -> Vec<u8> {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(csv_format::HEADER).unwrap();
            for (index, workout) in workouts.iter().enumerate() {
                for row in csv_format::workout_rows(index as u64 + 1, workout) {
                    writer.write_record(&row).unwrap();
                }
            }
            writer.into_inner().unwrap()
        }

        fn as_json(workouts: &[Workout]) -> Vec<u8> {
            let items: Vec<String> = workouts
                .iter()
                .map(|w| serde_json::to_string(&json_format::FileWorkout::of(w)).unwrap())
                .collect();
            format!(
                "{}{}{}",
                json_format::opening(),
                items.join(","),
                json_format::CLOSING
            )
            .into_bytes()
        }

        /// The workouts a file read back stands for, as the export writes them.
        fn as_workouts(parsed: &ParsedFile) -> Vec<Workout> {
            parsed
                .workouts
                .iter()
                .map(|imported| {
                    let w = &imported.workout;
                    let header = WorkoutHeader {
                        id: 0,
                        date: w.date,
                        start_minute: w.start_minute,
                        title: w.title.clone(),
                        duration_minutes: w.duration_minutes,
                        notes: w.notes.clone(),
                    };
                    let entries = w
                        .entries
                        .iter()
                        .zip(&imported.records)
                        .map(|(entry, records)| Entry {
                            exercise: Exercise {
                                id: 0,
                                name: entry.exercise.clone(),
                                exercise_type: entry.exercise_type.unwrap(),
                                own: true,
                            },
                            sets: entry
                                .sets
                                .iter()
                                .zip(records)
                                .map(|(values, record)| LoggedSet {
                                    values: *values,
                                    record: *record,
                                })
                                .collect(),
                        })
                        .collect();
                    Workout::new(header, entries)
                })
                .collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// Export, import, export: the same file, in either format.
            #[test]
            fn export_import_export_is_identical(workouts in proptest::collection::vec(workout(), 0..6)) {
                let options = ReadOptions { units: Units::default(), today: TODAY };
                for (write, format) in [
                    (as_csv as fn(&[Workout]) -> Vec<u8>, ImportFormat::WorkoutLogCsv),
                    (as_json, ImportFormat::WorkoutLogJson),
                ] {
                    let file = write(&workouts);
                    let parsed = read(&file, options).unwrap();
                    prop_assert_eq!(parsed.format, format);
                    prop_assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
                    prop_assert!(parsed.records_known);
                    let again = write(&as_workouts(&parsed));
                    prop_assert_eq!(String::from_utf8(again).unwrap(), String::from_utf8(file).unwrap());
                }
            }
        }
    }
}
