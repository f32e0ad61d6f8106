//! The dashboard's workout UI: summary and chart, the logging form (see
//! `editor.rs`) with "repeat last", and the list of workouts, each with its
//! exercises and sets, records marked, inline edit and confirmed delete.
//!
//! Which workout is being edited or deleted lives in the URL (`?edit=ID`,
//! `?delete=ID`), and paging too (`?before=CURSOR`). So every control is a
//! plain link or an `ActionForm`: with WASM loaded they update in place without
//! a page load; without JavaScript they are ordinary navigations and form posts.
//! The links are plain `<a>`s (the router still takes their clicks; `data-noscroll`
//! keeps the position): `<A>` resolves its href in a memo that a server render
//! abandoned by its client could still run after the page's owner is gone.

use std::sync::Arc;

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::{use_location, use_navigate};

use super::domain::draft::{format_clock_time, format_duration};
use super::domain::{
    Entry, Exercise, ExerciseType, LoggedSet, SetKind, Summary, Units, WeekCount, Workout,
    format_long_date, format_short_date,
};
use super::editor::{EditorStart, WorkoutEditor};
use super::{
    DeleteWorkout, SaveWorkout, last_workout_titled, list_exercises, list_workouts, workout_summary,
};
use crate::auth::{Auth, CurrentUser, unauthorized};
use crate::ui::{FormError, SubmitButton, action_error};

/// Where the dashboard's URL state is: which page, and which row is open.
#[derive(Clone, Copy)]
struct DashboardUrl {
    before: Memo<Option<String>>,
    editing: Memo<Option<i64>>,
    deleting: Memo<Option<i64>>,
    /// `?repeat=TITLE`: the logging form starts as the last workout so titled.
    repeat: Memo<Option<String>>,
}

impl DashboardUrl {
    /// From the router's query, which `RequireUser` has computed already:
    /// every read here is a `try_`, so a render finishing after its owner
    /// was disposed (see `RequireUser`) reads `None` instead of panicking.
    fn from_query() -> Self {
        let query = use_location().query;
        let value = move |key: &str| query.try_with(|q| q.get(key)).flatten();
        let id = move |key: &str| value(key).and_then(|v| v.parse::<i64>().ok());
        Self {
            before: Memo::new(move |_| value("before").filter(|v| !v.is_empty())),
            editing: Memo::new(move |_| id("edit")),
            deleting: Memo::new(move |_| id("delete")),
            repeat: Memo::new(move |_| value("repeat").filter(|v| !v.trim().is_empty())),
        }
    }

    /// The links of the current page of the list.
    ///
    /// `try_`: a server render that the client abandoned (closed tab, load
    /// generator stopping) can still be finishing a link after its reactive
    /// owner, and these memos with it, has been disposed.
    fn links(&self) -> DashboardLinks {
        DashboardLinks::new(self.before.try_get_untracked().flatten().as_deref())
    }
}

/// The `/dashboard` links of one page of the list. Its cursor is read once
/// per render of the list, not once per link: a memo read costs more than
/// the link itself.
struct DashboardLinks {
    /// `/dashboard`, or `/dashboard?before=CURSOR`.
    list: String,
}

impl DashboardLinks {
    fn new(before: Option<&str>) -> Self {
        let list = match before {
            Some(before) => ["/dashboard?before=", before].concat(),
            None => "/dashboard".to_owned(),
        };
        Self { list }
    }

    /// The page with nothing open.
    fn list(&self) -> String {
        self.list.clone()
    }

    /// The page with `action` (`edit` or `delete`) open on workout `id`,
    /// scrolled to it.
    fn open(&self, action: &str, id: i64) -> String {
        let separator = if self.list.contains('?') { '&' } else { '?' };
        let id = id.to_string();
        let mut href = String::with_capacity(self.list.len() + action.len() + 2 * id.len() + 11);
        href.push_str(&self.list);
        href.push(separator);
        href.push_str(action);
        href.push('=');
        href.push_str(&id);
        href.push_str("#workout-");
        href.push_str(&id);
        href
    }
}

