//! The logging form: a whole workout, exercise by exercise and set by set,
//! in the user's units. One form logs a new workout and edits a stored one.
//!
//! Each box is a signal, so "Add set" can copy the set before it and a row
//! can be added or removed without losing what was typed. Field names are
//! indexed (`entries[0][sets][1][weight]`), which the server reads as a
//! list; with JavaScript off the form is a plain post of the rows it was
//! rendered with (blank rows are skipped by the server).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use leptos::prelude::*;

use super::SaveWorkout;
use super::domain::draft::{format_clock_time, format_duration};
use super::domain::{
    Exercise, ExerciseType, FlatWorkout, NewWorkout, SetKind, SetValues, Units, Workout,
    format_iso_date,
};
use crate::ui::{FormError, SubmitButton, action_error};

/// How many exercises and sets a blank form offers before any is added (all
/// a form without JavaScript can hold).
const BLANK_ENTRIES: usize = 2;
const BLANK_SETS: usize = 3;

/// Keys for rows, unique within the page (a row keeps its key when others
/// are added or removed around it).
fn next_key() -> u64 {
    static KEY: AtomicU64 = AtomicU64::new(1);
    KEY.fetch_add(1, Ordering::Relaxed)
}

/// One set's boxes, as typed. Each input renders its value twice: as the
/// `value` attribute, which the server's HTML carries (a form without
/// JavaScript posts it), and as the `value` property, which follows the
/// signal in the browser.
#[derive(Clone)]
struct SetBoxes {
    key: u64,
    kind: RwSignal<String>,
    reps: RwSignal<String>,
    weight: RwSignal<String>,
    rpe: RwSignal<String>,
    duration: RwSignal<String>,
    distance: RwSignal<String>,
    /// A stored weight as the box first showed it, with its exact grams:
    /// posted beside the box, so a weight left as shown is kept to the gram
    /// (102.5 kg shows as 225.97 lb, which would read back as 102,498 g).
    weight_was: Option<(String, u32)>,
    /// The same for a stored distance, in metres.
    distance_was: Option<(String, u32)>,
}

impl SetBoxes {
    fn blank() -> Self {
        Self::of(&SetValues::default(), Units::default())
    }

    /// The boxes of a stored set, in `units`.
    fn of(set: &SetValues, units: Units) -> Self {
        let text = |value: Option<String>| RwSignal::new(value.unwrap_or_default());
        let weight_was = set.weight_g.map(|g| (units.weight.format_grams(g), g));
        let distance_was = set.distance_m.map(|m| (units.distance.format_metres(m), m));
        Self {
            key: next_key(),
            kind: RwSignal::new(set.kind.as_str().to_owned()),
            reps: text(set.reps.map(|r| r.to_string())),
            weight: text(weight_was.as_ref().map(|(shown, _)| shown.clone())),
            rpe: text(set.rpe.map(|rpe| rpe.to_string())),
            duration: text(set.duration_s.map(format_duration)),
            distance: text(distance_was.as_ref().map(|(shown, _)| shown.clone())),
            weight_was,
            distance_was,
        }
    }

    /// A new set with the same values ("Add set" repeats the last one).
    fn copy(&self) -> Self {
        let copy = |signal: RwSignal<String>| RwSignal::new(signal.get_untracked());
        Self {
            key: next_key(),
            kind: copy(self.kind),
            reps: copy(self.reps),
            weight: copy(self.weight),
            rpe: copy(self.rpe),
            duration: copy(self.duration),
            distance: copy(self.distance),
            weight_was: self.weight_was.clone(),
            distance_was: self.distance_was.clone(),
        }
    }
}

/// One exercise's boxes.
#[derive(Clone, Copy)]
struct EntryBoxes {
    key: u64,
    exercise: RwSignal<String>,
    sets: RwSignal<Vec<SetBoxes>>,
}

impl EntryBoxes {
    fn blank() -> Self {
        Self {
            key: next_key(),
            exercise: RwSignal::new(String::new()),
            sets: RwSignal::new((0..BLANK_SETS).map(|_| SetBoxes::blank()).collect()),
        }
    }
}

/// What the form starts with: a stored workout (to edit, or to repeat on
/// `date`), or nothing but the date.
#[derive(Clone)]
pub struct EditorStart {
    pub id: Option<i64>,
    pub date: time::Date,
    pub workout: Option<Workout>,
}

