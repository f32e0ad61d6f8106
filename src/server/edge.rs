//! What every request passes before the session layer and its route, as one
//! middleware: the size limits, the client's address, the cross-site check,
//! a cookie signed with a retired key re-signed, a form post's pinned
//! `Referer` (see `form_redirect`), and on the way out
//! the form post's relative Location, the answer for a session that ended
//! under its request, the 503 for a failed session save and the
//! security headers. It also keeps one request's Leptos owner out of another's (see
//! [`without_stale_owner`]), and runs a page's render to its end even when
//! its client leaves (see [`to_the_end`]).
//!
//! One hand-written tower layer rather than a layer per step or
//! `axum::middleware::from_fn`, for the per-request cost (docs/PERFORMANCE.md).

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, HttpBody as _};
use axum::extract::Request;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures::StreamExt as _;
use futures::future::BoxFuture;
use leptos::prelude::Owner;
use tower::{Layer, Service};
use tracing::Instrument as _;

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
                    let page = may_render_a_page(&req);
                    let call = watch_for_ended_session(without_stale_owner(inner.call(req)));
                    let (Ok(mut response), session_ended) = match page {
                        true => to_the_end(call).await,
                        false => call.await,
                    };
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

/// A page request (`form_redirect::is_page_request`) that a render may
/// answer: not a bundle file or a download.
fn may_render_a_page(req: &Request) -> bool {
    let path = req.uri().path();
    form_redirect::is_page_request(req)
        && !path.starts_with("/pkg/")
        && !path.starts_with("/export/")
}

/// Runs a page's render, and streams its body, to the end even when the
/// client leaves first. Leptos 0.8 disposes a render's reactive owner when
/// hyper drops the handler (or the body) of a closed connection, while
/// tasks the render spawned for its `Suspense` parts still run; they then
/// read disposed signals, memos and actions and panic (seen at the end of
/// every wrk run; leptos-rs/leptos#3595, #4698). Run as a task of its own,
/// a render always ends as it would for a client that stayed, and only then
/// is its owner dropped. The cost: one task per page, and an abandoned page
/// is rendered in full.
async fn to_the_end<F>(call: F) -> (Result<Response, Infallible>, bool)
where
    F: Future<Output = (Result<Response, Infallible>, bool)> + Send + 'static,
{
    let render = tokio::spawn(
        async move {
            let (Ok(response), session_ended) = call.await;
            (body_to_the_end(response), session_ended)
        }
        // The request's span (its path, in the logs) goes with it.
        .in_current_span(),
    );
    match render.await {
        Ok((response, session_ended)) => (Ok(response), session_ended),
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        // Only a runtime shutting down cancels a task.
        Err(_) => (Ok(StatusCode::SERVICE_UNAVAILABLE.into_response()), false),
    }
}

/// A streamed body (one whose length is not known yet: a page still
/// rendering) read to its end by a task of its own, which hands each chunk
/// on while the client still reads. A body already whole is left as it is.
fn body_to_the_end(response: Response) -> Response {
    if response.body().size_hint().exact().is_some() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
    tokio::spawn(
        async move {
            let mut chunks = body.into_data_stream();
            let mut client = Some(sender);
            while let Some(chunk) = chunks.next().await {
                if let Some(sender) = &client
                    && sender.send(chunk).await.is_err()
                {
                    client = None;
                }
            }
        }
        .in_current_span(),
    );
    // A closed channel answers `None` again when asked again (the
    // compression layer polls a body once more after its end).
    let chunks = futures::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Response::from_parts(parts, Body::from_stream(chunks))
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
    use std::time::Duration;

    use axum::body::Body;
    use axum::extract::Request;
    use axum::http::Method;
    use axum::response::Response;
    use futures::StreamExt as _;
    use leptos::prelude::Owner;

    use super::{body_to_the_end, may_render_a_page, to_the_end, without_stale_owner};

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

    /// A page call that a client leaves after its first poll, as hyper drops
    /// it: it must still run to its end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_page_render_that_its_client_leaves_still_runs_to_its_end() {
        let (resume, resumed) = tokio::sync::oneshot::channel::<()>();
        let (finished, was_finished) = tokio::sync::oneshot::channel::<()>();
        let call = async move {
            let _ = resumed.await;
            let _ = finished.send(());
            (Ok(Response::new(Body::from("page"))), false)
        };
        let left = tokio::time::timeout(Duration::from_millis(20), to_the_end(call)).await;
        assert!(left.is_err(), "the client left before the render ended");
        resume.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), was_finished)
            .await
            .expect("the render ran on after its client left")
            .unwrap();
    }

    /// The same for a streamed body whose reader goes away after the first
    /// chunk: the rest is still read, to its end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_streamed_page_is_read_to_its_end_after_its_client_leaves() {
        let (finished, was_finished) = tokio::sync::oneshot::channel::<()>();
        let mut finished = Some(finished);
        let chunks = futures::stream::iter(0..100).then(move |n| {
            let last = (n == 99).then(|| finished.take()).flatten();
            async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                if let Some(finished) = last {
                    let _ = finished.send(());
                }
                Ok::<_, std::io::Error>(axum::body::Bytes::from("chunk"))
            }
        });
        let page = body_to_the_end(Response::new(Body::from_stream(chunks)));
        let mut read = page.into_body().into_data_stream();
        assert!(read.next().await.is_some());
        drop(read);
        tokio::time::timeout(Duration::from_secs(5), was_finished)
            .await
            .expect("the body was read on after its client left")
            .unwrap();
    }

    /// The compression layer polls a body once more after its end.
    #[tokio::test]
    async fn a_streamed_page_may_be_polled_again_after_its_end() {
        let chunk = Ok::<_, std::io::Error>(axum::body::Bytes::from("page"));
        let page = body_to_the_end(Response::new(Body::from_stream(futures::stream::iter([
            chunk,
        ]))));
        let mut read = page.into_body().into_data_stream();
        while read.next().await.is_some() {}
        assert!(read.next().await.is_none());
    }

    #[test]
    fn pages_are_gets_outside_the_api_bundle_and_downloads() {
        let request = |method: Method, path: &str| {
            Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap()
        };
        assert!(may_render_a_page(&request(Method::GET, "/dashboard")));
        assert!(may_render_a_page(&request(Method::HEAD, "/")));
        assert!(!may_render_a_page(&request(Method::POST, "/dashboard")));
        assert!(!may_render_a_page(&request(Method::GET, "/api/me")));
        assert!(!may_render_a_page(&request(Method::GET, "/pkg/app.wasm")));
        assert!(!may_render_a_page(&request(
            Method::GET,
            "/export/workouts.csv"
        )));
    }
}
