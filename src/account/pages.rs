//! The account page: the user's sessions (revoke one, or all but this one),
//! password change, the recent security activity, and account deletion.
//!
//! Every control is an `ActionForm`: with WASM loaded it updates the page in
//! place; without JavaScript it is a plain form post that the server answers
//! with a redirect back to `/account` (or to `/` after deleting the account).

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::domain::format_timestamp;
use super::{AuditEvent, SessionInfo};
use super::{
    ChangeEmail, ChangePassword, DeleteAccount, LogOutOtherSessions, RevokeSession, SetUnits,
    audit_trail, get_units, list_sessions,
};
use crate::auth::domain::Password;
use crate::auth::pages::RequireUser;
use crate::auth::{Auth, CurrentUser, EmailStatus, get_email_status, unauthorized};
use crate::error::AppError;
use crate::ui::{FormError, PasswordField, SubmitButton, action_error};
use crate::workouts::domain::{DistanceUnit, Units, WeightUnit};

/// `/account`, for a logged-in user only.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! { <RequireUser children=|user| view! { <AccountSettings user /> } /> }
}

#[component]
fn AccountSettings(user: CurrentUser) -> impl IntoView {
    let auth = Auth::expect();
    let revoke = ServerAction::<RevokeSession>::new();
    let log_out_others = ServerAction::<LogOutOtherSessions>::new();
    let change_password = ServerAction::<ChangePassword>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    let change_email = ServerAction::<ChangeEmail>::new();
    let set_units = ServerAction::<SetUnits>::new();

    // Bumped only when a change succeeds: the sessions and the audit trail are
    // fetched again then, and only then.
    let changed = RwSignal::new(0_u32);
    let bump = move || changed.update(|n| *n += 1);
    let password_form = NodeRef::<leptos::html::Form>::new();
    let email_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move || {
        if matches!(change_email.value().get(), Some(Ok(_))) {
            bump();
            if let Some(form) = email_form.get_untracked() {
                form.reset();
            }
        }
    });
    Effect::new(move || {
        if matches!(revoke.value().get(), Some(Ok(()))) {
            bump();
        }
    });
    Effect::new(move || {
        if matches!(log_out_others.value().get(), Some(Ok(_))) {
            bump();
        }
    });
    Effect::new(move || {
        if matches!(change_password.value().get(), Some(Ok(()))) {
            bump();
            // Leave no password typed into the page.
            if let Some(form) = password_form.get_untracked() {
                form.reset();
            }
        }
    });
    let navigate = use_navigate();
    Effect::new(move || {
        if matches!(delete.value().get(), Some(Ok(()))) {
            // Every session of the account is gone, this one too.
            auth.refresh();
            navigate("/", Default::default());
        }
    });

    let sessions = Resource::new(move || changed.get(), |_| list_sessions());
    let audit = Resource::new(move || changed.get(), |_| audit_trail());
    let email_status = Resource::new(move || changed.get(), |_| get_email_status());
    let units = Resource::new(move || changed.get(), |_| get_units());
    Effect::new(move || {
        if matches!(set_units.value().get(), Some(Ok(_))) {
            bump();
        }
    });

    // A session that ended under us (revoked from another device, password
    // changed elsewhere): ask who is logged in again, and the route gate sends
    // the browser to /login.
    auth.refresh_when(move || {
        unauthorized(sessions.get())
            || unauthorized(audit.get())
            || unauthorized(revoke.value().get())
            || unauthorized(log_out_others.value().get())
            || unauthorized(change_password.value().get())
            || unauthorized(change_email.value().get())
            || unauthorized(email_status.get())
            || unauthorized(units.get())
            || unauthorized(set_units.value().get())
            || unauthorized(delete.value().get())
    });

    view! {
        <section class="card account-intro">
            <h1>"Your account"</h1>
            <p class="muted">
                "Logged in as " <strong data-testid="account-email">{user.email}</strong>
            </p>
        </section>
        <SessionsSection sessions revoke log_out_others />
        <TrainingLogSection units action=set_units />
        <EmailSection status=email_status action=change_email form_ref=email_form />
        <ChangePasswordSection action=change_password form_ref=password_form />
        <ActivitySection audit />
        <DeleteAccountSection action=delete />
    }
}

