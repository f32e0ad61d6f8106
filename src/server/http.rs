//! HTTP plumbing around the Leptos app: static files, error statuses for
//! server functions, response compression, and the not-found page.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, BodyDataStream, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use futures::StreamExt as _;
use tower::ServiceExt as _;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate as _, SizeAbove};
use tower_http::services::ServeDir;

use super::state::AppState;
use crate::app::shell;
use crate::error::AppError;

/// The largest request body the app accepts: its biggest form (a workout with
/// 1,000 characters of notes) is a few kilobytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The largest file an import takes (20 MB), and the path it is posted to.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
pub const UPLOAD_PATH: &str = "/api/import";
/// How long an upload may take at the least: 20 MB over a slow phone
/// connection takes longer than a form.
const MIN_UPLOAD_TIME: Duration = Duration::from_secs(120);

/// How many uploads the server reads at once: each may hold 20 MB.
const CONCURRENT_UPLOADS: usize = 4;
static UPLOADS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_UPLOADS);

/// The most body bytes and time a request may take: an import's file and
/// the rest of its form, or a form. Only a request with a signed session
/// cookie (`may_upload`: it may be logged in) may send a file, and only
/// [`CONCURRENT_UPLOADS`] at once (503 beyond): anyone else is held to a
/// form's size, so nobody can make the server buffer 20 MB without an
/// account. The permit lives in the request's extensions, so it is held
/// until the request is done.
fn body_limits(
    parts: &mut axum::http::request::Parts,
    body_timeout: Duration,
    may_upload: bool,
) -> Result<(usize, Duration), AppError> {
    if parts.uri.path() != UPLOAD_PATH || !may_upload {
        return Ok((MAX_BODY_BYTES, body_timeout));
    }
    let permit = UPLOADS.try_acquire().map_err(|_| AppError::Unavailable)?;
    parts
        .extensions
        .insert(std::sync::Arc::new(UploadPermit(permit)));
    Ok((
        MAX_UPLOAD_BYTES + MAX_BODY_BYTES,
        body_timeout.max(MIN_UPLOAD_TIME),
    ))
}

/// One of the [`CONCURRENT_UPLOADS`] slots, held by an upload's request.
struct UploadPermit(#[allow(dead_code)] tokio::sync::SemaphorePermit<'static>);

/// The most header bytes (names and values) a request may carry; the session
/// cookie is about 100 bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Answers shorter than this (a user as JSON, a 401) are sent as they are:
/// compressing them saves less than one TCP segment and costs a compressor.
pub const MIN_COMPRESSED_BYTES: u16 = 1024;

/// How hard pages and JSON are compressed: brotli quality 1 (gzip level 1
/// where the client takes no brotli). A page is compressed on every request,
/// and quality 1 sends the 21 KB dashboard as 3.3 KB for about half the CPU
/// of tower-http's default, quality 4 (2.7 KB); docs/PERFORMANCE.md.
const QUALITY: CompressionLevel = CompressionLevel::Precise(1);

/// Compresses pages and JSON answers as the client accepts: brotli, else gzip
/// (at [`QUALITY`]). Answers that are already encoded (the precompressed
/// client bundle), images, event streams and short answers of known length
/// pass through. A streamed page still streams: the encoder flushes what it
/// has whenever the page waits for its next part
/// (`tests::a_streamed_page_still_streams_when_compressed` checks it).
pub fn compression() -> CompressionLayer<impl tower_http::compression::Predicate> {
    CompressionLayer::new().quality(QUALITY).compress_when(
        SizeAbove::new(MIN_COMPRESSED_BYTES)
            .and(NotForContentType::GRPC)
            .and(NotForContentType::IMAGES)
            .and(NotForContentType::SSE),
    )
}

/// Answers with `err`'s status and its JSON form, the way server functions
/// answer errors, so every client sees one error format.
pub fn error_response(err: &AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(err)).into_response();
    set_retry_after(response.headers_mut(), err);
    response
}

