//! What every request passes before the session layer and its route, as one
//! middleware: the size limits, the client's address, the cross-site check,
//! a cookie signed with a retired key re-signed, a form post's pinned
//! `Referer` (see `form_redirect`), and on the way out
//! the form post's relative Location, the answer for a session that ended
//! under its request, the 503 for a failed session save and the
//! security headers. It also keeps one request's Leptos owner out of another's (see
//! [`without_stale_owner`]).
//!
//! One hand-written tower layer rather than a layer per step or
//! `axum::middleware::from_fn`, for the per-request cost (docs/PERFORMANCE.md).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures::future::BoxFuture;
use leptos::prelude::Owner;
use tower::{Layer, Service};

use super::form_redirect;
use super::http::{limit_request_size, session_save_failure_is_unavailable};
use super::proxy::{TrustedProxies, resolve_client_ip};
use super::security::{SecurityPolicy, add_security_headers, cross_site_refusal};
use super::sessions::{
    CookieKeys, accept_retired_key, carries_signed_session, watch_for_ended_session,
};
use crate::auth::domain::resolve_page;

/// The deployment facts the edge needs.
#[derive(Clone)]
pub struct Edge {
    pub policy: SecurityPolicy,
    pub proxies: TrustedProxies,
    /// How long a request body may take to arrive (`REQUEST_BODY_TIMEOUT`).
    pub body_timeout: Duration,
    /// The session cookie's signing keys, current and retired.
    pub cookie_keys: CookieKeys,
}

/// The edge as a layer, shared by every route's stack.
#[derive(Clone)]
pub struct EdgeLayer(Arc<Edge>);

impl EdgeLayer {
    pub fn new(edge: Edge) -> Self {
        Self(Arc::new(edge))
    }
}

impl<S> Layer<S> for EdgeLayer {
    type Service = EdgeService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        EdgeService {
            edge: self.0.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct EdgeService<S> {
    edge: Arc<Edge>,
    inner: S,
}

impl<S> Service<Request> for EdgeService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let (edge, mut inner) = (self.edge.clone(), take_ready(&mut self.inner));
        Box::pin(async move {
            let response = match admit(&edge, req).await {
                Ok(mut req) => {
                    let form_post = form_redirect::is_server_fn_post(&req);
                    if form_post {
                        form_redirect::pin_referer(&mut req, edge.policy.https);
                    }
                    let if_ended = EndedSessionAnswer::of(&req);
                    let (Ok(mut response), session_ended) =
                        watch_for_ended_session(without_stale_owner(inner.call(req))).await;
                    if session_ended {
                        response = if_ended.apply(response);
                    }
                    if form_post {
                        response = form_redirect::make_location_relative(
                            response,
                            &edge.cookie_keys.current,
                        );
                    }
                    session_save_failure_is_unavailable(response)
                }
                Err(refused) => refused,
            };
            Ok(add_security_headers(&edge.policy, response))
        })
    }
}

/// What a request gets when its session ended (logged out or revoked
/// elsewhere) while it ran, found as the session layer wrote it back (one
/// found gone at its activity refresh, before the request acted, was served
/// as anonymous already; see `AuthSession::touch`). Nothing is written
/// back. A page is asked for again (a 303 to itself, or to `/` if its path
/// is none of the app's pages), which the cookie no longer opens, so it
/// renders as an anonymous visitor's page or sends them to `/login`. A
/// server function keeps its answer, without a cookie: it acted while its
/// session was valid, and a 401 would tell the client that a write which
/// happened did not.
enum EndedSessionAnswer {
    AskAgain(Uri),
    KeepWithoutCookie,
}

impl EndedSessionAnswer {
    fn of(req: &Request) -> Self {
        if form_redirect::is_page_request(req) {
            Self::AskAgain(req.uri().clone())
        } else {
            Self::KeepWithoutCookie
        }
    }

    fn apply(self, mut response: Response) -> Response {
        match self {
            Self::AskAgain(uri) => {
                let asked = uri.path_and_query().map_or("/", |target| target.as_str());
                let page = resolve_page(asked).unwrap_or_else(|| "/".to_owned());
                Redirect::to(&page).into_response()
            }
            Self::KeepWithoutCookie => {
                response.headers_mut().remove(header::SET_COOKIE);
                response
            }
        }
    }
}

/// The service that `poll_ready` made ready, leaving a clone in its place for
/// the next request (tower's contract: only a service that said it was ready
/// may be called, and the clone has not said so yet).
fn take_ready<S: Clone>(slot: &mut S) -> S {
    let fresh = slot.clone();
    std::mem::replace(slot, fresh)
}

/// The request as the session layer may see it, or the answer that refuses
/// it: an oversized request is refused before anything reads it, and a
/// cross-site one before any session work.
async fn admit(edge: &Edge, req: Request) -> Result<Request, Response> {
    let may_upload = carries_signed_session(&edge.cookie_keys, req.headers());
    let mut req = limit_request_size(req, edge.body_timeout, may_upload).await?;
    resolve_client_ip(&edge.proxies, &mut req);
    if let Some(refused) = cross_site_refusal(&edge.policy, &req) {
        return Err(refused);
    }
    if let Some(refused) = form_redirect::refuse_unsigned_error(&req, &edge.cookie_keys) {
        return Err(refused);
    }
    accept_retired_key(&edge.cookie_keys, &mut req);
    Ok(req)
}

/// Runs a request's handling with no Leptos owner left on the thread by
/// another request.
///
/// Leptos (0.8.23) starts each page render with `Owner::new_root`, which
/// makes the render's root the thread's current owner and never restores
/// the previous one. A server function polled next on that worker thread
/// then got its owner (`Owner::new`, in leptos_axum) as a child of that
/// unrelated render: its context lookups walked into the other request's
/// contexts, and if the render ended while such a lookup held the last
/// reference to its root, dropping the root cleaned up the server
/// function's owner, whose lock the lookup held: the worker thread
/// deadlocked for good (seen in the soak test). Nothing of ours runs under
/// an owner outside a handler, so any owner current when this future is
/// polled is one left behind; and none is left behind for the next task
/// when the poll returns.
pub async fn without_stale_owner<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        forget_stale_owner();
        let poll = future.as_mut().poll(cx);
        forget_stale_owner();
        poll
    })
    .await
}

fn forget_stale_owner() {
    if let Some(stale) = Owner::current() {
        stale.unset();
    }
}

#[cfg(test)]
mod tests {
    use leptos::prelude::Owner;

    use super::without_stale_owner;

    #[tokio::test(flavor = "current_thread")]
    async fn a_request_does_not_inherit_an_owner_another_left_on_the_thread() {
        // What a page render leaves behind on its thread.
        let render_root = Owner::new_root(None);
        assert!(Owner::current().is_some());

        // What leptos_axum does for a server function.
        let handler_owner = without_stale_owner(async { Owner::new() }).await;

        assert!(handler_owner.parent().is_none(), "a root of its own");
        assert!(Owner::current().is_none());
        drop(render_root);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_render_leaves_no_owner_behind_for_the_next_task() {
        let render_root = without_stale_owner(async { Owner::new_root(None) }).await;
        assert!(Owner::current().is_none());
        drop(render_root);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn without_the_guard_the_handler_would_adopt_the_stale_owner() {
        // The Leptos behaviour the guard exists for: if this starts to fail,
        // Leptos restores the previous owner itself and the guard can go.
        let render_root = Owner::new_root(None);
        let handler_owner = Owner::new();
        assert!(handler_owner.parent().is_some());
        drop(render_root);
    }
}