/// The training log's settings: the units values are entered and shown in,
/// and the whole log to download.
#[component]
fn TrainingLogSection(
    units: Resource<Result<Units, AppError>>,
    action: ServerAction<SetUnits>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="log-heading">
            <h2 id="log-heading">"Training log"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match units.await {
                        Ok(units) => view! { <UnitsForm units action /> }.into_any(),
                        Err(err) => view! { <FormError error=Signal::stored(Some(err)) /> }.into_any(),
                    }
                })}
            </Transition>
            <h3>"Take your log with you"</h3>
            <p class="muted">"Every workout, exercise and set, to open in a spreadsheet or to keep."</p>
            <p class="downloads">
                <a class="button secondary" href="/export/workouts.csv" download="" rel="external" data-testid="export-csv">"Download CSV"</a>
                <a class="button secondary" href="/export/workouts.json" download="" rel="external" data-testid="export-json">"Download JSON"</a>
            </p>
            <crate::transfer::pages::ImportSection />
        </section>
    }
}

#[component]
fn UnitsForm(units: Units, action: ServerAction<SetUnits>) -> impl IntoView {
    let weight = move |unit: WeightUnit, label: &'static str| {
        view! { <option value=unit.as_str() selected=units.weight == unit>{label}</option> }
    };
    let distance = move |unit: DistanceUnit, label: &'static str| {
        view! { <option value=unit.as_str() selected=units.distance == unit>{label}</option> }
    };
    view! {
        <ActionForm action attr:class="units-form" attr:data-testid="units-form">
            <div class="fields">
                <label>"Weights in"
                    <select name="weight_unit">
                        {weight(WeightUnit::Kg, "Kilograms (kg)")}
                        {weight(WeightUnit::Lb, "Pounds (lb)")}
                    </select>
                </label>
                <label>"Distances in"
                    <select name="distance_unit">
                        {distance(DistanceUnit::Km, "Kilometres (km)")}
                        {distance(DistanceUnit::Mi, "Miles (mi)")}
                    </select>
                </label>
            </div>
            <FormError error=action_error(action) />
            <SubmitButton pending=action.pending() label="Save units" busy="Saving…" />
            <Show when=move || matches!(action.value().get(), Some(Ok(_)))>
                <p class="muted" role="status">"Saved. Weights and distances now show in these units."</p>
            </Show>
        </ActionForm>
    }
}

/// The account's address (confirmed or not, a change waiting for its
/// link) and the form that asks to change it.
#[component]
fn EmailSection(
    status: Resource<Result<EmailStatus, AppError>>,
    action: ServerAction<ChangeEmail>,
    form_ref: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let requested = move || action.value().get().and_then(Result::ok);
    view! {
        <section class="card" aria-labelledby="email-heading">
            <h2 id="email-heading">"Email address"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    status.await.ok().map(|status| view! {
                        <p data-testid="email-status">
                            <strong>{status.email}</strong>
                            {if status.confirmed { " (confirmed)" } else { " (not confirmed yet)" }}
                        </p>
                        {status.pending_email.map(|pending| view! {
                            <p class="muted" data-testid="pending-email">
                                "Waiting for you to follow the link sent to " <strong>{pending}</strong> "."
                            </p>
                        })}
                    })
                })}
            </Transition>
            <ActionForm action node_ref=form_ref attr:class="stack" attr:data-testid="change-email">
                <label>
                    "New email address"
                    <input type="email" name="new_email" autocomplete="email" required maxlength="254" />
                </label>
                <PasswordField label="Current password" name="password" autocomplete="current-password" />
                <FormError error=action_error(action) />
                <SubmitButton pending=action.pending() label="Change email" busy="Sending link…" />
                <div role="status">
                    {move || requested().map(|email| view! {
                        <p class="success" data-testid="email-change-sent">
                            "We sent a link to " {email} ". Your address changes when you follow it."
                        </p>
                    })}
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn SessionsSection(
    sessions: Resource<Result<Vec<SessionInfo>, AppError>>,
    revoke: ServerAction<RevokeSession>,
    log_out_others: ServerAction<LogOutOtherSessions>,
) -> impl IntoView {
    let ended = move || match log_out_others.value().get() {
        Some(Ok(0)) => Some("There were no other sessions to log out.".to_owned()),
        Some(Ok(1)) => Some("Logged out 1 other session.".to_owned()),
        Some(Ok(n)) => Some(format!("Logged out {n} other sessions.")),
        _ => None,
    };
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Your sessions"</h2>
            <p class="muted">
                "Everywhere you are logged in right now. Revoke any session you do not recognise."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading your sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! { <SessionList sessions=list revoke /> }.into_any(),
                        Err(err) => view! { <FormError error=Signal::stored(Some(err)) /> }.into_any(),
                    }
                })}
            </Transition>
            <FormError error=action_error(revoke) />
            <ActionForm action=log_out_others attr:class="sessions-actions" attr:data-testid="log-out-others">
                <SubmitButton
                    pending=log_out_others.pending()
                    label="Log out everywhere else"
                    busy="Logging out…"
                    class="secondary"
                />
                <div class="status" role="status">
                    {move || ended().map(|message| view! { <p class="success">{message}</p> })}
                </div>
                <FormError error=action_error(log_out_others) />
            </ActionForm>
        </section>
    }
}

