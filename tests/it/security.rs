//! Browser-facing protections over HTTP: security headers, cross-site request
//! refusal, and login throttling shared by two app instances through Redis.

use std::time::Duration;

use crate::common::{Backend, Deployment, session_cookie, set_cookies};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

async fn every_response_carries_security_headers_and_pages_a_nonce_csp(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;

    let page = app.get_page("/login", None).await;
    let headers = page.headers().clone();
    let html = page.text().await.unwrap();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // The nonce in the header is the one on the page's own scripts.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "hydration scripts carry the nonce"
    );
    let other = app.get_page("/login", None).await;
    assert!(
        !other.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(nonce),
        "a fresh nonce per response"
    );

    let api = app.me(None).await;
    let missing = app.get_page("/no-such-page", None).await;
    // Refusals too: they are answered before the session layer.
    let too_large = app
        .client
        .post(app.url("/api/me"))
        .body(vec![b'a'; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);
    let cross_site = app
        .client
        .post(app.url("/api/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    for headers in [
        &headers,
        api.headers(),
        missing.headers(),
        too_large.headers(),
        cross_site.headers(),
    ] {
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(
            headers["referrer-policy"],
            "strict-origin-when-cross-origin"
        );
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert!(
            headers.get("strict-transport-security").is_none(),
            "plain HTTP: no HSTS"
        );
    }
    app.shutdown().await;

    let https = Deployment::new(backend).with("COOKIE_SECURE", "true");
    let app = https.spawn_app().await;
    let res = app.get_page("/", None).await;
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    app.shutdown().await;
}

async fn cross_site_posts_are_refused_before_they_change_anything(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("csrf@example.com").await;
    let session_keys = deployment.redis.session_keys();

    let cross_site = [
        ("sec-fetch-site", "cross-site".to_owned()),
        ("sec-fetch-site", "same-site".to_owned()),
        ("origin", "https://evil.example".to_owned()),
    ];
    for (name, value) in &cross_site {
        for (path, form) in [
            ("/api/logout", vec![]),
            (
                "/api/workouts/create",
                vec![("date", "2026-01-01"), ("kind", "Forged")],
            ),
            (
                "/api/login",
                vec![("email", "csrf@example.com"), ("password", PASSWORD)],
            ),
        ] {
            let res = app
                .client
                .post(app.url(path))
                .header("cookie", &cookie)
                .header(*name, value)
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403, "{path} with {name}: {value}");
            assert!(set_cookies(res.headers()).is_empty());
            assert_eq!(
                res.json::<Value>().await.unwrap(),
                serde_json::json!("Forbidden")
            );
        }
    }
    assert_eq!(
        deployment.redis.session_keys(),
        session_keys,
        "the session was not logged out or replaced"
    );
    let list: Value = app
        .post_form("/api/workouts/list", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["workouts"],
        serde_json::json!([]),
        "nothing was created"
    );

    // The same request from the app's own pages goes through.
    let res = app
        .client
        .post(app.url("/api/workouts/create"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .header("origin", format!("http://{}", app.addr))
        .form(&[("date", "2026-01-01"), ("kind", "Real")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.shutdown().await;
}

async fn login_throttling_is_shared_by_two_instances_and_reveals_nothing(backend: Backend) {
    let deployment = Deployment::new(backend);
    let a = deployment.spawn_app().await;
    let b = deployment.spawn_app().await;
    a.signed_up_cookie("target@example.com").await;

    // Five free attempts, alternating instances; the fifth locks.
    for n in 0..5 {
        let app = if n % 2 == 0 { &a } else { &b };
        assert_eq!(
            app.login("target@example.com", "wrong guess")
                .await
                .status(),
            401,
            "failure {n}"
        );
        assert_eq!(
            app.login("ghost@example.com", "wrong guess").await.status(),
            401,
            "failure {n}"
        );
    }
    // Locked on both instances, for an existing and an unknown email alike,
    // and even the right password is refused while the lock holds.
    for (app, email, password) in [
        (&a, "target@example.com", "wrong guess"),
        (&b, "target@example.com", PASSWORD),
        (&b, "ghost@example.com", "wrong guess"),
    ] {
        let res = app.login(email, password).await;
        assert_eq!(res.status(), 429, "{email}");
        assert_eq!(res.headers()["retry-after"], "1");
        assert!(set_cookies(res.headers()).is_empty());
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"TooManyAttempts": {"retry_after_secs": 1}})
        );
    }

    // The lock ends by itself; a good password then works and clears the count.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = b.login("target@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert!(session_cookie(res.headers()).is_some());
    assert_eq!(
        a.login("target@example.com", "wrong again").await.status(),
        401,
        "count was reset"
    );
    a.shutdown().await;
    b.shutdown().await;
}

async fn one_address_guessing_many_emails_is_throttled(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    // Logins that succeed are not guesses: many behind one address (an
    // office, a school) count for nothing.
    app.signed_up_cookie("colleague@example.com").await;
    for n in 0..25 {
        let res = app.login("colleague@example.com", PASSWORD).await;
        assert_eq!(res.status(), 200, "login {n}");
    }
    for n in 0..20 {
        let res = app
            .login(&format!("guess{n}@example.com"), "wrong guess")
            .await;
        assert_eq!(res.status(), 401, "attempt {n}");
    }
    let res = app.login("fresh@example.com", "wrong guess").await;
    assert_eq!(
        res.status(),
        429,
        "the address is locked, whatever the email"
    );
    app.shutdown().await;
}

async fn signup_refuses_common_passwords_and_the_email_itself(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    for (email, password, message) in [
        ("common@example.com", "password123", "too common"),
        ("common@example.com", "Qwerty123", "too common"),
        (
            "same@example.com",
            " SAME@example.com ",
            "cannot be your email",
        ),
    ] {
        let res = app.signup(email, password).await;
        assert_eq!(res.status(), 422, "{password:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["InvalidField"]["field"], "password");
        assert!(
            body["InvalidField"]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{body}"
        );
    }
    assert_eq!(deployment.user_count().await, 0, "nothing stored");

    // Any Unicode is welcome, and an equivalent form logs in: composed `é` at
    // signup, `e` + combining accent at login.
    let res = app
        .signup(
            "unicode@example.com",
            "caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e",
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .login(
            "unicode@example.com",
            "cafe\u{301} cre\u{300}me bru\u{302}le\u{301}e",
        )
        .await;
    assert_eq!(res.status(), 200);
    app.shutdown().await;
}

/// Behind a trusted reverse proxy the client is the address the proxy
/// appended to `X-Forwarded-For`; from anyone else the header is ignored, so
/// a client cannot dodge the per-IP throttle or forge the audit trail.
async fn only_a_trusted_proxy_names_the_client_address(backend: Backend) {
    async fn audit_ips(app: &crate::common::TestApp, email: &str, forwarded: &str) -> Vec<Value> {
        let res = app
            .client
            .post(app.url("/api/signup"))
            .header("x-forwarded-for", forwarded)
            .form(&[("email", email), ("password", "correct horse battery")])
            .send()
            .await
            .unwrap();
        let cookie = session_cookie(res.headers()).unwrap().pair();
        let events: Vec<Value> = app
            .post_form("/api/account/audit", &[], Some(&cookie))
            .await
            .json()
            .await
            .unwrap();
        events.iter().map(|e| e["ip"].clone()).collect()
    }

    let untrusting = Deployment::new(backend);
    let app = untrusting.spawn_app().await;
    assert_eq!(
        audit_ips(&app, "direct@example.com", "203.0.113.9").await,
        ["127.0.0.1"]
    );
    app.shutdown().await;

    let behind_proxy = Deployment::new(backend).with("TRUSTED_PROXIES", "127.0.0.1/32");
    let app = behind_proxy.spawn_app().await;
    assert_eq!(
        audit_ips(&app, "proxied@example.com", "6.6.6.6, 203.0.113.9").await,
        ["203.0.113.9"],
        "the proxy's own entry, not the one the client wrote"
    );
    app.shutdown().await;
}

/// Origins that name this app's host but another scheme or port, that a
/// same-origin `Sec-Fetch-Site` would have waved through before, or that
/// hide behind a first, same-origin copy of the header.
async fn an_origin_is_this_app_only_in_scheme_host_and_port(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("origin@example.com").await;
    let created: Value = app
        .post_form(
            "/api/workouts/create",
            &[("date", "2026-01-01"), ("kind", "Keep")],
            Some(&cookie),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].to_string();
    let (host, port) = (app.addr.ip(), app.addr.port());
    let foreign = [
        (None, format!("https://{host}:{port}")),
        (None, format!("ws://{host}:{port}")),
        (None, format!("ftp://{host}:{port}")),
        (None, format!("http://{host}:{}", port.wrapping_add(1))),
        (Some("same-origin"), "https://evil.example".to_owned()),
        (Some("none"), "https://evil.example".to_owned()),
    ];
    for (site, origin) in &foreign {
        let mut req = app
            .client
            .post(app.url("/api/workouts/delete"))
            .header("cookie", &cookie)
            .header("origin", origin)
            .form(&[("id", id.as_str())]);
        if let Some(site) = site {
            req = req.header("sec-fetch-site", *site);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403, "{origin} with {site:?}");
    }
    // A foreign copy of a repeated header, or a foreign Referer, is as
    // foreign as a single one.
    let ours = format!("http://{host}:{port}");
    let repeated: [&[(&str, &str)]; 3] = [
        &[("origin", &ours), ("origin", "https://evil.example")],
        &[
            ("origin", &ours),
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-site", "cross-site"),
        ],
        &[("referer", "https://evil.example/page")],
    ];
    for headers in repeated {
        let mut req = app
            .client
            .post(app.url("/api/workouts/delete"))
            .header("cookie", &cookie)
            .form(&[("id", id.as_str())]);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        assert_eq!(req.send().await.unwrap().status(), 403, "{headers:?}");
    }
    assert_eq!(deployment.workout_count().await, 1, "nothing was deleted");
    app.shutdown().await;
}

/// A page, an API answer or a redirect that depends on the session is never
/// kept by a browser or a cache; the bundle and public files keep theirs.
async fn answers_that_depend_on_the_session_are_never_stored(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("nostore@example.com").await;
    let no_store = |res: &reqwest::Response, what: &str| {
        assert_eq!(
            res.headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{what}"
        );
    };
    for path in ["/dashboard", "/account", "/", "/login", "/no-such-page"] {
        no_store(&app.get_page(path, Some(&cookie)).await, path);
    }
    no_store(
        &app.get_page("/dashboard", None).await,
        "the redirect to /login",
    );
    for path in [
        "/api/me",
        "/api/current_user",
        "/api/workouts/list",
        "/api/workouts/summary",
        "/api/account/sessions",
        "/api/account/audit",
    ] {
        no_store(&app.post_form(path, &[], Some(&cookie)).await, path);
    }
    no_store(&app.me(None).await, "a 401");
    let missing = app.post_form("/api/nonexistent", &[], Some(&cookie)).await;
    assert_eq!(missing.status(), 404);
    no_store(&missing, "an endpoint that does not exist");
    assert_eq!(
        missing.json::<Value>().await.unwrap(),
        serde_json::json!("NotFound"),
        "answered like every API error"
    );
    let login = app.login("nostore@example.com", PASSWORD).await;
    no_store(&login, "a login that sets the cookie");
    app.shutdown().await;

    // A public file, from a site root of this test's own: a clean checkout
    // has no `target/site` until the bundle is built.
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("favicon.ico"), b"icon").unwrap();
    let app = deployment.spawn_production_app(site.path()).await;
    let res = app
        .client
        .get(app.url("/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_ne!(
        res.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "a public file"
    );
    app.shutdown().await;
}

/// A burst of wrong passwords cannot outrun the count: each attempt is
/// counted and decided in one step before its password is checked, so of
/// sixty sent at once for one account five are checked (401) and the rest
/// refused (429); the right password straight after is refused too, and
/// clears nothing. The same holds for thirty wrong current passwords sent
/// at once to change_password (five checked, 422).
async fn concurrent_password_attempts_are_counted_before_they_are_checked(backend: Backend) {
    use futures::future::join_all;

    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("burst@example.com").await;
    let statuses = |responses: Vec<reqwest::Response>| {
        let mut counts = std::collections::BTreeMap::new();
        for res in responses {
            *counts.entry(res.status().as_u16()).or_insert(0) += 1;
        }
        counts
    };
    let burst = join_all((0..60).map(|_| app.login("burst@example.com", "wrong guess"))).await;
    assert_eq!(statuses(burst), [(401, 5), (429, 55)].into());
    assert_eq!(app.login("burst@example.com", PASSWORD).await.status(), 429);
    assert_eq!(
        app.login("burst@example.com", "wrong guess").await.status(),
        429,
        "the refused right password cleared nothing"
    );

    let cookie = app.signed_up_cookie("confirm-burst@example.com").await;
    let form = [
        ("current_password", "not my password"),
        ("new_password", "a brand new passphrase"),
    ];
    let burst = join_all(
        (0..30).map(|_| app.post_form("/api/account/change_password", &form, Some(&cookie))),
    )
    .await;
    assert_eq!(statuses(burst), [(422, 5), (429, 25)].into());
    // Every password confirmation shares the lock: deleting the account too.
    let res = app
        .post_form(
            "/api/account/delete",
            &[("password", "a guess")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), 429);
    assert_eq!(deployment.user_count().await, 2, "nothing deleted");
    app.shutdown().await;
}

crate::on_both_databases!(
    an_origin_is_this_app_only_in_scheme_host_and_port,
    answers_that_depend_on_the_session_are_never_stored,
    concurrent_password_attempts_are_counted_before_they_are_checked,
    every_response_carries_security_headers_and_pages_a_nonce_csp,
    cross_site_posts_are_refused_before_they_change_anything,
    login_throttling_is_shared_by_two_instances_and_reveals_nothing,
    one_address_guessing_many_emails_is_throttled,
    signup_refuses_common_passwords_and_the_email_itself,
    only_a_trusted_proxy_names_the_client_address,
);
