//! Server-side sessions in Redis: one shared, self-reconnecting connection pool
//! and the cookie settings. What a session holds is `auth`'s business
//! (`auth::server::AuthSession`).

use std::time::Duration;

use tower_sessions::cookie::SameSite;
use tower_sessions::service::SignedCookie;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_redis_store::fred::prelude::{
    ClientLike, Config as RedisConfig, Pool, ReconnectPolicy,
};
use tower_sessions_redis_store::fred::types::Builder;

use super::config::SessionConfig;
use crate::auth::server::IndexedStore;

const POOL_SIZE: usize = 4;

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
