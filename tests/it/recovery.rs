//! Account recovery and verified addresses, with mail delivered to a real
//! SMTP server of the test's own: a forgotten password reset by an emailed
//! link, confirmation of the address, a change of address, and mail that
//! survives an SMTP outage and a restart.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Backend, Deployment, TestApp, TestSmtp, session_cookie};

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "brand new horse staple";
const PUBLIC_URL: &str = "https://log.example.com";

/// A deployment whose mail goes to `smtp`, with links to [`PUBLIC_URL`].
fn with_mail(backend: Backend, smtp: &TestSmtp) -> Deployment {
    Deployment::new(backend)
        .with("SMTP_URL", &smtp.url())
        .with("PUBLIC_URL", PUBLIC_URL)
        .with("MAIL_RETRY_AFTER", "200ms")
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.login(email, password).await
}

async fn login_cookie(app: &TestApp, email: &str, password: &str) -> String {
    let res = login(app, email, password).await;
    assert_eq!(res.status(), 200, "login of {email}");
    session_cookie(res.headers()).unwrap().pair()
}

async fn forgot(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_form("/api/password/forgot", &[("email", email)], None)
        .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post_form(
        "/api/password/reset",
        &[("token", token), ("password", password)],
        None,
    )
    .await
}

async fn confirm(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_form("/api/email/confirm", &[("token", token)], None)
        .await
}

async fn email_status(app: &TestApp, cookie: &str) -> Value {
    let res = app.post_form("/api/email/status", &[], Some(cookie)).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn audit_kinds(app: &TestApp, cookie: &str) -> Vec<String> {
    let events: Vec<Value> = app
        .post_form("/api/account/audit", &[], Some(cookie))
        .await
        .json()
        .await
        .unwrap();
    events
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn assert_invalid_link(res: reqwest::Response) {
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap(), "InvalidLink");
}

async fn a_forgotten_password_is_reset_once_by_the_emailed_link_and_every_session_ends(
    backend: Backend,
) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp);
    let (a, b) = (deployment.spawn_app().await, deployment.spawn_app().await);
    let first = a.signed_up_cookie("ann@example.com").await;
    let (laptop, phone) = (
        login_cookie(&a, "ann@example.com", PASSWORD).await,
        login_cookie(&b, "ann@example.com", PASSWORD).await,
    );
    let bob = a.signed_up_cookie("bob@example.com").await;

    let res = forgot(&a, "Ann@Example.com").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), Value::Null);
    let mail = smtp.wait_for("ann@example.com", 2).await;
    assert_eq!(mail.subject, "Reset your Workout log password");
    assert!(mail.from.contains("no-reply@localhost"), "{}", mail.from);
    let link = &mail.links()[0];
    assert!(
        link.starts_with(&format!("{PUBLIC_URL}/reset-password?token=")),
        "{link}"
    );
    let token = mail.token();

    // Opening the link shows the form and uses nothing up.
    let page = a
        .get_page(&format!("/reset-password?token={token}"), None)
        .await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    // The password rules of signup apply.
    let weak = reset(&a, &token, "short").await;
    assert_eq!(weak.status(), 422);
    assert_eq!(
        weak.json::<Value>().await.unwrap()["InvalidField"]["field"],
        "password"
    );

    let res = reset(&b, &token, NEW_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let fresh = session_cookie(res.headers())
        .expect("a fresh session")
        .pair();
    assert_eq!(
        b.me(Some(&fresh)).await.json::<Value>().await.unwrap()["email"],
        "ann@example.com"
    );
    for (which, cookie) in [("signup", &first), ("laptop", &laptop), ("phone", &phone)] {
        assert_eq!(a.me(Some(cookie)).await.status(), 401, "{which} on a");
        assert_eq!(b.me(Some(cookie)).await.status(), 401, "{which} on b");
    }
    assert_eq!(a.me(Some(&bob)).await.status(), 200, "bob is untouched");
    assert_eq!(login(&a, "ann@example.com", PASSWORD).await.status(), 401);
    assert_eq!(
        login(&a, "ann@example.com", NEW_PASSWORD).await.status(),
        200
    );
    assert_eq!(login(&a, "bob@example.com", PASSWORD).await.status(), 200);

    // Once only.
    assert_invalid_link(reset(&a, &token, "yet another horse staple").await).await;
    let notice = smtp.wait_for("ann@example.com", 3).await;
    assert_eq!(notice.subject, "Your Workout log password was changed");
    let kinds = audit_kinds(&a, &fresh).await;
    assert!(
        kinds.contains(&"PasswordResetRequested".to_owned()),
        "{kinds:?}"
    );
    assert_eq!(kinds[0], "LoggedIn");
    assert!(kinds.contains(&"PasswordReset".to_owned()), "{kinds:?}");
    assert_eq!(
        deployment
            .count_rows("email_tokens WHERE purpose = 'password_reset'")
            .await,
        0
    );
    a.shutdown().await;
    b.shutdown().await;
}

