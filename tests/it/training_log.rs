//! The training log over HTTP against the real app: whole workouts of
//! exercise entries and sets, records, the catalogue, units, "repeat last",
//! and that every new endpoint touches only the caller's rows.

use serde_json::{Value, json};
use time::{Date, Duration, OffsetDateTime};

use crate::common::{Backend, Deployment, TestApp};

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// A form of owned pairs, as the logging form sends it.
type Form = Vec<(String, String)>;

fn field(name: impl Into<String>, value: impl Into<String>) -> (String, String) {
    (name.into(), value.into())
}

/// Lower A: squat (a warm-up, then 100, 105, 110) and Romanian deadlift
/// (three sets of 8 at 80), `days_ago` days ago.
fn lower_a(days_ago: i64, top_kg: &str) -> Form {
    let mut form = vec![
        field("date", (today() - Duration::days(days_ago)).to_string()),
        field("title", "Lower A"),
        field("start_time", "18:04"),
        field("duration_minutes", "65"),
        field("entries[0][exercise]", "squat"),
        field("entries[0][sets][0][kind]", "warmup"),
        field("entries[0][sets][0][reps]", "8"),
        field("entries[0][sets][0][weight]", "60"),
        field("entries[0][sets][1][reps]", "5"),
        field("entries[0][sets][1][weight]", "100"),
        field("entries[0][sets][2][reps]", "5"),
        field("entries[0][sets][2][weight]", "105"),
        field("entries[0][sets][3][reps]", "5"),
        field("entries[0][sets][3][weight]", top_kg),
        field("entries[0][sets][3][rpe]", "8.5"),
        field("entries[1][exercise]", "Romanian Deadlift"),
    ];
    for set in 0..3 {
        form.push(field(format!("entries[1][sets][{set}][reps]"), "8"));
        form.push(field(format!("entries[1][sets][{set}][weight]"), "80"));
    }
    form
}

async fn post(
    app: &TestApp,
    path: &str,
    form: &[(String, String)],
    cookie: &str,
) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(path, &pairs, Some(cookie)).await
}

