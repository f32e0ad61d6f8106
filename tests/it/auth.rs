//! The cookie-and-session flow, end to end over HTTP against the real app with
//! its own Redis and SQLite.

use std::time::{Duration, Instant};

use crate::common::{Backend, Deployment, session_cookie, session_id, session_store, set_cookies};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

async fn signup_sets_a_hardened_session_cookie_that_me_accepts_until_logout(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;

    let res = app.signup("  Ann@Example.com ", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(res.headers()).expect("signup sets a cookie");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["email"], "ann@example.com", "email is normalised");

    // The flags a session cookie must carry.
    assert!(cookie.has("HttpOnly"), "{cookie:?}");
    assert_eq!(cookie.attribute("SameSite").as_deref(), Some("Lax"));
    assert_eq!(cookie.attribute("Path").as_deref(), Some("/"));
    assert!(
        !cookie.has("Secure"),
        "COOKIE_SECURE=false for plain-HTTP development"
    );
    assert_eq!(
        cookie.attribute("Max-Age"),
        None,
        "a browser-session cookie unless the user asks to be remembered"
    );
    assert_eq!(cookie.attribute("Expires"), None);

    // The cookie carries only a signed random id: no user id, no email, no JWT.
    let keys = deployment.redis.session_keys();
    assert_eq!(keys.len(), 1, "one session stored: {keys:?}");
    let session_id = &keys[0];
    let ttl = deployment.redis.ttl(session_id);
    assert!(
        (86_390..=86_400).contains(&ttl),
        "Redis drops it after 24 h of inactivity by default, got {ttl}"
    );
    assert!(
        cookie.value.ends_with(session_id.as_str()),
        "cookie holds the session id"
    );
    assert_ne!(session_id, &body["id"].to_string());
    assert!(!cookie.value.contains("ann"));
    assert_eq!(cookie.value.matches('.').count(), 0, "not a JWT");

    let me = app.me(Some(&cookie.pair())).await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["email"], "ann@example.com");

    let logout = app
        .post_form("/api/logout", &[], Some(&cookie.pair()))
        .await;
    assert_eq!(logout.status(), 200);
    let removal = session_cookie(logout.headers()).expect("logout expires the cookie");
    assert!(removal.is_removal(), "{removal:?}");
    assert!(
        deployment.redis.session_keys().is_empty(),
        "logout deletes the session from Redis"
    );

    // Replaying the old cookie (a copy an attacker kept) gets nothing.
    let replay = app.me(Some(&cookie.pair())).await;
    assert_eq!(replay.status(), 401);
    app.shutdown().await;
}

async fn secure_mode_marks_the_cookie_secure_with_a_host_prefix(backend: Backend) {
    let deployment = Deployment::new(backend).with("COOKIE_SECURE", "true");
    let app = deployment.spawn_app().await;
    let res = app.signup("sec@example.com", PASSWORD).await;
    let cookie = session_cookie(res.headers()).unwrap();
    assert!(cookie.has("Secure"));
    assert!(cookie.name.starts_with("__Host-"), "{}", cookie.name);
    app.shutdown().await;
}

async fn anonymous_visits_set_no_cookie_and_store_nothing(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;

    for path in ["/", "/login", "/signup", "/dashboard", "/no-such-page"] {
        let res = app.get_page(path, None).await;
        assert!(
            set_cookies(res.headers()).is_empty(),
            "GET {path} set a cookie"
        );
    }
    for path in ["/api/me", "/api/current_user", "/api/logout"] {
        let res = app.post_form(path, &[], None).await;
        assert!(
            set_cookies(res.headers()).is_empty(),
            "POST {path} set a cookie"
        );
    }
    let failed = app.login("nobody@example.com", PASSWORD).await;
    assert!(
        set_cookies(failed.headers()).is_empty(),
        "a failed login sets no cookie"
    );

    // No session was stored: the only keys are the failed login's throttle
    // counters.
    let keys = deployment.redis.keys();
    assert!(
        keys.iter().all(|k| k.starts_with("login-throttle:")),
        "nothing but throttle counters written to Redis: {keys:?}"
    );
    app.shutdown().await;
}

