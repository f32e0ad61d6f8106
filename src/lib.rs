//! A personal workout log behind server-side session authentication.
//!
//! One crate, two builds: `ssr` (the axum server binary) and `hydrate` (the
//! WASM bundle). Server-only code lives in `server` and in each feature's
//! `server.rs`; the rest is shared.

pub mod account;
pub mod app;
pub mod auth;
pub mod dashboard;
pub mod error;
#[cfg(feature = "ssr")]
pub mod server;
pub mod transfer;
pub mod ui;
pub mod workouts;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker for the browser tests: clicks before this point are plain form
    // posts, after it they are handled by the WASM app.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
