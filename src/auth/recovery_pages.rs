//! The pages of account recovery and verified addresses: asking for a
//! reset link, setting a new password with it, confirming an address, and
//! the dashboard's reminder to confirm. Pages opened from a link in a
//! message consume nothing by being opened (mail scanners open links too):
//! the token is used only when the form is sent.

use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::domain::Password;
use super::{
    Auth, ConfirmEmail, ForgotPassword, ResendConfirmation, ResetPassword, get_email_status,
};
use crate::error::AppError;
use crate::ui::{FormError, PasswordField, SubmitButton, action_error, send_no_referrer};

/// `/forgot-password`: asks for the address and sends a reset link if an
/// account has it; says the same either way.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let forgot = ServerAction::<ForgotPassword>::new();
    let query = use_query_map();
    // `?sent=1` is where a plain form post (no JavaScript) lands.
    let sent =
        move || matches!(forgot.value().get(), Some(Ok(()))) || query.read().get("sent").is_some();
    view! {
        <section class="card auth-card">
            <h1>"Reset your password"</h1>
            <p class="muted">"Enter your account's email address and we will send you a link to choose a new password."</p>
            <ActionForm action=forgot attr:class="stack">
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="email" required maxlength="254" />
                </label>
                <FormError error=action_error(forgot) />
                <SubmitButton pending=forgot.pending() label="Send reset link" busy="Sending…" />
                <div role="status">
                    {move || sent().then(|| view! {
                        <p class="success" data-testid="reset-sent">
                            "If an account has that address, a link to reset its password is on its way. It works once, for a limited time."
                        </p>
                    })}
                </div>
            </ActionForm>
            <p class="muted"><A href="/login">"Back to log in"</A></p>
        </section>
    }
}

/// `/reset-password?token=…`: the new password, sent with the link's token.
/// On success the browser is logged in and goes to the dashboard.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    send_no_referrer();
    let auth = Auth::expect();
    let reset = ServerAction::<ResetPassword>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(_)) = reset.value().get() {
            auth.refresh();
            navigate("/dashboard", Default::default());
        }
    });
    view! {
        <Meta name="referrer" content="no-referrer" />
        <section class="card auth-card">
            <h1>"Choose a new password"</h1>
            <ActionForm action=reset attr:class="stack">
                <input type="hidden" name="token" value=token />
                <PasswordField label="New password" name="password" autocomplete="new-password" />
                <p class="hint">
                    {format!(
                        "{} to {} characters, not a common password and not your email address. \
                         Every device logged in to your account will be logged out.",
                        Password::MIN_CHARS,
                        Password::MAX_CHARS,
                    )}
                </p>
                <LinkError error=action_error(reset) />
                <SubmitButton pending=reset.pending() label="Set new password" busy="Saving…" />
            </ActionForm>
        </section>
    }
}

/// `/confirm-email?token=…`: one button that confirms the address (or the
/// new address of a change).
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    send_no_referrer();
    let auth = Auth::expect();
    let confirm = ServerAction::<ConfirmEmail>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let confirmed = move || matches!(confirm.value().get(), Some(Ok(())));
    Effect::new(move || {
        if confirmed() {
            // The nav bar shows the address, which may just have changed.
            auth.refresh();
        }
    });
    view! {
        <Meta name="referrer" content="no-referrer" />
        <section class="card auth-card">
            <h1>"Confirm your email address"</h1>
            <Show
                when=confirmed
                fallback=move || view! {
                    <ActionForm action=confirm attr:class="stack">
                        <input type="hidden" name="token" value=token />
                        <LinkError error=action_error(confirm) />
                        <SubmitButton pending=confirm.pending() label="Confirm my address" busy="Confirming…" />
                    </ActionForm>
                }
            >
                <p class="success" role="status" data-testid="email-confirmed">
                    "Your email address is confirmed."
                </p>
                <p><a href="/dashboard">"Go to your dashboard"</a></p>
            </Show>
        </section>
    }
}

/// A failed link's error, with the way forward: a dead reset link leads to
/// asking for a new one.
#[component]
fn LinkError(error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <FormError error />
        {move || match error.get() {
            Some(AppError::InvalidLink) => Some(view! {
                <p data-testid="ask-again">
                    <a href="/forgot-password">"Ask for a new password reset link"</a>
                    " or send a new confirmation link from your dashboard."
                </p>
            }.into_any()),
            Some(AppError::EmailTaken) => Some(view! {
                <p>"That address belongs to another account by now: your address is unchanged."</p>
            }.into_any()),
            _ => None,
        }}
    }
}

/// The dashboard's reminder, until the user confirms their address: where
/// the link went, and a button that sends it again.
#[component]
pub fn ConfirmEmailBanner() -> impl IntoView {
    let status = Resource::new(|| (), |()| get_email_status());
    let resend = ServerAction::<ResendConfirmation>::new();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let status = status.await.ok().filter(|status| !status.confirmed)?;
                Some(view! {
                    <aside class="banner" data-testid="confirm-email-banner">
                        <p>
                            <strong>"Confirm your email"</strong>
                            ": we sent a link to " {status.email} "."
                        </p>
                        <ActionForm action=resend attr:class="inline">
                            <SubmitButton pending=resend.pending() label="Send again" busy="Sending…" class="secondary small" />
                        </ActionForm>
                        <span role="status">
                            {move || matches!(resend.value().get(), Some(Ok(()))).then(|| "Sent: check your inbox.")}
                        </span>
                        <FormError error=action_error(resend) />
                    </aside>
                })
            })}
        </Transition>
    }
}