async fn me_answers_401_with_a_json_error_for_anonymous_callers(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let res = app.me(None).await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, serde_json::json!("Unauthorized"));
    app.shutdown().await;
}

async fn wrong_password_and_unknown_email_get_the_same_answer_in_about_the_same_time(
    backend: Backend,
) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("known@example.com").await;

    let mut wrong_password = Vec::new();
    let mut unknown_email = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let a = app.login("known@example.com", "not the password").await;
        wrong_password.push(started.elapsed());
        let (status_a, body_a) = (a.status(), a.text().await.unwrap());

        let started = Instant::now();
        let b = app.login("unknown@example.com", "not the password").await;
        unknown_email.push(started.elapsed());
        let (status_b, body_b) = (b.status(), b.text().await.unwrap());

        assert_eq!(status_a, 401);
        assert_eq!(
            (status_a, &body_a),
            (status_b, &body_b),
            "indistinguishable answers"
        );
        assert!(body_a.contains("InvalidCredentials"));
    }
    // Both run one full argon2id verification; without the dummy hash an unknown
    // email would answer in a fraction of the time. Medians, to ignore hiccups.
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (wrong, unknown) = (median(wrong_password), median(unknown_email));
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "wrong password {wrong:?} vs unknown email {unknown:?}"
    );
    app.shutdown().await;
}

async fn login_returns_the_user_and_cycles_the_session_id(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let first = app.signed_up_cookie("cycle@example.com").await;
    let old_id = deployment.redis.session_keys().pop().unwrap();

    // Log in again from a browser that already holds a session id (as a planted
    // id would be): the id must change and the old one must die.
    let res = app
        .post_form(
            "/api/login",
            &[("email", "CYCLE@example.com"), ("password", PASSWORD)],
            Some(&first),
        )
        .await;
    assert_eq!(res.status(), 200);
    let second = session_cookie(res.headers()).expect("login sets a new cookie");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["email"], "cycle@example.com");

    let keys = deployment.redis.session_keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_ne!(keys[0], old_id, "the session id was cycled");
    assert_eq!(
        app.me(Some(&first)).await.status(),
        401,
        "the pre-login id is worthless"
    );
    assert_eq!(app.me(Some(&second.pair())).await.status(), 200);
    app.shutdown().await;
}

async fn a_taken_email_is_refused_and_changes_nothing(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("dup@example.com").await;

    let res = app.signup("DUP@example.com ", "another password").await;
    assert_eq!(res.status(), 409);
    assert!(set_cookies(res.headers()).is_empty());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, serde_json::json!("EmailTaken"));
    assert_eq!(deployment.user_count().await, 1);

    // The original password still works: the second signup changed nothing.
    assert_eq!(app.login("dup@example.com", PASSWORD).await.status(), 200);
    app.shutdown().await;
}

async fn racing_signups_for_one_email_create_exactly_one_account(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let attempts = (0..6).map(|_| app.signup("race@example.com", PASSWORD));
    let results = futures::future::join_all(attempts).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(deployment.user_count().await, 1);
    app.shutdown().await;
}

