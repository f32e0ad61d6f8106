//! `REDIS_URL=redis-cluster://…`: the app on a local three-master Redis
//! Cluster. Every Redis operation it makes (session records, the per-user
//! session index, the login throttle's counters and locks) must work when
//! keys live on different nodes.

use std::time::Duration;

use serde_json::Value;

use crate::common::{Backend, Deployment, TestRedisCluster, session_cookie};

const PASSWORD: &str = "correct horse battery";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_session_flow_runs_on_a_redis_cluster() {
    let cluster = TestRedisCluster::start();
    let deployment = Deployment::new(Backend::Sqlite).with("REDIS_URL", &cluster.url());
    let app = deployment.spawn_app().await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    // Anonymous visits still write nothing.
    assert_eq!(app.get_page("/", None).await.status(), 200);
    assert!(cluster.keys().is_empty(), "{:?}", cluster.keys());

    // Sessions for several users spread over the masters.
    let mut cookies = Vec::new();
    for i in 0..12 {
        cookies.push(app.signed_up_cookie(&format!("node{i}@example.com")).await);
    }
    let holding = cluster
        .nodes
        .iter()
        .filter(|node| !node.keys().is_empty())
        .count();
    assert!(holding >= 2, "keys on {holding} of 3 masters");
    for cookie in &cookies {
        assert_eq!(app.me(Some(cookie)).await.status(), 200);
    }

    // The per-user index: list and revoke another session.
    let login = app.login("node0@example.com", PASSWORD).await;
    let second = session_cookie(login.headers()).unwrap().pair();
    let sessions: Vec<Value> = app
        .post_form("/api/account/sessions", &[], Some(&cookies[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    let revoked = app
        .post_form(
            "/api/account/revoke_session",
            &[("handle", other["handle"].as_str().unwrap())],
            Some(&cookies[0]),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(app.me(Some(&second)).await.status(), 401);

    // The throttle: attempts lock the email, a success clears both of its
    // keys (one command, so they must share a slot).
    for _ in 0..5 {
        assert_eq!(
            app.login("node1@example.com", "wrong guess").await.status(),
            401
        );
    }
    let locked = app.login("node1@example.com", "wrong guess").await;
    assert_eq!(locked.status(), 429);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.login("node1@example.com", PASSWORD).await.status(), 200);
    assert!(
        !cluster.keys().iter().any(|k| k.contains("email:node1@")),
        "a successful login cleared the email's counters: {:?}",
        cluster.keys()
    );

    // Logout deletes the record wherever it lives.
    let before = cluster.keys().len();
    assert_eq!(
        app.post_form("/api/logout", &[], Some(&cookies[3]))
            .await
            .status(),
        200
    );
    assert_eq!(app.me(Some(&cookies[3])).await.status(), 401);
    assert!(cluster.keys().len() < before);
    app.shutdown().await;
}

/// `REDIS_URL=redis-sentinel://…`: the app asks a Sentinel for the master of
/// `mymaster` and keeps its sessions there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_finds_its_redis_through_a_sentinel() {
    let master = crate::common::TestRedis::start();
    let sentinel = crate::common::TestSentinel::start(master.port);
    let url = format!(
        "redis-sentinel://127.0.0.1:{}?sentinelServiceName=mymaster",
        sentinel.port
    );
    let deployment = Deployment::new(Backend::Sqlite).with("REDIS_URL", &url);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("sentinel@example.com").await;
    assert_eq!(app.me(Some(&cookie)).await.status(), 200);
    assert_eq!(
        master.session_keys().len(),
        1,
        "the session is on the master the sentinel named"
    );
    app.shutdown().await;
}
