//! Bad input: malformed, oversized and hostile requests against every server
//! function and page. The answer is a 4xx with a message, never a 5xx, and
//! nothing is stored. Hand-written cases first, then randomly generated ones
//! (proptest strategies driven by hand, so that each case can be awaited).

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::Value;

use crate::common::{Backend, Deployment, TestApp};

const FORM: &str = "application/x-www-form-urlencoded";

/// Every server function except logout (a success there would end the
/// session the other cases use; it takes no input anyway).
const ENDPOINTS: &[&str] = &[
    "/api/signup",
    "/api/login",
    "/api/me",
    "/api/current_user",
    "/api/workouts/list",
    "/api/workouts/get",
    "/api/workouts/summary",
    "/api/workouts/create",
    "/api/workouts/update",
    "/api/workouts/delete",
    "/api/workouts/save",
    "/api/workouts/last",
    "/api/workouts/exercises",
    "/api/workouts/add_exercise",
    "/api/workouts/progress",
    "/api/account/sessions",
    "/api/account/revoke_session",
    "/api/account/logout_others",
    "/api/account/change_password",
    "/api/account/delete",
    "/api/account/audit",
    "/api/account/change_email",
    "/api/account/units",
    "/api/account/set_units",
    "/api/password/forgot",
    "/api/password/reset",
    "/api/email/confirm",
    "/api/email/status",
    "/api/email/resend_confirmation",
    "/api/import",
];

/// Field names the endpoints read, plus ones they do not.
const FIELDS: &[&str] = &[
    "email",
    "password",
    "remember",
    "next",
    "id",
    "before",
    "limit",
    "date",
    "kind",
    "duration_minutes",
    "distance_km",
    "sets",
    "reps",
    "weight_kg",
    "notes",
    "handle",
    "current_password",
    "new_password",
    "new_email",
    "token",
    "title",
    "start_time",
    "weight_unit",
    "distance_unit",
    "name",
    "exercise_type",
    "entries[0][exercise]",
    "entries[0][sets][0][reps]",
    "entries[0][sets][0][weight]",
    "entries[0][sets][0][rpe]",
    "entries[0][sets][0][kind]",
    "entries[0][sets][0][duration]",
    "entries[0][sets][0][distance]",
    "entries[1][sets][99999999999][reps]",
    "entries[][exercise]",
    "entries[0][sets]",
    "entries",
    "user_id",
    "admin",
    "form[kind]",
    "id[]",
];

const HOSTILE_VALUES: &[&str] = &[
    "' OR '1'='1",
    "1; DROP TABLE users; --",
    "Robert'); DROP TABLE workouts;--",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "-1",
    "-9223372036854775809",
    "9223372036854775808",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "0",
    "\0",
    "%00",
    "../../etc/passwd",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "",
    "   ",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
];

async fn send(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).body(body);
    if let Some(content_type) = content_type {
        req = req.header(CONTENT_TYPE, content_type);
    }
    if let Some(cookie) = cookie {
        req = req.header(COOKIE, cookie);
    }
    req.send().await.unwrap()
}

/// Every table's rows and every Redis key: what a refused request must
/// leave alone (see [`Deployment::snapshot`]).
async fn snapshot(deployment: &Deployment) -> crate::common::Snapshot {
    deployment.snapshot().await
}

