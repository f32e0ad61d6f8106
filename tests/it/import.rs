//! The import over HTTP: each format written by the test with the edge
//! cases real exports have, the preview, storing in one go, importing the
//! same file twice, this app's own export read back, and the refusals.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::common::{Backend, Deployment, TestApp};

fn days_ago(days: i64) -> String {
    (OffsetDateTime::now_utc().date() - Duration::days(days)).to_string()
}

async fn upload(
    app: &TestApp,
    cookie: Option<&str>,
    file: Vec<u8>,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = Form::new().part("file", Part::bytes(file).file_name("export.csv"));
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let mut req = app.client.post(app.url("/api/import")).multipart(form);
    if let Some(cookie) = cookie {
        req = req.header(reqwest::header::COOKIE, cookie);
    }
    req.send().await.unwrap()
}

async fn ok_json(res: reqwest::Response) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn list_all(app: &TestApp, cookie: &str) -> Vec<Value> {
    let page: Value = app
        .post_form("/api/workouts/list", &[("limit", "100")], Some(cookie))
        .await
        .json()
        .await
        .unwrap();
    page["workouts"].as_array().unwrap().clone()
}

/// Strong's newer export: commas, a BOM, CRLF line ends, 12-hour times with
/// a narrow no-break space before PM, a `Duration` like `1h 5m`, weights in
/// the exporting user's unit (pounds here, said by the form's `unit`),
/// quoted commas and quotes, bodyweight sets with no weight, a cardio row,
/// a warm-up marked `W`, and one broken row.
fn strong_file() -> Vec<u8> {
    let (first, second) = (days_ago(10), days_ago(3));
    let rows = [
        "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE".to_owned(),
        format!("{first} 6:04:11\u{202F}PM,\"Push, heavy\",1h 5m,Bench Press (Barbell),W,95,10,0,0,,\"Felt \"\"good\"\"\","),
        format!("{first} 6:04:11\u{202F}PM,\"Push, heavy\",1h 5m,Bench Press (Barbell),1,225,5,0,0,Paused,,8.5"),
        format!("{first} 6:04:11\u{202F}PM,\"Push, heavy\",1h 5m,Bench Press (Barbell),2,230,3,0,0,,,9"),
        format!("{first} 6:04:11\u{202F}PM,\"Push, heavy\",1h 5m,Pull Up,1,,12,0,0,,,"),
        format!("{first} 6:04:11\u{202F}PM,\"Push, heavy\",1h 5m,Pull Up,2,,x,0,0,,,"),
        format!("{second} 7:30:00 AM,Run,30m,Running,1,0,0,3.1,1500,,,"),
        format!("{second} 7:30:00 AM,Run,30m,Running,2,0,0,1,600,,,"),
    ];
    let mut file = b"\xEF\xBB\xBF".to_vec();
    file.extend(rows.join("\r\n").into_bytes());
    file.extend(b"\r\n");
    file
}