fn boxes_of(start: &EditorStart, units: Units) -> Vec<EntryBoxes> {
    match &start.workout {
        Some(workout) if !workout.entries.is_empty() => workout
            .entries
            .iter()
            .map(|entry| EntryBoxes {
                key: next_key(),
                exercise: RwSignal::new(entry.exercise.name.clone()),
                sets: RwSignal::new(
                    entry
                        .sets
                        .iter()
                        .map(|set| SetBoxes::of(&set.values, units))
                        .collect(),
                ),
            })
            .collect(),
        _ => (0..BLANK_ENTRIES).map(|_| EntryBoxes::blank()).collect(),
    }
}

/// The logging form. `on_saved` runs after a successful save (the page
/// refetches; a new workout's form is emptied for the next one).
#[component]
pub fn WorkoutEditor(
    action: ServerAction<SaveWorkout>,
    start: EditorStart,
    units: Units,
    catalogue: Arc<[Exercise]>,
    /// The latest day a workout may have (tomorrow, for time zones ahead).
    latest: time::Date,
    /// Where "Cancel" goes, when editing.
    #[prop(optional)]
    cancel: Option<String>,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    let workout = start.workout.as_ref();
    let text = |value: Option<String>| value.unwrap_or_default();
    let start_time = text(workout.and_then(|w| w.start_time).map(format_clock_time));
    let title = text(workout.map(|w| w.title.clone()));
    let minutes = text(
        workout
            .and_then(|w| w.duration_minutes)
            .map(|m| m.to_string()),
    );
    let notes = text(workout.map(|w| w.notes.clone()));
    let (id, date) = (start.id, start.date);
    // One list of names per form: the add form and a row's edit form can be
    // on the page together.
    let list_id = match id {
        Some(id) => format!("exercise-names-{id}"),
        None => "exercise-names-new".to_owned(),
    };
    let entries = RwSignal::new(boxes_of(&start, units));
    let is_new = start.id.is_none();
    let form = NodeRef::<leptos::html::Form>::new();
    // After a new workout is saved, the form starts over for the next one:
    // blank rows, and every other box back to what the page gave it.
    // Only a save made with this form counts: the action outlives it (a
    // repeated workout starts a new form after an earlier save).
    let created_at = action.version().get_untracked();
    Effect::new(move || {
        let saved_here = action.version().get() > created_at;
        if is_new && saved_here && matches!(action.value().get_untracked(), Some(Ok(_))) {
            entries.set((0..BLANK_ENTRIES).map(|_| EntryBoxes::blank()).collect());
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
        }
    });
    let add_exercise = move |_| entries.update(|entries| entries.push(EntryBoxes::blank()));
    let catalogue_for_rows = catalogue.clone();
    let list_for_rows = list_id.clone();
    view! {
        <ActionForm action node_ref=form attr:class="workout-form" attr:data-testid=testid>
            {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            <input type="hidden" name="weight_unit" value=units.weight.as_str() />
            <input type="hidden" name="distance_unit" value=units.distance.as_str() />
            <div class="fields">
                <label>"Date"
                    <input type="date" name="date" required value=format_iso_date(date)
                        max=format_iso_date(latest) min=format_iso_date(FlatWorkout::EARLIEST) />
                </label>
                <label>"Start"
                    <input type="time" name="start_time" value=start_time />
                </label>
                <label>"Title"
                    <input type="text" name="title" maxlength=NewWorkout::TITLE_MAX_CHARS placeholder="Lower A"
                        value=title />
                </label>
                <label>"Minutes"
                    <input type="number" inputmode="numeric" name="duration_minutes" min="1" max=FlatWorkout::MAX_MINUTES step="1"
                        value=minutes />
                </label>
            </div>
            <ol class="entries">
                <For
                    each=move || entries.get().into_iter().enumerate()
                    key=|(index, entry)| (entry.key, *index)
                    children=move |(index, entry)| view! {
                        <EntryFields index entry entries units catalogue=catalogue_for_rows.clone()
                            list_id=list_for_rows.clone() />
                    }
                />
            </ol>
            <button type="button" class="secondary" on:click=add_exercise>"Add exercise"</button>
            <label class="notes">"Notes"
                <textarea name="notes" maxlength=FlatWorkout::NOTES_MAX_CHARS rows="2">
                    {notes}
                </textarea>
            </label>
            <datalist id=list_id.clone()>
                {catalogue.iter().map(|e| view! { <option value=e.name.clone()></option> }).collect_view()}
            </datalist>
            <FormError error=action_error(action) />
            <div class="form-actions">
                <SubmitButton pending=action.pending() label="Save workout" busy="Saving…" />
                {cancel.map(|href| view! { <a href=href data-noscroll="">"Cancel"</a> })}
            </div>
        </ActionForm>
    }
}

/// Which boxes a set of this exercise shows: an exercise the catalogue
/// does not know yet shows them all.
fn shows(exercise_type: Option<ExerciseType>) -> [bool; 4] {
    // [reps and weight, RPE and set type, time, distance]
    match exercise_type {
        Some(ExerciseType::WeightReps | ExerciseType::BodyweightReps) => [true, true, false, false],
        Some(ExerciseType::Duration) => [false, false, true, false],
        Some(ExerciseType::DistanceDuration) => [false, false, true, true],
        None => [true, true, true, true],
    }
}

#[component]
fn EntryFields(
    index: usize,
    entry: EntryBoxes,
    entries: RwSignal<Vec<EntryBoxes>>,
    units: Units,
    catalogue: Arc<[Exercise]>,
    /// The id of the form's list of exercise names.
    list_id: String,
) -> impl IntoView {
    let prefix = format!("entries[{index}]");
    let exercise_type = Memo::new(move |_| {
        let name = Exercise::name_key(&entry.exercise.get());
        catalogue
            .iter()
            .find(|e| Exercise::name_key(&e.name) == name)
            .map(|e| e.exercise_type)
    });
    let add_set = move |_| {
        entry.sets.update(|sets| {
            let next = sets.last().map_or_else(SetBoxes::blank, SetBoxes::copy);
            sets.push(next);
        })
    };
    let remove = move |_| entries.update(|entries| entries.retain(|e| e.key != entry.key));
    let number = index + 1;
    let sets_prefix = prefix.clone();
    view! {
        <li class="entry" data-testid="entry">
            <div class="entry-head">
                <label>{format!("Exercise {number}")}
                    <input type="text" name=format!("{prefix}[exercise]") list=list_id
                        maxlength=Exercise::NAME_MAX_CHARS placeholder="Squat, Run, …" autocomplete="off"
                        value=entry.exercise.get_untracked()
                        prop:value=move || entry.exercise.get()
                        on:input=move |ev| entry.exercise.set(event_target_value(&ev)) />
                </label>
                <button type="button" class="icon" aria-label=format!("Remove exercise {number}") on:click=remove>"✕"</button>
            </div>
            <ol class="sets">
                <For
                    each=move || entry.sets.get().into_iter().enumerate()
                    key=|(set_index, set)| (set.key, *set_index)
                    children=move |(set_index, set)| {
                        let name = format!("{sets_prefix}[sets][{set_index}]");
                        view! { <SetFields name set_number=set_index + 1 set sets=entry.sets units exercise_type /> }
                    }
                />
            </ol>
            <button type="button" class="secondary" on:click=add_set>"Add set"</button>
        </li>
    }
}

#[component]
fn SetFields(
    /// The set's field path, such as `entries[0][sets][2]`.
    name: String,
    set_number: usize,
    set: SetBoxes,
    sets: RwSignal<Vec<SetBoxes>>,
    units: Units,
    exercise_type: Memo<Option<ExerciseType>>,
) -> impl IntoView {
    let SetBoxes {
        key,
        kind,
        reps,
        weight,
        rpe,
        duration,
        distance,
        weight_was,
        distance_was,
    } = set;
    // A box that holds a value always shows: a hidden box is not posted, and
    // an edit would drop what it held.
    let holds = move |which: usize| {
        let filled = |signal: RwSignal<String>| signal.with(|v| !v.trim().is_empty());
        match which {
            0 => filled(reps) || filled(weight),
            1 => filled(rpe) || kind.with(|kind| kind != SetKind::Normal.as_str()),
            2 => filled(duration),
            _ => filled(distance),
        }
    };
    let show = move |which: usize| exercise_type.with(|t| shows(*t)[which]) || holds(which);
    let remove = move |_| sets.update(|sets| sets.retain(|s| s.key != key));
    let kept = |was: &Option<(String, u32)>, part: &str| {
        was.as_ref().map(|(shown, canonical)| {
            view! {
                <input type="hidden" name=format!("{name}[{part}_shown]") value=shown.clone() />
                <input type="hidden" name=format!("{name}[{part}_stored]") value=*canonical />
            }
        })
    };
    let kept_weight = kept(&weight_was, "weight");
    let kept_distance = kept(&distance_was, "distance");
    let label = |what: &str| format!("Set {set_number} {what}");
    let names = SetNames {
        reps: format!("{name}[reps]"),
        weight: format!("{name}[weight]"),
        rpe: format!("{name}[rpe]"),
        kind: format!("{name}[kind]"),
        duration: format!("{name}[duration]"),
        distance: format!("{name}[distance]"),
    };
    let labels = SetNames {
        reps: label("reps"),
        weight: label(&format!("weight ({})", units.weight.as_str())),
        rpe: label("RPE"),
        kind: label("type"),
        duration: label("time"),
        distance: label(&format!("distance ({})", units.distance.as_str())),
    };
    let (names, labels) = (Arc::new(names), Arc::new(labels));
    let lifting = {
        let (names, labels) = (names.clone(), labels.clone());
        move || {
            view! {
                <input type="number" inputmode="numeric" name=names.reps.clone() min="0" max="1000" step="1"
                    placeholder="reps" aria-label=labels.reps.clone()
                    value=reps.get_untracked() prop:value=move || reps.get() on:input=move |ev| reps.set(event_target_value(&ev)) />
                <input type="number" inputmode="decimal" name=names.weight.clone() min="0" step="any"
                    placeholder=units.weight.as_str() aria-label=labels.weight.clone()
                    value=weight.get_untracked() prop:value=move || weight.get() on:input=move |ev| weight.set(event_target_value(&ev)) />
            }
        }
    };
    let effort = {
        let (names, labels) = (names.clone(), labels.clone());
        move || {
            view! {
                <input type="number" inputmode="decimal" name=names.rpe.clone() min="1" max="10" step="0.5"
                    placeholder="RPE" aria-label=labels.rpe.clone()
                    value=rpe.get_untracked() prop:value=move || rpe.get() on:input=move |ev| rpe.set(event_target_value(&ev)) />
                <select name=names.kind.clone() aria-label=labels.kind.clone()
                    on:change=move |ev| kind.set(event_target_value(&ev))>
                    {SetKind::ALL.map(|option| view! {
                        <option value=option.as_str() selected=move || kind.get() == option.as_str()>{option.label()}</option>
                    })}
                </select>
            }
        }
    };
    let time = {
        let (names, labels) = (names.clone(), labels.clone());
        move || {
            view! {
                <input type="text" inputmode="numeric" name=names.duration.clone() placeholder="mm:ss"
                    aria-label=labels.duration.clone()
                    value=duration.get_untracked() prop:value=move || duration.get() on:input=move |ev| duration.set(event_target_value(&ev)) />
            }
        }
    };
    let distance = move || {
        view! {
            <input type="number" inputmode="decimal" name=names.distance.clone() min="0" step="any"
                placeholder=units.distance.as_str() aria-label=labels.distance.clone()
                value=distance.get_untracked() prop:value=move || distance.get() on:input=move |ev| distance.set(event_target_value(&ev)) />
        }
    };
    let remove_label = label("remove");
    view! {
        <li class="set" data-testid="set">
            <span class="set-number" aria-hidden="true">{set_number}</span>
            {kept_weight}
            {kept_distance}
            <Show when=move || show(0)>{lifting.clone()}</Show>
            <Show when=move || show(3)>{distance.clone()}</Show>
            <Show when=move || show(2)>{time.clone()}</Show>
            <Show when=move || show(1)>{effort.clone()}</Show>
            <button type="button" class="icon" aria-label=remove_label on:click=remove>"✕"</button>
        </li>
    }
}

/// A set's six field names, or their labels.
struct SetNames {
    reps: String,
    weight: String,
    rpe: String,
    kind: String,
    duration: String,
    distance: String,
}
