//! Server-side sessions in Redis: one shared, self-reconnecting connection pool
//! and the cookie settings. What a session holds is `auth`'s business
//! (`auth::server::AuthSession`).

use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use tower_sessions::cookie::{Cookie, CookieJar, Key, SameSite};
use tower_sessions::service::SignedCookie;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_redis_store::fred::prelude::{
    ClientLike, Config as RedisConfig, Pool, ReconnectPolicy,
};
use tower_sessions_redis_store::fred::types::Builder;

use super::config::SessionConfig;
use crate::auth::server::IndexedStore;

const POOL_SIZE: usize = 4;

tokio::task_local! {
    /// Set when the session store found this request's session gone as it
    /// wrote it back (see [`note_session_ended`]).
    static SESSION_ENDED: std::cell::Cell<bool>;
}

/// Tells the request being served that its session ended (logged out or
/// revoked elsewhere, or expired) while it ran, so nothing was written back.
/// The store calls this from inside the request's task, where the session
/// layer saves; outside [`watch_for_ended_session`] it does nothing.
pub fn note_session_ended() {
    let _ = SESSION_ENDED.try_with(|ended| ended.set(true));
}

/// Whether the store has found this request's session gone since the last
/// call, which resets it: the caller answers for what it found.
pub fn take_session_ended() -> bool {
    SESSION_ENDED
        .try_with(|ended| ended.replace(false))
        .unwrap_or(false)
}

/// Runs a request and says whether its session ended under it (see
/// [`note_session_ended`]).
pub async fn watch_for_ended_session<F: Future>(request: F) -> (F::Output, bool) {
    SESSION_ENDED
        .scope(std::cell::Cell::new(false), async move {
            let output = request.await;
            (output, SESSION_ENDED.with(std::cell::Cell::get))
        })
        .await
}

pub type SessionLayer = SessionManagerLayer<IndexedStore, SignedCookie>;

/// The cookie name. `__Host-` makes browsers refuse it unless it is Secure,
/// host-only and Path=/, so a sibling subdomain cannot plant one.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-workout_session"
    } else {
        "workout_session"
    }
}

/// Builds the pool and starts connecting in the background. The app starts even
/// while Redis is down and answers 503 for session-bound requests until the
/// pool reconnects by itself.
pub async fn connect_redis(
    url: &str,
    command_timeout: Duration,
) -> Result<Pool, tower_sessions_redis_store::fred::error::Error> {
    let mut config = RedisConfig::from_url(url)?;
    // Keep retrying the first connection too instead of failing start-up.
    config.fail_fast = false;
    let pool = Builder::from_config(config)
        .with_performance_config(|perf| perf.default_command_timeout = command_timeout)
        .with_connection_config(|conn| {
            conn.connection_timeout = command_timeout;
            conn.internal_command_timeout = command_timeout;
            conn.max_command_attempts = 1;
        })
        // Without a policy a dropped connection is never re-established.
        .set_policy(ReconnectPolicy::new_exponential(0, 50, 2_000, 2))
        .build_pool(POOL_SIZE)?;
    pool.connect();
    match tokio::time::timeout(Duration::from_secs(5), pool.wait_for_connect()).await {
        Ok(Ok(())) => tracing::info!("connected to Redis"),
        Ok(Err(err)) => {
            tracing::warn!(%err, "Redis is not reachable yet; retrying in the background")
        }
        Err(_) => tracing::warn!("Redis is not reachable yet; retrying in the background"),
    }
    Ok(pool)
}

/// The cookie layer over the indexed Redis store. Cookies are browser-session
/// cookies unless a login asked to be remembered (see `auth::server::AuthSession`); the
/// store gives every record the expiry its session's rules allow.
pub fn session_layer(store: IndexedStore, config: &SessionConfig) -> SessionLayer {
    SessionManagerLayer::new(store)
        .with_name(cookie_name(config.cookie_secure))
        .with_http_only(true)
        // Lax keeps the cookie on top-level navigations from other sites (links
        // into the app work) while withholding it from cross-site POSTs.
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_secure(config.cookie_secure)
        .with_expiry(Expiry::OnSessionEnd)
        .with_signed(config.key.clone())
}

/// The keys session cookies are signed with: the current one
/// (`SESSION_SECRET`), which signs every cookie the app sends, and retired
/// ones (`SESSION_SECRET_FALLBACKS`), which only verify, so that rotating
/// the secret logs nobody out (as express-session's secret list and
/// Django's `SECRET_KEY_FALLBACKS` do).
#[derive(Clone)]
pub struct CookieKeys {
    pub name: &'static str,
    pub current: Key,
    pub retired: Vec<Key>,
}