async fn a_strong_file_is_previewed_then_stored_once(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("strong@example.com").await;
    let before = deployment.snapshot().await;
    let preview = ok_json(
        upload(
            &app,
            Some(&cookie),
            strong_file(),
            &[("unit", "lb"), ("distance_unit", "mi")],
        )
        .await,
    )
    .await;
    assert_eq!(
        preview,
        json!({
            "format": "strong",
            "workouts": 2,
            "exercises": 3,
            "sets": 6,
            "first_date": days_ago(10),
            "last_date": days_ago(3),
            "rejected": [{"line": 6, "reason": "Reps: \"x\" is not a number of 0 or more"}],
            "stored": null,
            "already_there": null
        })
    );
    assert_eq!(
        deployment.snapshot().await,
        before,
        "a preview stores nothing"
    );

    let stored = ok_json(
        upload(
            &app,
            Some(&cookie),
            strong_file(),
            &[("unit", "lb"), ("distance_unit", "mi"), ("confirm", "true")],
        )
        .await,
    )
    .await;
    assert_eq!(
        (stored["stored"].as_i64(), stored["already_there"].as_i64()),
        (Some(2), Some(0))
    );
    let workouts = list_all(&app, &cookie).await;
    let run = &workouts[0];
    assert_eq!(run["title"], "Run");
    assert_eq!(run["start_time"], "07:30");
    assert_eq!(run["duration_minutes"], 30);
    assert_eq!(
        run["entries"][0]["exercise"]["exercise_type"], "distance_duration",
        "a new exercise typed by its sets"
    );
    let runs: Vec<Value> = run["entries"][0]["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!([s["distance_m"], s["duration_s"], s["weight_g"], s["reps"]]))
        .collect();
    assert_eq!(
        runs,
        [
            json!([4_989, 1500, null, null]),
            json!([1_609, 600, null, null])
        ],
        "in the miles the form said"
    );
    let push = &workouts[1];
    assert_eq!(push["title"], "Push, heavy");
    assert_eq!(push["start_time"], "18:04");
    assert_eq!(push["duration_minutes"], 65);
    assert_eq!(
        push["notes"],
        "Felt \"good\"\nBench Press (Barbell): Paused"
    );
    let bench: Vec<Value> = push["entries"][0]["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!([s["kind"], s["weight_g"], s["reps"], s["rpe"], s["record"]]))
        .collect();
    assert_eq!(
        bench,
        [
            json!(["warmup", 43_091, 10, null, null]),
            json!(["normal", 102_058, 5, 17, "e1rm"]),
            json!(["normal", 104_326, 3, 18, "weight"]),
        ]
    );
    let pull_ups = &push["entries"][1];
    assert_eq!(pull_ups["exercise"]["exercise_type"], "bodyweight_reps");
    assert_eq!(
        pull_ups["sets"][0]["weight_g"],
        Value::Null,
        "no weight, not 0"
    );

    // The same file again stores nothing.
    let again = ok_json(
        upload(
            &app,
            Some(&cookie),
            strong_file(),
            &[("unit", "lb"), ("distance_unit", "mi"), ("confirm", "true")],
        )
        .await,
    )
    .await;
    assert_eq!(
        (again["stored"].as_i64(), again["already_there"].as_i64()),
        (Some(0), Some(2))
    );
    assert_eq!(deployment.workout_count().await, 2);
    app.shutdown().await;
}

/// Strong's older export: semicolons, each row's units, 24-hour times,
/// decimal commas, a `Workout Duration`.
async fn an_older_strong_file_says_its_units_on_each_row(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("old@example.com").await;
    let day = days_ago(30);
    let file = format!(
        "Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;Distance Unit;Seconds;Notes;Workout Notes;Workout Duration\n\
         {day} 12:31:54;\"Leg\";\"Deadlift (Barbell)\";1;102,5;kg;5;;;;0;\"\";\"\";41m\n\
         {day} 12:31:54;\"Leg\";\"Deadlift (Barbell)\";2;225;lbs;4;;;;0;;;41m\n\
         {day} 12:31:54;\"Leg\";\"Rowing\";1;0;kg;0;;2000;m;480;;;41m\n"
    );
    let summary = ok_json(
        upload(
            &app,
            Some(&cookie),
            file.into_bytes(),
            &[("confirm", "true")],
        )
        .await,
    )
    .await;
    assert_eq!(summary["format"], "strong_semicolon");
    assert_eq!(summary["rejected"], json!([]));
    let workouts = list_all(&app, &cookie).await;
    assert_eq!(workouts[0]["start_time"], "12:31");
    assert_eq!(workouts[0]["duration_minutes"], 41);
    let sets = &workouts[0]["entries"][0]["sets"];
    assert_eq!(
        (sets[0]["weight_g"].as_i64(), sets[1]["weight_g"].as_i64()),
        (Some(102_500), Some(102_058))
    );
    assert_eq!(
        workouts[0]["entries"][1]["sets"][0]["distance_m"], 2000,
        "metres"
    );
    app.shutdown().await;
}

/// Hevy's export: pounds and miles by column name, its start and end times,
/// its set types.
async fn a_hevy_file_is_read_by_its_column_names(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("hevy@example.com").await;
    let date = OffsetDateTime::now_utc().date() - Duration::days(5);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day = format!(
        "{} {} {}",
        date.day(),
        months[u8::from(date.month()) as usize - 1],
        date.year()
    );
    let file = format!(
        "\"title\",\"start_time\",\"end_time\",\"description\",\"exercise_title\",\"superset_id\",\"exercise_notes\",\"set_index\",\"set_type\",\"weight_lbs\",\"reps\",\"distance_miles\",\"duration_seconds\",\"rpe\"\n\
         \"Legs\",\"{day}, 07:06\",\"{day}, 08:01\",\"\",\"Squat (Barbell)\",,\"\",0,\"warmup\",135,5,,,\n\
         \"Legs\",\"{day}, 07:06\",\"{day}, 08:01\",\"\",\"Squat (Barbell)\",,\"\",1,\"normal\",225,5,,,8\n\
         \"Legs\",\"{day}, 07:06\",\"{day}, 08:01\",\"\",\"Squat (Barbell)\",,\"\",2,\"dropset\",185,8,,,\n\
         \"Legs\",\"{day}, 07:06\",\"{day}, 08:01\",\"\",\"Treadmill\",,\"\",0,\"normal\",,,1.5,900,\n"
    );
    let summary = ok_json(
        upload(
            &app,
            Some(&cookie),
            file.into_bytes(),
            &[("confirm", "true")],
        )
        .await,
    )
    .await;
    assert_eq!(summary["format"], "hevy");
    assert_eq!(
        (summary["workouts"].as_i64(), summary["sets"].as_i64()),
        (Some(1), Some(4))
    );
    let workouts = list_all(&app, &cookie).await;
    assert_eq!(workouts[0]["duration_minutes"], 55);
    let kinds: Vec<&Value> = workouts[0]["entries"][0]["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["kind"])
        .collect();
    assert_eq!(kinds, ["warmup", "normal", "drop"]);
    assert_eq!(workouts[0]["entries"][0]["sets"][1]["weight_g"], 102_058);
    assert_eq!(workouts[0]["entries"][1]["sets"][0]["distance_m"], 2_414);
    app.shutdown().await;
}

/// This app's CSV and JSON exports read back into a fresh account give
/// the same exports, and the account the same workouts.
async fn an_export_imported_into_a_fresh_account_exports_the_same(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    let strong = upload(
        &app,
        Some(&ann),
        strong_file(),
        &[("unit", "lb"), ("distance_unit", "mi"), ("confirm", "true")],
    )
    .await;
    assert_eq!(strong.status(), 200);
    let form = [
        ("date", days_ago(1)),
        ("title", "=cmd|' /C calc'!A0".to_owned()),
        ("notes", "line one\nline, \"two\"".to_owned()),
        ("entries[0][exercise]", "Squat".to_owned()),
        ("entries[0][sets][0][reps]", "5".to_owned()),
        ("entries[0][sets][0][weight]", "100".to_owned()),
        ("entries[0][sets][0][rpe]", "7.5".to_owned()),
        ("entries[1][exercise]", "Yoga".to_owned()),
    ];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        app.post_form("/api/workouts/save", &pairs, Some(&ann))
            .await
            .status(),
        200
    );
    for (path, format) in [
        ("/export/workouts.csv", "workout_log_csv"),
        ("/export/workouts.json", "workout_log_json"),
    ] {
        let download = |cookie: String| {
            let app = &app;
            async move {
                let res = app
                    .client
                    .get(app.url(path))
                    .header(reqwest::header::COOKIE, cookie)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                res.bytes().await.unwrap().to_vec()
            }
        };
        let exported = download(ann.clone()).await;
        let fresh = app
            .signed_up_cookie(&format!("fresh-{format}@example.com"))
            .await;
        let summary =
            ok_json(upload(&app, Some(&fresh), exported.clone(), &[("confirm", "true")]).await)
                .await;
        assert_eq!(summary["format"], format);
        assert_eq!(
            (summary["stored"].as_i64(), summary["rejected"].clone()),
            (Some(3), json!([]))
        );
        assert_eq!(
            String::from_utf8(download(fresh.clone()).await).unwrap(),
            String::from_utf8(exported).unwrap(),
            "{path}"
        );
        let strip_ids = |workouts: Vec<Value>| -> Vec<Value> {
            workouts
                .into_iter()
                .map(|mut w| {
                    w["id"] = json!(0);
                    for entry in w["entries"].as_array_mut().unwrap() {
                        entry["exercise"]["id"] = json!(0);
                    }
                    w
                })
                .collect()
        };
        assert_eq!(
            strip_ids(list_all(&app, &fresh).await),
            strip_ids(list_all(&app, &ann).await)
        );
    }
    app.shutdown().await;
}

async fn files_that_cannot_be_read_are_refused_and_store_nothing(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("careful@example.com").await;
    let before = deployment.snapshot().await;
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"name,age\nann,3\n".to_vec(), 422, "file"),
        (b"\xff\xfe\x00garbage".to_vec(), 422, "file"),
        (b"{\"format\":\"other\"}".to_vec(), 422, "file"),
        (b"{not json".to_vec(), 422, "file"),
        (Vec::new(), 422, "file"),
    ];
    for (file, status, field) in cases {
        let res = upload(&app, Some(&cookie), file.clone(), &[("confirm", "true")]).await;
        assert_eq!(res.status(), status, "{:?}", String::from_utf8_lossy(&file));
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["InvalidField"]["field"], field, "{body}");
    }
    let res = upload(&app, Some(&cookie), strong_file(), &[("unit", "stone")]).await;
    assert_eq!(res.status(), 422);
    // More rows than the limit: 413, read no further.
    let mut big = b"Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n".to_vec();
    let row = format!("{} 6:04:11 PM,A,1h,Squat,1,100,5,0,0,,,\n", days_ago(1));
    for _ in 0..200_001 {
        big.extend_from_slice(row.as_bytes());
    }
    assert!(big.len() < 20 * 1024 * 1024);
    let res = upload(&app, Some(&cookie), big, &[("confirm", "true")]).await;
    assert_eq!(res.status(), 413);
    // A file over 20 MB: 413.
    let res = upload(&app, Some(&cookie), vec![b'a'; 20 * 1024 * 1024 + 1], &[]).await;
    assert_eq!(res.status(), 413);
    // Without a session: 401, and no room for a big file at all.
    assert_eq!(upload(&app, None, strong_file(), &[]).await.status(), 401);
    assert_eq!(
        upload(&app, None, vec![b'a'; 1024 * 1024], &[])
            .await
            .status(),
        413
    );
    // Nor with a cookie that is not a signed session.
    for forged in ["a=b", "workout_session=forged"] {
        let res = upload(&app, Some(forged), vec![b'a'; 1024 * 1024], &[]).await;
        assert_eq!(res.status(), 413, "{forged}");
    }
    // Not multipart.
    let res = app
        .post_form("/api/import", &[("file", "x")], Some(&cookie))
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(deployment.snapshot().await, before, "nothing stored");
    app.shutdown().await;
}