async fn the_answer_to_a_reset_request_is_the_same_for_known_and_unknown_addresses(
    backend: Backend,
) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp).with("TRUSTED_PROXIES", "127.0.0.1");
    let app = deployment.spawn_app().await;
    const ROUNDS: usize = 6;
    for i in 0..ROUNDS {
        app.signed_up_cookie(&format!("known{i}@example.com")).await;
    }
    smtp.wait_for(&format!("known{}@example.com", ROUNDS - 1), 1)
        .await;
    let ask = |email: String, from: String| {
        let app = &app;
        async move {
            let started = Instant::now();
            let res = app
                .client
                .post(app.url("/api/password/forgot"))
                .header("x-forwarded-for", from)
                .form(&[("email", email.as_str())])
                .send()
                .await
                .unwrap();
            let status = res.status();
            let body = res.text().await.unwrap();
            (status, body, started.elapsed())
        }
    };
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        let k = ask(format!("known{i}@example.com"), format!("10.0.0.{i}")).await;
        let u = ask(format!("nobody{i}@example.com"), format!("10.0.1.{i}")).await;
        assert_eq!((k.0, &k.1), (u.0, &u.1), "the same status and body");
        assert_eq!(k.0, 200);
        known.push(k.2);
        unknown.push(u.2);
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[ROUNDS / 2], unknown[ROUNDS / 2]);
    println!(
        "reset request on {backend:?}: median {k:?} for a known address, {u:?} for an unknown one"
    );
    assert!(
        k.abs_diff(u) < Duration::from_millis(20),
        "known {k:?} vs unknown {u:?}"
    );
    assert!(
        u >= Duration::from_millis(150),
        "both answer at one fixed time: {u:?}"
    );
    smtp.wait_for(&format!("known{}@example.com", ROUNDS - 1), 2)
        .await;
    assert!(smtp.messages_to("nobody0@example.com").is_empty());
    assert_eq!(
        deployment
            .count_rows("email_tokens WHERE purpose = 'password_reset'")
            .await,
        ROUNDS as i64
    );
    app.shutdown().await;
}

async fn reset_links_expire_serve_one_user_and_die_when_the_password_changes(backend: Backend) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp).with("PASSWORD_RESET_TTL", "1s");
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    app.signed_up_cookie("bob@example.com").await;

    // Expired.
    assert_eq!(forgot(&app, "ann@example.com").await.status(), 200);
    let expired = smtp.wait_for("ann@example.com", 2).await.token();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_invalid_link(reset(&app, &expired, NEW_PASSWORD).await).await;

    // Unknown.
    assert_invalid_link(reset(&app, &"A".repeat(43), NEW_PASSWORD).await).await;
    assert_eq!(login(&app, "ann@example.com", PASSWORD).await.status(), 200);

    // Any password change kills every outstanding link, even unexpired.
    let deployment_ttl = deployment.with("PASSWORD_RESET_TTL", "1h");
    app.shutdown().await;
    let app = deployment_ttl.spawn_app().await;
    let _ = ann;
    let ann = login_cookie(&app, "ann@example.com", PASSWORD).await;
    assert_eq!(forgot(&app, "ann@example.com").await.status(), 200);
    assert_eq!(forgot(&app, "ann@example.com").await.status(), 200);
    let one = smtp.wait_for("ann@example.com", 3).await.token();
    let two = smtp.wait_for("ann@example.com", 4).await.token();
    let res = app
        .post_form(
            "/api/account/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&ann),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_invalid_link(reset(&app, &one, "yet another horse staple").await).await;
    assert_invalid_link(reset(&app, &two, "yet another horse staple").await).await;
    let notice = smtp.wait_for("ann@example.com", 5).await;
    assert_eq!(notice.subject, "Your Workout log password was changed");

    // A link sent to an address the account no longer has is dead.
    assert_eq!(forgot(&app, "bob@example.com").await.status(), 200);
    let to_old_address = smtp.wait_for("bob@example.com", 2).await.token();
    let bob = login_cookie(&app, "bob@example.com", PASSWORD).await;
    let res = app
        .post_form(
            "/api/account/change_email",
            &[("password", PASSWORD), ("new_email", "bob@new.example")],
            Some(&bob),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap(), "bob@new.example");
    let change = smtp.wait_for("bob@new.example", 1).await.token();
    assert_eq!(confirm(&app, &change).await.status(), 200);
    assert_invalid_link(reset(&app, &to_old_address, NEW_PASSWORD).await).await;
    let gone = smtp.wait_for("bob@example.com", 4).await;
    assert_eq!(gone.subject, "Your Workout log email address was changed");
    assert!(gone.text.contains("bob@new.example"));
    app.shutdown().await;
}

