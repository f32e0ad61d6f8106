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
pub fn add_security_headers(policy: &SecurityPolicy, mut response: Response) -> Response {
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
/// `Sec-Fetch-Site`; older ones send `Origin`, compared with `Host`. A client
/// that sends neither (curl, a script) is not a browser and carries no
/// ambient cookie, so it passes.
pub fn cross_site_refusal(req: &Request) -> Option<Response> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || !is_cross_site(req.headers()) {
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

fn is_cross_site(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        // `none` is the user's own action (typed URL, bookmark).
        return !matches!(site, "same-origin" | "none");
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin_host(origin) != Some(host),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// `https://example.com:8443` -> `example.com:8443`; `null` -> None.
fn origin_host(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    Some(rest.trim_end_matches('/'))
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

    #[test]
    fn same_origin_and_non_browser_requests_pass() {
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_cross_site(&headers(&[])));
    }

    #[test]
    fn cross_site_and_same_site_subdomain_requests_are_refused() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "app.example")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "app.example")
        ])));
        // Sec-Fetch-Site wins over a matching Origin.
        assert!(is_cross_site(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://app.example"),
            ("host", "app.example"),
        ])));
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