async fn ok_json(res: reqwest::Response) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Each set of one entry as `[kind, reps, weight_g, rpe, record]`.
fn sets_of(workout: &Value, entry: usize) -> Vec<Value> {
    workout["entries"][entry]["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!([s["kind"], s["reps"], s["weight_g"], s["rpe"], s["record"]]))
        .collect()
}

async fn a_whole_workout_is_logged_read_back_and_its_records_marked(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("lifter@example.com").await;

    let first = ok_json(post(&app, "/api/workouts/save", &lower_a(7, "110"), &cookie).await).await;
    assert_eq!(first["title"], "Lower A");
    assert_eq!(first["start_time"], "18:04");
    assert_eq!(
        first["entries"][0]["exercise"]["name"], "Squat",
        "the catalogue's spelling"
    );
    assert_eq!(first["entries"][0]["exercise"]["own"], false);
    assert_eq!(
        sets_of(&first, 0),
        [
            json!(["warmup", 8, 60_000, null, null]),
            json!(["normal", 5, 100_000, null, "e1rm"]),
            json!(["normal", 5, 105_000, null, "e1rm"]),
            json!(["normal", 5, 110_000, 17, "e1rm"]),
        ],
        "every set that beat the ones before it; warm-ups never"
    );
    assert_eq!(
        sets_of(&first, 1)[0],
        json!(["normal", 8, 80_000, null, "e1rm"])
    );
    assert_eq!(
        sets_of(&first, 1)[1][4],
        Value::Null,
        "equal is not a record"
    );
    // The flat fields of the first API describe the first entry.
    assert_eq!(
        json!([
            first["kind"],
            first["sets"],
            first["reps"],
            first["weight_g"]
        ]),
        json!(["Squat", 4, 8, 60_000])
    );
    let id = first["id"].to_string();
    let got = ok_json(post(&app, "/api/workouts/get", &[field("id", &id)], &cookie).await).await;
    assert_eq!(got, first, "what was answered is what was stored");

    // A week later: 105 is no record; 112.5 is.
    let second =
        ok_json(post(&app, "/api/workouts/save", &lower_a(0, "112.5"), &cookie).await).await;
    let records: Vec<Value> = sets_of(&second, 0).iter().map(|s| s[4].clone()).collect();
    assert_eq!(
        records,
        [json!(null), json!(null), json!(null), json!("e1rm")]
    );
    assert!(sets_of(&second, 1).iter().all(|s| s[4].is_null()));

    // Editing replaces every entry and keeps the id.
    let mut edited = lower_a(7, "110");
    edited.retain(|(k, _)| !k.starts_with("entries[1]"));
    edited.push(field("id", &id));
    edited.push(field("entries[0][sets][1][kind]", "failure"));
    let saved = ok_json(post(&app, "/api/workouts/save", &edited, &cookie).await).await;
    assert_eq!(saved["id"], first["id"]);
    assert_eq!(saved["entries"].as_array().unwrap().len(), 1);
    assert_eq!(sets_of(&saved, 0)[1][0], "failure");
    assert_eq!(deployment.count_rows("workout_entries").await, 3);
    assert_eq!(deployment.count_rows("workout_sets").await, 4 + 7);

    // Deleting a workout deletes its entries and sets.
    let res = post(&app, "/api/workouts/delete", &[field("id", &id)], &cookie).await;
    assert_eq!(res.status(), 200);
    assert_eq!(deployment.count_rows("workout_entries").await, 2);
    assert_eq!(deployment.count_rows("workout_sets").await, 7);
    app.shutdown().await;
}

async fn cardio_and_bodyweight_sets_set_their_own_records(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("runner@example.com").await;
    let session = |days_ago: i64, km: &str, time: &str, pull_ups: &str| {
        vec![
            field("date", (today() - Duration::days(days_ago)).to_string()),
            field("entries[0][exercise]", "Run"),
            field("entries[0][sets][0][distance]", km),
            field("entries[0][sets][0][duration]", time),
            field("entries[1][exercise]", "pull-up"),
            field("entries[1][sets][0][reps]", pull_ups),
        ]
    };
    let first = ok_json(
        post(
            &app,
            "/api/workouts/save",
            &session(2, "5", "25:00", "8"),
            &cookie,
        )
        .await,
    )
    .await;
    let set = &first["entries"][0]["sets"][0];
    assert_eq!(
        (set["distance_m"].as_i64(), set["duration_s"].as_i64()),
        (Some(5000), Some(1500))
    );
    assert_eq!(set["record"], "distance");
    assert_eq!(first["entries"][1]["sets"][0]["record"], "reps");
    let faster = ok_json(
        post(
            &app,
            "/api/workouts/save",
            &session(1, "5", "24:30", "8"),
            &cookie,
        )
        .await,
    )
    .await;
    assert_eq!(faster["entries"][0]["sets"][0]["record"], "pace");
    assert_eq!(faster["entries"][1]["sets"][0]["record"], Value::Null);
    let longer = ok_json(
        post(
            &app,
            "/api/workouts/save",
            &session(0, "10", "1:00:00", "9"),
            &cookie,
        )
        .await,
    )
    .await;
    assert_eq!(longer["entries"][0]["sets"][0]["record"], "distance");
    assert_eq!(longer["entries"][1]["sets"][0]["record"], "reps");
    app.shutdown().await;
}

async fn units_are_a_preference_and_values_are_stored_canonically(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("pounds@example.com").await;
    let units = ok_json(post(&app, "/api/account/units", &[], &cookie).await).await;
    assert_eq!(units, json!({"weight": "kg", "distance": "km"}));
    let res = post(
        &app,
        "/api/account/set_units",
        &[
            field("weight_unit", "lb"),
            field("distance_unit", "furlong"),
        ],
        &cookie,
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("distance_unit"));
    let units = ok_json(
        post(
            &app,
            "/api/account/set_units",
            &[field("weight_unit", "lb"), field("distance_unit", "mi")],
            &cookie,
        )
        .await,
    )
    .await;
    assert_eq!(units, json!({"weight": "lb", "distance": "mi"}));

    // Values without a unit are read in the user's; a form may name its own.
    let form = vec![
        field("date", today().to_string()),
        field("entries[0][exercise]", "Bench Press"),
        field("entries[0][sets][0][reps]", "5"),
        field("entries[0][sets][0][weight]", "225"),
        field("entries[1][exercise]", "Run"),
        field("entries[1][sets][0][distance]", "3.1"),
    ];
    let saved = ok_json(post(&app, "/api/workouts/save", &form, &cookie).await).await;
    assert_eq!(saved["entries"][0]["sets"][0]["weight_g"], 102_058);
    assert_eq!(saved["entries"][1]["sets"][0]["distance_m"], 4_989);
    let mut in_kg = form.clone();
    in_kg.push(field("weight_unit", "kg"));
    let saved = ok_json(post(&app, "/api/workouts/save", &in_kg, &cookie).await).await;
    assert_eq!(saved["entries"][0]["sets"][0]["weight_g"], 225_000);
    app.shutdown().await;
}

async fn names_match_the_catalogue_in_any_case_and_new_ones_become_the_users_own(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    let bob = app.signed_up_cookie("bob@example.com").await;
    let catalogue = ok_json(post(&app, "/api/workouts/exercises", &[], &ann).await).await;
    let common = catalogue.as_array().unwrap().len();
    assert!(common >= 40, "{common} common exercises");
    assert!(
        catalogue
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["own"] == false)
    );

    let form = vec![
        field("date", today().to_string()),
        field("entries[0][exercise]", "  BENCH PRESS "),
        field("entries[0][sets][0][reps]", "5"),
        field("entries[1][exercise]", "Zercher Squat"),
        field("entries[1][sets][0][reps]", "5"),
        field("entries[1][sets][0][weight]", "60"),
        field("entries[2][exercise]", "zercher squat"),
    ];
    let saved = ok_json(post(&app, "/api/workouts/save", &form, &ann).await).await;
    let names: Vec<&Value> = saved["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["exercise"]["name"])
        .collect();
    assert_eq!(names, ["Bench Press", "Zercher Squat", "Zercher Squat"]);
    assert_eq!(
        saved["entries"][1]["exercise"]["exercise_type"],
        "weight_reps"
    );
    assert_eq!(saved["entries"][1]["exercise"]["own"], true);
    assert_eq!(
        saved["entries"][1]["exercise"]["id"],
        saved["entries"][2]["exercise"]["id"]
    );

    let added = ok_json(
        post(
            &app,
            "/api/workouts/add_exercise",
            &[
                field("name", "ZERCHER SQUAT"),
                field("exercise_type", "duration"),
            ],
            &ann,
        )
        .await,
    )
    .await;
    assert_eq!(added, saved["entries"][1]["exercise"], "the existing one");
    let res = post(
        &app,
        "/api/workouts/add_exercise",
        &[
            field("name", "Sled Push"),
            field("exercise_type", "sideways"),
        ],
        &ann,
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("exercise_type"));
    let sled = ok_json(
        post(
            &app,
            "/api/workouts/add_exercise",
            &[
                field("name", "Sled Push"),
                field("exercise_type", "distance_duration"),
            ],
            &ann,
        )
        .await,
    )
    .await;
    assert_eq!(sled["own"], true);
    let anns = ok_json(post(&app, "/api/workouts/exercises", &[], &ann).await).await;
    assert_eq!(anns.as_array().unwrap().len(), common + 2);
    // Bob's catalogue has none of Ann's; his "Zercher Squat" is his own.
    let bobs = ok_json(post(&app, "/api/workouts/exercises", &[], &bob).await).await;
    assert_eq!(bobs.as_array().unwrap().len(), common);
    let bobs_saved = ok_json(post(&app, "/api/workouts/save", &form, &bob).await).await;
    assert_ne!(
        bobs_saved["entries"][1]["exercise"]["id"],
        saved["entries"][1]["exercise"]["id"]
    );
    app.shutdown().await;
}

async fn repeat_last_finds_the_latest_workout_with_the_title(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    let bob = app.signed_up_cookie("bob@example.com").await;
    ok_json(post(&app, "/api/workouts/save", &lower_a(9, "100"), &ann).await).await;
    let latest = ok_json(post(&app, "/api/workouts/save", &lower_a(2, "107.5"), &ann).await).await;
    let last = ok_json(
        post(
            &app,
            "/api/workouts/last",
            &[field("title", "lower a")],
            &ann,
        )
        .await,
    )
    .await;
    assert_eq!(last, latest);
    let none = ok_json(
        post(
            &app,
            "/api/workouts/last",
            &[field("title", "Upper B")],
            &ann,
        )
        .await,
    )
    .await;
    assert_eq!(none, Value::Null);
    let blank = ok_json(post(&app, "/api/workouts/last", &[field("title", " ")], &ann).await).await;
    assert_eq!(blank, Value::Null);
    // A title no workout can have is refused before any query (PostgreSQL
    // would refuse its NUL as an error of its own).
    let res = post(
        &app,
        "/api/workouts/last",
        &[field("title", "Lower\u{0}A")],
        &ann,
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("title"));
    let bobs = ok_json(
        post(
            &app,
            "/api/workouts/last",
            &[field("title", "Lower A")],
            &bob,
        )
        .await,
    )
    .await;
    assert_eq!(bobs, Value::Null, "not another user's");
    app.shutdown().await;
}

async fn invalid_sets_are_named_by_their_box_and_nothing_is_stored(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("careful@example.com").await;
    let cases = [
        ("entries[0][sets][2][weight]", "-5"),
        ("entries[0][sets][3][rpe]", "11"),
        ("entries[0][sets][1][reps]", "many"),
        ("entries[1][exercise]", "\u{7}bell"),
        ("start_time", "25:00"),
        ("weight_unit", "stone"),
    ];
    let before = deployment.snapshot().await;
    for (name, value) in cases {
        let mut form = lower_a(0, "110");
        form.retain(|(k, _)| k != name);
        form.push(field(name, value));
        let res = post(&app, "/api/workouts/save", &form, &cookie).await;
        assert_eq!(res.status(), 422, "{name}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["InvalidField"]["field"], name, "{body}");
    }
    let res = post(
        &app,
        "/api/workouts/save",
        &[field("date", today().to_string())],
        &cookie,
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("entries"));
    assert_eq!(deployment.snapshot().await, before, "nothing stored");
    app.shutdown().await;
}

async fn another_users_workout_cannot_be_saved_over_or_repeated(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    let bob = app.signed_up_cookie("bob@example.com").await;
    let anns = ok_json(post(&app, "/api/workouts/save", &lower_a(1, "100"), &ann).await).await;
    let before = deployment.snapshot().await;
    for id in [anns["id"].to_string(), "999999".to_owned()] {
        let mut form = lower_a(0, "200");
        form.push(field("id", &id));
        let res = post(&app, "/api/workouts/save", &form, &bob).await;
        assert_eq!(res.status(), 404, "save over {id}");
    }
    assert_eq!(deployment.snapshot().await, before);
    for path in [
        "/api/workouts/save",
        "/api/workouts/last",
        "/api/workouts/exercises",
        "/api/workouts/add_exercise",
        "/api/account/units",
        "/api/account/set_units",
    ] {
        let form = lower_a(0, "100");
        let mut pairs: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        pairs.extend([
            ("name", "Sled"),
            ("exercise_type", "duration"),
            ("weight_unit", "lb"),
            ("distance_unit", "mi"),
        ]);
        let res = app.post_form(path, &pairs, None).await;
        assert_eq!(res.status(), 401, "{path} anonymously");
    }
    app.shutdown().await;
}

/// With JavaScript off the logging form is a plain post of indexed fields:
/// it stores the workout and sends the browser back to the dashboard.
async fn the_logging_form_works_as_a_plain_post(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("nojs@example.com").await;
    let form = lower_a(0, "100");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = app
        .plain_form_post("/api/workouts/save", "/dashboard", &pairs, Some(&cookie))
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/dashboard");
    assert_eq!(deployment.count_rows("workout_sets").await, 7);
    app.shutdown().await;
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(cookie) = cookie {
        req = req.header(reqwest::header::COOKIE, cookie);
    }
    req.send().await.unwrap()
}

/// The downloads: a row per set with explicit units and neutralised
/// formula cells, or the whole model as JSON; only the caller's workouts,
/// and a 401 without a session.
async fn the_export_streams_the_users_whole_log_as_csv_and_json(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    let bob = app.signed_up_cookie("bob@example.com").await;
    let mut hostile = lower_a(3, "110");
    hostile.retain(|(k, _)| k != "title");
    hostile.push(field("title", "=HYPERLINK(\"http://evil\")"));
    hostile.push(field("notes", "-2+3, \"quoted\"\nsecond line"));
    ok_json(post(&app, "/api/workouts/save", &hostile, &ann).await).await;
    ok_json(post(&app, "/api/workouts/save", &lower_a(1, "112.5"), &ann).await).await;
    ok_json(post(&app, "/api/workouts/save", &lower_a(2, "150"), &bob).await).await;

    for path in ["/export/workouts.csv", "/export/workouts.json"] {
        assert_eq!(get(&app, path, None).await.status(), 401, "{path}");
    }
    let res = get(&app, "/export/workouts.csv", Some(&ann)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"workouts-"),
        "{disposition}"
    );
    let body = res.text().await.unwrap();
    // A browser takes it brotli-compressed: the same file, whole (the
    // compression layer polls the streamed body again after its end).
    for path in ["/export/workouts.csv", "/export/workouts.json"] {
        let plain = get(&app, path, Some(&ann)).await.text().await.unwrap();
        let res = app
            .client
            .get(app.url(path))
            .header(reqwest::header::COOKIE, &ann)
            .header(reqwest::header::ACCEPT_ENCODING, "br")
            .send()
            .await
            .unwrap();
        let (encoding, text) = crate::compression::decoded(res).await;
        assert_eq!((encoding.as_deref(), text), (Some("br"), plain), "{path}");
    }
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "workout",
            "date",
            "start_time",
            "title",
            "duration_minutes",
            "notes",
            "entry",
            "exercise",
            "exercise_type",
            "set",
            "set_type",
            "reps",
            "weight_kg",
            "rpe",
            "duration_seconds",
            "distance_km",
            "record"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2 * 7, "a row per set, Ann's only");
    let first = &rows[0];
    assert_eq!(&first[0], "1");
    assert_eq!(
        &first[3], "'=HYPERLINK(\"http://evil\")",
        "a formula is neutralised"
    );
    assert_eq!(&first[5], "'-2+3, \"quoted\"\nsecond line");
    assert_eq!((&first[7], &first[8]), ("Squat", "weight_reps"));
    assert_eq!((&first[10], &first[11], &first[12]), ("warmup", "8", "60"));
    assert_eq!(
        (&rows[3][12], &rows[3][13], &rows[3][16]),
        ("110", "8.5", "e1rm")
    );
    assert_eq!(&rows[7][0], "2", "the second workout");
    assert_eq!(&rows[10][12], "112.5");

    let res = get(&app, "/export/workouts.json", Some(&ann)).await;
    assert_eq!(res.headers()["content-type"], "application/json");
    let file: Value = res.json().await.unwrap();
    assert_eq!(file["format"], "workout_log");
    let workouts = file["workouts"].as_array().unwrap();
    assert_eq!(workouts.len(), 2);
    assert_eq!(
        workouts[0]["title"], "=HYPERLINK(\"http://evil\")",
        "JSON is not a spreadsheet"
    );
    assert_eq!(workouts[0]["start_time"], "18:04");
    assert_eq!(workouts[0]["entries"][0]["sets"][3]["weight_g"], 110_000);
    assert_eq!(workouts[0]["entries"][0]["sets"][3]["rpe"], 17);
    assert_eq!(workouts[1]["entries"][1]["exercise"], "Romanian Deadlift");

    // A log longer than one page is written out whole, in order.
    let empty = app.signed_up_cookie("empty@example.com").await;
    let file: Value = get(&app, "/export/workouts.json", Some(&empty))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(file["workouts"], json!([]));
    app.shutdown().await;
}

