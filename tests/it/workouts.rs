//! The workout API over HTTP against the real app: ownership, validation,
//! paging and the summary figures.

use crate::common::{Backend, Deployment, TestApp, session_cookie};
use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime};
use workout_log::workouts::domain::Summary;

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn iso(date: Date) -> String {
    date.to_string() // time's Display for Date is YYYY-MM-DD
}

/// A full, valid form for a run on `date`.
fn run_on(date: Date) -> Vec<(&'static str, String)> {
    vec![
        ("date", iso(date)),
        ("kind", "Run".into()),
        ("duration_minutes", "30".into()),
        ("distance_km", "5.5".into()),
        ("sets", "".into()),
        ("reps", "".into()),
        ("weight_kg", "".into()),
        ("notes", "Easy".into()),
    ]
}

async fn call(
    app: &TestApp,
    path: &str,
    form: &[(&str, String)],
    cookie: &str,
) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form(path, &form, Some(cookie)).await
}

async fn create(app: &TestApp, cookie: &str, form: &[(&str, String)]) -> Value {
    let res = call(app, "/api/workouts/create", form, cookie).await;
    assert_eq!(
        res.status(),
        200,
        "create failed: {}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

async fn list(app: &TestApp, cookie: &str, form: &[(&str, String)]) -> Value {
    let res = call(app, "/api/workouts/list", form, cookie).await;
    assert_eq!(
        res.status(),
        200,
        "list failed: {}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

async fn summary(app: &TestApp, cookie: &str) -> Value {
    let res = call(app, "/api/workouts/summary", &[], cookie).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    page["workouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect()
}

async fn create_get_update_and_delete_a_workout(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("crud@example.com").await;

    let created = create(&app, &cookie, &run_on(today())).await;
    assert_eq!(created["kind"], "Run");
    assert_eq!(created["date"], iso(today()));
    assert_eq!(created["distance_m"], 5500, "km are stored as whole metres");
    assert_eq!(created["duration_minutes"], 30);
    assert_eq!(
        created["sets"],
        Value::Null,
        "a blank optional field is absent"
    );
    let id = created["id"].as_i64().unwrap().to_string();

    let got: Value = call(&app, "/api/workouts/get", &[("id", id.clone())], &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, created);

    let mut squat = vec![("id", id.clone())];
    squat.extend([
        ("date", iso(today() - Duration::days(1))),
        ("kind", " Squat ".into()),
        ("sets", "5".into()),
        ("reps", "5".into()),
        ("weight_kg", "82.5".into()),
        ("notes", "Felt strong".into()),
    ]);
    let res = call(&app, "/api/workouts/update", &squat, &cookie).await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["kind"], "Squat");
    assert_eq!(updated["weight_g"], 82_500);
    assert_eq!(
        updated["distance_m"],
        Value::Null,
        "an update replaces every field"
    );
    assert_eq!(list(&app, &cookie, &[]).await["workouts"], json!([updated]));

    let res = call(&app, "/api/workouts/delete", &[("id", id.clone())], &cookie).await;
    assert_eq!(res.status(), 200);
    assert_eq!(list(&app, &cookie, &[]).await["workouts"], json!([]));
    let again = call(&app, "/api/workouts/delete", &[("id", id)], &cookie).await;
    assert_eq!(again.status(), 404);
    app.shutdown().await;
}

async fn another_user_can_neither_see_nor_change_my_workouts_through_any_endpoint(
    backend: Backend,
) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    let bob = app.signed_up_cookie("bob@example.com").await;

    let anns = create(&app, &ann, &run_on(today())).await;
    let anns_id = anns["id"].as_i64().unwrap().to_string();
    create(&app, &bob, &run_on(today())).await;

    // List: Bob sees only his own, also when he crafts a cursor past Ann's row.
    let bobs_list = list(&app, &bob, &[]).await;
    assert_eq!(bobs_list["workouts"].as_array().unwrap().len(), 1);
    assert!(!ids(&bobs_list).contains(&anns["id"].as_i64().unwrap()));
    let crafted = format!("{}_{}", iso(today() + Duration::days(1)), i64::MAX);
    let crafted_page = list(&app, &bob, &[("before", crafted)]).await;
    assert!(!ids(&crafted_page).contains(&anns["id"].as_i64().unwrap()));

    // Get, update and delete answer exactly as for a missing id.
    let missing = "999999".to_owned();
    for id in [&anns_id, &missing] {
        let got = call(&app, "/api/workouts/get", &[("id", id.clone())], &bob).await;
        assert_eq!(got.status(), 404, "get {id}");
        assert_eq!(got.text().await.unwrap(), "\"NotFound\"");

        let mut update = vec![("id", id.clone())];
        update.extend(run_on(today()).into_iter().map(|(k, v)| {
            if k == "kind" {
                (k, "Hacked".into())
            } else {
                (k, v)
            }
        }));
        let res = call(&app, "/api/workouts/update", &update, &bob).await;
        assert_eq!(res.status(), 404, "update {id}");

        let res = call(&app, "/api/workouts/delete", &[("id", id.clone())], &bob).await;
        assert_eq!(res.status(), 404, "delete {id}");
    }

    // Ann's workout is untouched and her figures do not include Bob's.
    let got: Value = call(&app, "/api/workouts/get", &[("id", anns_id)], &ann)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, anns);
    assert_eq!(summary(&app, &ann).await["total"], 1);
    assert_eq!(summary(&app, &bob).await["total"], 1);
    app.shutdown().await;
}

async fn every_workout_endpoint_answers_401_to_an_anonymous_caller(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let owner = app.signed_up_cookie("owner@example.com").await;
    let id = create(&app, &owner, &run_on(today())).await["id"].to_string();

    let mut update = run_on(today());
    update.push(("id", id.clone()));
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("/api/workouts/list", vec![]),
        ("/api/workouts/summary", vec![]),
        ("/api/workouts/get", vec![("id", id.clone())]),
        ("/api/workouts/create", run_on(today())),
        ("/api/workouts/update", update),
        ("/api/workouts/delete", vec![("id", id.clone())]),
    ];
    for (path, form) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = app.post_form(path, &form, None).await;
        assert_eq!(res.status(), 401, "{path}");
        assert_eq!(res.text().await.unwrap(), "\"Unauthorized\"", "{path}");
    }
    assert_eq!(summary(&app, &owner).await["total"], 1, "nothing changed");
    app.shutdown().await;
}

