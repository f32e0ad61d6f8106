//! Form pieces every feature's pages share: the error line, the submit
//! button that shows its action is pending, and a password field. Markup and
//! wording live here once, so the pages look and read alike.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::AppError;

/// The message of a failed action, announced to screen readers; names the
/// field (`data-field`) when the server named one.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|err| {
            view! { <p class="error" role="alert" data-field=err.field().map(str::to_owned)>{err.to_string()}</p> }
        })
    }
}

/// The error of `action`'s last run, if it failed, for a [`FormError`].
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// A submit button that is disabled and says `busy` while `pending`
/// (`Saving…`), and says `label` otherwise.
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    label: &'static str,
    busy: &'static str,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=(!class.is_empty()).then_some(class) disabled=move || pending.get()>
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}

/// A labelled password input (at most 128 characters, the policy's limit).
#[component]
pub fn PasswordField(
    label: &'static str,
    name: &'static str,
    /// `current-password` or `new-password`, for password managers.
    autocomplete: &'static str,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input type="password" name=name autocomplete=autocomplete required maxlength="128" />
        </label>
    }
}

/// Answers this page with `Referrer-Policy: no-referrer`: its URL carries a
/// link's token, which must not travel on to anything the page loads or
/// links to.
pub fn send_no_referrer() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::REFERRER_POLICY,
            http::HeaderValue::from_static("no-referrer"),
        );
    }
}