#[component]
fn SessionList(sessions: Vec<SessionInfo>, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    view! {
        <ul class="sessions" data-testid="session-list">
            {sessions
                .into_iter()
                .map(|session| view! { <SessionItem session revoke /> })
                .collect_view()}
        </ul>
    }
}

#[component]
fn SessionItem(session: SessionInfo, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    let SessionInfo {
        handle,
        device,
        ip,
        created_at,
        last_active,
        current,
        remembered,
    } = session;
    let revoke_form = (!current).then(|| {
        let this = handle.clone();
        let revoking_this = move || {
            revoke
                .input()
                .with(|input| input.as_ref().is_some_and(|input| input.handle == this))
        };
        view! {
            <ActionForm action=revoke attr:class="inline">
                <input type="hidden" name="handle" value=handle />
                <button type="submit" class="secondary small" disabled=move || revoke.pending().get()>
                    {move || if revoking_this() { "Revoking…" } else { "Revoke" }}
                </button>
            </ActionForm>
        }
    });
    view! {
        <li
            class="session"
            class:current=current
            data-testid="session"
            data-current=current.then_some("true")
        >
            <div class="session-main">
                <div class="session-title">
                    <strong class="session-device">{device}</strong>
                    {current.then(|| view! { <span class="badge" data-testid="this-device">"This device"</span> })}
                    {remembered.then(|| view! {
                        <span class="badge quiet" data-testid="remembered">"Remembered"</span>
                    })}
                </div>
                <div class="session-facts">
                    <span class="session-ip">{ip}</span>
                    <span>"Signed in " {format_timestamp(created_at)}</span>
                    <span>"Last active " {format_timestamp(last_active)}</span>
                </div>
            </div>
            {revoke_form}
        </li>
    }
}

#[component]
fn ChangePasswordSection(
    action: ServerAction<ChangePassword>,
    form_ref: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    let changed = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <ActionForm action node_ref=form_ref attr:class="stack narrow" attr:data-testid="change-password">
                <PasswordField label="Current password" name="current_password" autocomplete="current-password" />
                <PasswordField label="New password" name="new_password" autocomplete="new-password" />
                <p class="hint">
                    {format!(
                        "{} to {} characters, not a common password and not your email address. \
                         Every other session is logged out.",
                        Password::MIN_CHARS,
                        Password::MAX_CHARS,
                    )}
                </p>
                <div class="status" role="status">
                    {move || changed().then(|| view! {
                        <p class="success">"Your password was changed. Every other session was logged out."</p>
                    })}
                </div>
                <FormError error=action_error(action) />
                <SubmitButton pending=action.pending() label="Change password" busy="Changing…" />
            </ActionForm>
        </section>
    }
}

#[component]
fn ActivitySection(audit: Resource<Result<Vec<AuditEvent>, AppError>>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Recent activity"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading your activity…"</p> }>
                {move || Suspend::new(async move {
                    match audit.await {
                        Ok(events) => view! { <AuditTable events /> }.into_any(),
                        Err(err) => view! { <FormError error=Signal::stored(Some(err)) /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditTable(events: Vec<AuditEvent>) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="muted" data-testid="no-activity">"Nothing recorded yet."</p> }
            .into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="audit" data-testid="audit-trail">
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"IP address"</th>
                    </tr>
                </thead>
                <tbody>
                    {events
                        .into_iter()
                        .map(|event| view! {
                            <tr data-testid="audit-event" data-kind=event.kind.as_str()>
                                <td class="audit-time">{format_timestamp(event.at)}</td>
                                <td>{event.kind.describe()}</td>
                                <td class="audit-ip">{event.ip}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DeleteAccountSection(action: ServerAction<DeleteAccount>) -> impl IntoView {
    view! {
        <section class="card danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete account"</h2>
            <p>
                "This deletes your account, every workout you logged and your activity history, \
                 and logs out all your sessions. It cannot be undone."
            </p>
            <ActionForm action attr:class="stack narrow" attr:data-testid="delete-account">
                <PasswordField label="Password to confirm" name="password" autocomplete="current-password" />
                <FormError error=action_error(action) />
                <SubmitButton pending=action.pending() label="Delete my account" busy="Deleting…" class="danger" />
            </ActionForm>
        </section>
    }
}
