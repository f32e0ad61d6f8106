//! The dashboard's workout UI: summary and chart, the add form, and the list
//! with inline edit and confirmed delete.
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
use leptos_router::hooks::{use_navigate, use_query_map};

use super::domain::{
    FlatWorkout, Summary, WeekCount, Workout, format_iso_date, format_long_date, format_short_date,
    format_thousandths,
};
use super::{CreateWorkout, DeleteWorkout, UpdateWorkout, list_workouts, workout_summary};
use crate::auth::{Auth, CurrentUser, unauthorized};
use crate::ui::{FormError, SubmitButton, action_error};

/// Where the dashboard's URL state is: which page, and which row is open.
#[derive(Clone, Copy)]
struct DashboardUrl {
    before: Memo<Option<String>>,
    editing: Memo<Option<i64>>,
    deleting: Memo<Option<i64>>,
}

impl DashboardUrl {
    fn from_query() -> Self {
        let query = use_query_map();
        let id = move |key: &str| query.read().get(key).and_then(|v| v.parse::<i64>().ok());
        Self {
            before: Memo::new(move |_| query.read().get("before").filter(|v| !v.is_empty())),
            editing: Memo::new(move |_| id("edit")),
            deleting: Memo::new(move |_| id("delete")),
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
    let create = ServerAction::<CreateWorkout>::new();
    let update = ServerAction::<UpdateWorkout>::new();
    let delete = ServerAction::<DeleteWorkout>::new();

    // Bumped only when a change succeeds: a refused form must not refetch (and
    // re-render) anything, so what the user typed stays in place.
    let saved = RwSignal::new(0_u32);
    let add_form = NodeRef::<leptos::html::Form>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if matches!(create.value().get(), Some(Ok(_))) {
            saved.update(|n| *n += 1);
            // Ready for the next one. The refetch patches the form in place,
            // which would keep what was typed.
            if let Some(form) = add_form.get_untracked() {
                form.reset();
            }
        }
    });
    Effect::new(move || {
        let updated = matches!(update.value().get(), Some(Ok(_)));
        let deleted = matches!(delete.value().get(), Some(Ok(())));
        if updated || deleted {
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
        move || (url.before.get(), saved.get()),
        |(before, _)| list_workouts(before, None),
    );
    let summary = Resource::new(move || saved.get(), |_| workout_summary());

    // A session that ended under us (logged out elsewhere, user deleted): ask
    // who is logged in again, and the route gate sends the browser to /login.
    auth.refresh_when(move || {
        unauthorized(page.get())
            || unauthorized(summary.get())
            || unauthorized(create.value().get())
            || unauthorized(update.value().get())
            || unauthorized(delete.value().get())
    });

    view! {
        <section class="card">
            <h1>"Hello, " <span data-testid="dashboard-email">{user.email}</span></h1>
            <Transition fallback=|| view! { <p class="muted">"Loading your summary…"</p> }>
                {move || Suspend::new(async move {
                    match summary.await {
                        Ok(summary) => view! {
                            <SummaryPanel summary=summary.clone() />
                            <NewWorkoutForm action=create today=summary.today form_ref=add_form />
                        }.into_any(),
                        Err(err) => view! { <FormError error=Signal::stored(Some(err)) /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h2>"Your workouts"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading your workouts…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! {
                            <WorkoutList workouts=page.workouts url update delete />
                            <Pager next=page.next url />
                        }.into_any(),
                        Err(err) => view! { <FormError error=Signal::stored(Some(err)) /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SummaryPanel(summary: Summary) -> impl IntoView {
    view! {
        <div class="stats" data-testid="summary">
            <Stat label="This week" value=summary.this_week testid="stat-week" />
            <Stat label="This month" value=summary.this_month testid="stat-month" />
            <Stat label="Total" value=summary.total testid="stat-total" />
        </div>
        <WeeksChart weeks=summary.weeks />
    }
}

#[component]
fn Stat(label: &'static str, value: u32, testid: &'static str) -> impl IntoView {
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

#[component]
fn NewWorkoutForm(
    action: ServerAction<CreateWorkout>,
    today: time::Date,
    form_ref: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let error = action_error(action);
    view! {
        <details class="add-workout" open>
            <summary>"Add a workout"</summary>
            <ActionForm action node_ref=form_ref attr:class="workout-form" attr:data-testid="add-workout">
                <WorkoutFields workout=None today=Some(today) />
                <FormError error />
                <SubmitButton pending=action.pending() label="Add workout" busy="Saving…" />
            </ActionForm>
        </details>
    }
}

/// The form fields, filled with `workout`'s values, or empty but for the date
/// (`today`) for a new one. The server checks every rule again; the browser's
/// own checks only save a round trip.
#[component]
fn WorkoutFields(workout: Option<Workout>, today: Option<time::Date>) -> impl IntoView {
    let w = workout.as_ref();
    let date = w
        .map(|w| w.date)
        .or(today)
        .map(format_iso_date)
        .unwrap_or_default();
    let number = |value: Option<u16>| value.map(|v| v.to_string()).unwrap_or_default();
    let decimal = |value: Option<u32>| value.map(format_thousandths).unwrap_or_default();
    // Tomorrow: the server allows one day of slack for time zones ahead of UTC.
    let max_date = today.map(|today| format_iso_date(today.next_day().unwrap_or(today)));
    let earliest = format_iso_date(FlatWorkout::EARLIEST);
    view! {
        <div class="fields">
            <label>"Date"
                <input type="date" name="date" required value=date max=max_date min=earliest />
            </label>
            <label>"Kind"
                <input type="text" name="kind" required maxlength=FlatWorkout::KIND_MAX_CHARS list="workout-kinds"
                    placeholder="Run, Squat, …" value=w.map(|w| w.kind.clone()).unwrap_or_default() />
            </label>
            <label>"Minutes"
                <input type="number" name="duration_minutes" min="1" max=FlatWorkout::MAX_MINUTES step="1"
                    value=number(w.and_then(|w| w.duration_minutes)) />
            </label>
            <label>"Distance (km)"
                <input type="number" name="distance_km" min="0.001" max=FlatWorkout::MAX_KM step="0.001"
                    value=decimal(w.and_then(|w| w.distance_m)) />
            </label>
            <label>"Sets"
                <input type="number" name="sets" min="1" max=FlatWorkout::MAX_SETS step="1"
                    value=number(w.and_then(|w| w.sets)) />
            </label>
            <label>"Reps"
                <input type="number" name="reps" min="1" max=FlatWorkout::MAX_REPS step="1"
                    value=number(w.and_then(|w| w.reps)) />
            </label>
            <label>"Weight (kg)"
                <input type="number" name="weight_kg" min="0.001" max=FlatWorkout::MAX_KG step="0.001"
                    value=decimal(w.and_then(|w| w.weight_g)) />
            </label>
            <label class="notes">"Notes"
                <textarea name="notes" maxlength=FlatWorkout::NOTES_MAX_CHARS rows="2">
                    {w.map(|w| w.notes.clone()).unwrap_or_default()}
                </textarea>
            </label>
        </div>
        <datalist id="workout-kinds">
            {["Run", "Walk", "Cycle", "Swim", "Row", "Squat", "Bench press", "Deadlift", "Pull-ups", "Yoga"]
                .map(|kind| view! { <option value=kind></option> })}
        </datalist>
    }
}

#[component]
fn WorkoutList(
    workouts: Vec<Workout>,
    url: DashboardUrl,
    update: ServerAction<UpdateWorkout>,
    delete: ServerAction<DeleteWorkout>,
) -> impl IntoView {
    if workouts.is_empty() {
        return view! {
            <p class="muted" data-testid="no-workouts">"No workouts here yet. Add your first one above."</p>
        }
        .into_any();
    }
    // One reactive part for the whole list, not two per row: which row is open
    // changes only on a click, when redrawing twenty `<li>`s costs nothing,
    // and every server render is cheaper (docs/PERFORMANCE.md).
    // A server render runs this closure twice (once to find the resources
    // inside, once for the HTML), so the rows' text is formatted once, here.
    let rows: Arc<[ListedWorkout]> = workouts.into_iter().map(ListedWorkout::new).collect();
    view! {
        <ul class="workouts" data-testid="workout-list">
            {move || {
                let editing = url.editing.get();
                let deleting = url.deleting.get();
                let links = url.links();
                rows.iter()
                    .map(|row| {
                        let mode = RowMode::of(row.workout.id, editing, deleting);
                        workout_row(row, mode, &links, update, delete)
                    })
                    .collect_view()
            }}
        </ul>
    }
    .into_any()
}

/// A workout as the list shows it, its text formatted once.
struct ListedWorkout {
    date: Arc<str>,
    kind: Arc<str>,
    facts: Arc<str>,
    notes: Option<Arc<str>>,
    workout: Workout,
}

impl ListedWorkout {
    fn new(workout: Workout) -> Self {
        Self {
            date: format_long_date(workout.date).into(),
            kind: workout.kind.as_str().into(),
            facts: workout_facts(&workout).into(),
            notes: (!workout.notes.is_empty()).then(|| workout.notes.as_str().into()),
            workout,
        }
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
    update: ServerAction<UpdateWorkout>,
    delete: ServerAction<DeleteWorkout>,
) -> impl IntoView + use<> {
    let id = row.workout.id;
    let content = if mode == RowMode::Editing {
        let cancel = links.list();
        Either::Left(view! { <EditWorkoutForm workout=row.workout.clone() cancel update /> })
    } else {
        let confirm = (mode == RowMode::ConfirmingDelete)
            .then(|| delete_confirmation(id, links.list(), delete));
        let notes = row
            .notes
            .clone()
            .map(|notes| view! { <p class="workout-notes">{notes}</p> });
        Either::Right(view! {
            <div class="workout-main">
                <span class="workout-date">{row.date.clone()}</span>
                <strong class="workout-kind" data-testid="workout-kind">{row.kind.clone()}</strong>
                <span class="workout-facts" data-testid="workout-facts">{row.facts.clone()}</span>
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

#[component]
fn EditWorkoutForm(
    workout: Workout,
    /// Where "Cancel" goes (the list, with nothing open).
    cancel: String,
    update: ServerAction<UpdateWorkout>,
) -> impl IntoView {
    let id = workout.id;
    view! {
        <ActionForm action=update attr:class="workout-form" attr:data-testid="edit-workout">
            <input type="hidden" name="id" value=id />
            <WorkoutFields workout=Some(workout) today=None />
            <FormError error=action_error(update) />
            <div class="form-actions">
                <SubmitButton pending=update.pending() label="Save" busy="Saving…" />
                <a href=cancel data-noscroll="">"Cancel"</a>
            </div>
        </ActionForm>
    }
}

/// `42 min · 10.5 km · 3 × 10 · 60 kg`
fn workout_facts(w: &Workout) -> String {
    let mut facts = Vec::new();
    if let Some(minutes) = w.duration_minutes {
        facts.push(format!("{minutes} min"));
    }
    if let Some(metres) = w.distance_m {
        facts.push(format!("{} km", format_thousandths(metres)));
    }
    match (w.sets, w.reps) {
        (Some(sets), Some(reps)) => facts.push(format!("{sets} × {reps}")),
        (Some(sets), None) => facts.push(format!("{sets} sets")),
        (None, Some(reps)) => facts.push(format!("{reps} reps")),
        (None, None) => {}
    }
    if let Some(grams) = w.weight_g {
        facts.push(format!("{} kg", format_thousandths(grams)));
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