/// The dashboard for a logged-in user.
#[component]
pub fn WorkoutDashboard(user: CurrentUser) -> impl IntoView {
    let auth = Auth::expect();
    let url = DashboardUrl::from_query();
    let log = ServerAction::<SaveWorkout>::new();
    let edit = ServerAction::<SaveWorkout>::new();
    let delete = ServerAction::<DeleteWorkout>::new();

    // Bumped only when a change succeeds: a refused form must not refetch (and
    // re-render) anything, so what the user typed stays in place.
    let saved = RwSignal::new(0_u32);
    let navigate = use_navigate();
    Effect::new(move || {
        if matches!(log.value().get(), Some(Ok(_))) {
            saved.update(|n| *n += 1);
        }
    });
    Effect::new(move || {
        let edited = matches!(edit.value().get(), Some(Ok(_)));
        let deleted = matches!(delete.value().get(), Some(Ok(())));
        if edited || deleted {
            saved.update(|n| *n += 1);
            navigate(
                &url.links().list(),
                leptos_router::NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });

    let page = Resource::new(
        move || (url.before.try_get().flatten(), saved.get()),
        |(before, _)| list_workouts(before, None),
    );
    let summary = Resource::new(move || saved.get(), |_| workout_summary());
    // A new name logged becomes one of the user's own exercises.
    let catalogue = Resource::new(move || saved.get(), |_| list_exercises());
    let repeat = Resource::new(
        move || url.repeat.try_get().flatten(),
        |title| async move {
            match title {
                Some(title) => last_workout_titled(title).await,
                None => Ok(None),
            }
        },
    );

    // A session that ended under us (logged out elsewhere, user deleted): ask
    // who is logged in again, and the route gate sends the browser to /login.
    auth.refresh_when(move || {
        unauthorized(page.get())
            || unauthorized(summary.get())
            || unauthorized(catalogue.get())
            || unauthorized(log.value().get())
            || unauthorized(edit.value().get())
            || unauthorized(delete.value().get())
    });

    view! {
        <section class="card">
            <h1>"Hello, " <span data-testid="dashboard-email">{user.email}</span></h1>
            <Transition fallback=|| view! { <p class="muted">"Loading your summary…"</p> }>
                {move || Suspend::new(async move {
                    let (summary, catalogue, repeat) = (summary.await, catalogue.await, repeat.await);
                    match (summary, catalogue) {
                        (Ok(summary), Ok(catalogue)) => {
                            let repeated = repeat.ok().flatten();
                            view! {
                                <SummaryPanel summary=summary.clone() />
                                <LogWorkout action=log summary catalogue=catalogue.into() repeated url />
                            }.into_any()
                        }
                        (Err(err), _) | (_, Err(err)) => view! { <FormError error=Signal::stored(Some(err)) /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h2>"Your workouts"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading your workouts…"</p> }>
                {move || Suspend::new(async move {
                    let (page, summary, catalogue) = (page.await, summary.await, catalogue.await);
                    match (page, summary, catalogue) {
                        (Ok(page), Ok(summary), Ok(catalogue)) => view! {
                            <WorkoutList workouts=page.workouts url edit delete units=summary.units
                                catalogue=catalogue.into() latest=tomorrow(summary.today) />
                            <Pager next=page.next url />
                        }.into_any(),
                        (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => {
                            view! { <FormError error=Signal::stored(Some(err)) /> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// The server allows a workout dated tomorrow, for time zones ahead of UTC.
fn tomorrow(today: time::Date) -> time::Date {
    today.next_day().unwrap_or(today)
}

#[component]
fn SummaryPanel(summary: Summary) -> impl IntoView {
    let this_week_volume = summary.weeks.last().map_or(0, |week| week.volume_g);
    let volume = format_volume(this_week_volume, summary.units);
    let streak = match summary.streak_weeks {
        1 => "1 week".to_owned(),
        weeks => format!("{weeks} weeks"),
    };
    view! {
        <div class="stats" data-testid="summary">
            <Stat label="This week" value=summary.this_week.to_string() testid="stat-week" />
            <Stat label="This month" value=summary.this_month.to_string() testid="stat-month" />
            <Stat label="Total" value=summary.total.to_string() testid="stat-total" />
            <Stat label="Lifted this week" value=volume testid="stat-volume" />
            <Stat label="Streak" value=streak testid="stat-streak" />
        </div>
        <WeeksChart weeks=summary.weeks />
    }
}

/// Grams lifted as the user reads weights, whole and grouped: `12,450 kg`.
pub(super) fn format_volume(grams: u64, units: Units) -> String {
    let whole = match units.weight {
        super::domain::WeightUnit::Kg => u128::from(grams) / 1000,
        super::domain::WeightUnit::Lb => u128::from(grams) * 100_000 / 45_359_237,
    };
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} {}", units.weight.as_str())
}

#[component]
fn Stat(label: &'static str, value: String, testid: &'static str) -> impl IntoView {
    view! {
        <div class="stat">
            <span class="stat-value" data-testid=testid>{value}</span>
            <span class="stat-label">{label}</span>
        </div>
    }
}

/// Workouts per week as an inline SVG bar chart: no script, no chart library.
#[component]
fn WeeksChart(weeks: Vec<WeekCount>) -> impl IntoView {
    const BAR: f64 = 28.0;
    const GAP: f64 = 12.0;
    const PLOT: f64 = 80.0;
    let highest = weeks.iter().map(|w| w.count).max().unwrap_or(0).max(1);
    let width = weeks.len() as f64 * (BAR + GAP);
    let summary: String = weeks
        .iter()
        .map(|w| format!("week of {}: {}", format_short_date(w.starts), w.count))
        .collect::<Vec<_>>()
        .join(", ");
    let bars = weeks
        .into_iter()
        .enumerate()
        .map(|(i, week)| {
            let x = i as f64 * (BAR + GAP) + GAP / 2.0;
            let height = f64::from(week.count) / f64::from(highest) * PLOT;
            let y = 16.0 + PLOT - height;
            view! {
                <g data-testid="week-bar" data-count=week.count>
                    <rect x=x y=y width=BAR height=height.max(1.0) rx="3" />
                    <text class="bar-count" x=x + BAR / 2.0 y=y - 4.0>{week.count}</text>
                    <text class="bar-label" x=x + BAR / 2.0 y=16.0 + PLOT + 14.0>
                        {format_short_date(week.starts)}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg
                viewBox=format!("0 0 {width} 116")
                role="img"
                aria-label=format!("Workouts per week over the last 8 weeks: {summary}")
            >
                {bars}
            </svg>
            <figcaption class="muted">"Workouts per week, last 8 weeks"</figcaption>
        </figure>
    }
}

/// "Log a workout": the form, and above it "Repeat last", which starts the
/// form as the latest workout with a title (a plain GET, so it works
/// without JavaScript too).
#[component]
fn LogWorkout(
    action: ServerAction<SaveWorkout>,
    summary: Summary,
    catalogue: Arc<[Exercise]>,
    repeated: Option<Workout>,
    url: DashboardUrl,
) -> impl IntoView {
    let not_found = url
        .repeat
        .try_get_untracked()
        .flatten()
        .filter(|_| repeated.is_none());
    let start = EditorStart {
        id: None,
        date: summary.today,
        workout: repeated,
    };
    view! {
        <details class="add-workout" open>
            <summary>"Log a workout"</summary>
            <Form method="GET" action="/dashboard" attr:class="repeat" attr:data-testid="repeat-last">
                <label>"Repeat the last"
                    <input type="text" name="repeat" placeholder="Lower A" maxlength="80"
                        value=url.repeat.try_get_untracked().flatten().unwrap_or_default() />
                </label>
                <button type="submit" class="secondary">"Repeat"</button>
            </Form>
            {not_found.map(|title| view! {
                <p class="muted" role="status">{format!("No workout titled “{title}” yet.")}</p>
            })}
            <WorkoutEditor action start units=summary.units catalogue latest=tomorrow(summary.today)
                testid="add-workout" />
        </details>
    }
}

#[component]
fn WorkoutList(
    workouts: Vec<Workout>,
    url: DashboardUrl,
    edit: ServerAction<SaveWorkout>,
    delete: ServerAction<DeleteWorkout>,
    units: Units,
    catalogue: Arc<[Exercise]>,
    latest: time::Date,
) -> impl IntoView {
    if workouts.is_empty() {
        return view! {
            <p class="muted" data-testid="no-workouts">"No workouts here yet. Log your first one above."</p>
        }
        .into_any();
    }
    // One reactive part for the whole list, not two per row: which row is open
    // changes only on a click, when redrawing twenty `<li>`s costs nothing,
    // and every server render is cheaper (docs/PERFORMANCE.md).
    // A server render runs this closure twice (once to find the resources
    // inside, once for the HTML), so the rows' text is formatted once, here.
    let rows: Arc<[ListedWorkout]> = workouts
        .into_iter()
        .map(|workout| ListedWorkout::new(workout, units))
        .collect();
    let editing = EditingContext {
        edit,
        units,
        catalogue,
        latest,
    };
    view! {
        <ul class="workouts" data-testid="workout-list">
            {move || {
                let open_edit = url.editing.try_get().flatten();
                let deleting = url.deleting.try_get().flatten();
                let links = url.links();
                rows.iter()
                    .map(|row| {
                        let mode = RowMode::of(row.workout.id, open_edit, deleting);
                        workout_row(row, mode, &links, &editing, delete)
                    })
                    .collect_view()
            }}
        </ul>
    }
    .into_any()
}

/// What the edit form of a row needs.
#[derive(Clone)]
struct EditingContext {
    edit: ServerAction<SaveWorkout>,
    units: Units,
    catalogue: Arc<[Exercise]>,
    latest: time::Date,
}

/// A workout as the list shows it, its text formatted once.
struct ListedWorkout {
    date: Arc<str>,
    title: Arc<str>,
    facts: Arc<str>,
    entries: Arc<[ListedEntry]>,
    notes: Option<Arc<str>>,
    workout: Workout,
}

/// An entry's line: the exercise and its sets, each with its record.
struct ListedEntry {
    /// `/exercises/ID`: the exercise's progress page.
    href: Arc<str>,
    exercise: Arc<str>,
    sets: Vec<(Arc<str>, Option<&'static str>)>,
}

impl ListedWorkout {
    fn new(workout: Workout, units: Units) -> Self {
        let date = match workout.start_time {
            Some(minute) => format!(
                "{} · {}",
                format_long_date(workout.date),
                format_clock_time(minute)
            ),
            None => format_long_date(workout.date),
        };
        Self {
            date: date.into(),
            title: workout.display_title().into(),
            facts: workout_facts(&workout).into(),
            entries: workout
                .entries
                .iter()
                .map(|entry| ListedEntry::new(entry, units))
                .collect(),
            notes: (!workout.notes.is_empty()).then(|| workout.notes.as_str().into()),
            workout,
        }
    }
}

impl ListedEntry {
    fn new(entry: &Entry, units: Units) -> Self {
        let exercise = match entry.exercise.exercise_type {
            ExerciseType::WeightReps if entry.sets.iter().any(|s| s.values.weight_g.is_some()) => {
                format!("{} ({})", entry.exercise.name, units.weight.as_str())
            }
            _ => entry.exercise.name.clone(),
        };
        Self {
            href: format!("/exercises/{}", entry.exercise.id).into(),
            exercise: exercise.into(),
            sets: entry
                .sets
                .iter()
                .map(|set| {
                    (
                        set_text(set, entry.exercise.exercise_type, units).into(),
                        set.record.map(|r| r.label()),
                    )
                })
                .collect(),
        }
    }
}

/// A set as the list reads it: `100 × 5 @8.5`, `60 × 8 warm-up`,
/// `5 km in 25:00`.
pub(super) fn set_text(set: &LoggedSet, exercise_type: ExerciseType, units: Units) -> String {
    let v = &set.values;
    let mut parts = Vec::new();
    match (v.weight_g, v.reps) {
        (Some(weight), Some(reps)) if exercise_type == ExerciseType::WeightReps => {
            parts.push(format!("{} × {reps}", units.weight.format_grams(weight)));
        }
        (Some(weight), Some(reps)) => {
            parts.push(format!(
                "{reps} reps +{} {}",
                units.weight.format_grams(weight),
                units.weight.as_str()
            ));
        }
        (None, Some(reps)) => parts.push(format!("{reps} reps")),
        (Some(weight), None) => parts.push(format!(
            "{} {}",
            units.weight.format_grams(weight),
            units.weight.as_str()
        )),
        (None, None) => {}
    }
    if let Some(metres) = v.distance_m {
        parts.push(format!(
            "{} {}",
            units.distance.format_metres(metres),
            units.distance.as_str()
        ));
    }
    if let Some(seconds) = v.duration_s {
        let time = format_duration(seconds);
        parts.push(if v.distance_m.is_some() {
            format!("in {time}")
        } else {
            time
        });
    }
    if let Some(rpe) = v.rpe {
        parts.push(format!("@{rpe}"));
    }
    if v.kind != SetKind::Normal {
        parts.push(v.kind.label().to_lowercase());
    }
    if parts.is_empty() {
        "done".to_owned()
    } else {
        parts.join(" ")
    }
}

/// What a row of the list shows. Editing wins over deleting when the URL names
/// both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RowMode {
    Shown,
    ConfirmingDelete,
    Editing,
}

impl RowMode {
    fn of(id: i64, editing: Option<i64>, deleting: Option<i64>) -> Self {
        if editing == Some(id) {
            Self::Editing
        } else if deleting == Some(id) {
            Self::ConfirmingDelete
        } else {
            Self::Shown
        }
    }
}

fn workout_row(
    row: &ListedWorkout,
    mode: RowMode,
    links: &DashboardLinks,
    editing: &EditingContext,
    delete: ServerAction<DeleteWorkout>,
) -> impl IntoView + use<> {
    let id = row.workout.id;
    let content = if mode == RowMode::Editing {
        let start = EditorStart {
            id: Some(id),
            date: row.workout.date,
            workout: Some(row.workout.clone()),
        };
        let editing = editing.clone();
        Either::Left(view! {
            <WorkoutEditor action=editing.edit start units=editing.units catalogue=editing.catalogue
                latest=editing.latest cancel=links.list() testid="edit-workout" />
        })
    } else {
        let confirm = (mode == RowMode::ConfirmingDelete)
            .then(|| delete_confirmation(id, links.list(), delete));
        let notes = row
            .notes
            .clone()
            .map(|notes| view! { <p class="workout-notes">{notes}</p> });
        let entries = row
            .entries
            .iter()
            .map(|entry| {
                let sets = entry
                    .sets
                    .iter()
                    .map(|(text, record)| {
                        let record = record.map(|label| view! {
                            <span class="record" data-testid="record" title=label>{format!("★ {label}")}</span>
                        });
                        view! { <li class="set-chip">{text.clone()}{record}</li> }
                    })
                    .collect_view();
                view! {
                    <li data-testid="entry-summary">
                        <a class="entry-exercise" href=entry.href.clone()>{entry.exercise.clone()}</a>
                        <ul class="set-chips">{sets}</ul>
                    </li>
                }
            })
            .collect_view();
        Either::Right(view! {
            <div class="workout-main">
                <span class="workout-date">{row.date.clone()}</span>
                <strong class="workout-kind" data-testid="workout-kind">{row.title.clone()}</strong>
                <span class="workout-facts" data-testid="workout-facts">{row.facts.clone()}</span>
                <ul class="entry-summaries">{entries}</ul>
                {notes}
            </div>
            <div class="workout-actions">
                <a href=links.open("edit", id) data-noscroll="">"Edit"</a>
                <a href=links.open("delete", id) data-noscroll="">"Delete"</a>
            </div>
            {confirm}
        })
    };
    view! {
        <li class="workout" id=format!("workout-{id}") data-testid="workout" data-id=id>
            {content}
        </li>
    }
}

/// `cancel`: where "Cancel" goes (the list, with nothing open).
fn delete_confirmation(
    id: i64,
    cancel: String,
    delete: ServerAction<DeleteWorkout>,
) -> impl IntoView + use<> {
    view! {
        <div class="confirm" role="alertdialog" aria-label="Confirm delete">
            <span>"Delete this workout? This cannot be undone."</span>
            <ActionForm action=delete attr:class="inline">
                <input type="hidden" name="id" value=id />
                <SubmitButton pending=delete.pending() label="Yes, delete" busy="Deleting…" class="danger" />
            </ActionForm>
            <a href=cancel data-noscroll="">"Cancel"</a>
            <FormError error=action_error(delete) />
        </div>
    }
}

/// `65 min · 2 exercises · 7 sets`
fn workout_facts(w: &Workout) -> String {
    let mut facts = Vec::new();
    if let Some(minutes) = w.duration_minutes {
        facts.push(format!("{minutes} min"));
    }
    let exercises = w.entries.len();
    if exercises > 1 {
        facts.push(format!("{exercises} exercises"));
    }
    let sets: usize = w.entries.iter().map(|e| e.sets.len()).sum();
    match sets {
        0 => {}
        1 => facts.push("1 set".to_owned()),
        n => facts.push(format!("{n} sets")),
    }
    facts.join(" · ")
}

#[component]
fn Pager(next: Option<String>, url: DashboardUrl) -> impl IntoView {
    let on_first_page = move || url.before.try_get().flatten().is_none();
    view! {
        <nav class="pager" aria-label="Pages">
            <Show when=move || !on_first_page()>
                <a href="/dashboard">"← Newest"</a>
            </Show>
            {next.map(|cursor| view! {
                <a href=DashboardLinks::new(Some(&cursor)).list() data-testid="older">"Older workouts →"</a>
            })}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::{DashboardLinks, RowMode};

    #[test]
    fn links_keep_the_page_and_open_one_row() {
        let first = DashboardLinks::new(None);
        assert_eq!(first.list(), "/dashboard");
        assert_eq!(first.open("edit", 42), "/dashboard?edit=42#workout-42");
        let older = DashboardLinks::new(Some("2026-11-01.17"));
        assert_eq!(older.list(), "/dashboard?before=2026-11-01.17");
        assert_eq!(
            older.open("delete", 7),
            "/dashboard?before=2026-11-01.17&delete=7#workout-7"
        );
    }

    #[test]
    fn a_row_is_open_only_when_the_url_names_its_id() {
        assert_eq!(RowMode::of(7, None, None), RowMode::Shown);
        assert_eq!(RowMode::of(7, Some(8), Some(9)), RowMode::Shown);
        assert_eq!(RowMode::of(7, Some(7), None), RowMode::Editing);
        assert_eq!(RowMode::of(7, None, Some(7)), RowMode::ConfirmingDelete);
    }

    #[test]
    fn editing_wins_when_the_url_names_both() {
        assert_eq!(RowMode::of(7, Some(7), Some(7)), RowMode::Editing);
    }
}