async fn invalid_signups_name_the_field_and_store_nothing(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cases = [
        ("not-an-email", PASSWORD, "email"),
        ("", PASSWORD, "email"),
        ("short@example.com", "1234567", "password"),
    ];
    let too_long = "x".repeat(129);
    for (email, password, field) in
        cases
            .into_iter()
            .chain([("long@example.com", too_long.as_str(), "password")])
    {
        let res = app.signup(email, password).await;
        assert_eq!(res.status(), 422, "{email:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["InvalidField"]["field"], field, "{body}");
        assert!(body["InvalidField"]["message"].as_str().unwrap().len() > 10);
    }
    // A missing field is a malformed request, answered 400, not a 500.
    let res = app
        .post_form("/api/signup", &[("email", "x@example.com")], None)
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(deployment.user_count().await, 0);
    assert_eq!(deployment.redis.cli(&["DBSIZE"]).unwrap(), "0");
    app.shutdown().await;
}

async fn sessions_survive_an_app_restart(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("restart@example.com").await;
    app.shutdown().await;

    let restarted = deployment.spawn_app().await;
    let res = restarted.me(Some(&cookie)).await;
    assert_eq!(
        res.status(),
        200,
        "the session lives in Redis, not in the process"
    );
    let page = restarted.get_page("/dashboard", Some(&cookie)).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("restart@example.com"));
    restarted.shutdown().await;
}

async fn garbage_forged_and_foreign_cookies_are_anonymous(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("forge@example.com").await;
    let (name, value) = cookie.split_once('=').unwrap();
    let session_id = deployment.redis.session_keys().pop().unwrap();

    // A session signed with another deployment's key.
    let other = Deployment::new(backend);
    let other_app = other.spawn_app().await;
    let foreign = other_app.signed_up_cookie("forge@example.com").await;
    other_app.shutdown().await;

    let mut flipped = value.to_owned();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    let forged = [
        format!("{name}=garbage"),
        format!("{name}="),
        format!("{name}={session_id}"), // the bare id, unsigned
        format!("{name}={}", "A".repeat(300)),
        format!("{name}={flipped}"), // tampered id, stale signature
        foreign,
        format!("{name}=%%%\"\\;;"),
    ];
    for cookie in &forged {
        let res = app.me(Some(cookie)).await;
        assert_eq!(res.status(), 401, "cookie {cookie:?} was accepted");
        let page = app.get_page("/dashboard", Some(cookie)).await;
        assert_eq!(page.status(), 302, "cookie {cookie:?} opened the dashboard");
    }
    assert_eq!(
        deployment.redis.session_keys(),
        vec![session_id],
        "nothing new was stored"
    );
    assert_eq!(
        app.me(Some(&cookie)).await.status(),
        200,
        "the real cookie still works"
    );
    app.shutdown().await;
}

async fn redis_expires_sessions_after_the_configured_inactivity(backend: Backend) {
    let deployment = Deployment::new(backend).with("SESSION_INACTIVITY_TIMEOUT", "2s");
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("expiry@example.com").await;
    let key = deployment.redis.session_keys().pop().unwrap();
    let ttl = deployment.redis.ttl(&key);
    assert!(
        (1..=2).contains(&ttl),
        "Redis holds the session with a TTL, got {ttl}"
    );

    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert!(
        deployment.redis.session_keys().is_empty(),
        "Redis removed the session by itself"
    );
    assert_eq!(app.me(Some(&cookie)).await.status(), 401);
    app.shutdown().await;
}

async fn a_session_whose_user_was_deleted_is_destroyed(backend: Backend) {
    // Checked against the database on every request (see the next test).
    let deployment = Deployment::new(backend).with("SESSION_USER_RECHECK", "1ms");
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("gone@example.com").await;
    deployment.delete_user("gone@example.com").await;

    let res = app.me(Some(&cookie)).await;
    assert_eq!(res.status(), 401);
    assert!(
        session_cookie(res.headers()).is_some_and(|c| c.is_removal()),
        "cookie expired"
    );
    assert!(
        deployment.redis.session_keys().is_empty(),
        "session removed from Redis"
    );

    // A new account never inherits the deleted user's id.
    let new_cookie = app.signed_up_cookie("new@example.com").await;
    let me: Value = app.me(Some(&new_cookie)).await.json().await.unwrap();
    assert_eq!(me["email"], "new@example.com");
    assert_ne!(me["id"], 1);
    app.shutdown().await;
}