/// 250 workouts (more than two pages of the export's reads) come out whole
/// and oldest first.
async fn a_long_log_is_exported_whole_and_in_order(backend: Backend) {
    use workout_log::server::config::DatabaseUrl;
    use workout_log::server::db::Database;
    use workout_log::workouts::domain::FlatWorkout;

    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("long@example.com").await;
    let db = Database::connect(&DatabaseUrl::parse(&deployment.db.url()).unwrap())
        .await
        .unwrap();
    let user: i64 = 1;
    for day in (0..250).rev() {
        let mut workout = FlatWorkout::bare(today() - Duration::days(day), "Run").into_new();
        workout.notes = format!("day {day}");
        db.create_workout(user, &workout).await.unwrap();
    }
    db.close().await;
    let body = get(&app, "/export/workouts.csv", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let notes: Vec<String> = reader.records().map(|r| r.unwrap()[5].to_owned()).collect();
    let expected: Vec<String> = (0..250).rev().map(|day| format!("day {day}")).collect();
    assert_eq!(notes, expected);
    app.shutdown().await;
}

/// An exercise's page data: a point per workout, the records, the latest
/// sets; another user's own exercise is a 404, a common one shows only the
/// caller's sets.
async fn an_exercises_progress_shows_its_records_and_only_the_users_sets(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    let bob = app.signed_up_cookie("bob@example.com").await;
    ok_json(post(&app, "/api/workouts/save", &lower_a(7, "110"), &ann).await).await;
    let latest = ok_json(post(&app, "/api/workouts/save", &lower_a(0, "112.5"), &ann).await).await;
    let squat = latest["entries"][0]["exercise"]["id"].to_string();
    let mut own = lower_a(1, "100");
    own.retain(|(k, _)| !k.starts_with("entries[1]"));
    own.iter_mut().for_each(|(k, v)| {
        if k == "entries[0][exercise]" {
            *v = "Zercher Squat".into();
        }
    });
    let zercher = ok_json(post(&app, "/api/workouts/save", &own, &ann).await).await;
    let zercher = zercher["entries"][0]["exercise"]["id"].to_string();

    let progress =
        ok_json(post(&app, "/api/workouts/progress", &[field("id", &squat)], &ann).await).await;
    assert_eq!(progress["exercise"]["name"], "Squat");
    assert_eq!(progress["set_count"], 8);
    let points: Vec<&Value> = progress["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["best_e1rm_g"])
        .collect();
    assert_eq!(
        points,
        [&json!(128_333), &json!(131_250)],
        "110 × 5, then 112.5 × 5"
    );
    let records = &progress["records"];
    assert_eq!(records["best_e1rm_g"]["value"], 131_250);
    assert_eq!(records["heaviest_g"]["value"], 112_500);
    let maxes: Vec<&Value> = records["rep_maxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["best"]["value"])
        .collect();
    assert_eq!(
        maxes,
        [
            &json!(112_500),
            &json!(112_500),
            &json!(112_500),
            &Value::Null
        ]
    );
    assert_eq!(
        progress["recent"][0]["set"]["weight_g"], 112_500,
        "newest first"
    );

    // Bob: Ann's own exercise does not exist for him; the common one is empty.
    let res = post(
        &app,
        "/api/workouts/progress",
        &[field("id", &zercher)],
        &bob,
    )
    .await;
    assert_eq!(res.status(), 404);
    let empty =
        ok_json(post(&app, "/api/workouts/progress", &[field("id", &squat)], &bob).await).await;
    assert_eq!(
        (empty["set_count"].as_i64(), empty["sessions"].clone()),
        (Some(0), json!([]))
    );
    assert_eq!(
        app.post_form("/api/workouts/progress", &[("id", "1")], None)
            .await
            .status(),
        401
    );
    // The page itself: the chart and the records, server-rendered.
    let html = app
        .get_page(&format!("/exercises/{squat}"), Some(&ann))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-testid=\"progress-chart\""));
    assert_eq!(html.matches("data-testid=\"chart-point\"").count(), 2);
    assert!(html.contains("131.25 kg"));
    let missing = app
        .get_page(&format!("/exercises/{zercher}"), Some(&bob))
        .await;
    assert_eq!(missing.status(), 404);
    app.shutdown().await;
}

/// Saving the edit form as the page gave it (a plain post, nothing typed)
/// changes no stored value, even in units that round them: 102.5 kg shows
/// as 225.97 lb and 1 km as 0.621 mi, and both are kept exactly.
async fn an_edit_saved_untouched_in_pounds_and_miles_keeps_every_value(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("exact@example.com").await;
    let form = vec![
        field("date", today().to_string()),
        field("weight_unit", "kg"),
        field("distance_unit", "km"),
        field("entries[0][exercise]", "Squat"),
        field("entries[0][sets][0][reps]", "5"),
        field("entries[0][sets][0][weight]", "102.5"),
        field("entries[1][exercise]", "Run"),
        field("entries[1][sets][0][distance]", "1"),
        field("entries[1][sets][0][duration]", "5:00"),
    ];
    let saved = ok_json(post(&app, "/api/workouts/save", &form, &cookie).await).await;
    let id = saved["id"].to_string();
    let units = [field("weight_unit", "lb"), field("distance_unit", "mi")];
    ok_json(post(&app, "/api/account/set_units", &units, &cookie).await).await;
    let edit_path = format!("/dashboard?edit={id}");
    let html = app
        .get_page(&edit_path, Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    let form_html = html.split("data-testid=\"edit-workout\"").nth(1).unwrap();
    let form_html = form_html.split("</form>").next().unwrap();
    assert!(form_html.contains("value=\"225.97\"") && form_html.contains("value=\"0.621\""));
    // Every input the page rendered, as the browser would post it.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for input in form_html.split("<input").skip(1) {
        let tag = input.split('>').next().unwrap();
        let attribute = |name: &str| {
            let marker = format!(" {name}=\"");
            tag.split(&marker)
                .nth(1)
                .map(|rest| rest.split('"').next().unwrap().to_owned())
        };
        if let Some(name) = attribute("name") {
            pairs.push((
                name,
                attribute("value").unwrap_or_default().replace("&amp;", "&"),
            ));
        }
    }
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = app
        .plain_form_post("/api/workouts/save", &edit_path, &pairs, Some(&cookie))
        .await;
    assert_eq!(res.status(), 302);
    let got = ok_json(post(&app, "/api/workouts/get", &[field("id", &id)], &cookie).await).await;
    assert_eq!(got["entries"][0]["sets"][0]["weight_g"], 102_500);
    assert_eq!(got["entries"][1]["sets"][0]["distance_m"], 1000);
    assert_eq!(got["entries"][1]["sets"][0]["duration_s"], 300);
    app.shutdown().await;
}

crate::on_both_databases!(
    a_whole_workout_is_logged_read_back_and_its_records_marked,
    cardio_and_bodyweight_sets_set_their_own_records,
    units_are_a_preference_and_values_are_stored_canonically,
    names_match_the_catalogue_in_any_case_and_new_ones_become_the_users_own,
    repeat_last_finds_the_latest_workout_with_the_title,
    invalid_sets_are_named_by_their_box_and_nothing_is_stored,
    another_users_workout_cannot_be_saved_over_or_repeated,
    the_logging_form_works_as_a_plain_post,
    the_export_streams_the_users_whole_log_as_csv_and_json,
    a_long_log_is_exported_whole_and_in_order,
    an_exercises_progress_shows_its_records_and_only_the_users_sets,
    an_edit_saved_untouched_in_pounds_and_miles_keeps_every_value,
);