/// Someone who learnt the password asks to move the account to their own
/// address; the owner, warned by the notice, changes the password (or
/// resets it): the pending change dies with the old password.
async fn a_password_change_or_reset_cancels_a_pending_address_change(backend: Backend) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp);
    let app = deployment.spawn_app().await;
    for (owner, thief, by_reset) in [
        ("ann@example.com", "thief@evil.example", false),
        ("bob@example.com", "robber@evil.example", true),
    ] {
        let stolen = app.signed_up_cookie(owner).await;
        let res = app
            .post_form(
                "/api/account/change_email",
                &[("password", PASSWORD), ("new_email", thief)],
                Some(&stolen),
            )
            .await;
        assert_eq!(res.status(), 200);
        let takeover = smtp.wait_for(thief, 1).await.token();
        if by_reset {
            assert_eq!(forgot(&app, owner).await.status(), 200);
            let link = smtp.wait_for(owner, 3).await;
            assert_eq!(reset(&app, &link.token(), NEW_PASSWORD).await.status(), 200);
        } else {
            let mine = login_cookie(&app, owner, PASSWORD).await;
            let res = app
                .post_form(
                    "/api/account/change_password",
                    &[
                        ("current_password", PASSWORD),
                        ("new_password", NEW_PASSWORD),
                    ],
                    Some(&mine),
                )
                .await;
            assert_eq!(res.status(), 200);
        }
        assert_invalid_link(confirm(&app, &takeover).await).await;
        assert_eq!(login(&app, owner, NEW_PASSWORD).await.status(), 200);
    }
    app.shutdown().await;
}

/// A refusal of the message itself (550) ends its attempts and drops its
/// text; a refusal for now (451) is retried.
async fn mail_refused_for_good_stops_and_mail_refused_for_now_is_retried(backend: Backend) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("refused@example.com").await;
    app.signed_up_cookie("later@example.com").await;
    let pool = deployment.db.connect().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
            "SELECT recipient, CAST(attempts AS BIGINT), CAST(COALESCE(failed_at, 0) AS BIGINT), body \
             FROM mail_outbox ORDER BY recipient",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let (later, refused) = (&rows[0], &rows[1]);
        assert_eq!(refused.1, 1, "never tried again: {rows:?}");
        if refused.2 > 0 && later.1 >= 3 {
            assert_eq!(refused.3, "", "the refused message's text is gone");
            assert_eq!(later.2, 0, "a refusal for now is no failure");
            assert!(later.3.contains("/confirm-email?token="));
            break;
        }
        assert!(Instant::now() < deadline, "{rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.close().await;
    assert!(smtp.messages().is_empty());
    app.shutdown().await;
}