/// The session carries its user, so `/api/me` needs no query while this
/// process has lately found the user in the database. A deletion behind the
/// app's back is noticed, and the session destroyed, once
/// `SESSION_USER_RECHECK` has passed.
async fn a_user_deleted_behind_the_apps_back_is_noticed_within_the_recheck_period(
    backend: Backend,
) {
    let deployment = Deployment::new(backend).with("SESSION_USER_RECHECK", "1500ms");
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("late@example.com").await;
    // Its first request finds the user in the database (a login or signup
    // never marks the user as seen).
    assert_eq!(app.me(Some(&cookie)).await.status(), 200);
    deployment.delete_user("late@example.com").await;
    let deleted_at = Instant::now();

    let mut status = app.me(Some(&cookie)).await.status();
    while status == 200 {
        assert!(
            deleted_at.elapsed() < Duration::from_secs(3),
            "the deletion was never noticed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = app.me(Some(&cookie)).await.status();
    }
    assert_eq!(status, 401);
    assert!(
        deleted_at.elapsed() >= Duration::from_millis(1000),
        "noticed after {:?}: the session was not trusted",
        deleted_at.elapsed()
    );
    assert!(
        deployment.redis.session_keys().is_empty(),
        "session removed from Redis"
    );
    app.shutdown().await;
}

async fn a_redis_outage_answers_503_fast_and_the_app_recovers_by_itself(backend: Backend) {
    let mut deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("outage@example.com").await;

    deployment.redis.stop();
    let started = Instant::now();
    let res = app.me(Some(&cookie)).await;
    assert_eq!(res.status(), 503);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, serde_json::json!("Unavailable"));
    assert_eq!(
        app.get_page("/", None).await.status(),
        200,
        "public pages still render"
    );

    // Redis comes back (empty: this test server keeps nothing on disk).
    deployment.redis.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.me(Some(&cookie)).await.status();
        if status == 401 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the app did not reconnect to Redis (last status {status})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        app.login("outage@example.com", PASSWORD).await.status(),
        200
    );
    app.shutdown().await;
}

/// A session logged out or revoked while one of its requests runs stays
/// ended. The request, due to write the session back, answered 503
/// ("failed to save session"); now nothing is written back to Redis and no
/// cookie is sent, and the request keeps the answer to what it did while
/// its session was valid. The session's next request is anonymous.
async fn a_session_ended_under_a_running_request_answers_as_anonymous(backend: Backend) {
    // Any request after a second refreshes the session.
    let deployment = Deployment::new(backend).with("SESSION_REFRESH_FRACTION", "0.00001");
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("ended@example.com").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // The write waits on a lock of the workouts table, its session loaded
    // and due a refresh, while the session is revoked.
    let pool = deployment.db.connect().await;
    let mut lock = pool.begin().await.unwrap();
    let hold = match backend {
        Backend::Postgres => "LOCK TABLE workouts IN EXCLUSIVE MODE",
        Backend::Sqlite => "DELETE FROM workouts WHERE id = -1", // takes the write lock
    };
    sqlx::query(hold).execute(&mut *lock).await.unwrap();
    let request = app
        .client
        .post(app.url("/api/workouts/create"))
        .header("cookie", &cookie)
        .form(&[("date", "2026-01-05"), ("kind", "Run")])
        .send();
    let pending = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sessions = deployment.redis.session_keys();
    assert_eq!(sessions.len(), 1);
    deployment.redis.cli(&["DEL", &sessions[0]]).unwrap();
    lock.rollback().await.unwrap();
    pool.close().await;

    let res = pending.await.unwrap().unwrap();
    assert_eq!(
        res.status(),
        200,
        "not 503: the write happened while the session was valid, and says so"
    );
    assert_eq!(deployment.workout_count().await, 1);
    assert!(set_cookies(res.headers()).is_empty(), "no cookie");
    assert!(
        deployment.redis.session_keys().is_empty(),
        "the ended session is not written back"
    );
    assert_eq!(app.me(Some(&cookie)).await.status(), 401);
    app.shutdown().await;
}