fn set_retry_after(headers: &mut axum::http::HeaderMap, err: &AppError) {
    if let Some(seconds) = err.retry_after_secs() {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
}

/// Refuses oversized requests before anything reads them: 431 for headers
/// over [`MAX_HEADER_BYTES`], 413 for a body over [`MAX_BODY_BYTES`] (an
/// import's over [`MAX_UPLOAD_BYTES`] and a form's worth; declared or
/// streamed), and 408 for a body that has not arrived within `body_timeout`
/// (an import's within two minutes at the least). A body within the limits is buffered here, so no handler
/// ever reads an unbounded or stalled stream.
pub async fn limit_request_size(
    req: Request,
    body_timeout: Duration,
    may_upload: bool,
) -> Result<Request, Response> {
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(error_response(&AppError::HeadersTooLarge));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (mut parts, body) = req.into_parts();
    let (max_bytes, body_timeout) =
        body_limits(&mut parts, body_timeout, may_upload).map_err(|err| error_response(&err))?;
    if declared.is_some_and(|len| len > max_bytes as u64) {
        return Err(refuse_too_large(body.into_data_stream()).await);
    }
    let Ok(read) = tokio::time::timeout(body_timeout, read_within_limit(body, max_bytes)).await
    else {
        return Err(error_response(&AppError::RequestTimeout));
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(BodyRefused::TooLarge(rest)) => return Err(refuse_too_large(rest).await),
        Err(BodyRefused::Broken) => {
            return Err(error_response(&AppError::BadRequest(
                "The request body could not be read".to_owned(),
            )));
        }
    };
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if is_form && !form_is_utf8(&bytes) {
        return Err(error_response(&AppError::BadRequest(
            "The form data is not valid UTF-8".to_owned(),
        )));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// How much of a refused body the server still reads, and for how long, before
/// it closes the connection.
const DISCARD_BYTES: usize = 2 * 1024 * 1024;
const DISCARD_TIME: Duration = Duration::from_secs(1);

enum BodyRefused {
    /// Past the limit; holds the part not read yet.
    TooLarge(BodyDataStream),
    /// The client broke the body off (or sent malformed chunks).
    Broken,
}

/// The whole body, if it fits in `max_bytes`.
async fn read_within_limit(body: Body, max_bytes: usize) -> Result<Bytes, BodyRefused> {
    let mut stream = body.into_data_stream();
    let mut buffer = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| BodyRefused::Broken)?;
        if buffer.len() + chunk.len() > max_bytes {
            return Err(BodyRefused::TooLarge(stream));
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer.freeze())
}

/// Answers 413, after reading and discarding a bounded amount of what the
/// client is still sending. Closing a socket that holds unread data makes the
/// kernel reset the connection, and the reset can destroy the 413 before the
/// client reads it: the client would see "connection reset" mid-upload instead
/// of the reason (a lingering close, as nginx and Apache do it).
async fn refuse_too_large(mut rest: BodyDataStream) -> Response {
    let discard = async {
        let mut discarded = 0;
        while let Some(Ok(chunk)) = rest.next().await {
            discarded += chunk.len();
            if discarded > DISCARD_BYTES {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DISCARD_TIME, discard).await;
    error_response(&AppError::TooLarge)
}

/// True when every name and value of a URL-encoded form decodes to UTF-8.
/// The form decoder downstream would silently turn bad bytes into U+FFFD,
/// storing text the user never typed.
fn form_is_utf8(body: &[u8]) -> bool {
    body.split(|b| *b == b'&' || *b == b'=')
        .all(|part| percent_encoding::percent_decode(part).decode_utf8().is_ok())
}

/// tower-sessions answers a failed session save (Redis down) with a bare 500
/// and no body. That is an outage, not a bug: answer it like every other
/// outage, 503 with the JSON error and `Retry-After`. Applied to what the
/// session layer answers; every 500 of the app itself has a body and a
/// content type.
pub fn session_save_failure_is_unavailable(response: Response) -> Response {
    let bare_500 = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(header::CONTENT_TYPE);
    if bare_500 {
        return error_response(&AppError::Unavailable);
    }
    response
}

/// Server functions answer every error with 500 and a JSON body. This gives the
/// response the status the error really stands for (401, 409, 422, 503, ...),
/// in one place, including for errors raised by the framework itself (a
/// missing or malformed argument is a 400, not a 500). Applied with
/// `ServiceBuilder::then`, so it costs no boxed future or cloned service.
pub async fn with_error_status(
    response: Result<Response, Infallible>,
) -> Result<Response, Infallible> {
    let Ok(response) = response;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are small JSON documents; anything larger is not ours to touch.
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return Ok((StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response());
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        set_retry_after(&mut parts.headers, &err);
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

/// Files from `public/` (copied to the site root), else the app's 404 page.
pub async fn public_file_or_not_found(State(state): State<AppState>, req: Request) -> Response {
    let root = state.leptos_options.site_root.to_string();
    let (parts, body) = req.into_parts();
    let probe = Request::from_parts(parts.clone(), Body::empty());
    let Ok(res) = ServeDir::new(root).oneshot(probe).await;
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        return res.into_response();
    }
    render_not_found(state, Request::from_parts(parts, body)).await
}

async fn render_not_found(state: AppState, req: Request) -> Response {
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_to_stream_with_context(
        move || super::provide_page_context(&state),
        move || shell(options.clone()),
    );
    let mut res = handler(req).await.into_response();
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::{Request, header};
    use axum::routing::get;
    use futures::StreamExt as _;
    use tower::ServiceExt as _;

    use super::{MIN_COMPRESSED_BYTES, compression, form_is_utf8};

    /// A page whose shell goes out at once and whose last part waits for
    /// `rest`: as Leptos streams a page whose data is still loading.
    async fn streamed_page(
        rest: tokio::sync::oneshot::Receiver<()>,
        request: Request<Body>,
    ) -> axum::response::Response {
        let shell = futures::stream::once(async {
            Ok::<_, std::io::Error>(axum::body::Bytes::from(format!(
                "<!DOCTYPE html><html><body><main>{}</main>",
                "the shell ".repeat(200)
            )))
        });
        let last = futures::stream::once(async move {
            let _ = rest.await;
            Ok(axum::body::Bytes::from_static(
                b"<p>resolved</p></body></html>",
            ))
        });
        let page = axum::response::Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from_stream(futures::StreamExt::chain(shell, last)))
            .unwrap();
        let mut page = Some(page);
        let service = tower::ServiceBuilder::new()
            .layer(compression())
            .service_fn(move |_: Request<Body>| {
                let page = page.take().expect("one request");
                async move { Ok::<_, std::convert::Infallible>(page) }
            });
        let Ok(response) = service.oneshot(request).await;
        response.map(Body::new)
    }

    /// Decodes what has arrived so far of a brotli or gzip stream.
    fn decoded_so_far(encoding: &str, bytes: &[u8]) -> String {
        let mut out = Vec::new();
        match encoding {
            "br" => {
                let mut decoder = brotli::DecompressorWriter::new(&mut out, 4096);
                decoder.write_all(bytes).unwrap();
                let _ = decoder.flush();
            }
            "gzip" => {
                let mut decoder = flate2::write::GzDecoder::new(&mut out);
                decoder.write_all(bytes).unwrap();
                let _ = decoder.flush();
            }
            other => panic!("unexpected encoding {other}"),
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn a_streamed_page_still_streams_when_compressed() {
        for encoding in ["br", "gzip"] {
            let (resolve, rest) = tokio::sync::oneshot::channel();
            let request = Request::get("/")
                .header(header::ACCEPT_ENCODING, encoding)
                .body(Body::empty())
                .unwrap();
            let response = streamed_page(rest, request).await;
            assert_eq!(response.headers()[header::CONTENT_ENCODING], encoding);
            let mut body = response.into_body().into_data_stream();
            let mut received = Vec::new();
            // The shell must arrive, decodable, while the page still waits.
            let shell_arrived = tokio::time::timeout(Duration::from_secs(5), async {
                loop {
                    let chunk = body.next().await.expect("more body").unwrap();
                    received.extend_from_slice(&chunk);
                    if decoded_so_far(encoding, &received).contains("</main>") {
                        break;
                    }
                }
            })
            .await;
            assert!(shell_arrived.is_ok(), "{encoding}: the shell was held back");
            resolve.send(()).unwrap();
            while let Some(chunk) = body.next().await {
                received.extend_from_slice(&chunk.unwrap());
            }
            assert!(decoded_so_far(encoding, &received).ends_with("</body></html>"));
        }
    }

    #[tokio::test]
    async fn short_answers_and_clients_without_the_encoding_get_identity() {
        let app = axum::Router::new()
            .route("/short", get(|| async { axum::Json("a user") }))
            .route("/long", get(|| async { "x".repeat(4 * 1024) }))
            .layer(compression());
        let get = |path: &str, accept: &str| {
            Request::get(path)
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .unwrap()
        };
        let short = app.clone().oneshot(get("/short", "br")).await.unwrap();
        assert!(short.headers().get(header::CONTENT_ENCODING).is_none());
        assert!(usize::from(MIN_COMPRESSED_BYTES) > "\"a user\"".len());
        let long = app.clone().oneshot(get("/long", "gzip, br")).await.unwrap();
        assert_eq!(long.headers()[header::CONTENT_ENCODING], "br");
        let long = app.clone().oneshot(get("/long", "identity")).await.unwrap();
        assert!(long.headers().get(header::CONTENT_ENCODING).is_none());
    }

    #[test]
    fn forms_with_bytes_that_are_not_utf8_are_caught_escaped_or_raw() {
        assert!(form_is_utf8(
            b"email=ann%40example.com&password=p%C3%A4ss+word"
        ));
        assert!(form_is_utf8(b""));
        assert!(!form_is_utf8(b"email=%FF%FE%40x.co"));
        assert!(!form_is_utf8(b"kind=\xff"));
        assert!(!form_is_utf8(b"%C3=x"), "a truncated sequence in a name");
    }
}
