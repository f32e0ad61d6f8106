//! The auth UI: the login and signup pages, the logout button, and the gate
//! that keeps anonymous visitors out of protected pages.
//!
//! Every form is an `ActionForm`, so it works as a plain form post before the
//! WASM has loaded or with JavaScript off.

use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

use super::domain::{CurrentUser, NextPath, Password};
use super::{Auth, Login, Logout, Signup};
use crate::error::AppError;
use crate::ui::{FormError, PasswordField, SubmitButton, action_error};

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = Auth::expect();
    let login = ServerAction::<Login>::new();
    refresh_auth_on_success(login);
    let query = use_query_map();
    let next = move || {
        NextPath::parse_or_default(query.read().get("next").as_deref())
            .as_str()
            .to_owned()
    };

    view! {
        <RedirectIfLoggedIn auth to=next />
        <section class="card auth-card">
            <h1>"Log in"</h1>
            <ActionForm action=login attr:class="stack">
                <input type="hidden" name="next" value=next />
                <EmailField />
                <PasswordField label="Password" name="password" autocomplete="current-password" />
                <label class="checkbox">
                    <input type="checkbox" name="remember" value="true" />
                    "Remember me"
                </label>
                <FormError error=action_error(login) />
                <SubmitButton pending=login.pending() label="Log in" busy="Logging in…" />
            </ActionForm>
            <p class="muted">
                <A href="/forgot-password">"Forgot your password?"</A>
                " · No account yet? " <A href="/signup">"Sign up"</A>
            </p>
        </section>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = Auth::expect();
    let signup = ServerAction::<Signup>::new();
    refresh_auth_on_success(signup);

    view! {
        <RedirectIfLoggedIn auth to=|| NextPath::DEFAULT.to_owned() />
        <section class="card auth-card">
            <h1>"Sign up"</h1>
            <ActionForm action=signup attr:class="stack">
                <EmailField />
                <PasswordField label="Password" name="password" autocomplete="new-password" />
                <p class="hint">
                    {format!(
                        "{} to {} characters, not a common password and not your email address.",
                        Password::MIN_CHARS,
                        Password::MAX_CHARS,
                    )}
                </p>
                <FormError error=action_error(signup) />
                <SubmitButton pending=signup.pending() label="Sign up" busy="Creating your account…" />
            </ActionForm>
            <p class="muted">"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

/// The nav bar's logout button. Without JavaScript the server redirects to `/`.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let auth = Auth::expect();
    let logout = ServerAction::<Logout>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(())) = logout.value().get() {
            auth.refresh();
            navigate("/", Default::default());
        }
    });
    view! {
        <ActionForm action=logout attr:class="inline">
            <button type="submit" class="link-button" disabled=move || logout.pending().get()>
                "Log out"
            </button>
        </ActionForm>
    }
}

/// Renders `children` with the logged-in user; sends anyone else to `/login`,
/// remembering where they wanted to go.
#[component]
pub fn RequireUser<F, V>(children: F) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = Auth::expect();
    let location = use_location();
    // The page below renders after an await. The server runs every render
    // to its end (`server::edge::to_the_end`), since Leptos disposes the
    // owner of a render that its client abandons while its tasks still run;
    // as a second line, the router's memos are computed now, while all is
    // alive: a memo first computed after that would read a disposed URL
    // signal and panic, where a computed one answers from its cache (or
    // `None` to a `try_` read once disposed).
    location.pathname.with_untracked(|_| ());
    location.query.with_untracked(|_| ());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => children(user).into_any(),
                        Ok(None) => {
                            let next = location.pathname.try_get_untracked().unwrap_or_default();
                            let path = format!("/login?next={}", urlencode_path(&next));
                            view! { <Redirect path /> }.into_any()
                        }
                        Err(err) => {
                            err.set_page_status();
                            view! { <FormError error=Signal::stored(Some(err)) /> }.into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
}

/// Login and signup pages send a logged-in user on (with a real 302 on the server).
#[component]
fn RedirectIfLoggedIn(
    auth: Auth,
    to: impl Fn() -> String + Clone + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || {
                let to = to.clone();
                Suspend::new(async move {
                    matches!(auth.user.await, Ok(Some(_))).then(|| view! { <Redirect path=to() /> })
                })
            }}
        </Transition>
    }
}

/// After a successful login or signup in the browser, ask the server who is
/// logged in; the pages then navigate on their own.
fn refresh_auth_on_success<S>(action: ServerAction<S>)
where
    S: leptos::server_fn::ServerFn<Output = CurrentUser, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let auth = Auth::expect();
    Effect::new(move || {
        if let Some(Ok(_)) = action.value().get() {
            auth.refresh();
        }
    });
}

#[component]
fn EmailField() -> impl IntoView {
    view! {
        <label>
            "Email"
            <input type="email" name="email" autocomplete="email" required maxlength="254" />
        </label>
    }
}

fn urlencode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