/// Rotating `SESSION_SECRET` logs nobody out. With the old secret moved to
/// `SESSION_SECRET_FALLBACKS`, a cookie it signed still opens its session
/// after the restart, and the answer re-signs the cookie with the new
/// secret, which then works on its own once the old one is dropped. During
/// a rolling deploy, an instance still signing with the old secret (the new
/// one listed as a fallback) and one signing with the new (the old listed)
/// accept each other's cookies.
async fn rotating_the_session_secret_logs_nobody_out(backend: Backend) {
    use base64::Engine as _;
    let secret = |byte: u8| base64::engine::general_purpose::STANDARD.encode([byte; 64]);
    let (old, new) = (secret(1), secret(2));
    let mut deployment = Deployment::new(backend).with("SESSION_SECRET", &old);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("rotate@example.com").await;
    app.shutdown().await;

    deployment.vars.insert("SESSION_SECRET".into(), new.clone());
    deployment
        .vars
        .insert("SESSION_SECRET_FALLBACKS".into(), old.clone());
    let app = deployment.spawn_app().await;
    let res = app.me(Some(&cookie)).await;
    assert_eq!(res.status(), 200, "the old secret still verifies");
    let resigned = session_cookie(res.headers())
        .expect("the cookie comes back signed with the new secret")
        .pair();
    assert_ne!(resigned, cookie);
    app.shutdown().await;

    deployment.vars.remove("SESSION_SECRET_FALLBACKS");
    let app = deployment.spawn_app().await;
    assert_eq!(app.me(Some(&resigned)).await.status(), 200);
    assert_eq!(
        app.me(Some(&cookie)).await.status(),
        401,
        "once dropped, the old secret verifies nothing"
    );
    app.shutdown().await;

    // A rolling deploy: both instances at once, one on each side.
    deployment.vars.insert("SESSION_SECRET".into(), old.clone());
    deployment
        .vars
        .insert("SESSION_SECRET_FALLBACKS".into(), new.clone());
    let before = deployment.spawn_app().await;
    deployment.vars.insert("SESSION_SECRET".into(), new.clone());
    deployment
        .vars
        .insert("SESSION_SECRET_FALLBACKS".into(), old.clone());
    let after = deployment.spawn_app().await;
    let res = before.login("rotate@example.com", PASSWORD).await;
    let signed_old = session_cookie(res.headers()).unwrap().pair();
    let res = after.me(Some(&signed_old)).await;
    assert_eq!(res.status(), 200);
    let signed_new = session_cookie(res.headers()).unwrap().pair();
    assert_eq!(before.me(Some(&signed_new)).await.status(), 200);
    assert_eq!(after.me(Some(&signed_new)).await.status(), 200);
    before.shutdown().await;
    after.shutdown().await;
}

