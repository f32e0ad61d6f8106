//! The server side: configuration, state, storage and the HTTP stack. Compiled
//! only with the `ssr` feature.

pub mod assets;
pub mod clock;
pub mod config;
pub mod db;
pub mod edge;
pub mod form_redirect;
pub mod health;
pub mod http;
pub mod mail;
pub mod proxy;
pub mod request;
pub mod security;
pub mod seed;
pub mod sessions;
pub mod state;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use axum::serve::{ListenerExt as _, TapIo};
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tower_http::trace::TraceLayer;
use tower_sessions_redis_store::fred::prelude::{ClientLike, Pool};

use crate::app::{App, shell};
use crate::auth::server::{
    IndexedStore, KnownUsers, LoginThrottle, PageUser, PasswordHasher, ThrottlePolicy, UserSessions,
};
use crate::error::AppError;
use config::Config;
use db::Database;
use state::{AppState, Services};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("could not open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("invalid REDIS_URL: {0}")]
    Redis(#[from] tower_sessions_redis_store::fred::error::Error),
    #[error("invalid SMTP_URL: {0}")]
    Mail(#[from] lettre::transport::smtp::Error),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound, ready-to-run server. Tests build one on port 0 and read its address.
pub struct Server {
    listener: TcpListener,
    router: Router,
    db: Database,
    redis: Pool,
    mail_worker: mail::MailWorker,
    shutdown_grace: Duration,
}

impl Server {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        if config.session.key_is_ephemeral {
            tracing::warn!(
                "SESSION_SECRET is not set: using a random key, so sessions end when the app restarts. \
                 Set SESSION_SECRET (`head -c 64 /dev/urandom | base64 -w0`) to keep them."
            );
        }
        let db = Database::connect(&config.database_url).await?;
        let redis =
            sessions::connect_redis(&config.redis_url, config.session.redis_command_timeout)
                .await?;
        let store = IndexedStore::new(redis.clone(), config.session.timeouts.clone());
        let probes = health::Probes {
            db: db.clone(),
            redis: redis.clone(),
        };
        // Reading (and maybe compressing) the bundle is blocking work.
        let assets = {
            let options = config.leptos.clone();
            tokio::task::spawn_blocking(move || assets::Assets::load(&options))
                .await
                .expect("loading the bundle does not panic")
        };
        let wake_mail_worker = Arc::new(Notify::new());
        let mail_worker =
            mail::MailWorker::new(&config.mail, db.clone(), wake_mail_worker.clone())?;
        let state = AppState::new(Services {
            // Pages link the client bundle where `assets` serves it.
            leptos_options: assets.page_options(&config.leptos),
            db: db.clone(),
            passwords: PasswordHasher::sized_for_this_machine(),
            throttle: LoginThrottle::new(redis.clone(), ThrottlePolicy::default()),
            mail_throttle: LoginThrottle::new(redis.clone(), ThrottlePolicy::for_mail()),
            mailer: mail::Mailer::new(&config.mail, wake_mail_worker),
            sessions: UserSessions::new(store.clone()),
            known_users: KnownUsers::new(config.session.user_recheck),
        });
        let edge = edge::Edge {
            policy: security::SecurityPolicy {
                https: config.session.cookie_secure,
            },
            proxies: config.trusted_proxies.clone(),
            body_timeout: config.request_body_timeout,
            cookie_keys: sessions::CookieKeys {
                name: sessions::cookie_name(config.session.cookie_secure),
                current: config.session.key.clone(),
                retired: config.session.retired_keys.clone(),
            },
        };
        let router = router(
            state,
            sessions::session_layer(store, &config.session),
            edge,
            assets,
        )
        .merge(health_routes(probes));
        let addr = config.leptos.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Self {
            listener,
            router,
            db,
            redis,
            mail_worker,
            shutdown_grace: config.shutdown_grace,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, finishing requests in flight for at
    /// most the shutdown grace period, then closes the database and Redis
    /// connections.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!("listening on http://{}", self.local_addr());
        let (stop_mail, mail_stop) = watch::channel(false);
        let mail_worker = tokio::spawn(self.mail_worker.run(mail_stop));
        let stopping = Arc::new(Notify::new());
        let signal = {
            let stopping = stopping.clone();
            async move {
                shutdown.await;
                stopping.notify_one();
            }
        };
        let served = axum::serve(
            without_nagle(self.listener),
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal);
        let grace = self.shutdown_grace;
        let grace_over = async move {
            stopping.notified().await;
            tokio::time::sleep(grace).await;
        };
        let (served, in_time) = tokio::select! {
            served = served => (served, true),
            () = grace_over => (Ok(()), false),
        };
        if !in_time {
            tracing::warn!(
                ?grace,
                "requests still in flight after the shutdown grace period; closing anyway"
            );
        }
        // The worker finishes the message it is sending, if any; one cut
        // off is sent again later (its claim runs out), never lost.
        let _ = stop_mail.send(true);
        let abort = mail_worker.abort_handle();
        if tokio::time::timeout(MAIL_WORKER_GRACE, mail_worker)
            .await
            .is_err()
        {
            abort.abort();
        }
        let _ = self.redis.quit().await;
        // A request cut off above may still hold a database connection,
        // which the pool's close would wait for.
        if in_time {
            self.db.close().await;
        }
        served
    }
}

/// How long a stopping server waits for the mail worker's message in flight.
const MAIL_WORKER_GRACE: Duration = Duration::from_secs(5);

/// Accepted connections send each write at once: pages stream, and with
/// Nagle's algorithm each later part would wait for the browser's delayed
/// acknowledgement of the one before (docs/PERFORMANCE.md).
fn without_nagle(listener: TcpListener) -> TapIo<TcpListener, fn(&mut TcpStream)> {
    listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::warn!(%err, "could not set TCP_NODELAY");
        }
    })
}

