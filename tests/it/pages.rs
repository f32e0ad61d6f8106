//! Pages and plain form posts, as a browser without JavaScript meets them.

use crate::common::{Backend, Deployment, session_cookie, set_cookies};

const PASSWORD: &str = "correct horse battery";

async fn the_dashboard_sends_anonymous_visitors_to_login_and_remembers_where_they_were_going(
    backend: Backend,
) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let res = app.get_page("/dashboard", None).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?next=%2Fdashboard");
    app.shutdown().await;
}

async fn logged_in_users_see_their_email_and_skip_the_login_and_signup_pages(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("page@example.com").await;

    let dashboard = app.get_page("/dashboard", Some(&cookie)).await;
    assert_eq!(dashboard.status(), 200);
    let html = dashboard.text().await.unwrap();
    assert!(html.contains("page@example.com"));
    assert!(html.contains("Log out"));

    for page in ["/login", "/signup"] {
        let res = app.get_page(page, Some(&cookie)).await;
        assert_eq!(res.status(), 302, "{page}");
        assert_eq!(res.headers()["location"], "/dashboard", "{page}");
    }
    let home = app.get_page("/", Some(&cookie)).await.text().await.unwrap();
    assert!(home.contains("Go to dashboard"));
    app.shutdown().await;
}

async fn the_home_page_offers_login_and_signup_to_visitors(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let res = app.get_page("/", None).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Log in") && html.contains("Sign up"));
    assert!(!html.contains("Go to dashboard"));
    let missing = app.get_page("/no-such-page", None).await;
    assert_eq!(missing.status(), 404);
    app.shutdown().await;
}

