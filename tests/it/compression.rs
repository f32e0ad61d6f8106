//! What crosses the network compressed: pages and JSON answers as the client
//! accepts them, and a client bundle the build did not precompress.

use std::io::Read as _;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, COOKIE, VARY};

use crate::common::{Backend, Deployment, TestApp};

/// The body as sent, decoded by its `Content-Encoding` (none, br or gzip).
pub(crate) async fn decoded(res: reqwest::Response) -> (Option<String>, String) {
    let encoding = res
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.bytes().await.unwrap();
    let mut text = String::new();
    match encoding.as_deref() {
        None => text = String::from_utf8(bytes.to_vec()).unwrap(),
        Some("br") => {
            brotli::Decompressor::new(&bytes[..], 4096)
                .read_to_string(&mut text)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .unwrap();
        }
        Some(other) => panic!("unexpected encoding {other}"),
    }
    (encoding, text)
}

/// A request with this `Accept-Encoding` (and session cookie).
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    accept: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header(ACCEPT_ENCODING, accept);
    if let Some(cookie) = cookie {
        req = req.header(COOKIE, cookie);
    }
    req.send().await.unwrap()
}

async fn get(app: &TestApp, path: &str, accept: &str, cookie: Option<&str>) -> reqwest::Response {
    send(app, reqwest::Method::GET, path, accept, cookie).await
}

async fn post(app: &TestApp, path: &str, accept: &str, cookie: &str) -> reqwest::Response {
    send(app, reqwest::Method::POST, path, accept, Some(cookie)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_json_answers_are_compressed_as_the_client_accepts() {
    let deployment = Deployment::new(Backend::Sqlite);
    let app = deployment.spawn_app().await;
    let cookie = app.signed_up_cookie("squeeze@example.com").await;
    for day in 1..=20 {
        let date = format!("2026-11-{day:02}");
        let res = app
            .post_form(
                "/api/workouts/create",
                &[
                    ("date", &date),
                    ("kind", "Run"),
                    ("notes", "an easy run by the river"),
                ],
                Some(&cookie),
            )
            .await;
        assert_eq!(res.status(), 200);
    }

    // A server-rendered page, streamed: brotli, else gzip, else as it is.
    for (accept, expected) in [
        ("gzip, deflate, br, zstd", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let res = get(&app, "/dashboard", accept, Some(&cookie)).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()[VARY], "accept-encoding");
        let (encoding, html) = decoded(res).await;
        assert_eq!(encoding.as_deref(), expected, "{accept}");
        assert!(
            html.contains("squeeze@example.com") && html.contains("</html>"),
            "{accept}: {}",
            &html[html.len().saturating_sub(300)..]
        );
    }

    // A JSON answer of twenty workouts.
    let (encoding, json) = decoded(post(&app, "/api/workouts/list", "br", &cookie).await).await;
    assert_eq!(encoding.as_deref(), Some("br"));
    let list: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(list["workouts"].as_array().unwrap().len(), 20);

    // A short answer is not worth a compressor.
    let (encoding, json) = decoded(post(&app, "/api/me", "br", &cookie).await).await;
    assert_eq!(encoding, None, "{json}");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_built_without_precompress_is_served_compressed() {
    // As `cargo leptos build --release` leaves it: no .br or .gz copies.
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm = "(module (func $hydrate) (export \"hydrate\" (func $hydrate)))\n".repeat(500);
    std::fs::write(pkg.join("workout_log.wasm"), &wasm).unwrap();
    std::fs::write(
        pkg.join("workout_log.js"),
        "export default function init() {}",
    )
    .unwrap();
    std::fs::write(pkg.join("workout_log.css"), "body { color: black }").unwrap();

    let deployment = Deployment::new(Backend::Sqlite);
    let app = deployment.spawn_production_app(site.path()).await;
    let html = app.get_page("/", None).await.text().await.unwrap();
    let end = html.find("/workout_log.js").expect("the JS glue is linked");
    let dir = &html[html[..end].rfind("/pkg").unwrap()..end];
    let url = format!("{dir}/workout_log.wasm");

    for (accept, expected) in [("gzip, br", Some("br")), ("gzip", Some("gzip")), ("", None)] {
        let res = get(&app, &url, accept, None).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(res.headers()["content-type"], "application/wasm");
        let sent = res.content_length();
        let (encoding, body) = decoded(res).await;
        assert_eq!(encoding.as_deref(), expected, "{accept:?}");
        assert_eq!(body, wasm, "{accept:?}");
        if expected.is_some() {
            assert!(
                sent.unwrap() < wasm.len() as u64 / 10,
                "{accept:?}: {sent:?} bytes"
            );
        }
    }
    app.shutdown().await;
}