/// The snapshot sees a change anywhere: a field of a row, a session.
async fn the_snapshot_sees_any_change_to_a_row_or_a_key(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("snap@example.com").await;
    let res = app
        .post_form(
            "/api/workouts/create",
            &[("date", "2026-01-05"), ("kind", "Run")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 200);
    let before = snapshot(&deployment).await;
    assert_eq!(snapshot(&deployment).await, before, "stable");
    let pool = deployment.db.connect().await;
    sqlx::query("UPDATE workouts SET notes = 'changed'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let edited = snapshot(&deployment).await;
    assert_ne!(edited, before, "a field of a row");
    let key = deployment.redis.session_keys().pop().unwrap();
    deployment.redis.cli(&["APPEND", &key, "x"]).unwrap();
    assert_ne!(snapshot(&deployment).await, edited, "a session's value");
    app.shutdown().await;
}

/// What, path, content type, body, and the exact status if one is expected.
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Vec<u8>,
    Option<u16>,
);

async fn assert_refused_cleanly(res: reqwest::Response, what: &str) -> u16 {
    let status = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    assert!(
        (400..500).contains(&status),
        "{what}: expected a 4xx, got {status}: {body}"
    );
    assert!(!body.is_empty(), "{what}: a {status} says why");
    status
}

async fn hand_written_hostile_requests_get_a_4xx_and_change_nothing(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("target@example.com").await;
    let before = snapshot(&deployment).await;

    let signup_json = br#"{"email":"json@example.com","password":"correct horse battery"}"#;
    let cases: Vec<Case> = vec![
        (
            "JSON body",
            "/api/signup",
            Some("application/json"),
            signup_json.to_vec(),
            Some(400),
        ),
        (
            "no content type",
            "/api/signup",
            None,
            b"email=x".to_vec(),
            Some(400),
        ),
        (
            "missing field",
            "/api/signup",
            Some(FORM),
            b"email=new%40example.com".to_vec(),
            Some(400),
        ),
        ("empty body", "/api/login", Some(FORM), vec![], Some(400)),
        (
            "invalid UTF-8, escaped",
            "/api/signup",
            Some(FORM),
            b"email=%FF%FE%40x.co&password=correct+horse+battery".to_vec(),
            None,
        ),
        (
            "invalid UTF-8, raw",
            "/api/workouts/create",
            Some(FORM),
            b"date=2026-11-20&kind=\xff\xfe".to_vec(),
            None,
        ),
        (
            "SQL in the email",
            "/api/login",
            Some(FORM),
            b"email=%27+OR+%271%27%3D%271&password=x".to_vec(),
            Some(401),
        ),
        (
            "SQL in the password",
            "/api/login",
            Some(FORM),
            b"email=target%40example.com&password=%27+OR+%271%27%3D%271".to_vec(),
            Some(401),
        ),
        (
            "NUL in the kind",
            "/api/workouts/create",
            Some(FORM),
            b"date=2026-11-20&kind=Run%00".to_vec(),
            Some(422),
        ),
        (
            "negative minutes",
            "/api/workouts/create",
            Some(FORM),
            b"date=2026-11-20&kind=Run&duration_minutes=-5".to_vec(),
            Some(422),
        ),
        (
            "overflowing sets",
            "/api/workouts/create",
            Some(FORM),
            b"date=2026-11-20&kind=Run&sets=99999999999999999999".to_vec(),
            Some(422),
        ),
        (
            "infinite distance",
            "/api/workouts/create",
            Some(FORM),
            b"date=2026-11-20&kind=Run&distance_km=1e309".to_vec(),
            Some(422),
        ),
        (
            "NaN weight",
            "/api/workouts/create",
            Some(FORM),
            b"date=2026-11-20&kind=Run&weight_kg=NaN".to_vec(),
            Some(422),
        ),
        (
            "impossible date",
            "/api/workouts/create",
            Some(FORM),
            b"date=2026-02-30&kind=Run".to_vec(),
            Some(422),
        ),
        (
            "overflowing id",
            "/api/workouts/get",
            Some(FORM),
            b"id=9223372036854775808".to_vec(),
            Some(400),
        ),
        (
            "negative id",
            "/api/workouts/delete",
            Some(FORM),
            b"id=-1".to_vec(),
            Some(404),
        ),
        (
            "id as a list",
            "/api/workouts/get",
            Some(FORM),
            b"id[]=1&id[]=2".to_vec(),
            Some(400),
        ),
        (
            "page size 0",
            "/api/workouts/list",
            Some(FORM),
            b"limit=0".to_vec(),
            Some(422),
        ),
        (
            "page size past u32",
            "/api/workouts/list",
            Some(FORM),
            b"limit=4294967296".to_vec(),
            Some(400),
        ),
        (
            "forged cursor",
            "/api/workouts/list",
            Some(FORM),
            b"before=2026-11-20_1%20OR%201%3D1".to_vec(),
            Some(422),
        ),
        (
            "1 MB body",
            "/api/workouts/create",
            Some(FORM),
            vec![b'a'; 1 << 20],
            Some(413),
        ),
        (
            "a wrong password for deletion",
            "/api/account/delete",
            Some(FORM),
            b"password=%27+OR+1%3D1".to_vec(),
            Some(422),
        ),
        (
            "an unknown session handle",
            "/api/account/revoke_session",
            Some(FORM),
            b"handle=%2A".to_vec(),
            Some(404),
        ),
        (
            "SQL for a reset token",
            "/api/password/reset",
            Some(FORM),
            b"token=%27+OR+%271%27%3D%271&password=brand+new+horse+staple".to_vec(),
            Some(400),
        ),
        (
            "a token-shaped guess",
            "/api/password/reset",
            Some(FORM),
            format!("token={}&password=brand+new+horse+staple", "A".repeat(43)).into_bytes(),
            Some(400),
        ),
        (
            "SQL for a confirmation token",
            "/api/email/confirm",
            Some(FORM),
            b"token=%27%3B+UPDATE+users+SET+email%3D%27x%27%3B--".to_vec(),
            Some(400),
        ),
        (
            "an invalid address to reset",
            "/api/password/forgot",
            Some(FORM),
            b"email=%3Cscript%3E".to_vec(),
            Some(422),
        ),
        (
            "an email change with a wrong password",
            "/api/account/change_email",
            Some(FORM),
            b"password=wrong+password+here&new_email=other%40example.com".to_vec(),
            Some(422),
        ),
        (
            "an email change to an invalid address",
            "/api/account/change_email",
            Some(FORM),
            b"password=correct+horse+battery&new_email=%E2%80%AEmoc.live%40x".to_vec(),
            Some(422),
        ),
    ];
    for (what, path, content_type, body, expected) in cases {
        let res = send(&app, path, content_type, body, Some(&cookie)).await;
        let status = assert_refused_cleanly(res, what).await;
        if let Some(expected) = expected {
            assert_eq!(status, expected, "{what}");
        }
        assert_eq!(
            snapshot(&deployment).await,
            before,
            "{what} changed the database"
        );
    }

    // A body that never says how long it is, streamed past the limit. The
    // client must read the 413, not a reset connection, every time: the
    // server reads on past the limit a little before it closes.
    for _ in 0..20 {
        let chunks =
            futures::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 4096])));
        let res = app
            .client
            .post(app.url("/api/workouts/create"))
            .header(CONTENT_TYPE, FORM)
            .header(COOKIE, &cookie)
            .body(reqwest::Body::wrap_stream(chunks))
            .send()
            .await
            .expect("the 413 reaches the client");
        assert_eq!(assert_refused_cleanly(res, "streamed body").await, 413);
        let declared = vec![b'a'; 1 << 20];
        let res = send(
            &app,
            "/api/workouts/create",
            Some(FORM),
            declared,
            Some(&cookie),
        )
        .await;
        assert_eq!(assert_refused_cleanly(res, "1 MB body").await, 413);
    }

    // Headers: a 20 KB cookie, and many small headers.
    let huge_cookie = format!("{cookie}; junk={}", "x".repeat(20_000));
    let res = send(&app, "/api/me", Some(FORM), vec![], Some(&huge_cookie)).await;
    assert_eq!(assert_refused_cleanly(res, "huge cookie").await, 431);
    let mut req = app.client.get(app.url("/"));
    for i in 0..90 {
        req = req.header(format!("x-filler-{i}"), "y".repeat(200));
    }
    let res = req.send().await.unwrap();
    assert_eq!(assert_refused_cleanly(res, "18 KB of headers").await, 431);
    // Past 100 headers hyper itself refuses, before the app sees anything.
    let mut req = app.client.get(app.url("/"));
    for i in 0..400 {
        req = req.header(format!("x-filler-{i}"), "y");
    }
    assert_eq!(req.send().await.unwrap().status(), 431);

    // A server function called with GET: axum's 405, which names the method to use.
    let res = app.client.get(app.url("/api/me")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");

    // Static files: no way out of the site root.
    for path in [
        "/pkg/..%2f..%2fCargo.toml",
        "/..%2fCargo.toml",
        "/pkg/../../Cargo.toml",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert!(!res.text().await.unwrap().contains("[package]"), "{path}");
    }
    // Pages: junk in the query string.
    for path in [
        "/login?next=https://evil.example/",
        "/login?next=%00%FF",
        "/dashboard?page=-1&edit=99999999999999999999",
        "/dashboard?before=%27%20OR%201%3D1",
    ] {
        let res = app.get_page(path, Some(&cookie)).await;
        assert!(res.status().as_u16() < 500, "{path}: {}", res.status());
    }

    // Extra fields are ignored, never assigned: the workout is the caller's.
    let stranger = app.signed_up_cookie("stranger@example.com").await;
    let res = send(
        &app,
        "/api/workouts/create",
        Some(FORM),
        b"date=2026-11-20&kind=Run&user_id=1&id=777&admin=true".to_vec(),
        Some(&stranger),
    )
    .await;
    assert_eq!(res.status(), 200);
    let list: Value = app
        .post_form("/api/workouts/list", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["workouts"], serde_json::json!([]), "not the target's");

    // SQL and markup are stored as the text they are and shown escaped.
    let res = app
        .post_form(
            "/api/workouts/create",
            &[
                ("date", "2026-11-20"),
                ("kind", "Robert'); DROP TABLE workouts;--"),
                ("notes", "<script>alert(1)</script>"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 200);
    let stored: Value = res.json().await.unwrap();
    assert_eq!(stored["kind"], "Robert'); DROP TABLE workouts;--");
    let html = app
        .get_page("/dashboard", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "markup is escaped"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(
        deployment.workout_count().await,
        2,
        "the table is still there"
    );
    app.shutdown().await;
}

/// One generated request.
#[derive(Debug, Clone)]
struct Attempt {
    path: &'static str,
    content_type: Option<&'static str>,
    fields: Vec<(String, String)>,
    with_cookie: bool,
}

fn attempt() -> impl Strategy<Value = Attempt> {
    let value = prop_oneof![
        proptest::sample::select(HOSTILE_VALUES).prop_map(str::to_owned),
        any::<String>(),
        "[0-9-]{1,30}",
        ".{200,2000}",
    ];
    let field = (
        prop_oneof![
            4 => proptest::sample::select(FIELDS).prop_map(str::to_owned),
            1 => any::<String>(),
        ],
        value,
    );
    (
        proptest::sample::select(ENDPOINTS),
        proptest::sample::select(vec![
            Some(FORM),
            Some(FORM),
            Some(FORM),
            Some("application/json"),
            Some("text/plain"),
            Some("multipart/form-data; boundary=x"),
            None,
        ]),
        proptest::collection::vec(field, 0..8),
        any::<bool>(),
    )
        .prop_map(|(path, content_type, fields, with_cookie)| Attempt {
            path,
            content_type,
            fields,
            with_cookie,
        })
}

/// How many generated requests each backend gets.
const GENERATED_CASES: u32 = 300;

async fn generated_requests_never_get_a_5xx_and_refusals_change_nothing(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("fuzz@example.com").await;
    let mut runner = TestRunner::new(Config::default());
    let strategy = attempt();
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for _ in 0..GENERATED_CASES {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let body = serde_urlencoded::to_string(&case.fields).unwrap();
        let before = snapshot(&deployment).await;
        let res = send(
            &app,
            case.path,
            case.content_type,
            body.into_bytes(),
            case.with_cookie.then_some(cookie.as_str()),
        )
        .await;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        *statuses.entry(status).or_default() += 1;
        assert!(status < 500, "{case:?} got {status}: {text}");
        if status >= 400 {
            assert!(!text.is_empty(), "{case:?}: a refusal says why");
            assert_eq!(
                snapshot(&deployment).await,
                before,
                "{case:?} was refused but changed the database"
            );
        }
    }
    // The app is still itself afterwards (a generated signup may have
    // replaced the session, so the cookie may have ended).
    let me = app.me(Some(&cookie)).await.status().as_u16();
    assert!(me == 200 || me == 401, "{me}");
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    println!("{GENERATED_CASES} generated requests on {backend:?}, by status: {statuses:?}");
    app.shutdown().await;
}

crate::on_both_databases!(
    the_snapshot_sees_any_change_to_a_row_or_a_key,
    hand_written_hostile_requests_get_a_4xx_and_change_nothing,
    generated_requests_never_get_a_5xx_and_refusals_change_nothing,
);
