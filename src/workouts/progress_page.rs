//! `/exercises/:id`: one exercise's progress. Its records, an SVG chart of
//! its best per workout (the estimated one-rep max for weight × reps, reps
//! for bodyweight, distance or time for cardio), and its latest sets.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::domain::draft::format_duration;
use super::domain::progress::{Dated, ExerciseProgress, SessionPoint};
use super::domain::{ExerciseType, Units, format_long_date, format_short_date};
use super::exercise_progress;
use super::pages::{format_volume, set_text};
use crate::auth::pages::RequireUser;
use crate::auth::{Auth, unauthorized};
use crate::error::AppError;
use crate::ui::FormError;

#[component]
pub fn ExercisePage() -> impl IntoView {
    // Computed now, for the reason `RequireUser` computes the URL's memos.
    use_params_map().with_untracked(|_| ());
    view! { <RequireUser children=|_user| view! { <ExerciseProgressView /> } /> }
}

#[component]
fn ExerciseProgressView() -> impl IntoView {
    let auth = Auth::expect();
    let params = use_params_map();
    // `try_`: see `RequireUser` (`ExercisePage` has computed the params).
    let id = Memo::new(move |_| {
        params
            .try_with(|p| p.get("id"))
            .flatten()
            .and_then(|v| v.parse::<i64>().ok())
    });
    let progress = Resource::new(
        move || id.try_get().flatten(),
        |id| async move {
            match id {
                Some(id) => exercise_progress(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    auth.refresh_when(move || unauthorized(progress.get()));
    view! {
        <Transition fallback=|| view! { <section class="card"><p class="muted">"Loading…"</p></section> }>
            {move || Suspend::new(async move {
                match progress.await {
                    Ok(progress) => view! { <Progress progress /> }.into_any(),
                    Err(err) => {
                        err.set_page_status();
                        view! {
                            <section class="card">
                                <h1>"Exercise not found"</h1>
                                <FormError error=Signal::stored(Some(err)) />
                                <p><a href="/dashboard">"Back to your workouts"</a></p>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// What the chart shows for each type of exercise.
fn chart_metric(exercise_type: ExerciseType) -> (&'static str, fn(&SessionPoint) -> Option<u64>) {
    match exercise_type {
        ExerciseType::WeightReps => ("Best estimated one-rep max per workout", |p| {
            p.best_e1rm_g.map(u64::from)
        }),
        ExerciseType::BodyweightReps => ("Most reps in a set per workout", |p| {
            p.most_reps.map(u64::from)
        }),
        ExerciseType::Duration => ("Longest set per workout", |p| p.longest_s.map(u64::from)),
        ExerciseType::DistanceDuration => ("Longest distance per workout", |p| {
            p.longest_m.map(u64::from)
        }),
    }
}

/// A chart value as the user reads it.
fn format_metric(exercise_type: ExerciseType, units: Units, value: u64) -> String {
    let value32 = u32::try_from(value).unwrap_or(u32::MAX);
    match exercise_type {
        ExerciseType::WeightReps => format!(
            "{} {}",
            units.weight.format_grams(value32),
            units.weight.as_str()
        ),
        ExerciseType::BodyweightReps => format!("{value} reps"),
        ExerciseType::Duration => format_duration(value32),
        ExerciseType::DistanceDuration => {
            format!(
                "{} {}",
                units.distance.format_metres(value32),
                units.distance.as_str()
            )
        }
    }
}

#[component]
fn Progress(progress: ExerciseProgress) -> impl IntoView {
    let ExerciseProgress {
        exercise,
        units,
        sessions,
        records,
        recent,
        set_count,
    } = progress;
    let kind = exercise.exercise_type;
    let weight = move |grams: u32| {
        format!(
            "{} {}",
            units.weight.format_grams(grams),
            units.weight.as_str()
        )
    };
    let on = |date: time::Date| format!("on {}", format_long_date(date));
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut add = |label: String, value: Option<String>, date: Option<time::Date>| {
        if let (Some(value), Some(date)) = (value, date) {
            rows.push((label, value, on(date)));
        }
    };
    let dated = |d: Option<Dated<u32>>, show: &dyn Fn(u32) -> String| {
        (d.map(|d| show(d.value)), d.map(|d| d.date))
    };
    match kind {
        ExerciseType::WeightReps | ExerciseType::BodyweightReps => {
            if kind == ExerciseType::WeightReps {
                let (v, d) = dated(records.best_e1rm_g, &weight);
                add("Best e1RM".into(), v, d);
                let (v, d) = dated(records.heaviest_g, &weight);
                add("Heaviest".into(), v, d);
                if let Some(best) = records.best_volume_g {
                    let volume = format_volume(best.value, units);
                    add(
                        "Best volume in a workout".into(),
                        Some(volume),
                        Some(best.date),
                    );
                }
                for rep_max in &records.rep_maxes {
                    let (v, d) = dated(rep_max.best, &weight);
                    add(format!("{} rep max", rep_max.reps), v, d);
                }
            }
            if let Some(most) = records.most_reps {
                add(
                    "Most reps in a set".into(),
                    Some(most.value.to_string()),
                    Some(most.date),
                );
            }
        }
        ExerciseType::Duration | ExerciseType::DistanceDuration => {
            let distance = move |m: u32| {
                format!(
                    "{} {}",
                    units.distance.format_metres(m),
                    units.distance.as_str()
                )
            };
            let (v, d) = dated(records.longest_m, &distance);
            add("Longest distance".into(), v, d);
            let per = units.distance.as_str();
            let pace = move |s_per_km: u32| {
                let per_unit = match units.distance {
                    super::domain::DistanceUnit::Km => s_per_km,
                    super::domain::DistanceUnit::Mi => {
                        (u64::from(s_per_km) * 1_609_344 / 1_000_000) as u32
                    }
                };
                format!("{} /{per}", format_duration(per_unit))
            };
            let (v, d) = dated(records.best_pace_s_per_km, &pace);
            add("Best pace".into(), v, d);
            let (v, d) = dated(records.longest_s, &|s| format_duration(s));
            add("Longest time".into(), v, d);
        }
    }
    let (title, metric) = chart_metric(kind);
    let points: Vec<(time::Date, u64)> = sessions
        .iter()
        .filter_map(|p| Some((p.date, metric(p)?)))
        .collect();
    let records_view = if rows.is_empty() {
        view! { <p class="muted">"No records yet: log a set of it."</p> }.into_any()
    } else {
        view! {
            <dl class="records" data-testid="records">
                {rows.into_iter().map(|(label, value, date)| view! {
                    <div class="record-row"><dt>{label}</dt><dd><strong>{value}</strong>" "<span class="muted">{date}</span></dd></div>
                }).collect_view()}
            </dl>
        }.into_any()
    };
    let sets = recent
        .into_iter()
        .map(|dated| {
            let record = dated.set.record.map(|r| {
                view! {
                    <span class="record" data-testid="record">{format!("★ {}", r.label())}</span>
                }
            });
            view! {
                <tr>
                    <td class="set-date">{format_short_date(dated.date)}" "{dated.date.year()}</td>
                    <td>{set_text(&dated.set, kind, units)}{record}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <p class="muted"><a href="/dashboard">"← Your workouts"</a></p>
            <h1 data-testid="exercise-name">{exercise.name.clone()}</h1>
            <p class="muted">{kind.label()}{format!(" · {set_count} sets logged")}</p>
            <h2>"Records"</h2>
            {records_view}
        </section>
        <section class="card">
            <h2>{title}</h2>
            <ProgressChart points kind units title />
        </section>
        <section class="card">
            <h2>"Latest sets"</h2>
            <div class="table-scroll">
                <table class="sets-table" data-testid="exercise-sets">
                    <thead><tr><th scope="col">"Date"</th><th scope="col">"Set"</th></tr></thead>
                    <tbody>{sets}</tbody>
                </table>
            </div>
        </section>
    }
}

/// The metric per workout as an SVG line over time: no script, no chart
/// library. Each point names its date and value for pointers and screen
/// readers.
#[component]
fn ProgressChart(
    points: Vec<(time::Date, u64)>,
    kind: ExerciseType,
    units: Units,
    title: &'static str,
) -> impl IntoView {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 220.0;
    const PAD: f64 = 36.0;
    if points.is_empty() {
        return view! { <p class="muted" data-testid="no-chart">"Nothing to chart yet."</p> }
            .into_any();
    }
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let span_days = (last - first).whole_days().max(1) as f64;
    let highest = points.iter().map(|p| p.1).max().unwrap_or(1).max(1) as f64;
    let lowest = points.iter().map(|p| p.1).min().unwrap_or(0) as f64;
    let floor = (lowest - (highest - lowest) * 0.2).max(0.0);
    let range = (highest - floor).max(1.0);
    let x = |date: time::Date| {
        if points.len() == 1 {
            WIDTH / 2.0
        } else {
            PAD + (date - first).whole_days() as f64 / span_days * (WIDTH - 2.0 * PAD)
        }
    };
    let y = |value: u64| HEIGHT - PAD - (value as f64 - floor) / range * (HEIGHT - 2.0 * PAD);
    let line: String = points
        .iter()
        .map(|(date, value)| format!("{:.1},{:.1}", x(*date), y(*value)))
        .collect::<Vec<_>>()
        .join(" ");
    let best = points.iter().map(|p| p.1).max().unwrap_or(0);
    let label = format!(
        "{title}, {} workouts from {} to {}: first {}, latest {}, best {}",
        points.len(),
        format_long_date(first),
        format_long_date(last),
        format_metric(kind, units, points[0].1),
        format_metric(kind, units, points[points.len() - 1].1),
        format_metric(kind, units, best),
    );
    let dots = points
        .iter()
        .map(|(date, value)| {
            let text = format!("{}: {}", format_long_date(*date), format_metric(kind, units, *value));
            view! { <circle cx=x(*date) cy=y(*value) r="4" data-testid="chart-point"><title>{text}</title></circle> }
        })
        .collect_view();
    view! {
        <figure class="chart progress-chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label data-testid="progress-chart">
                <text class="axis" x=PAD y=PAD - 12.0>{format_metric(kind, units, highest as u64)}</text>
                <text class="axis" x=PAD y=HEIGHT - 8.0>{format_short_date(first)}</text>
                <text class="axis end" x=WIDTH - PAD y=HEIGHT - 8.0>{format_short_date(last)}</text>
                <polyline points=line />
                {dots}
            </svg>
        </figure>
    }
    .into_any()
}
