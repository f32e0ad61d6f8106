//! Browser-facing protections: security headers on every response, a
//! Content-Security-Policy with a per-response nonce on pages, and refusal of
//! cross-site state-changing requests (CSRF) before they reach a handler.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::config::{Env, LeptosOptions};

use crate::error::AppError;

/// What the header middleware needs to know about the deployment.
#[derive(Clone, Debug)]
pub struct SecurityPolicy {
    /// Served over HTTPS: add HSTS.
    pub https: bool,
}

/// Headers every response carries. Pages also get their own CSP (see
/// [`page_csp`]); anything else (JSON, files) may load nothing at all.
/// Pages, JSON answers and redirects are `no-store` unless they say
/// otherwise (see [`is_never_stored`]).
pub fn add_security_headers(policy: &SecurityPolicy, mut response: Response) -> Response {
    if is_never_stored(&response) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    if policy.https {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

/// Whether a response must never be kept by a browser or a cache on the way:
/// every page (it shows who is logged in, and carries a one-time CSP nonce),
/// every JSON answer (the API answers for a session) and every redirect (a
/// login's or logout's), unless it set its own `Cache-Control`. After a
/// logout, Back on a shared computer then shows nothing of the log. The
/// client bundle and public files keep their own caching.
fn is_never_stored(response: &Response) -> bool {
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return false;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    response.status().is_redirection()
        || content_type.starts_with("text/html")
        || content_type.starts_with("application/json")
}

/// The page CSP: only this origin's scripts, the inline scripts Leptos marks
/// with this response's nonce, and WASM compilation. In development the
/// cargo-leptos live-reload socket is allowed too.
pub fn page_csp(nonce: &str, options: &LeptosOptions) -> String {
    let live_reload = match options.env {
        Env::DEV => {
            let port = options.reload_port;
            format!(
                " ws://localhost:{port} ws://127.0.0.1:{port} ws://{}:{port}",
                options.site_addr.ip()
            )
        }
        Env::PROD => String::new(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{live_reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets [`page_csp`] on the response being rendered (called inside the Leptos
/// render context, where the nonce and the response options live).
pub fn set_page_csp(options: &LeptosOptions) {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce, options)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The refusal (403) of a state-changing request that a browser says came from
/// another site, in addition to SameSite=Lax cookies. Browsers send
/// `Sec-Fetch-Site`, and `Origin` on every POST; each one present must say
/// this origin (see [`is_cross_site`]). A client that sends neither (curl, a
/// script) is not a browser and carries no ambient cookie, so it passes.
pub fn cross_site_refusal(policy: &SecurityPolicy, req: &Request) -> Option<Response> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || !is_cross_site(req.headers(), policy.https) {
        return None;
    }
    tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
    let body = serde_json::to_string(&AppError::Forbidden).unwrap_or_default();
    Some(
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from(body),
        )
            .into_response(),
    )
}

/// True when any signal the request carries says it came from elsewhere:
/// a `Sec-Fetch-Site` other than `same-origin` or `none` (the user's own
/// action), or an `Origin` or `Referer` that is not exactly this app's
/// origin. The app's origin is its scheme (`https` when `COOKIE_SECURE`
/// says it is served over HTTPS, else `http`), the `Host` the request was
/// sent to, and the port: RFC 6454's same-origin rule, so `https://` for an
/// `http` app, `ws://` or `ftp://` with the right host, or another port, are
/// all foreign. Every copy of a repeated header counts, and no signal
/// overrides a foreign one.
fn is_cross_site(headers: &HeaderMap, https: bool) -> bool {
    let fetch_site = headers.get_all(header::HeaderName::from_static("sec-fetch-site"));
    if fetch_site
        .iter()
        .any(|site| !matches!(site.to_str(), Ok("same-origin" | "none")))
    {
        return true;
    }
    let (origins, referers) = (
        headers.get_all(header::ORIGIN),
        headers.get_all(header::REFERER),
    );
    if origins.iter().next().is_none() && referers.iter().next().is_none() {
        return false;
    }
    let mut hosts = headers.get_all(header::HOST).iter();
    let (Some(host), None) = (hosts.next().and_then(|v| v.to_str().ok()), hosts.next()) else {
        return true;
    };
    let ours = |origin: Option<String>| {
        origin.is_some_and(|origin| is_this_apps_origin(&origin, https, host))
    };
    // A page with `Referrer-Policy: no-referrer` (the reset and
    // confirmation pages: their URL holds a token) makes the browser send
    // `Origin: null` even to its own origin (the Fetch standard). That is
    // ours only when the browser itself says the request is same-origin
    // (`Sec-Fetch-Site`, which no page can set); a sandboxed frame elsewhere
    // also sends `null`, but as cross-site.
    let vouched_same_origin =
        fetch_site.iter().next().is_some() && fetch_site.iter().all(|site| site == "same-origin");
    origins.iter().any(|origin| match origin.to_str() {
        Ok("null") if vouched_same_origin => false,
        origin => !ours(origin.ok().map(str::to_owned)),
    }) || referers
        .iter()
        .any(|referer| !ours(referer.to_str().ok().and_then(origin_of_url)))
}

/// The origin of a URL (a `Referer`), as a browser serialises it.
fn origin_of_url(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Whether `origin` is this app's: `https` when it is served over HTTPS
/// (`COOKIE_SECURE`), else `http`, on `host` (the request's `Host`).
pub(super) fn is_this_apps_origin(origin: &str, https: bool, host: &str) -> bool {
    is_origin_of(origin, if https { "https" } else { "http" }, host)
}

/// Whether `origin` (as a browser serialises it: `scheme://host[:port]`,
/// the port left out when it is the scheme's default) names `scheme` on
/// `host` (a `Host` header, `host[:port]`). Host names compare without case.
fn is_origin_of(origin: &str, scheme: &str, host: &str) -> bool {
    let Some(origin_host) = origin
        .strip_prefix(scheme)
        .and_then(|rest| rest.strip_prefix("://"))
    else {
        return false;
    };
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let canonical = |authority: &str| {
        authority
            .strip_suffix(default_port)
            .unwrap_or(authority)
            .to_ascii_lowercase()
    };
    !origin_host.contains(['/', '@']) && canonical(origin_host) == canonical(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn cross_site(pairs: &[(&'static str, &str)]) -> bool {
        is_cross_site(&headers(pairs), false)
    }

    #[test]
    fn same_origin_and_non_browser_requests_pass() {
        assert!(!cross_site(&[("sec-fetch-site", "same-origin")]));
        assert!(!cross_site(&[("sec-fetch-site", "none")]));
        assert!(!cross_site(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ]));
        assert!(!cross_site(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://App.Example"),
            ("host", "app.example:80")
        ]));
        assert!(!is_cross_site(
            &headers(&[("origin", "https://app.example"), ("host", "app.example")]),
            true
        ));
        assert!(!cross_site(&[]));
    }

    #[test]
    fn an_origin_must_match_in_scheme_host_and_port() {
        for origin in [
            "https://127.0.0.1:3000",
            "ws://127.0.0.1:3000",
            "ftp://127.0.0.1:3000",
            "http://127.0.0.1:3001",
            "http://127.0.0.1",
            "http://127.0.0.1:3000.evil.example",
            "http://user@127.0.0.1:3000",
            "http://127.0.0.1:3000/",
            "null",
            "",
        ] {
            assert!(
                cross_site(&[("origin", origin), ("host", "127.0.0.1:3000")]),
                "{origin:?}"
            );
        }
        // An HTTPS deployment refuses its plain-HTTP twin.
        assert!(is_cross_site(
            &headers(&[("origin", "http://app.example"), ("host", "app.example")]),
            true
        ));
    }

    #[test]
    fn every_copy_of_a_repeated_header_and_the_referer_count() {
        let mut map = headers(&[("host", "app.example")]);
        map.append("origin", HeaderValue::from_static("http://app.example"));
        map.append("origin", HeaderValue::from_static("https://evil.example"));
        assert!(is_cross_site(&map, false), "a second, foreign Origin");
        let mut map = headers(&[("host", "app.example"), ("origin", "http://app.example")]);
        map.append("sec-fetch-site", HeaderValue::from_static("same-origin"));
        map.append("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(is_cross_site(&map, false), "a second Sec-Fetch-Site");
        let mut map = headers(&[("origin", "http://app.example")]);
        map.append("host", HeaderValue::from_static("app.example"));
        map.append("host", HeaderValue::from_static("evil.example"));
        assert!(is_cross_site(&map, false), "two Hosts");
        assert!(cross_site(&[
            ("referer", "https://evil.example/page"),
            ("host", "app.example")
        ]));
        assert!(cross_site(&[
            ("referer", "not a url"),
            ("host", "app.example")
        ]));
        assert!(cross_site(&[
            ("origin", "http://app.example"),
            ("referer", "http://app.example:8080/login"),
            ("host", "app.example")
        ]));
        assert!(!cross_site(&[
            ("origin", "http://app.example"),
            ("referer", "http://app.example/login?next=%2F"),
            ("host", "app.example")
        ]));
    }

    #[test]
    fn no_signal_overrides_a_foreign_one() {
        assert!(cross_site(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://evil.example"),
            ("host", "app.example"),
        ]));
        assert!(cross_site(&[
            ("sec-fetch-site", "none"),
            ("origin", "http://evil.example"),
            ("host", "app.example"),
        ]));
    }

    #[test]
    fn cross_site_and_same_site_subdomain_requests_are_refused() {
        assert!(cross_site(&[("sec-fetch-site", "cross-site")]));
        assert!(cross_site(&[("sec-fetch-site", "same-site")]));
        assert!(cross_site(&[
            ("origin", "https://evil.example"),
            ("host", "app.example")
        ]));
        assert!(cross_site(&[("origin", "null"), ("host", "app.example")]));
        assert!(cross_site(&[
            ("sec-fetch-site", "none"),
            ("origin", "null"),
            ("host", "app.example"),
        ]));
        // A no-referrer page's own POST: `null`, vouched for by the browser.
        assert!(!cross_site(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "null"),
            ("host", "app.example"),
        ]));
        // Sec-Fetch-Site wins over a matching Origin.
        assert!(cross_site(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://app.example"),
            ("host", "app.example"),
        ]));
    }

    #[test]
    fn the_page_policy_carries_the_nonce_and_allows_live_reload_only_in_development() {
        let dev = LeptosOptions::builder()
            .output_name("x")
            .env(Env::DEV)
            .build();
        let prod = LeptosOptions::builder()
            .output_name("x")
            .env(Env::PROD)
            .build();
        let csp = page_csp("abc123", &prod);
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("ws://"));
        assert!(page_csp("abc123", &dev).contains("ws://127.0.0.1:"));
    }
}
