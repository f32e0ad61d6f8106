//! The import on `/account`: choose a file, see what it holds (the format,
//! the counts, the dates, every row left out and why), then store it.
//!
//! With JavaScript the file goes to `POST /api/import` by `fetch`, first for
//! the preview, then with `confirm=true`. Without it the form is a plain
//! multipart post, answered with a page that says what the file held or
//! what was stored (tick "store it" to store without a preview).

use leptos::prelude::*;

use super::{ImportFormat, ImportSummary};
use crate::error::AppError;

fn format_name(format: ImportFormat) -> &'static str {
    match format {
        ImportFormat::WorkoutLogCsv => "this app's CSV",
        ImportFormat::WorkoutLogJson => "this app's JSON",
        ImportFormat::Strong => "Strong (CSV)",
        ImportFormat::StrongSemicolon => "Strong (older CSV)",
        ImportFormat::Hevy => "Hevy (CSV)",
    }
}

/// What an import found or stored, in a sentence and a list.
pub fn describe(summary: &ImportSummary) -> String {
    let dates = match (&summary.first_date, &summary.last_date) {
        (Some(first), Some(last)) if first == last => format!(" on {first}"),
        (Some(first), Some(last)) => format!(" from {first} to {last}"),
        _ => String::new(),
    };
    let found = format!(
        "{}: {} workouts, {} exercises, {} sets{dates}.",
        format_name(summary.format),
        summary.workouts,
        summary.exercises,
        summary.sets
    );
    match (summary.stored, summary.already_there) {
        (Some(stored), Some(0)) => format!("{found} Stored {stored} workouts."),
        (Some(stored), Some(there)) => {
            format!("{found} Stored {stored} workouts; {there} were in your log already.")
        }
        _ => found,
    }
}

#[component]
pub fn ImportSection() -> impl IntoView {
    let result = RwSignal::new(None::<Result<ImportSummary, AppError>>);
    let pending = RwSignal::new(false);
    let confirm = RwSignal::new(false);
    let form = NodeRef::<leptos::html::Form>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if let Some(form) = form.get_untracked() {
            pending.set(true);
            let confirmed = confirm.get_untracked();
            leptos::task::spawn_local(async move {
                let answer = upload(&form, confirmed).await;
                pending.set(false);
                result.set(Some(answer));
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (form, pending, confirm, result);
    };
    let summary = move || result.get().and_then(Result::ok);
    let error = Signal::derive(move || result.get().and_then(Result::err));
    view! {
        <h3>"Bring your history in"</h3>
        <p class="muted">"A CSV or JSON export of this app, Strong or Hevy. You see what it holds before anything is stored; a workout already in your log is not stored twice."</p>
        <form method="post" action="/api/import" enctype="multipart/form-data" class="import-form"
            node_ref=form on:submit=on_submit data-testid="import-form">
            <div class="fields">
                <label>"File"
                    <input type="file" name="file" required accept=".csv,.json,text/csv,application/json" />
                </label>
                <label>"Weights in the file"
                    <select name="unit">
                        <option value="">"As the file says, or my unit"</option>
                        <option value="kg">"Kilograms"</option>
                        <option value="lb">"Pounds"</option>
                    </select>
                </label>
                <label>"Distances in the file"
                    <select name="distance_unit">
                        <option value="">"As the file says, or my unit"</option>
                        <option value="km">"Kilometres"</option>
                        <option value="mi">"Miles"</option>
                    </select>
                </label>
            </div>
            <noscript>
                <label class="checkbox"><input type="checkbox" name="confirm" value="true" />"Store it (without a preview)"</label>
            </noscript>
            <div class="form-actions">
                <button type="submit" class="secondary" on:click=move |_| confirm.set(false)
                    disabled=move || pending.get()>
                    {move || if pending.get() && !confirm.get() { "Reading…" } else { "Preview" }}
                </button>
                <Show when=move || summary().is_some_and(|s| s.stored.is_none() && s.workouts > 0)>
                    <button type="submit" on:click=move |_| confirm.set(true) disabled=move || pending.get()
                        data-testid="import-confirm">
                        {move || {
                            let count = summary().map_or(0, |s| s.workouts);
                            if pending.get() && confirm.get() { "Storing…".to_owned() } else { format!("Import {count} workouts") }
                        }}
                    </button>
                </Show>
            </div>
            <crate::ui::FormError error />
            {move || summary().map(|summary| {
                let rejected = summary.rejected.clone();
                let few = rejected.len() <= 10;
                view! {
                    <div class="import-summary" role="status" data-testid="import-summary">
                        <p>{describe(&summary)}</p>
                        {(!rejected.is_empty()).then(|| view! {
                            <details open=few>
                                <summary>{format!("{} rows left out", rejected.len())}</summary>
                                <ul class="rejected" data-testid="import-rejected">
                                    {rejected.into_iter().map(|row| view! {
                                        <li>{format!("Line {}: {}", row.line, row.reason)}</li>
                                    }).collect_view()}
                                </ul>
                            </details>
                        })}
                    </div>
                }
            })}
        </form>
    }
}

/// Posts the form (its file and unit) to `/api/import`, with `confirm` as
/// asked, and reads the answer.
#[cfg(feature = "hydrate")]
async fn upload(form: &web_sys::HtmlFormElement, confirm: bool) -> Result<ImportSummary, AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let network = |_| AppError::Network;
    let data = web_sys::FormData::new_with_form(form).map_err(network)?;
    data.set_with_str("confirm", if confirm { "true" } else { "false" })
        .map_err(network)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&data);
    let window = web_sys::window().ok_or(AppError::Network)?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init("/api/import", &init))
            .await
            .map_err(network)?
            .dyn_into()
            .map_err(network)?;
    let text = JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        serde_json::from_str(&text).map_err(|_| AppError::Internal)
    } else {
        Err(serde_json::from_str(&text).unwrap_or(AppError::Internal))
    }
}
