//! The gated dashboard: the logged-in user's workout log.

use leptos::prelude::*;

use crate::auth::pages::RequireUser;
use crate::auth::recovery_pages::ConfirmEmailBanner;
use crate::workouts::pages::WorkoutDashboard;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <RequireUser children=|user| view! {
            <ConfirmEmailBanner />
            <WorkoutDashboard user />
        } />
    }
}