async fn reset_requests_are_throttled_alike_for_known_and_unknown_addresses(backend: Backend) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("ann@example.com").await;
    let mut answers = Vec::new();
    for email in ["ann@example.com", "nobody@example.com"] {
        for _ in 0..3 {
            assert_eq!(forgot(&app, email).await.status(), 200, "{email}");
        }
        let refused = forgot(&app, email).await;
        assert_eq!(refused.status(), 429, "{email}");
        let retry_after: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        answers.push(refused.json::<Value>().await.unwrap());
    }
    assert_eq!(answers[0], answers[1], "a refusal reveals nothing");
    smtp.wait_for("ann@example.com", 4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages_to("ann@example.com").len(), 4, "signup + 3");
    app.shutdown().await;
}

async fn mail_waits_out_an_smtp_outage_and_an_app_restart(backend: Backend) {
    let mut smtp = TestSmtp::down();
    let deployment = with_mail(backend, &smtp);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("ann@example.com").await;
    // Down: the request still answers at once; the message waits.
    let started = Instant::now();
    assert_eq!(forgot(&app, "ann@example.com").await.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(deployment.count_rows("mail_outbox").await, 2);
    smtp.start_now();
    let mail = smtp.wait_for("ann@example.com", 2).await;
    assert_eq!(mail.subject, "Reset your Workout log password");
    let deadline = Instant::now() + Duration::from_secs(5);
    while deployment.count_rows("mail_outbox").await > 0 {
        assert!(
            Instant::now() < deadline,
            "a sent message leaves the outbox"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Queued, then the app stops before it can send; the next one sends it.
    smtp.stop();
    assert_eq!(forgot(&app, "ann@example.com").await.status(), 200);
    app.shutdown().await;
    assert_eq!(deployment.count_rows("mail_outbox").await, 1);
    smtp.start_now();
    let app = deployment.spawn_app().await;
    let mail = smtp.wait_for("ann@example.com", 3).await;
    assert_eq!(mail.subject, "Reset your Workout log password");
    assert_eq!(reset(&app, &mail.token(), NEW_PASSWORD).await.status(), 200);
    app.shutdown().await;
}

async fn links_point_to_the_public_url_whatever_the_host_header_says(backend: Backend) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("ann@example.com").await;
    let res = app
        .client
        .post(app.url("/api/password/forgot"))
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .form(&[("email", "ann@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for mail in [
        smtp.wait_for("ann@example.com", 1).await,
        smtp.wait_for("ann@example.com", 2).await,
    ] {
        for link in mail.links() {
            assert!(link.starts_with(&format!("{PUBLIC_URL}/")), "{link}");
            assert!(!link.contains("evil.example"), "{link}");
        }
    }
    app.shutdown().await;
}

async fn signup_sends_a_confirmation_link_that_confirms_the_address(backend: Backend) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp);
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    let status = email_status(&app, &ann).await;
    assert_eq!(status["confirmed"], false);
    assert_eq!(status["email"], "ann@example.com");
    let mail = smtp.wait_for("ann@example.com", 1).await;
    assert_eq!(mail.subject, "Confirm your email address for Workout log");
    assert!(mail.links()[0].starts_with(&format!("{PUBLIC_URL}/confirm-email?token=")));

    // Sent again on request: a second link.
    let res = app
        .post_form("/api/email/resend_confirmation", &[], Some(&ann))
        .await;
    assert_eq!(res.status(), 200);
    let again = smtp.wait_for("ann@example.com", 2).await;
    assert_ne!(again.token(), mail.token());

    let page = app
        .get_page(&format!("/confirm-email?token={}", mail.token()), None)
        .await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert_eq!(
        email_status(&app, &ann).await["confirmed"],
        false,
        "opening is not confirming"
    );
    // No login needed: the link is the proof.
    assert_eq!(confirm(&app, &mail.token()).await.status(), 200);
    assert_eq!(email_status(&app, &ann).await["confirmed"], true);
    assert_invalid_link(confirm(&app, &mail.token()).await).await;
    assert_eq!(
        deployment
            .count_rows("users WHERE email_confirmed_at IS NOT NULL")
            .await,
        1
    );
    assert!(
        audit_kinds(&app, &ann)
            .await
            .contains(&"EmailConfirmed".to_owned())
    );

    // Nothing more is sent once confirmed.
    let res = app
        .post_form("/api/email/resend_confirmation", &[], Some(&ann))
        .await;
    assert_eq!(res.status(), 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages_to("ann@example.com").len(), 2);
    // An address beyond ASCII is delivered too (SMTPUTF8).
    app.signed_up_cookie("k\u{e1}te@example.com").await;
    let unicode = smtp.wait_for("k\u{e1}te@example.com", 1).await;
    assert_eq!(
        unicode.subject,
        "Confirm your email address for Workout log"
    );
    // Anonymous callers have no status to ask for.
    assert_eq!(
        app.post_form("/api/email/status", &[], None).await.status(),
        401
    );
    app.shutdown().await;
}

async fn an_email_change_happens_only_through_the_link_and_every_session_shows_it(
    backend: Backend,
) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp);
    let (a, b) = (deployment.spawn_app().await, deployment.spawn_app().await);
    let here = a.signed_up_cookie("ann@example.com").await;
    let there = login_cookie(&b, "ann@example.com", PASSWORD).await;
    a.signed_up_cookie("bob@example.com").await;
    let change = |password: &'static str, new_email: &'static str| {
        let (a, here) = (&a, &here);
        async move {
            a.post_form(
                "/api/account/change_email",
                &[("password", password), ("new_email", new_email)],
                Some(here),
            )
            .await
        }
    };
    let wrong = change("not my password at all", "ann@new.example").await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["InvalidField"]["field"],
        "password"
    );
    let invalid = change(PASSWORD, "not an address").await;
    assert_eq!(
        invalid.json::<Value>().await.unwrap()["InvalidField"]["field"],
        "new_email"
    );
    assert_eq!(change(PASSWORD, "bob@example.com").await.status(), 409);
    assert_eq!(change(PASSWORD, "ann@new.example").await.status(), 200);
    assert_eq!(
        email_status(&a, &here).await["pending_email"],
        "ann@new.example"
    );

    let link = smtp.wait_for("ann@new.example", 1).await;
    assert_eq!(
        link.subject,
        "Confirm your new email address for Workout log"
    );
    let notice = smtp.wait_for("ann@example.com", 2).await;
    assert_eq!(
        notice.subject,
        "Your Workout log email address is being changed"
    );
    assert!(notice.text.contains("ann@new.example"));
    assert!(
        notice.links().iter().all(|l| !l.contains("token=")),
        "no link to the change"
    );
    // Nothing changes before the link is followed.
    assert_eq!(
        a.me(Some(&here)).await.json::<Value>().await.unwrap()["email"],
        "ann@example.com"
    );

    assert_eq!(confirm(&b, &link.token()).await.status(), 200);
    for (app, cookie) in [(&a, &here), (&b, &there), (&b, &here), (&a, &there)] {
        let me: Value = app.me(Some(cookie)).await.json().await.unwrap();
        assert_eq!(me["email"], "ann@new.example", "every session, at once");
    }
    let status = email_status(&a, &here).await;
    assert_eq!(status["confirmed"], true);
    assert_eq!(status["pending_email"], Value::Null);
    assert_eq!(login(&a, "ann@example.com", PASSWORD).await.status(), 401);
    assert_eq!(login(&a, "ann@new.example", PASSWORD).await.status(), 200);
    let kinds = audit_kinds(&a, &here).await;
    assert!(
        kinds.contains(&"EmailChangeRequested".to_owned()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"EmailChanged".to_owned()), "{kinds:?}");
    a.shutdown().await;
    b.shutdown().await;
}