/// An export imported again with more in it: the workouts already in the
/// log are left out, and count as the bests the new ones must beat.
async fn a_later_export_marks_records_against_what_the_log_already_holds(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("again@example.com").await;
    let header = "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE";
    let earlier = format!("{} 6:00:00 PM,Legs,1h,Squat,1,100,5,0,0,,,", days_ago(10));
    let later = format!("{} 6:00:00 PM,Legs,1h,Squat,1,90,5,0,0,,,", days_ago(3));
    let first = format!("{header}\n{earlier}\n").into_bytes();
    let both = format!("{header}\n{earlier}\n{later}\n").into_bytes();
    let one = ok_json(
        upload(
            &app,
            Some(&cookie),
            first,
            &[("unit", "kg"), ("confirm", "true")],
        )
        .await,
    )
    .await;
    assert_eq!(one["stored"], 1);
    let two = ok_json(
        upload(
            &app,
            Some(&cookie),
            both,
            &[("unit", "kg"), ("confirm", "true")],
        )
        .await,
    )
    .await;
    assert_eq!(
        (two["stored"].as_i64(), two["already_there"].as_i64()),
        (Some(1), Some(1))
    );
    let workouts = list_all(&app, &cookie).await;
    assert_eq!(workouts[0]["entries"][0]["sets"][0]["weight_g"], 90_000);
    assert_eq!(
        workouts[0]["entries"][0]["sets"][0]["record"],
        Value::Null,
        "lighter than the stored 100 kg"
    );
    assert_eq!(workouts[1]["entries"][0]["sets"][0]["record"], "e1rm");
    app.shutdown().await;
}

crate::on_both_databases!(
    a_strong_file_is_previewed_then_stored_once,
    an_older_strong_file_says_its_units_on_each_row,
    a_hevy_file_is_read_by_its_column_names,
    an_export_imported_into_a_fresh_account_exports_the_same,
    files_that_cannot_be_read_are_refused_and_store_nothing,
    a_later_export_marks_records_against_what_the_log_already_holds,
);