async fn plain_form_login_redirects_to_the_page_the_user_wanted(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    app.signed_up_cookie("form@example.com").await;

    let res = app
        .plain_form_post(
            "/api/login",
            "/login?next=%2Fdashboard",
            &[
                ("email", "form@example.com"),
                ("password", PASSWORD),
                ("next", "/dashboard"),
            ],
            None,
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/dashboard");
    let cookie = session_cookie(res.headers())
        .expect("session cookie on the redirect")
        .pair();
    let dashboard = app.get_page("/dashboard", Some(&cookie)).await;
    assert_eq!(dashboard.status(), 200);

    // `next` cannot send the browser to another site.
    let res = app
        .plain_form_post(
            "/api/login",
            "/login",
            &[
                ("email", "form@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
            None,
        )
        .await;
    assert_eq!(res.headers()["location"], "/dashboard");
    app.shutdown().await;
}

async fn a_failed_plain_form_login_returns_to_the_form_with_the_error(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let res = app
        .plain_form_post(
            "/api/login",
            "/login",
            &[("email", "x@example.com"), ("password", "wrong password")],
            None,
        )
        .await;
    assert_eq!(res.status(), 302);
    assert!(set_cookies(res.headers()).is_empty());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("/login?") && location.contains("__err="),
        "{location}"
    );

    let page = app
        .get_page(
            location.trim_start_matches(&format!("http://{}", app.addr)),
            None,
        )
        .await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Invalid email or password")
    );

    // The app signs the error it sends back; words anyone else puts in a
    // link do not appear under the app's name.
    use base64::Engine as _;
    let forged = base64::engine::general_purpose::URL_SAFE
        .encode(br#"{"BadRequest":"Call 555-0100 to unlock your account"}"#);
    for target in [
        format!("/login?__path=%2Fapi%2Flogin&__err={forged}"),
        format!("{location}&__err={forged}").replacen("&__err=", "&__x=", 1),
        location.replace("__sig=", "__sig=A"),
        // A second error after a genuine, signed one: Leptos shows the last.
        format!("{location}&__err={forged}"),
    ] {
        let res = app.get_page(&target, None).await;
        assert_eq!(res.status(), 303, "{target}");
        let clean = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(!clean.contains("__err"), "{clean}");
        let html = app.get_page(&clean, None).await.text().await.unwrap();
        assert!(
            !html.contains("555-0100") && !html.contains("Invalid email"),
            "{target}"
        );
    }
    // Dropping an unsigned error never leads off the site.
    let res = app.get_page("//evil.example/?__err=x", None).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    app.shutdown().await;
}

async fn plain_form_signup_and_logout_work_without_javascript(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let res = app
        .plain_form_post(
            "/api/signup",
            "/signup",
            &[("email", "nojs@example.com"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/dashboard");
    let cookie = session_cookie(res.headers()).unwrap().pair();

    let res = app
        .plain_form_post("/api/logout", "/dashboard", &[], Some(&cookie))
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/");
    assert!(session_cookie(res.headers()).is_some_and(|c| c.is_removal()));
    assert!(deployment.redis.session_keys().is_empty());
    assert_eq!(
        app.get_page("/dashboard", Some(&cookie)).await.status(),
        302
    );
    app.shutdown().await;
}

/// A form post's redirect is a page of this app, whatever the request's
/// `Referer` says. A foreign Referer is refused outright, as a cross-site
/// post (403, nothing done); one on this origin that names no page (an API
/// path, dot segments leading off the site), or none at all, sends a failed
/// login back to `/login` with its error; one that names a page keeps its
/// page and query but not an error left by an earlier post.
async fn a_form_posts_redirect_is_never_built_from_a_foreign_referer(backend: Backend) {
    let deployment = Deployment::new(backend);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("referer@example.com").await;
    let send =
        |path: &'static str, referer: Option<String>, form: Vec<(&'static str, &'static str)>| {
            let mut req = app
                .client
                .post(app.url(path))
                .header("accept", "text/html")
                .header("cookie", &cookie)
                .form(&form);
            if let Some(referer) = referer {
                req = req.header("referer", referer);
            }
            async move { req.send().await.unwrap() }
        };
    let post = |path: &'static str, referer: Option<String>, form| {
        let sent = send(path, referer, form);
        async move {
            let res = sent.await;
            assert_eq!(res.status(), 302, "{path}");
            res.headers()["location"].to_str().unwrap().to_owned()
        }
    };
    let bad_login = || {
        vec![
            ("email", "referer@example.com"),
            ("password", "wrong password"),
        ]
    };
    let other_port = format!("http://127.0.0.1:{}/login", app.addr.port() + 1);
    for referer in [
        "https://evil.example/x".to_owned(),
        other_port,
        format!("https://{}/login", app.addr),
    ] {
        let res = send(
            "/api/workouts/create",
            Some(referer.clone()),
            vec![("date", "2026-01-05"), ("kind", "Run")],
        )
        .await;
        assert_eq!(res.status(), 403, "{referer}");
        assert!(res.headers().get("location").is_none());
    }
    assert_eq!(deployment.workout_count().await, 0, "nothing done");

    for referer in [
        Some(app.url("/..//evil.example")),
        Some(app.url("/api/logout")),
        Some(app.url("/no-such-page")),
        None,
    ] {
        let location = post("/api/login", referer.clone(), bad_login()).await;
        assert!(
            location.starts_with("/login?__path=%2Fapi%2Flogin&__err="),
            "{referer:?}: {location}"
        );
    }
    let location = post(
        "/api/login",
        Some(app.url("/login?next=%2Faccount&__path=%2Fapi%2Flogin&__err=eA")),
        bad_login(),
    )
    .await;
    assert!(
        location.starts_with("/login?next=%2Faccount&__path=%2Fapi%2Flogin&__err="),
        "{location}"
    );
    assert_eq!(location.matches("__err=").count(), 1, "{location}");

    let location = post(
        "/api/workouts/create",
        Some(app.url("/api/workouts/list")),
        vec![("kind", "Run")],
    )
    .await;
    assert!(
        location.starts_with("/dashboard?__path=%2Fapi%2Fworkouts%2Fcreate&__err="),
        "{location}"
    );
    // A server function that names no page of its own.
    let location = post("/api/me", Some(app.url("/api/me")), vec![]).await;
    assert_eq!(location, "/");
    app.shutdown().await;
}

crate::on_both_databases!(
    the_dashboard_sends_anonymous_visitors_to_login_and_remembers_where_they_were_going,
    logged_in_users_see_their_email_and_skip_the_login_and_signup_pages,
    the_home_page_offers_login_and_signup_to_visitors,
    plain_form_login_redirects_to_the_page_the_user_wanted,
    a_failed_plain_form_login_returns_to_the_form_with_the_error,
    plain_form_signup_and_logout_work_without_javascript,
    a_form_posts_redirect_is_never_built_from_a_foreign_referer,
);