async fn two_accounts_racing_for_one_address_exactly_one_wins(backend: Backend) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp);
    let app = deployment.spawn_app().await;
    let ann = app.signed_up_cookie("ann@example.com").await;
    let bob = app.signed_up_cookie("bob@example.com").await;
    for cookie in [&ann, &bob] {
        let res = app
            .post_form(
                "/api/account/change_email",
                &[("password", PASSWORD), ("new_email", "carol@example.com")],
                Some(cookie),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let first = smtp.wait_for("carol@example.com", 1).await.token();
    let second = smtp.wait_for("carol@example.com", 2).await.token();
    let (one, two) = tokio::join!(confirm(&app, &first), confirm(&app, &second));
    let mut statuses = [one.status().as_u16(), two.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    assert_eq!(
        deployment
            .count_rows("users WHERE email = 'carol@example.com'")
            .await,
        1
    );
    let emails: Vec<String> = {
        let mut v = Vec::new();
        for cookie in [&ann, &bob] {
            let me: Value = app.me(Some(cookie)).await.json().await.unwrap();
            v.push(me["email"].as_str().unwrap().to_owned());
        }
        v.sort();
        v
    };
    assert!(
        emails == ["ann@example.com", "carol@example.com"]
            || emails == ["bob@example.com", "carol@example.com"],
        "{emails:?}"
    );
    app.shutdown().await;
}

async fn the_development_mailbox_shows_messages_and_production_has_no_mailbox(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("ann@example.com").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let html = loop {
        let html = app
            .get_page("/dev/mailbox", None)
            .await
            .text()
            .await
            .unwrap();
        if html.contains("delivered") || Instant::now() > deadline {
            break html;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        html.contains("Confirm your email address for Workout log"),
        "{html}"
    );
    assert!(html.contains("ann@example.com"));
    assert!(
        html.contains("href=\"http://127.0.0.1:"),
        "links to the site: {html}"
    );
    assert!(html.contains("/confirm-email?token="));
    app.shutdown().await;

    let site = tempfile::tempdir().unwrap();
    let production = deployment
        .with("SMTP_URL", "smtp://127.0.0.1:9?tls=none")
        .with("MAIL_FROM", "Workout log <no-reply@example.com>")
        .with("PUBLIC_URL", PUBLIC_URL);
    let app = production.spawn_production_app(site.path()).await;
    assert_eq!(app.get_page("/dev/mailbox", None).await.status(), 404);
    app.shutdown().await;
}

/// Addresses the mailer would read as another mailbox, or could never send
/// to, are no address for an account: the account could never get its
/// links, or they would go elsewhere.
async fn addresses_the_mailer_reads_otherwise_or_cannot_send_to_are_refused(backend: Backend) {
    let smtp = TestSmtp::start();
    let deployment = with_mail(backend, &smtp);
    let app = deployment.spawn_app().await;
    let bob = app.signed_up_cookie("bob@example.com").await;
    smtp.wait_for("bob@example.com", 1).await;
    while deployment.count_rows("mail_outbox").await > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = deployment.snapshot().await;
    for address in [
        "eve<evil@evil.example>",
        "\"bob\"@example.com",
        "=?utf-8?q?bob?=@example.com",
        "=?utf-8?b?ymv0?=@c.example",
        ".a@b.example",
        "a..b@c.example",
        "a@-b.example",
        "a@b.example-",
        "a(comment)@b.example",
        "user@[127.0.0.1]",
        "x@evil.example>",
    ] {
        let res = app.signup(address, PASSWORD).await;
        assert_eq!(res.status(), 422, "{address}");
        let res = app
            .post_form(
                "/api/account/change_email",
                &[("password", PASSWORD), ("new_email", address)],
                Some(&bob),
            )
            .await;
        assert_eq!(res.status(), 422, "{address}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["InvalidField"]["field"],
            "new_email",
            "{address}"
        );
    }
    assert_eq!(deployment.snapshot().await, before, "nothing stored");
    assert_eq!(smtp.messages().len(), 1, "bob's own only");
    app.shutdown().await;
}

crate::on_both_databases!(
    addresses_the_mailer_reads_otherwise_or_cannot_send_to_are_refused,
    a_forgotten_password_is_reset_once_by_the_emailed_link_and_every_session_ends,
    the_answer_to_a_reset_request_is_the_same_for_known_and_unknown_addresses,
    reset_links_expire_serve_one_user_and_die_when_the_password_changes,
    reset_requests_are_throttled_alike_for_known_and_unknown_addresses,
    a_password_change_or_reset_cancels_a_pending_address_change,
    mail_refused_for_good_stops_and_mail_refused_for_now_is_retried,
    mail_waits_out_an_smtp_outage_and_an_app_restart,
    links_point_to_the_public_url_whatever_the_host_header_says,
    signup_sends_a_confirmation_link_that_confirms_the_address,
    an_email_change_happens_only_through_the_link_and_every_session_shows_it,
    two_accounts_racing_for_one_address_exactly_one_wins,
    the_development_mailbox_shows_messages_and_production_has_no_mailbox,
);
