//! Where a plain form post (no JavaScript) is sent back to.
//!
//! server_fn answers a form post that accepts HTML with a redirect to its
//! `Referer`, the error (if any) encoded in the query (`__path`, `__err`),
//! and leptos_axum does the same when the handler named no page: a
//! `Location` built from a request header, which any client sets as it
//! likes (`Referer: https://evil.example/x` came back as the Location).
//! So before the handler runs, the Referer is replaced by the form's page
//! on a placeholder origin ([`pin_referer`]); afterwards that origin is cut
//! from the Location ([`make_location_relative`]), which leaves a path of
//! this app and nothing a request could choose.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::response::Response;

use crate::auth::domain::resolve_page;

/// Never a real host (RFC 6761 reserves `.invalid`); only its removal matters.
const PLACEHOLDER_ORIGIN: &str = "http://app.invalid";

/// The query keys server_fn uses to carry an error back to a form's page.
const ERROR_KEYS: [&str; 2] = ["__path", "__err"];

/// True for a POST to a server function: the requests whose answer may be
/// a redirect built from the Referer.
pub fn is_server_fn_post(req: &Request) -> bool {
    req.method() == Method::POST && req.uri().path().starts_with("/api/")
}

/// Replaces the request's `Referer` with [`form_page`] on the placeholder
/// origin, so whatever server_fn and leptos_axum build from it is this app's.
pub fn pin_referer(req: &mut Request, https: bool) {
    let referer = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok());
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let page = form_page(req.uri().path(), referer, host, https);
    let pinned = HeaderValue::from_str(&format!("{PLACEHOLDER_ORIGIN}{page}"))
        .unwrap_or_else(|_| HeaderValue::from_static(PLACEHOLDER_ORIGIN));
    req.headers_mut().insert(header::REFERER, pinned);
}

/// Cuts the placeholder origin from a `Location` that [`pin_referer`] led to.
pub fn make_location_relative(mut response: Response) -> Response {
    let relative = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| location.strip_prefix(PLACEHOLDER_ORIGIN))
        // server_fn leaves a bare `?` where it removed an old error.
        .map(|rest| rest.strip_suffix('?').unwrap_or(rest))
        .map(|rest| if rest.is_empty() { "/" } else { rest })
        .and_then(|rest| HeaderValue::from_str(rest).ok());
    if let Some(relative) = relative {
        response.headers_mut().insert(header::LOCATION, relative);
    }
    response
}

/// The page a form posted to `endpoint` (a path under `/api/`) lives on:
/// the page the `Referer` names, when it is one of this app's pages on this
/// app's origin (scheme from `https`, the request's `Host`), so that a form
/// on `/dashboard?edit=3` comes back there; otherwise the endpoint's own
/// page. Any error a previous post left in the query is dropped.
pub fn form_page(endpoint: &str, referer: Option<&str>, host: Option<&str>, https: bool) -> String {
    referer
        .zip(host)
        .and_then(|(referer, host)| same_origin_page(referer, host, https))
        .unwrap_or_else(|| endpoint_page(endpoint).to_owned())
}

fn same_origin_page(referer: &str, host: &str, https: bool) -> Option<String> {
    let url = url::Url::parse(referer).ok()?;
    let scheme = if https { "https" } else { "http" };
    if !super::security::is_origin_of(&url.origin().ascii_serialization(), scheme, host) {
        return None;
    }
    let mut page = url.clone();
    page.query_pairs_mut().clear().extend_pairs(
        url.query_pairs()
            .filter(|(key, _)| !ERROR_KEYS.contains(&&**key)),
    );
    let query = page.query().filter(|query| !query.is_empty());
    resolve_page(&match query {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    })
}

/// The page that holds the forms posting to `endpoint`.
fn endpoint_page(endpoint: &str) -> &'static str {
    match endpoint {
        "/api/login" => "/login",
        "/api/signup" => "/signup",
        _ if endpoint.starts_with("/api/account/") => "/account",
        _ if endpoint.starts_with("/api/workouts/") => "/dashboard",
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: Option<&str> = Some("127.0.0.1:3000");

    #[test]
    fn a_referer_on_this_origin_names_the_forms_page_without_an_old_error() {
        let page = |referer| form_page("/api/workouts/update", Some(referer), HOST, false);
        assert_eq!(
            page("http://127.0.0.1:3000/dashboard?edit=3"),
            "/dashboard?edit=3"
        );
        assert_eq!(
            page("http://127.0.0.1:3000/login?next=%2Faccount&__path=%2Fapi%2Flogin&__err=eA"),
            "/login?next=%2Faccount"
        );
        assert_eq!(page("http://127.0.0.1:3000/account#x"), "/account");
    }

    #[test]
    fn any_other_referer_falls_back_to_the_endpoints_page() {
        for referer in [
            "https://evil.example/x",
            "https://127.0.0.1:3000/account",
            "http://127.0.0.1:3001/account",
            "http://127.0.0.1:3000/api/logout",
            "http://127.0.0.1:3000/..//evil.example",
            "http://127.0.0.1:3000/no-such-page",
            "/account",
            "not a url",
        ] {
            assert_eq!(
                form_page("/api/login", Some(referer), HOST, false),
                "/login",
                "{referer}"
            );
        }
        assert_eq!(form_page("/api/signup", None, HOST, false), "/signup");
        assert_eq!(
            form_page("/api/account/delete", None, HOST, false),
            "/account"
        );
        assert_eq!(
            form_page("/api/workouts/create", None, HOST, false),
            "/dashboard"
        );
        assert_eq!(form_page("/api/logout", None, HOST, false), "/");
        assert_eq!(
            form_page(
                "/api/login",
                Some("http://127.0.0.1:3000/account"),
                None,
                false
            ),
            "/login",
            "no Host, no origin to compare with"
        );
    }

    #[test]
    fn only_the_placeholder_origin_is_cut_from_a_location() {
        let location = |value: &'static str| {
            let mut response = Response::new(axum::body::Body::empty());
            response
                .headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static(value));
            make_location_relative(response).headers()[header::LOCATION].clone()
        };
        assert_eq!(
            location("http://app.invalid/login?__path=%2Fapi%2Flogin&__err=eA"),
            "/login?__path=%2Fapi%2Flogin&__err=eA"
        );
        assert_eq!(location("http://app.invalid"), "/");
        assert_eq!(location("http://app.invalid/?"), "/");
        assert_eq!(location("http://app.invalid/account?"), "/account");
        assert_eq!(location("/account"), "/account");
    }
}