/// One identity, one canonical email: addresses that differ only by
/// invisible or text-direction characters are refused (422 on `email`, and
/// nothing stored), and composed and decomposed accents, fullwidth letters
/// and case are one account in signup, login and the login throttle.
async fn emails_that_look_alike_are_one_account_or_refused(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("kate@example.com").await;
    app.signed_up_cookie("k\u{e1}te@example.com").await;
    for c in [
        '\u{200b}', '\u{feff}', '\u{2060}', '\u{200d}', '\u{180e}', '\u{34f}', '\u{ad}', '\u{202e}',
    ] {
        for email in [
            format!("kate@example.com{c}"),
            format!("ka{c}te@example.com"),
        ] {
            let res = app.signup(&email, PASSWORD).await;
            assert_eq!(res.status(), 422, "{email:?}");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["InvalidField"]["field"], "email", "{email:?}");
        }
    }
    for email in ["ka\u{301}te@example.com", "KATE@example.com"] {
        assert_eq!(app.signup(email, PASSWORD).await.status(), 409, "{email:?}");
    }
    // A spelling that folding rewrites (mail would go to the rewritten
    // mailbox) is no address for a new account.
    for email in [
        "\u{ff4b}\u{ff41}\u{ff54}\u{ff45}@example.com",
        "stra\u{df}e@example.com",
    ] {
        assert_eq!(app.signup(email, PASSWORD).await.status(), 422, "{email:?}");
    }
    assert_eq!(
        deployment.db.count_rows("users").await,
        2,
        "nothing else stored"
    );
    let res = app.login("\u{ff2b}ATE@EXAMPLE.COM", PASSWORD).await;
    assert_eq!(res.status(), 200, "fullwidth capitals log in to kate@");
    assert_eq!(
        res.json::<Value>().await.unwrap()["email"],
        "kate@example.com"
    );

    // Five wrong guesses under five spellings are five for one account.
    for email in [
        "kate@example.com",
        "KATE@example.com",
        "\u{ff4b}ate@example.com",
        "Kate@Example.com",
        "\u{212a}ate@example.com",
    ] {
        assert_eq!(
            app.login(email, "wrong guess").await.status(),
            401,
            "{email:?}"
        );
    }
    assert_eq!(app.login("kate@example.com", PASSWORD).await.status(), 429);
    app.shutdown().await;
}