async fn invalid_fields_are_named_and_nothing_is_stored(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("valid@example.com").await;
    let existing = create(&app, &cookie, &run_on(today())).await;

    let tomorrow_but_one = iso(today() + Duration::days(2));
    let long_notes = "x".repeat(1001);
    let cases = [
        ("date", "2026-02-30"),
        ("date", tomorrow_but_one.as_str()),
        ("date", ""),
        ("kind", "   "),
        ("duration_minutes", "-5"),
        ("duration_minutes", "99999999999999999999999"),
        ("distance_km", "abc"),
        ("distance_km", "0"),
        ("sets", "1.5"),
        ("reps", "1001"),
        ("weight_kg", "-60"),
        ("notes", long_notes.as_str()),
    ];
    for (field, value) in cases {
        let mut form = run_on(today());
        form.retain(|(k, _)| *k != field);
        form.push((field, value.to_owned()));
        let res = call(&app, "/api/workouts/create", &form, &cookie).await;
        assert_eq!(res.status(), 422, "{field}={value:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["InvalidField"]["field"], field, "{body}");

        // The same input cannot overwrite an existing workout either.
        form.push(("id", existing["id"].to_string()));
        let res = call(&app, "/api/workouts/update", &form, &cookie).await;
        assert_eq!(res.status(), 422, "update {field}={value:?}");
    }
    // Malformed ids and cursors are client errors too.
    for (path, form) in [
        ("/api/workouts/get", vec![("id", "abc".to_owned())]),
        ("/api/workouts/delete", vec![]),
        ("/api/workouts/list", vec![("limit", "0".to_owned())]),
        ("/api/workouts/list", vec![("limit", "-1".to_owned())]),
        ("/api/workouts/list", vec![("before", "garbage".to_owned())]),
    ] {
        let status = call(&app, path, &form, &cookie).await.status().as_u16();
        assert!(
            matches!(status, 400 | 422),
            "{path} {form:?} answered {status}"
        );
    }
    let page = list(&app, &cookie, &[]).await;
    assert_eq!(
        page["workouts"],
        json!([existing]),
        "nothing stored or changed"
    );
    app.shutdown().await;
}

async fn paging_walks_every_workout_newest_first_exactly_once(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("pages@example.com").await;
    // 25 workouts over 10 days: several share a date, so the id breaks ties.
    for n in 0..25 {
        create(&app, &cookie, &run_on(today() - Duration::days(n % 10))).await;
    }

    let mut seen: Vec<(String, i64)> = Vec::new();
    let mut before: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut form = vec![("limit", "10".to_owned())];
        if let Some(cursor) = &before {
            form.push(("before", cursor.clone()));
        }
        let page = list(&app, &cookie, &form).await;
        pages += 1;
        for w in page["workouts"].as_array().unwrap() {
            seen.push((
                w["date"].as_str().unwrap().to_owned(),
                w["id"].as_i64().unwrap(),
            ));
        }
        match page["next"].as_str() {
            Some(next) => before = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3, "10 + 10 + 5");
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, ties by id, no duplicates");
    sorted.dedup();
    assert_eq!(sorted.len(), 25);

    let default_page = list(&app, &cookie, &[]).await;
    assert_eq!(
        default_page["workouts"].as_array().unwrap().len(),
        20,
        "default page size"
    );
    app.shutdown().await;
}

async fn the_summary_counts_this_week_this_month_the_total_and_eight_weeks(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("summary@example.com").await;
    let today = today();
    let monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
    let first_of_month = today.replace_day(1).unwrap();
    let dates = [
        today,
        today,
        monday,
        monday - Duration::days(1), // last Sunday
        first_of_month,
        monday - Duration::weeks(7), // the oldest week on the chart
        monday - Duration::weeks(8), // before the chart
        today - Duration::days(400),
    ];
    for date in dates {
        create(&app, &cookie, &run_on(date)).await;
    }
    // Someone else's workouts count for them only.
    let other = app.signed_up_cookie("other-summary@example.com").await;
    create(&app, &other, &run_on(today)).await;

    let s = summary(&app, &cookie).await;
    let in_range = |from: Date| dates.iter().filter(|d| **d >= from).count() as u64;
    assert_eq!(s["today"], iso(today));
    assert_eq!(s["total"], 8);
    assert_eq!(s["this_week"], in_range(monday));
    assert_eq!(s["this_month"], in_range(first_of_month));
    let weeks = s["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 8);
    for (i, week) in weeks.iter().enumerate() {
        let starts = monday - Duration::weeks(7 - i as i64);
        let ends = starts + Duration::weeks(1);
        let expected = dates.iter().filter(|d| **d >= starts && **d < ends).count() as u64;
        assert_eq!(week["starts"], iso(starts));
        assert_eq!(week["count"], expected, "week of {starts}");
    }
    assert_eq!(weeks[0]["count"], 1, "the oldest week holds one workout");
    app.shutdown().await;
}

async fn a_workout_request_from_a_deleted_users_session_destroys_the_session(backend: Backend) {
    let deployment = Deployment::new(backend).with("SESSION_USER_RECHECK", "1ms");
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("vanished@example.com").await;
    create(&app, &cookie, &run_on(today())).await;
    deployment.delete_user("vanished@example.com").await;

    let res = call(&app, "/api/workouts/list", &[], &cookie).await;
    assert_eq!(res.status(), 401);
    assert!(
        session_cookie(res.headers()).is_some_and(|c| c.is_removal()),
        "cookie expired"
    );
    assert!(
        deployment.redis.session_keys().is_empty(),
        "session removed from Redis"
    );
    assert_eq!(
        deployment.workout_count().await,
        0,
        "the user's workouts went with it"
    );

    // The browser is sent to /login.
    let page = app.get_page("/dashboard", Some(&cookie)).await;
    assert_eq!(page.status(), 302);
    assert_eq!(page.headers()["location"], "/login?next=%2Fdashboard");
    app.shutdown().await;
}

/// Within the recheck period the app still trusts the session's user; a
/// write for a user deleted behind its back meets the foreign key and is
/// answered 401, not 500, and stores nothing.
async fn a_write_for_a_user_deleted_moments_ago_is_refused_as_unauthorized(backend: Backend) {
    let deployment = Deployment::new(backend).with("SESSION_USER_RECHECK", "10m");
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("moments@example.com").await;
    deployment.delete_user("moments@example.com").await;

    let res = call(&app, "/api/workouts/create", &run_on(today()), &cookie).await;
    assert_eq!(res.status(), 401);
    assert_eq!(deployment.workout_count().await, 0);
    app.shutdown().await;
}

/// Each summary figure counts only the dates inside its period, down to the
/// query: on Monday 30 November a workout dated 1 December (tomorrow, which
/// the form allows) is this week's and not November's; on Sunday 29
/// November, one dated the 30th is November's and not this week's.
async fn each_summary_figure_counts_only_dates_inside_its_period(backend: Backend) {
    use workout_log::server::config::DatabaseUrl;
    use workout_log::server::db::Database;
    use workout_log::workouts::domain::FlatWorkout;

    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("periods@example.com").await;
    app.shutdown().await;
    let pool = deployment.db.connect().await;
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind("periods@example.com")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    let db = Database::connect(&DatabaseUrl::parse(&deployment.db.url()).unwrap())
        .await
        .unwrap();
    let on = |date: Date| FlatWorkout::bare(date, "Run").into_new();
    for date in [
        time::macros::date!(2026 - 12 - 01),
        time::macros::date!(2026 - 11 - 30),
        time::macros::date!(2026 - 11 - 29),
        time::macros::date!(2026 - 10 - 31),
    ] {
        db.create_workout(user, &on(date)).await.unwrap();
    }
    let figures = |s: Summary| {
        (
            s.this_week,
            s.this_month,
            s.total,
            s.weeks.last().unwrap().count,
        )
    };
    let summary_on = async |today: Date| {
        let log = db.daily_log(user, Summary::window(today)).await.unwrap();
        Summary::of(today, &log).0
    };
    let monday = summary_on(time::macros::date!(2026 - 11 - 30)).await;
    assert_eq!(figures(monday), (2, 2, 4, 2), "Monday 30 November");
    let sunday = summary_on(time::macros::date!(2026 - 11 - 29)).await;
    assert_eq!(figures(sunday), (1, 2, 4, 1), "Sunday 29 November");
    db.close().await;
}

crate::on_both_databases!(
    create_get_update_and_delete_a_workout,
    a_write_for_a_user_deleted_moments_ago_is_refused_as_unauthorized,
    another_user_can_neither_see_nor_change_my_workouts_through_any_endpoint,
    every_workout_endpoint_answers_401_to_an_anonymous_caller,
    invalid_fields_are_named_and_nothing_is_stored,
    paging_walks_every_workout_newest_first_exactly_once,
    the_summary_counts_this_week_this_month_the_total_and_eight_weeks,
    a_workout_request_from_a_deleted_users_session_destroys_the_session,
    each_summary_figure_counts_only_dates_inside_its_period,
);
