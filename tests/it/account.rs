//! Session control over HTTP: listing and revoking sessions across two app
//! instances, "log out everywhere else", password change, account deletion,
//! the audit trail, timeouts and "Remember me".

use std::time::Duration;

use crate::common::{Backend, Deployment, TestApp, session_cookie, session_id, session_store};
use serde_json::Value;
use tower_sessions::SessionStore as _;

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "brand new horse staple";

async fn login_cookie(
    app: &TestApp,
    email: &str,
    password: &str,
    remember: bool,
) -> (String, crate::common::SetCookie) {
    let mut form = vec![("email", email), ("password", password)];
    if remember {
        form.push(("remember", "true"));
    }
    let res = app.post_form("/api/login", &form, None).await;
    assert_eq!(res.status(), 200, "login failed");
    let cookie = session_cookie(res.headers()).expect("login sets a cookie");
    (cookie.pair(), cookie)
}

async fn sessions(app: &TestApp, cookie: &str) -> Vec<Value> {
    let res = app
        .post_form("/api/account/sessions", &[], Some(cookie))
        .await;
    assert_eq!(res.status(), 200);
    res.json::<Vec<Value>>().await.unwrap()
}

async fn a_session_revoked_on_one_instance_is_refused_on_the_other_at_its_next_request(
    backend: Backend,
) {
    let deployment = Deployment::new(backend);
    let (a, b) = (deployment.spawn_app().await, deployment.spawn_app().await);
    let laptop = a.signed_up_cookie("revoke@example.com").await;
    let (phone, _) = login_cookie(&b, "revoke@example.com", PASSWORD, false).await;

    let listed = sessions(&b, &laptop).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "exactly one is this device");
    assert_eq!(listed[0]["ip"], "127.0.0.1");
    let phone_handle = listed.iter().find(|s| s["current"] == false).unwrap()["handle"].clone();
    assert!(
        !phone.contains(phone_handle.as_str().unwrap()),
        "the handle is not the session id"
    );

    // Another user cannot revoke it: a handle that is not theirs is not found.
    let stranger = a.signed_up_cookie("stranger@example.com").await;
    let res = a
        .post_form(
            "/api/account/revoke_session",
            &[("handle", phone_handle.as_str().unwrap())],
            Some(&stranger),
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(a.me(Some(&phone)).await.status(), 200, "still logged in");

    let res = a
        .post_form(
            "/api/account/revoke_session",
            &[("handle", phone_handle.as_str().unwrap())],
            Some(&laptop),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        b.me(Some(&phone)).await.status(),
        401,
        "revoked at once, on the other instance too"
    );
    assert_eq!(b.me(Some(&laptop)).await.status(), 200);
    assert_eq!(sessions(&a, &laptop).await.len(), 1);
    a.shutdown().await;
    b.shutdown().await;
}

async fn log_out_everywhere_else_keeps_only_this_session(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let here = app.signed_up_cookie("everywhere@example.com").await;
    let mut others = Vec::new();
    for _ in 0..3 {
        others.push(
            login_cookie(&app, "everywhere@example.com", PASSWORD, false)
                .await
                .0,
        );
    }
    let res = app
        .post_form("/api/account/logout_others", &[], Some(&here))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<u32>().await.unwrap(), 3, "three sessions ended");
    for other in &others {
        assert_eq!(app.me(Some(other)).await.status(), 401);
    }
    assert_eq!(app.me(Some(&here)).await.status(), 200);
    assert_eq!(deployment.redis.session_keys().len(), 1);
    app.shutdown().await;
}

