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
//!
//! The error itself travels in the query, and the page shows its message:
//! anyone could link to `/login?__err=…` with words of their choosing under
//! the app's name. So the error is signed (`__sig`, an HMAC with the
//! session secret) when the app sends it, and a page asked for with an
//! error that is not signed is sent to itself without it
//! ([`refuse_unsigned_error`]).

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use tower_sessions::cookie::Key;

use super::sessions::CookieKeys;
use crate::auth::domain::resolve_page;

/// Never a real host (RFC 6761 reserves `.invalid`); only its removal matters.
const PLACEHOLDER_ORIGIN: &str = "http://app.invalid";

/// The query keys that carry an error back to a form's page: server_fn's
/// two, and our signature of them.
const ERROR_KEYS: [&str; 3] = ["__path", "__err", "__sig"];

/// True for a POST to a server function: the requests whose answer may be
/// a redirect built from the Referer.
pub fn is_server_fn_post(req: &Request) -> bool {
    req.method() == Method::POST && req.uri().path().starts_with("/api/")
}

/// True for a browser asking for a page (a GET or HEAD outside `/api/`):
/// the requests that may simply be asked for again.
pub fn is_page_request(req: &Request) -> bool {
    matches!(*req.method(), Method::GET | Method::HEAD) && !req.uri().path().starts_with("/api/")
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

/// Cuts the placeholder origin from a `Location` that [`pin_referer`] led
/// to, and signs the error it carries, if any, with `key`.
pub fn make_location_relative(mut response: Response, key: &Key) -> Response {
    let relative = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| location.strip_prefix(PLACEHOLDER_ORIGIN))
        // server_fn leaves a bare `?` where it removed an old error.
        .map(|rest| rest.strip_suffix('?').unwrap_or(rest))
        .map(|rest| if rest.is_empty() { "/" } else { rest })
        .map(|rest| match error_in(rest) {
            Some((path, err)) => format!("{rest}&__sig={}", signature(key, &path, &err)),
            None => rest.to_owned(),
        })
        .and_then(|rest| HeaderValue::from_str(&rest).ok());
    if let Some(relative) = relative {
        response.headers_mut().insert(header::LOCATION, relative);
    }
    response
}

/// A page asked for with an error in its query that this app did not sign
/// with one of the session `keys` (see the module's notes), or with any error key more
/// than once (Leptos shows the last copy, the check would read the first):
/// a 303 to the same page without them. The page is one of the app's pages
/// or `/`, never a path the request chose (`//evil.example/` is a host to
/// a browser).
pub fn refuse_unsigned_error(req: &Request, keys: &CookieKeys) -> Option<Response> {
    let query = req.uri().query().filter(|_| is_page_request(req))?;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let copies = |key: &str| pairs.iter().filter(|(name, _)| name == key).count();
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    };
    if ERROR_KEYS.iter().all(|key| copies(key) == 0) {
        return None;
    }
    let signed = ERROR_KEYS.iter().all(|key| copies(key) <= 1)
        && match (value("__err"), value("__sig")) {
            (Some(err), Some(sig)) => {
                let path = value("__path").unwrap_or_default();
                keys.all().iter().any(|key| verify(key, path, err, sig))
            }
            _ => false,
        };
    if signed {
        return None;
    }
    let kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(name, _)| !ERROR_KEYS.contains(&name.as_str()))
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    let target = match query.is_empty() {
        true => req.uri().path().to_owned(),
        false => format!("{}?{query}", req.uri().path()),
    };
    let target = resolve_page(&target).unwrap_or_else(|| "/".to_owned());
    Some(Redirect::to(&target).into_response())
}

/// The `__path` and `__err` values in `target`'s query (a path with its
/// query, or a query with its `?`), when it carries an error.
fn error_in(target: &str) -> Option<(String, String)> {
    let (_, query) = target.split_once('?')?;
    let value = |key: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.into_owned())
    };
    Some((value("__path").unwrap_or_default(), value("__err")?))
}

type HmacSha256 = Hmac<sha2::Sha256>;

/// HMAC-SHA256 of the server function's path and its encoded error, under
/// the session secret's signing half, base64url without padding.
fn signature(key: &Key, path: &str, err: &str) -> String {
    let tag = mac(key, path, err).finalize().into_bytes();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag)
}

fn verify(key: &Key, path: &str, err: &str, sig: &str) -> bool {
    let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    mac(key, path, err).verify_slice(&tag).is_ok()
}

