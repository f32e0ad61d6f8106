//! The document shell, the routes and the layout every page shares.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::account::pages::AccountPage;
use crate::auth::Auth;
use crate::auth::pages::{LoginPage, LogoutButton, SignupPage};
use crate::auth::recovery_pages::{ConfirmEmailPage, ForgotPasswordPage, ResetPasswordPage};
use crate::dashboard::DashboardPage;
use crate::workouts::progress_page::ExercisePage;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                // The stylesheet sits beside the bundle, whose directory is
                // named by its content hash in production (`server::assets`).
                <link
                    rel="stylesheet"
                    id="leptos"
                    href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
                />
                <HydrationScripts options />
                <link rel="icon" href="/favicon.ico" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Workout log" />
        <Router>
            <Layout />
        </Router>
    }
}

/// The path of every page in [`Layout`]'s route table, parameters written
/// as axum writes them (a server test checks the two agree). Redirect
/// targets are judged against it ([`is_page`]).
pub const PAGES: [&str; 9] = [
    "/",
    "/signup",
    "/login",
    "/dashboard",
    "/account",
    "/forgot-password",
    "/reset-password",
    "/confirm-email",
    "/exercises/{id}",
];

/// Whether `path` is one of [`PAGES`], where a `{name}` segment stands for
/// any one non-empty segment (`/exercises/12`).
pub fn is_page(path: &str) -> bool {
    PAGES.iter().any(|pattern| {
        let (mut wanted, mut given) = (pattern.split('/'), path.split('/'));
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return true,
                (Some(w), Some(g)) if w == g || (w.starts_with('{') && !g.is_empty()) => {}
                _ => return false,
            }
        }
    })
}

/// Pages that depend on who is logged in render only once that is known
/// (`SsrMode::Async`), so the server can still answer with a redirect.
#[component]
fn Layout() -> impl IntoView {
    Auth::provide();
    view! {
        <NavBar />
        <main>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage />
                <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async />
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async />
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                <Route path=path!("/exercises/:id") view=ExercisePage ssr=SsrMode::Async />
                <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                <Route path=path!("/reset-password") view=ResetPasswordPage />
                <Route path=path!("/confirm-email") view=ConfirmEmailPage />
            </Routes>
        </main>
    }
}

/// Links rendered inside a `Suspend` are plain `<a>`s (the router still
/// handles their clicks): `<A>` looks up the router's context when it renders,
/// and a Suspend that resolves late (a slow Redis) could find it gone.
#[component]
fn NavBar() -> impl IntoView {
    let auth = Auth::expect();
    view! {
        <header class="nav">
            <A href="/" attr:class="brand">"Workout log"</A>
            <nav>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match auth.user.await {
                            Ok(Some(user)) => view! {
                                <span class="nav-email" data-testid="nav-email">{user.email}</span>
                                <a href="/dashboard">"Workouts"</a>
                                <a href="/account">"Account"</a>
                                <LogoutButton />
                            }.into_any(),
                            _ => view! {
                                <a href="/login">"Log in"</a>
                                <a href="/signup">"Sign up"</a>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    let auth = Auth::expect();
    view! {
        <section class="hero">
            <h1>"Your training, logged."</h1>
            <p>"Record runs, lifts and everything in between. Your log is private to your account."</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(_)) => view! { <a href="/dashboard" class="button">"Go to dashboard"</a> }.into_any(),
                        _ => view! {
                            <div class="actions">
                                <a href="/signup" class="button">"Sign up"</a>
                                <a href="/login" class="button secondary">"Log in"</a>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p><A href="/">"Back to the start"</A></p>
        </section>
    }
}
