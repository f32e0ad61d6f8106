//! The client bundle under `/pkg`: content-hashed, immutable URLs served from
//! memory in production; plain, revalidated names in development.

use reqwest::StatusCode;

use crate::common::{Backend, Deployment, TestApp};

/// A stand-in bundle as `cargo leptos build --release --precompress` leaves
/// it: each file with brotli and gzip copies (contents that say which is which).
fn site_with_bundle(wasm: &str) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    for (name, body) in [
        ("workout_log.js", "export default function init() {}"),
        ("workout_log.wasm", wasm),
        ("workout_log.css", "body { color: black }"),
    ] {
        std::fs::write(pkg.join(name), body).unwrap();
        std::fs::write(pkg.join(format!("{name}.br")), format!("br:{name}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.gz")), format!("gz:{name}")).unwrap();
    }
    site
}

/// The directory the home page links the bundle under, e.g. `/pkg/3fa1…`.
async fn linked_pkg_dir(app: &TestApp) -> String {
    let html = app.get_page("/", None).await.text().await.unwrap();
    let end = html.find("/workout_log.js").expect("the JS glue is linked");
    let start = html[..end].rfind("/pkg").expect("under /pkg");
    let dir = html[start..end].to_owned();
    assert!(
        html.contains(&format!("href=\"{dir}/workout_log.css\"")),
        "the stylesheet sits beside the bundle: {html}"
    );
    dir
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_serves_the_bundle_under_its_content_hash_precompressed_and_immutable() {
    let deployment = Deployment::new(Backend::Sqlite);
    let site = site_with_bundle("wasm-v1");
    let app = deployment.spawn_production_app(site.path()).await;
    let dir = linked_pkg_dir(&app).await;
    let hash = dir.strip_prefix("/pkg/").unwrap();
    assert_eq!(hash.len(), 16, "{dir}");
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{dir}");

    let wasm = format!("{dir}/workout_log.wasm");
    let res = get(&app, &wasm, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers["content-type"], "application/wasm");
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(headers["vary"], "accept-encoding");
    assert_eq!(res.text().await.unwrap(), "br:workout_log.wasm");

    let res = get(&app, &wasm, &[("accept-encoding", "gzip")]).await;
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(res.text().await.unwrap(), "gz:workout_log.wasm");

    let res = get(&app, &wasm, &[("accept-encoding", "br;q=0")]).await;
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.text().await.unwrap(), "wasm-v1");

    // A browser that has it is told so, with no body; each encoding has its
    // own validator.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let br = [("accept-encoding", "br"), ("if-none-match", etag.as_str())];
    let res = get(&app, &wasm, &br).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert!(res.bytes().await.unwrap().is_empty());
    let res = get(&app, &wasm, &[("if-none-match", etag.as_str())]).await;
    assert_eq!(
        res.status(),
        200,
        "the identity bytes are another representation"
    );

    // Another build's URL is not this build's file.
    let res = get(&app, "/pkg/0123456789abcdef/workout_log.wasm", &[]).await;
    assert_eq!(res.status(), 404);
    let res = get(&app, &format!("{dir}/nothing.js"), &[]).await;
    assert_eq!(res.status(), 404);
    // The plain name still works, revalidated on every use.
    let res = get(&app, "/pkg/workout_log.css", &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
    // Files are only read.
    let res = app.client.post(app.url(&wasm)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_build_gets_new_urls() {
    let deployment = Deployment::new(Backend::Sqlite);
    let first = site_with_bundle("wasm-v1");
    let app = deployment.spawn_production_app(first.path()).await;
    let first_dir = linked_pkg_dir(&app).await;
    app.shutdown().await;

    let second = site_with_bundle("wasm-v2");
    let app = deployment.spawn_production_app(second.path()).await;
    let second_dir = linked_pkg_dir(&app).await;
    assert_ne!(first_dir, second_dir);
    let res = get(&app, &format!("{first_dir}/workout_log.wasm"), &[]).await;
    assert_eq!(
        res.status(),
        404,
        "the old build's URL is gone, not answered with new contents"
    );
    let res = get(&app, &format!("{second_dir}/workout_log.wasm"), &[]).await;
    assert_eq!(res.text().await.unwrap(), "wasm-v2");
    app.shutdown().await;
}

/// `cargo leptos watch` rewrites the files in place: development links the
/// plain names and never lets a browser cache them blindly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn development_links_plain_names_that_are_revalidated() {
    let deployment = Deployment::new(Backend::Sqlite);
    let app = deployment.spawn_app().await;
    let html = app.get_page("/", None).await.text().await.unwrap();
    assert!(html.contains("href=\"/pkg/workout_log.css\""), "{html}");
    assert!(html.contains("/pkg/workout_log.js"), "{html}");
    let res = get(&app, "/pkg/workout_log.css", &[]).await;
    assert_eq!(res.headers()["cache-control"], "no-cache");
    app.shutdown().await;
}
