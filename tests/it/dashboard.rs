//! The dashboard as a browser without JavaScript meets it: the server-rendered
//! summary and list, and the add, edit and delete forms as plain form posts.

use crate::common::{Backend, Deployment, TestApp};
use time::OffsetDateTime;

async fn dashboard(app: &TestApp, path: &str, cookie: &str) -> String {
    let res = app.get_page(path, Some(cookie)).await;
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// The text of the element marked `data-testid="{testid}"`.
fn stat(html: &str, testid: &str) -> String {
    let marker = format!("data-testid=\"{testid}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {testid} in page"));
    let after_tag = start + html[start..].find('>').unwrap() + 1;
    html[after_tag..].split('<').next().unwrap().to_owned()
}

/// The text of every element marked `data-testid="{testid}"`, in order
/// (Leptos's hydration markers, `<!>`, left out).
fn texts(html: &str, testid: &str) -> Vec<String> {
    let marker = format!("data-testid=\"{testid}\"");
    html.split(&marker)
        .skip(1)
        .map(|rest| {
            let inner = &rest[rest.find('>').unwrap() + 1..];
            inner.split("</").next().unwrap().replace("<!>", "")
        })
        .collect()
}

async fn add_edit_and_delete_a_workout_with_plain_form_posts(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("forms@example.com").await;
    let today = OffsetDateTime::now_utc().date().to_string();

    let empty = dashboard(&app, "/dashboard", &cookie).await;
    assert!(empty.contains("No workouts here yet"));
    assert_eq!(stat(&empty, "stat-total"), "0");
    assert!(
        empty.contains(&format!("value=\"{today}\"")),
        "the date defaults to today"
    );

    // Add.
    let res = app
        .plain_form_post(
            "/api/workouts/save",
            "/dashboard",
            &[
                ("date", &today),
                ("duration_minutes", "35"),
                ("entries[0][exercise]", "Tempo run"),
                ("entries[0][sets][0][distance]", "7.25"),
                ("entries[0][sets][0][duration]", "35:00"),
                ("notes", "<script>alert(1)</script>"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/dashboard");
    let html = dashboard(&app, "/dashboard", &cookie).await;
    assert_eq!(texts(&html, "workout-kind"), ["Tempo run"]);
    assert!(html.contains("35 min · 1 set"));
    assert!(html.contains("7.25 km in 35:00"));
    assert!(!html.contains("<script>alert(1)"), "notes are escaped");
    assert!(html.contains("&lt;script&gt;alert(1)"));
    assert_eq!(stat(&html, "stat-total"), "1");
    assert_eq!(stat(&html, "stat-week"), "1");
    let id = html
        .split("data-id=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // Edit: the link opens the form in place, filled in.
    let edit_path = format!("/dashboard?edit={id}");
    let form = dashboard(&app, &edit_path, &cookie).await;
    assert!(form.contains("data-testid=\"edit-workout\""));
    assert!(form.contains("value=\"Tempo run\""));
    assert!(form.contains("value=\"7.25\""));
    let res = app
        .plain_form_post(
            "/api/workouts/save",
            &edit_path,
            &[
                ("id", &id),
                ("date", &today),
                ("entries[0][exercise]", "Intervals"),
                ("duration_minutes", "40"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        "/dashboard",
        "back to the list, form closed"
    );
    let html = dashboard(&app, "/dashboard", &cookie).await;
    assert!(
        html.contains("workout-kind\">Intervals") && !html.contains("workout-kind\">Tempo run")
    );
    assert!(!html.contains("data-testid=\"edit-workout\""));

    // An invalid edit comes back to the open form with the message.
    let res = app
        .plain_form_post(
            "/api/workouts/save",
            &edit_path,
            &[
                ("id", &id),
                ("date", &today),
                ("entries[0][exercise]", "Intervals"),
                ("duration_minutes", "-1"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 302);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    let back = back
        .trim_start_matches(&format!("http://{}", app.addr))
        .to_owned();
    assert!(
        back.starts_with(&edit_path) && back.contains("__err="),
        "{back}"
    );
    let html = dashboard(&app, &back, &cookie).await;
    assert!(html.contains("The duration in minutes must be a whole number from 1 to 1440"));
    assert!(html.contains("data-field=\"duration_minutes\""));

    // Delete asks first, then deletes.
    let delete_path = format!("/dashboard?delete={id}");
    let confirm = dashboard(&app, &delete_path, &cookie).await;
    assert!(confirm.contains("Delete this workout?"));
    let res = app
        .plain_form_post(
            "/api/workouts/delete",
            &delete_path,
            &[("id", &id)],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/dashboard");
    let html = dashboard(&app, "/dashboard", &cookie).await;
    assert!(html.contains("No workouts here yet"));
    assert_eq!(stat(&html, "stat-total"), "0");
    app.shutdown().await;
}

async fn the_dashboard_pages_through_older_workouts_and_keeps_the_page_after_an_edit(
    backend: Backend,
) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("pager@example.com").await;
    let today = OffsetDateTime::now_utc().date().to_string();
    for n in 0..21 {
        let kind = format!("Workout {n:02}");
        let res = app
            .post_form(
                "/api/workouts/create",
                &[("date", &today), ("kind", &kind)],
                Some(&cookie),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let first = dashboard(&app, "/dashboard", &cookie).await;
    assert_eq!(first.matches("data-testid=\"workout\"").count(), 20);
    assert!(
        first.contains("workout-kind\">Workout 20") && !first.contains("workout-kind\">Workout 00")
    );
    let older = first.split("data-testid=\"older\"").next().unwrap();
    let href = older
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(href.starts_with("/dashboard?before="), "{href}");

    let second = dashboard(&app, &href, &cookie).await;
    assert_eq!(second.matches("data-testid=\"workout\"").count(), 1);
    assert_eq!(texts(&second, "workout-kind"), ["Workout 00"]);
    assert!(second.contains("← Newest"));

    // Editing on page two returns to page two.
    let id = second
        .split("data-id=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let referer = format!("{href}&edit={id}");
    let res = app
        .plain_form_post(
            "/api/workouts/save",
            &referer,
            &[
                ("id", &id),
                ("date", &today),
                ("entries[0][exercise]", "Renamed"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.headers()["location"].to_str().unwrap(), href);
    app.shutdown().await;
}

crate::on_both_databases!(
    add_edit_and_delete_a_workout_with_plain_form_posts,
    the_dashboard_pages_through_older_workouts_and_keeps_the_page_after_an_edit,
);
