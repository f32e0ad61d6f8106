//! Probes for process managers and load balancers. `/healthz` says the process
//! answers; `/readyz` says it can serve real requests (the database and Redis
//! both answer), so a balancer sends traffic elsewhere while they do not.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tower_sessions_redis_store::fred::prelude::{ClientLike, Pool};

use super::db::Database;

/// A probe that takes longer than this counts as a failure: an orchestrator's
/// own timeout is typically one second.
const PROBE_TIMEOUT: Duration = Duration::from_millis(800);

#[derive(Clone)]
pub struct Probes {
    pub db: Database,
    pub redis: Pool,
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    database: &'static str,
    redis: &'static str,
}

/// Always 200 while the process serves HTTP; touches no dependency.
pub async fn healthz() -> Response {
    no_store((StatusCode::OK, "ok"))
}

pub async fn readyz(State(probes): State<Probes>) -> Response {
    let (database, redis) = tokio::join!(
        check(async { probes.db.ping().await.is_ok() }),
        check(async {
            probes
                .redis
                .ping::<String>(None)
                .await
                .is_ok_and(|pong| pong == "PONG")
        }),
    );
    let ready = database == "ok" && redis == "ok";
    let status = if ready {
        StatusCode::OK
    } else {
        tracing::warn!(database, redis, "not ready");
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Readiness {
        status: if ready { "ready" } else { "unavailable" },
        database,
        redis,
    };
    no_store((status, Json(body)))
}

async fn check(probe: impl Future<Output = bool>) -> &'static str {
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(true) => "ok",
        Ok(false) => "unreachable",
        Err(_) => "timeout",
    }
}

fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