async fn a_password_change_keeps_this_session_under_a_new_id_and_ends_the_others(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let here = app.signed_up_cookie("change@example.com").await;
    let (elsewhere, _) = login_cookie(&app, "change@example.com", PASSWORD, false).await;

    // A wrong current password changes nothing.
    let res = app
        .post_form(
            "/api/account/change_password",
            &[
                ("current_password", "not my password"),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        res.json::<Value>().await.unwrap()["InvalidField"]["field"],
        "current_password"
    );
    // A weak new password is refused by name.
    let res = app
        .post_form(
            "/api/account/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "password123"),
            ],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        res.json::<Value>().await.unwrap()["InvalidField"]["field"],
        "new_password"
    );
    assert_eq!(
        app.me(Some(&elsewhere)).await.status(),
        200,
        "nothing changed yet"
    );

    let res = app
        .post_form(
            "/api/account/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 200);
    let renewed = session_cookie(res.headers())
        .expect("a new session id")
        .pair();
    assert_ne!(renewed, here);
    assert_eq!(
        app.me(Some(&renewed)).await.status(),
        200,
        "still logged in here"
    );
    assert_eq!(
        app.me(Some(&here)).await.status(),
        401,
        "the old id is dead"
    );
    assert_eq!(
        app.me(Some(&elsewhere)).await.status(),
        401,
        "every other session ended"
    );
    assert_eq!(
        app.login("change@example.com", PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.login("change@example.com", NEW_PASSWORD).await.status(),
        200
    );
    app.shutdown().await;
}

async fn deleting_the_account_removes_its_data_and_every_session(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let here = app.signed_up_cookie("leaving@example.com").await;
    let (elsewhere, _) = login_cookie(&app, "leaving@example.com", PASSWORD, false).await;
    let res = app
        .post_form(
            "/api/workouts/create",
            &[("date", "2026-01-05"), ("kind", "Run")],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 200);

    let res = app
        .post_form(
            "/api/account/delete",
            &[("password", "wrong password")],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(deployment.user_count().await, 1, "nothing deleted");

    let res = app
        .post_form(
            "/api/account/delete",
            &[("password", PASSWORD)],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(session_cookie(res.headers()).is_some_and(|c| c.is_removal()));
    assert_eq!(deployment.user_count().await, 0);
    assert_eq!(deployment.workout_count().await, 0);
    assert!(
        deployment.redis.session_keys().is_empty(),
        "every session is gone"
    );
    assert_eq!(app.me(Some(&elsewhere)).await.status(), 401);
    assert_eq!(
        app.login("leaving@example.com", PASSWORD).await.status(),
        401
    );
    app.shutdown().await;
}

async fn the_audit_trail_records_security_events_with_time_and_ip(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let here = app.signed_up_cookie("audit@example.com").await;
    assert_eq!(
        app.login("audit@example.com", "wrong guess").await.status(),
        401
    );
    let (other, _) = login_cookie(&app, "audit@example.com", PASSWORD, false).await;
    app.post_form("/api/account/logout_others", &[], Some(&here))
        .await;
    let _ = other;

    let res = app.post_form("/api/account/audit", &[], Some(&here)).await;
    assert_eq!(res.status(), 200);
    let events: Vec<Value> = res.json().await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["OtherSessionsEnded", "LoggedIn", "LoginFailed", "SignedUp"],
        "newest first"
    );
    assert!(events.iter().all(|e| e["ip"] == "127.0.0.1"));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        events
            .iter()
            .all(|e| (now - e["at"].as_i64().unwrap()).abs() < 60)
    );

    // Nobody else's events, and none for an anonymous caller.
    let stranger = app.signed_up_cookie("audit-other@example.com").await;
    let theirs: Vec<Value> = app
        .post_form("/api/account/audit", &[], Some(&stranger))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(
        app.post_form("/api/account/audit", &[], None)
            .await
            .status(),
        401
    );
    app.shutdown().await;
}

async fn reading_keeps_a_session_alive_without_a_write_per_request_until_its_absolute_end(
    backend: Backend,
) {
    // Times are whole seconds in the session record, so each limit may come up
    // to a second early, and a busy machine may delay a request by a second:
    // the periods and the reads below leave that much room.
    let deployment = Deployment::new(backend)
        .with("SESSION_INACTIVITY_TIMEOUT", "8s")
        .with("SESSION_REFRESH_FRACTION", "0.25")
        .with("SESSION_ABSOLUTE_LIFETIME", "14s");
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("alive@example.com").await;

    // Within the refresh fraction (2 s) reads write nothing: no cookie, and
    // Redis itself applies no write.
    let writes = deployment.redis.writes();
    for _ in 0..5 {
        let res = app.me(Some(&cookie)).await;
        assert_eq!(res.status(), 200);
        assert!(
            session_cookie(res.headers()).is_none(),
            "no cookie for a fresh session"
        );
    }
    assert_eq!(
        deployment.redis.writes(),
        writes,
        "no write for a fresh session"
    );

    // Reading every 3 s keeps it alive past the 8 s inactivity timeout…
    let mut refreshed = 0;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(3000)).await;
        let writes = deployment.redis.writes();
        let res = app.me(Some(&cookie)).await;
        assert_eq!(res.status(), 200);
        let written = deployment.redis.writes() > writes;
        assert_eq!(written, session_cookie(res.headers()).is_some());
        refreshed += usize::from(written);
    }
    assert!(refreshed >= 2, "activity was written back: {refreshed}");
    // …but not past the absolute lifetime of 14 s.
    tokio::time::sleep(Duration::from_millis(6000)).await;
    assert_eq!(app.me(Some(&cookie)).await.status(), 401);
    assert!(
        deployment.redis.session_keys().is_empty(),
        "Redis dropped it by itself"
    );

    // Without reads, it ends after the inactivity timeout.
    let idle = app.signed_up_cookie("idle@example.com").await;
    tokio::time::sleep(Duration::from_millis(8400)).await;
    assert_eq!(app.me(Some(&idle)).await.status(), 401);
    app.shutdown().await;
}