fn mac(key: &Key, path: &str, err: &str) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(key.signing()).expect("HMAC takes a key of any length");
    mac.update(b"form-error\0");
    mac.update(path.as_bytes());
    mac.update(b"\0");
    mac.update(err.as_bytes());
    mac
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
    if !super::security::is_this_apps_origin(&url.origin().ascii_serialization(), https, host) {
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
        "/api/password/forgot" => "/forgot-password",
        "/api/password/reset" => "/reset-password",
        "/api/email/confirm" => "/confirm-email",
        "/api/email/resend_confirmation" => "/dashboard",
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

    fn location(key: &Key, value: &'static str) -> String {
        let mut response = Response::new(axum::body::Body::empty());
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static(value));
        let response = make_location_relative(response, key);
        response.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned()
    }

    fn keys(current: &Key, retired: &[&Key]) -> CookieKeys {
        CookieKeys {
            name: "id",
            current: current.clone(),
            retired: retired.iter().map(|key| (*key).clone()).collect(),
        }
    }

    fn get(target: &str) -> Request {
        Request::builder()
            .uri(target)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn an_error_the_app_sent_is_shown_and_any_other_is_dropped() {
        let key = Key::generate();
        let signed = location(
            &key,
            "http://app.invalid/login?next=%2Faccount&__path=%2Fapi%2Flogin&__err=eA",
        );
        assert!(
            signed.starts_with("/login?next=%2Faccount&__path=%2Fapi%2Flogin&__err=eA&__sig="),
            "{signed}"
        );
        assert!(refuse_unsigned_error(&get(&signed), &keys(&key, &[])).is_none());
        for forged in [
            "/login?next=%2Faccount&__path=%2Fapi%2Flogin&__err=eB".to_owned(),
            signed.replace("__err=eA", "__err=eB"),
            signed.replace("%2Fapi%2Flogin", "%2Fapi%2Fsignup"),
            location(
                &Key::generate(),
                "http://app.invalid/login?next=%2Faccount&__path=%2Fapi%2Flogin&__err=eA",
            ),
        ] {
            let refused = refuse_unsigned_error(&get(&forged), &keys(&key, &[])).expect(&forged);
            assert_eq!(refused.status(), 303);
            assert_eq!(
                refused.headers()[header::LOCATION],
                "/login?next=%2Faccount",
                "{forged}"
            );
        }
        let refused = refuse_unsigned_error(&get("/dashboard?__err=x"), &keys(&key, &[])).unwrap();
        assert_eq!(refused.headers()[header::LOCATION], "/dashboard");
        assert!(refuse_unsigned_error(&get("/dashboard?before=x"), &keys(&key, &[])).is_none());
        // A second copy of the error, after a genuine signed one.
        let doubled = format!("{signed}&__err=eB");
        let refused = refuse_unsigned_error(&get(&doubled), &keys(&key, &[])).unwrap();
        assert_eq!(
            refused.headers()[header::LOCATION],
            "/login?next=%2Faccount"
        );
        // Never to a path the request chose.
        for target in [
            "//evil.example/?__err=x",
            "/\\evil.example?__err=x",
            "/no-such-page?__err=x",
        ] {
            let refused = refuse_unsigned_error(&get(target), &keys(&key, &[])).unwrap();
            assert_eq!(refused.headers()[header::LOCATION], "/", "{target}");
        }
        // A retired key's signature still counts (a rotation in progress).
        let retired = Key::generate();
        let by_retired = location(
            &retired,
            "http://app.invalid/login?__path=%2Fapi%2Flogin&__err=eA",
        );
        assert!(refuse_unsigned_error(&get(&by_retired), &keys(&key, &[&retired])).is_none());
    }

    #[test]
    fn only_the_placeholder_origin_is_cut_from_a_location() {
        let key = Key::generate();
        let location = |value: &'static str| location(&key, value);
        assert!(
            location("http://app.invalid/login?__path=%2Fapi%2Flogin&__err=eA")
                .starts_with("/login?__path=%2Fapi%2Flogin&__err=eA&__sig=")
        );
        assert_eq!(location("http://app.invalid"), "/");
        assert_eq!(location("http://app.invalid/?"), "/");
        assert_eq!(location("http://app.invalid/account?"), "/account");
        assert_eq!(location("/account"), "/account");
    }
}