/// Emails stored by the release that only lower-cased them are brought to
/// the canonical form at start-up when that names no other account; when
/// it does, or two stored emails share it, the accounts are reported and
/// left alone, never merged.
async fn stored_emails_are_made_canonical_at_start_up_and_collisions_reported(backend: Backend) {
    use workout_log::server::config::DatabaseUrl;
    use workout_log::server::db::{Database, EmailCheck};

    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("ann@example.com").await;
    app.shutdown().await;
    let pool = deployment.db.connect().await;
    let mut ids = Vec::new();
    for email in [
        "\u{ff42}\u{ff4f}\u{ff42}@example.com", // alone: becomes bob@
        "\u{ff41}\u{ff4e}\u{ff4e}@example.com", // ann@ exists
        "j\u{f6}rg@example.com",                // two spellings of one
        "jo\u{308}rg@example.com",
        "eve\u{200b}@example.com", // invalid now
    ] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id",
        )
        .bind(email)
        .fetch_one(&pool)
        .await
        .unwrap();
        ids.push(id);
    }
    let ann: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = 'ann@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let url = DatabaseUrl::parse(&deployment.db.url()).unwrap();
    // Start-up runs the check; run again, it finds what is left.
    let db = Database::connect(&url).await.unwrap();
    let again = db.canonicalise_stored_emails().await.unwrap();
    assert_eq!(
        again,
        EmailCheck {
            rewritten: vec![],
            collisions: vec![vec![ann, ids[1]], vec![ids[2], ids[3]]],
            invalid: vec![ids[4]],
        }
    );
    let email_of = |id: i64| {
        let pool = &pool;
        async move {
            sqlx::query_scalar::<_, String>("SELECT email FROM users WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(email_of(ids[0]).await, "bob@example.com");
    assert_eq!(
        email_of(ids[1]).await,
        "\u{ff41}\u{ff4e}\u{ff4e}@example.com",
        "left alone"
    );
    assert_eq!(
        email_of(ids[3]).await,
        "jo\u{308}rg@example.com",
        "left alone"
    );
    assert_eq!(deployment.db.count_rows("users").await, 6, "nothing merged");
    db.close().await;
    pool.close().await;
}

crate::on_both_databases!(
    signup_sets_a_hardened_session_cookie_that_me_accepts_until_logout,
    secure_mode_marks_the_cookie_secure_with_a_host_prefix,
    anonymous_visits_set_no_cookie_and_store_nothing,
    me_answers_401_with_a_json_error_for_anonymous_callers,
    wrong_password_and_unknown_email_get_the_same_answer_in_about_the_same_time,
    login_returns_the_user_and_cycles_the_session_id,
    a_taken_email_is_refused_and_changes_nothing,
    racing_signups_for_one_email_create_exactly_one_account,
    invalid_signups_name_the_field_and_store_nothing,
    sessions_survive_an_app_restart,
    garbage_forged_and_foreign_cookies_are_anonymous,
    redis_expires_sessions_after_the_configured_inactivity,
    a_user_deleted_behind_the_apps_back_is_noticed_within_the_recheck_period,
    a_session_whose_user_was_deleted_is_destroyed,
    a_redis_outage_answers_503_fast_and_the_app_recovers_by_itself,
    a_session_ended_under_a_running_request_answers_as_anonymous,
    rotating_the_session_secret_logs_nobody_out,
    emails_that_look_alike_are_one_account_or_refused,
    stored_emails_are_made_canonical_at_start_up_and_collisions_reported,
);

/// Rewrites a stored session record in the layout releases before the typed
/// session wrote: three keys (`user_id`, `email`, `meta`), the metadata as a
/// seven-element array, exactly as `SessionMeta` used to serialise it.
async fn store_in_the_three_key_layout(redis_url: &str, key: &str) {
    use tower_sessions::SessionStore as _;
    use workout_log::auth::server::LoggedIn;

    let store = session_store(redis_url).await;
    let mut record = store
        .load(&session_id(key))
        .await
        .unwrap()
        .expect("the session is stored");
    let LoggedIn { user, meta } = LoggedIn::from_record(&record).expect("a logged-in record");
    record.data.clear();
    record.data.insert("user_id".into(), user.id.into());
    record.data.insert("email".into(), user.email.into());
    record.data.insert(
        "meta".into(),
        serde_json::json!([
            meta.handle,
            meta.user_agent,
            meta.ip,
            meta.created_at,
            meta.last_active,
            meta.remembered,
            meta.ends_at
        ]),
    );
    store.save(&record).await.unwrap();
}

/// The keys a stored session record holds.
async fn stored_session_keys(redis_url: &str, key: &str) -> Vec<String> {
    use tower_sessions::SessionStore as _;
    let store = session_store(redis_url).await;
    let record = store
        .load(&session_id(key))
        .await
        .unwrap()
        .expect("the session is stored");
    let mut keys: Vec<String> = record.data.keys().cloned().collect();
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_stored_in_the_three_key_layout_keep_their_user_after_the_upgrade() {
    let deployment = Deployment::new(Backend::Sqlite);
    let redis_url = deployment.redis.url();
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("layout@example.com").await;
    app.shutdown().await;
    let [key] = deployment.redis.session_keys().try_into().unwrap();
    store_in_the_three_key_layout(&redis_url, &key).await;
    assert_eq!(
        stored_session_keys(&redis_url, &key).await,
        ["email", "meta", "user_id"]
    );

    // The new release reads it: the user is still logged in, on the API, on
    // a gated page and in the account's session list.
    let upgraded = deployment.spawn_app().await;
    let res = upgraded.me(Some(&cookie)).await;
    assert_eq!(res.status(), 200, "nobody is logged out by the upgrade");
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["email"], "layout@example.com");
    // Rewritten in today's layout, one value under the same id.
    assert_eq!(deployment.redis.session_keys(), vec![key.clone()]);
    assert_eq!(stored_session_keys(&redis_url, &key).await, ["auth"]);

    let page = upgraded.get_page("/dashboard", Some(&cookie)).await;
    assert_eq!(page.status(), 200);
    let res = upgraded
        .post_form("/api/account/sessions", &[], Some(&cookie))
        .await;
    let sessions: Value = res.json().await.unwrap();
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
    assert_eq!(sessions[0]["current"], true);

    let res = upgraded.post_form("/api/logout", &[], Some(&cookie)).await;
    assert_eq!(res.status(), 200);
    assert!(deployment.redis.session_keys().is_empty());
    upgraded.shutdown().await;
}