impl CookieKeys {
    /// The current key, then the retired ones: every key that verifies.
    pub fn all(&self) -> Vec<&Key> {
        std::iter::once(&self.current)
            .chain(&self.retired)
            .collect()
    }
}

/// Marks a request whose session cookie was signed with a retired key: its
/// session is written back, so the browser gets the cookie signed with the
/// current key in this response.
#[derive(Clone, Copy, Debug)]
pub struct SignedWithRetiredKey;

/// Whether the request carries a session cookie that one of the keys
/// verifies: it may belong to a logged-in user (an upload's larger body is
/// read only for such a request).
pub fn carries_signed_session(keys: &CookieKeys, headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|cookie| cookie.name() == keys.name)
        .any(|cookie| {
            let mut jar = CookieJar::new();
            jar.add_original(cookie.into_owned());
            keys.all()
                .into_iter()
                .any(|key| jar.signed(key).get(keys.name).is_some())
        })
}

/// Before the session layer (which knows one key): a session cookie that
/// only a retired key verifies is re-signed with the current key in the
/// request, and the request marked [`SignedWithRetiredKey`]. Anything else
/// is left alone; with no retired keys this does nothing.
pub fn accept_retired_key(keys: &CookieKeys, req: &mut Request) {
    if keys.retired.is_empty() {
        return;
    }
    let Some(resigned) = resigned_cookie_header(keys, req.headers()) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&resigned) {
        req.headers_mut().remove(header::COOKIE);
        req.headers_mut().insert(header::COOKIE, value);
        req.extensions_mut().insert(SignedWithRetiredKey);
    }
}

/// The request's cookies as one `Cookie` header, the session cookie
/// re-signed with the current key, when a retired key (and not the current
/// one) verifies it.
fn resigned_cookie_header(keys: &CookieKeys, headers: &axum::http::HeaderMap) -> Option<String> {
    let cookies: Vec<Cookie<'static>> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .map(Cookie::into_owned)
        .collect();
    let session = cookies.iter().find(|cookie| cookie.name() == keys.name)?;
    let mut jar = CookieJar::new();
    jar.add_original(session.clone());
    if jar.signed(&keys.current).get(keys.name).is_some() {
        return None;
    }
    let id = keys
        .retired
        .iter()
        .find_map(|key| jar.signed(key).get(keys.name))?;
    let mut signed = CookieJar::new();
    signed
        .signed_mut(&keys.current)
        .add(Cookie::new(keys.name, id.value().to_owned()));
    let resigned = signed.get(keys.name)?.value().to_owned();
    let pairs: Vec<String> = cookies
        .iter()
        .map(|cookie| match cookie.name() == keys.name {
            true => format!("{}={resigned}", keys.name),
            false => format!("{}={}", cookie.name(), cookie.value()),
        })
        .collect();
    Some(pairs.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(key: &Key, value: &str) -> String {
        let mut jar = CookieJar::new();
        jar.signed_mut(key).add(Cookie::new("id", value.to_owned()));
        jar.get("id").unwrap().value().to_owned()
    }

    fn request(cookie: &str) -> Request {
        Request::builder()
            .header(header::COOKIE, cookie)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[test]
    fn a_cookie_signed_with_a_retired_key_is_re_signed_with_the_current_one() {
        let (old, new) = (Key::generate(), Key::generate());
        let keys = CookieKeys {
            name: "id",
            current: new.clone(),
            retired: vec![Key::generate(), old.clone()],
        };
        let mut req = request(&format!("theme=dark; id={}", signed(&old, "abc")));
        accept_retired_key(&keys, &mut req);
        assert_eq!(
            req.headers()[header::COOKIE],
            format!("theme=dark; id={}", signed(&new, "abc")).as_str()
        );
        assert!(req.extensions().get::<SignedWithRetiredKey>().is_some());
    }

    #[test]
    fn current_forged_and_foreign_cookies_are_left_alone() {
        let keys = CookieKeys {
            name: "id",
            current: Key::generate(),
            retired: vec![Key::generate()],
        };
        for cookie in [
            format!("id={}", signed(&keys.current, "abc")),
            format!("id={}", signed(&Key::generate(), "abc")),
            "id=abc".to_owned(),
            "other=1".to_owned(),
        ] {
            let mut req = request(&cookie);
            accept_retired_key(&keys, &mut req);
            assert_eq!(req.headers()[header::COOKIE], cookie.as_str());
            assert!(req.extensions().get::<SignedWithRetiredKey>().is_none());
        }
    }
}
