//! The gated dashboard.

use leptos::prelude::*;

use crate::auth::pages::RequireUser;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <RequireUser children=|user| {
            view! {
                <section class="card">
                    <h1>"Dashboard"</h1>
                    <p>"Signed in as " <strong data-testid="dashboard-email">{user.email}</strong></p>
                </section>
            }
        } />
    }
}
