//! What every request passes before the session layer and its route, as one
//! middleware: the size limits, the client's address, the cross-site check,
//! and on the way out the 503 for a failed session save and the security
//! headers.
//!
//! One step instead of five layers: a `from_fn` layer clones the whole stack
//! inside it and boxes a future and a service on every request: the separate
//! layers were a sixth of an authenticated read's instructions.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::http::{limit_request_size, session_save_failure_is_unavailable};
use super::proxy::{TrustedProxies, resolve_client_ip};
use super::security::{SecurityPolicy, add_security_headers, cross_site_refusal};

/// The deployment facts the edge needs.
#[derive(Clone, Debug)]
pub struct Edge {
    pub policy: SecurityPolicy,
    pub proxies: TrustedProxies,
}

pub async fn edge(State(edge): State<Edge>, req: Request, next: Next) -> Response {
    let response = match admit(&edge, req).await {
        Ok(req) => session_save_failure_is_unavailable(next.run(req).await),
        Err(refused) => refused,
    };
    add_security_headers(&edge.policy, response)
}

/// The request as the session layer may see it, or the answer that refuses
/// it: an oversized request is refused before anything reads it, and a
/// cross-site one before any session work.
async fn admit(edge: &Edge, req: Request) -> Result<Request, Response> {
    let mut req = limit_request_size(req).await?;
    resolve_client_ip(&edge.proxies, &mut req);
    match cross_site_refusal(&req) {
        Some(refused) => Err(refused),
        None => Ok(req),
    }
}