async fn remember_me_gives_a_persistent_cookie_for_the_configured_period(backend: Backend) {
    let deployment = Deployment::new(backend).with("REMEMBER_ME_PERIOD", "30d");
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("remember@example.com").await;

    let (_, plain) = login_cookie(&app, "remember@example.com", PASSWORD, false).await;
    assert_eq!(
        plain.attribute("Max-Age"),
        None,
        "unchecked: a browser-session cookie"
    );
    assert_eq!(plain.attribute("Expires"), None);

    let (remembered, cookie) = login_cookie(&app, "remember@example.com", PASSWORD, true).await;
    let max_age: i64 = cookie
        .attribute("Max-Age")
        .expect("a persistent cookie")
        .parse()
        .unwrap();
    assert!(
        (30 * 86_400 - 60..=30 * 86_400).contains(&max_age),
        "{max_age}"
    );
    let id = remembered.split_once('=').unwrap().1;
    let key = deployment
        .redis
        .session_keys()
        .into_iter()
        .find(|k| id.ends_with(k.as_str()))
        .unwrap();
    let ttl = deployment.redis.ttl(&key);
    assert!(
        ttl > 29 * 86_400,
        "the record lives as long as the cookie: {ttl}"
    );
    let listed = sessions(&app, &remembered).await;
    assert!(
        listed
            .iter()
            .any(|s| s["current"] == true && s["remembered"] == true)
    );
    app.shutdown().await;
}