/// What every page render gets in its Leptos context: the state, a cell for
/// the page's user (resolved once per render), and the page's
/// Content-Security-Policy for this response's nonce.
pub fn provide_page_context(state: &AppState) {
    provide_context(state.clone());
    provide_context(PageUser::default());
    security::set_page_csp(&state.leptos_options);
}

/// The app's routes, generated once per process. Generating them runs the
/// app with resource loading suppressed process-wide (leptos issue #4773): a
/// page another server in the same process (the tests start many) renders
/// meanwhile could wait forever for its data.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn request_span(request: &axum::extract::Request) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}

/// Outside every other layer: a probe loads no session and is not traced.
fn health_routes(probes: health::Probes) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(probes)
}

fn router(
    state: AppState,
    session_layer: sessions::SessionLayer,
    edge: edge::Edge,
    assets: assets::Assets,
) -> Router {
    let routes = route_list();
    let page_state = state.clone();
    let development = state.leptos_options.env != leptos::config::Env::PROD;
    let router = Router::new();
    // The development mailbox lists live links: never in production.
    let router = match development {
        true => router.route("/dev/mailbox", get(mail::mailbox::mailbox_page)),
        false => router,
    };
    router
        .merge(crate::transfer::server::routes())
        // `leptos_routes_with_context` below gives each server function its
        // own route; this one answers a path under /api that names none, as
        // every API error is answered: JSON, with its status (404).
        .route(
            "/api/{*fn_name}",
            axum::routing::any(|| async { http::error_response(&AppError::NotFound) }),
        )
        .leptos_routes_with_context(&state, routes, move || provide_page_context(&page_state), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .nest_service(
            "/pkg",
            Router::new()
                .fallback(assets::Assets::serve)
                .with_state(assets),
        )
        .fallback(http::public_file_or_not_found)
        // Every request's layers, outermost first, in one stack applied once
        // (each `Router::layer` call boxes the service again).
        .layer(
            tower::ServiceBuilder::new()
                // Spans name the path, never the query: it carries the
                // tokens of emailed links.
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                // Pages and JSON as the browser accepts them (brotli, gzip);
                // outermost but for tracing, so every answer is covered.
                .layer(http::compression())
                // Size limits, client IP, cross-site refusal, security
                // headers: a refused request loads no session.
                .layer(edge::EdgeLayer::new(edge))
                .layer(session_layer)
                // Inside the session layer, so that it sees the final status.
                .then(http::with_error_status),
        )
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener as _;

    use super::*;

    #[tokio::test]
    async fn the_page_list_is_the_route_table() {
        let mut routes: Vec<String> = route_list().iter().map(|r| r.path().to_owned()).collect();
        let mut pages: Vec<String> = crate::app::PAGES.iter().map(|p| p.to_string()).collect();
        routes.sort();
        pages.sort();
        assert_eq!(routes, pages);
    }

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut listener = without_nagle(listener);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await;
        assert!(accepted.nodelay().unwrap());
    }
}
