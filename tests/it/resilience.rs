//! Staying up: Redis outages (killed, hung, restarted), readiness probes,
//! several instances on one Redis and one database, and graceful shutdown.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Backend, Deployment, TestRedis, free_port};

const PASSWORD: &str = "correct horse battery";

/// How long a request may take while Redis is down.
const OUTAGE_BUDGET: Duration = Duration::from_secs(1);

async fn timed<T>(what: &str, fut: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let out = fut.await;
    assert!(
        started.elapsed() < OUTAGE_BUDGET,
        "{what} took {:?} during the outage",
        started.elapsed()
    );
    out
}

async fn ready_status(app: &crate::common::TestApp) -> (u16, Value) {
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// Redis killed, then hung (SIGSTOP), under a running app: every answer comes
/// within a second, session-bound ones are a clear 503 (JSON for scripts, a
/// page for browsers), public pages still render, and when Redis is back the
/// app serves again without a restart.
async fn redis_outages_answer_fast_and_clearly_and_the_app_recovers_by_itself(backend: Backend) {
    let mut deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let mut cookie = app.signed_up_cookie("outage@example.com").await;
    let (status, body) = ready_status(&app).await;
    assert_eq!((status, &body["status"]), (200, &Value::from("ready")));

    for outage in ["killed", "hung"] {
        match outage {
            "killed" => deployment.redis.stop(),
            _ => deployment.redis.freeze(),
        }
        let me = timed("/api/me", app.me(Some(&cookie))).await;
        assert_eq!(me.status(), 503, "{outage}");
        assert_eq!(me.headers()["retry-after"], "1");
        assert_eq!(me.json::<Value>().await.unwrap(), "Unavailable");

        let page = timed("/dashboard", app.get_page("/dashboard", Some(&cookie))).await;
        assert_eq!(page.status(), 503, "{outage}: a gated page says so");
        assert_eq!(page.headers()["retry-after"], "1", "{outage}");
        let html = page.text().await.unwrap();
        assert!(html.contains("temporarily unavailable"), "{outage}: {html}");

        let login = timed("login", app.login("outage@example.com", PASSWORD)).await;
        assert_eq!(login.status(), 503, "{outage}");
        let users = deployment.user_count().await;
        let email = format!("{outage}@example.com");
        let signup = timed("signup", app.signup(&email, PASSWORD)).await;
        assert_eq!(signup.status(), 503, "{outage}");
        assert_eq!(
            deployment.user_count().await,
            users,
            "{outage}: no account a session could not be stored for"
        );

        for public in ["/", "/login", "/signup"] {
            for cookie in [None, Some(cookie.as_str())] {
                let html = timed(public, async {
                    let res = app.get_page(public, cookie).await;
                    assert_eq!(res.status(), 200, "{outage}: {public} still renders");
                    res.text().await.unwrap()
                })
                .await;
                assert!(
                    html.contains(r#"href="/login""#),
                    "{outage}: {public}: {html}"
                );
            }
        }
        let (status, body) = timed("/readyz", ready_status(&app)).await;
        assert_eq!(status, 503, "{outage}: {body}");
        assert_ne!(body["redis"], "ok", "{outage}");
        assert_eq!(body["database"], "ok");

        match outage {
            "killed" => deployment.redis.restart(),
            _ => deployment.redis.thaw(),
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while ready_status(&app).await.0 != 200 {
            assert!(Instant::now() < deadline, "{outage}: never ready again");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The killed Redis kept nothing on disk, so that session is gone;
        // the hung one kept it.
        let expected = if outage == "killed" { 401 } else { 200 };
        assert_eq!(app.me(Some(&cookie)).await.status(), expected, "{outage}");
        if outage == "killed" {
            let login = app.login("outage@example.com", PASSWORD).await;
            assert_eq!(login.status(), 200);
            cookie = crate::common::session_cookie(login.headers())
                .unwrap()
                .pair();
        }
    }
    app.shutdown().await;
}

/// Sessions live in Redis' append-only file (as with the run command's Redis):
/// a Redis restart under the running app logs nobody out.
async fn sessions_survive_a_restart_of_a_persistent_redis(backend: Backend) {
    let mut deployment = Deployment::with_redis(backend, TestRedis::start_persistent());
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("durable@example.com").await;

    deployment.redis.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.me(Some(&cookie)).await.status();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "only unavailable while reconnecting");
        assert!(Instant::now() < deadline, "the app did not reconnect");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.shutdown().await;
}

/// Two app processes on one Redis and one database behave as one app.
async fn two_instances_share_sessions_logouts_and_revocations(backend: Backend) {
    let deployment = Deployment::new(backend);
    let a = deployment.spawn_app().await;
    let b = deployment.spawn_app().await;

    // Signed up on A, known on B.
    let cookie = a.signed_up_cookie("twins@example.com").await;
    let me: Value = b.me(Some(&cookie)).await.json().await.unwrap();
    assert_eq!(me["email"], "twins@example.com");

    // A second session, made on B, is listed on A and revoked there...
    let login = b.login("twins@example.com", PASSWORD).await;
    let other = crate::common::session_cookie(login.headers())
        .unwrap()
        .pair();
    let sessions: Value = a
        .post_form("/api/account/sessions", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    let handle = sessions.iter().find(|s| s["current"] == false).unwrap()["handle"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = a
        .post_form(
            "/api/account/revoke_session",
            &[("handle", &handle)],
            Some(&cookie),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    // ...and is dead on B at its next request.
    assert_eq!(b.me(Some(&other)).await.status(), 401);

    // Logout on B ends the session on A too.
    assert_eq!(
        b.post_form("/api/logout", &[], Some(&cookie))
            .await
            .status(),
        200
    );
    assert_eq!(a.me(Some(&cookie)).await.status(), 401);

    // Writes on one are reads on the other.
    let cookie = b.login("twins@example.com", PASSWORD).await;
    let cookie = crate::common::session_cookie(cookie.headers())
        .unwrap()
        .pair();
    let created = a
        .post_form(
            "/api/workouts/create",
            &[("date", "2026-11-20"), ("kind", "Run")],
            Some(&cookie),
        )
        .await;
    assert_eq!(created.status(), 200, "{}", created.text().await.unwrap());
    let list: Value = b
        .post_form("/api/workouts/list", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["workouts"][0]["kind"], "Run");

    a.shutdown().await;
    b.shutdown().await;
}

crate::on_both_databases!(
    redis_outages_answer_fast_and_clearly_and_the_app_recovers_by_itself,
    sessions_survive_a_restart_of_a_persistent_redis,
    two_instances_share_sessions_logouts_and_revocations,
);

/// `/healthz` needs nothing but the process; `/readyz` names what is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_reports_the_database_too() {
    let mut deployment = Deployment::new(Backend::Postgres);
    let app = deployment.spawn_app().await;
    let crate::common::TestDatabase::Postgres(pg) = &mut deployment.db else {
        unreachable!()
    };
    pg.stop();
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.headers()["cache-control"], "no-store");
    let (status, body) = ready_status(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_ne!(body["database"], "ok", "{body}");
    assert_eq!(body["redis"], "ok");
    pg.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    while ready_status(&app).await.0 != 200 {
        assert!(
            Instant::now() < deadline,
            "never ready after PostgreSQL came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cookie = app.signed_up_cookie("back@example.com").await;
    assert_eq!(app.me(Some(&cookie)).await.status(), 200);
    app.shutdown().await;
}

/// The real binary on a free port, once it accepts connections.
fn start_binary(deployment: &Deployment) -> (std::process::Child, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_workout_log"))
        .envs(&deployment.vars)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the app did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

/// SIGTERM to the real binary: it stops taking new connections, finishes the
/// request it is in the middle of, and exits cleanly.
#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    let deployment = Deployment::new(Backend::Sqlite);
    let (mut child, port) = start_binary(&deployment);

    // A signup whose body is still arriving when SIGTERM comes.
    let body = format!(
        "email=inflight%40example.com&password={}",
        PASSWORD.replace(' ', "+")
    );
    let (first, rest) = body.split_at(10);
    let mut conn = start_signup(port, body.len(), first);
    std::thread::sleep(Duration::from_millis(300));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "a shutting-down app takes no new connections"
    );

    conn.write_all(rest.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = conn.read_to_string(&mut response);
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "the request in flight was finished: {response:?}"
    );
    assert!(response.contains("inflight@example.com"), "{response}");

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the app did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A signup that declares a `length`-byte body and sends only `first` of it;
/// the caller sends the rest, or never does. Reads wait at most 10 s.
fn start_signup(port: u16, length: usize, first: &str) -> TcpStream {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        conn,
        "POST /api/signup HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n{first}"
    )
    .unwrap();
    conn.flush().unwrap();
    conn
}

/// A request whose body stops arriving.
fn start_a_signup_that_never_finishes(port: u16) -> TcpStream {
    start_signup(port, 100, "email=slow")
}

/// A client that stops sending its body mid-way is answered 408 once
/// `REQUEST_BODY_TIMEOUT` has passed, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_is_answered_408_and_changes_nothing() {
    let deployment = Deployment::new(Backend::Sqlite).with("REQUEST_BODY_TIMEOUT", "300ms");
    let app = deployment.spawn_app().await;
    let port = app.addr.port();
    let started = Instant::now();
    let response = tokio::task::spawn_blocking(move || {
        let mut conn = start_a_signup_that_never_finishes(port);
        let mut response = String::new();
        let _ = conn.read_to_string(&mut response);
        response
    })
    .await
    .unwrap();
    assert!(
        response.starts_with("HTTP/1.1 408"),
        "a stalled body is refused: {response:?}"
    );
    assert!(response.contains("RequestTimeout"), "{response}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(deployment.user_count().await, 0);
    app.shutdown().await;
}

/// SIGTERM while a client holds a request open: the app waits for it only
/// `SHUTDOWN_GRACE`, then exits, so a stuck client cannot hold up a redeploy.
#[test]
fn a_stuck_request_holds_up_shutdown_only_for_the_grace_period() {
    let deployment = Deployment::new(Backend::Sqlite)
        .with("REQUEST_BODY_TIMEOUT", "60s")
        .with("SHUTDOWN_GRACE", "500ms");
    let (mut child, port) = start_binary(&deployment);
    let _stuck = start_a_signup_that_never_finishes(port);
    std::thread::sleep(Duration::from_millis(300));

    let stopping = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        if stopping.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the app was still waiting for the stuck request after 10 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        stopping.elapsed() >= Duration::from_millis(500),
        "it waited the grace period first: {:?}",
        stopping.elapsed()
    );
}