/// A login with the old password that was still running while the
/// password changed leaves no session behind. Such a login checks the old
/// hash before the change and saves its session after the change ended
/// every other one; here that session is put back in Redis just after the
/// change, as that login would have saved it. A session carries the
/// version of the credentials it was made with, and one made with the old
/// password is refused at its next request, on this instance at once and
/// on another within the recheck period.
async fn a_session_made_with_the_old_password_is_refused_after_a_change(backend: Backend) {
    let deployment = Deployment::new(backend).with("SESSION_USER_RECHECK", "300ms");
    let a = deployment.spawn_app().await;
    let b = deployment.spawn_app().await;
    let here = a.signed_up_cookie("race@example.com").await;
    let here_key = deployment.redis.session_keys().pop().unwrap();
    let (late_on_a, _) = login_cookie(&a, "race@example.com", PASSWORD, false).await;
    let (late_on_b, _) = login_cookie(&b, "race@example.com", PASSWORD, false).await;
    assert_eq!(
        b.me(Some(&late_on_b)).await.status(),
        200,
        "b trusts the user"
    );
    let late = LateLogins::of(&deployment, &here_key).await;

    let changed = a
        .post_form(
            "/api/account/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&here),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let here = session_cookie(changed.headers()).unwrap().pair();
    late.save_their_sessions().await;
    assert_eq!(deployment.redis.session_keys().len(), 3, "put back");

    assert_eq!(a.me(Some(&late_on_a)).await.status(), 401, "at once here");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        b.me(Some(&late_on_b)).await.status(),
        401,
        "after the recheck there"
    );
    assert_eq!(a.me(Some(&here)).await.status(), 200);
    assert_eq!(
        deployment.redis.session_keys().len(),
        1,
        "the old sessions were destroyed"
    );
    a.shutdown().await;
    b.shutdown().await;
}

/// A login still running when the account is deleted leaves no session:
/// the session it saves afterwards (put back in Redis here, as it would be
/// saved) is refused at its first request.
async fn a_login_still_running_when_the_account_is_deleted_leaves_no_session(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let here = app.signed_up_cookie("gone@example.com").await;
    let here_key = deployment.redis.session_keys().pop().unwrap();
    let (late, _) = login_cookie(&app, "gone@example.com", PASSWORD, false).await;
    let late_logins = LateLogins::of(&deployment, &here_key).await;

    let res = app
        .post_form(
            "/api/account/delete",
            &[("password", PASSWORD)],
            Some(&here),
        )
        .await;
    assert_eq!(res.status(), 200);
    late_logins.save_their_sessions().await;
    assert_eq!(app.me(Some(&late)).await.status(), 401);
    assert!(deployment.redis.session_keys().is_empty(), "destroyed");
    app.shutdown().await;
}

/// Logins still running while the test changes the account: their session
/// records, taken as stored now, which such logins save only after the
/// change (and after it ended every other session).
struct LateLogins {
    store: tower_sessions_redis_store::RedisStore<tower_sessions_redis_store::fred::prelude::Pool>,
    records: Vec<tower_sessions::session::Record>,
}

impl LateLogins {
    /// Every session stored now but the one under `keep` (a Redis key).
    async fn of(deployment: &Deployment, keep: &str) -> Self {
        let store = session_store(&deployment.redis.url()).await;
        let mut records = Vec::new();
        for key in deployment.redis.session_keys() {
            if key != keep {
                records.push(store.load(&session_id(&key)).await.unwrap().unwrap());
            }
        }
        Self { store, records }
    }

    /// Saves their sessions, as those logins would now; each had ended.
    async fn save_their_sessions(self) {
        for mut record in self.records {
            assert!(
                self.store.load(&record.id).await.unwrap().is_none(),
                "ended"
            );
            self.store.create(&mut record).await.unwrap();
        }
    }
}

crate::on_both_databases!(
    a_session_revoked_on_one_instance_is_refused_on_the_other_at_its_next_request,
    log_out_everywhere_else_keeps_only_this_session,
    a_password_change_keeps_this_session_under_a_new_id_and_ends_the_others,
    deleting_the_account_removes_its_data_and_every_session,
    the_audit_trail_records_security_events_with_time_and_ip,
    reading_keeps_a_session_alive_without_a_write_per_request_until_its_absolute_end,
    remember_me_gives_a_persistent_cookie_for_the_configured_period,
    a_session_made_with_the_old_password_is_refused_after_a_change,
    a_login_still_running_when_the_account_is_deleted_leaves_no_session,
);
