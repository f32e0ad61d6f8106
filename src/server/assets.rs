//! The client bundle under `/pkg`: the WASM, its JS glue and the stylesheet.
//!
//! In production pages link the bundle under a hash of its contents,
//! `/pkg/<hash>/workout_log.wasm`, and those URLs are answered from memory,
//! precompressed, with `Cache-Control: immutable`: a browser downloads each
//! build once and never asks again, and the next build has new URLs. The
//! files are read once, at start-up; a build is never changed under a running
//! server. The brotli and gzip copies that `cargo leptos build --precompress`
//! writes beside them are used as they are; a file without them (a plain
//! `cargo leptos build --release`, the README's command) is compressed here,
//! once, so what browsers download never depends on a build flag.
//!
//! In development `cargo leptos watch` rewrites the files in place and swaps
//! the stylesheet by its plain name, so pages link the plain names, served
//! from disk and revalidated on every use. The plain names keep working in
//! production too (revalidated, never cached blindly).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use leptos::config::{Env, LeptosOptions};
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::time::Instant;
use tower::ServiceExt as _;
use tower_http::services::ServeDir;

/// For URLs that name a build: a year, and no revalidation ever.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For plain names, whose contents change with every build.
const REVALIDATE: &str = "no-cache";

/// The bundle as this process serves it.
#[derive(Clone, Debug)]
pub struct Assets(Arc<Bundle>);

#[derive(Debug)]
enum Bundle {
    /// Development (or production without a readable bundle): the files as
    /// they are on disk now, under their plain names.
    OnDisk {
        /// `<site-root>/<site-pkg-dir>`.
        dir: PathBuf,
        /// Where pages link it: `pkg`.
        url_dir: String,
    },
    /// Production: the files as they were at start-up.
    InMemory {
        hash: String,
        /// Where pages link it: `pkg/<hash>`.
        url_dir: String,
        /// By their path under the bundle's directory.
        files: HashMap<String, Asset>,
    },
}

/// One file, in each encoding the build produced.
#[derive(Debug)]
struct Asset {
    identity: Encoded,
    brotli: Option<Encoded>,
    gzip: Option<Encoded>,
    content_type: HeaderValue,
}

/// The bytes of one encoding, and its own strong validator: a validator names
/// one representation, and the brotli bytes are not the gzip bytes.
#[derive(Debug)]
struct Encoded {
    body: Bytes,
    etag: HeaderValue,
}

impl Encoded {
    fn new(body: Bytes) -> Self {
        let digest = Sha256::digest(&body);
        let etag = HeaderValue::from_str(&format!("\"{}\"", hex(&digest[..12])))
            .expect("hex is a valid header value");
        Self { body, etag }
    }
}

impl Assets {
    /// Production reads and hashes the bundle now; development only notes
    /// where it is. A missing or unreadable bundle is logged, not fatal: the
    /// server-rendered pages and the API work without it.
    pub fn load(options: &LeptosOptions) -> Self {
        let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        let pkg = options.site_pkg_dir.trim_matches('/');
        let on_disk = |dir: PathBuf| {
            Self(Arc::new(Bundle::OnDisk {
                dir,
                url_dir: pkg.to_owned(),
            }))
        };
        if options.env != Env::PROD {
            return on_disk(dir);
        }
        match read_bundle(&dir) {
            Ok(files) if !files.is_empty() => {
                let hash = bundle_hash(&files);
                tracing::info!(dir = %dir.display(), files = files.len(), %hash, "client bundle loaded");
                Self(Arc::new(Bundle::InMemory {
                    url_dir: format!("{pkg}/{hash}"),
                    hash,
                    files,
                }))
            }
            Ok(_) => {
                tracing::warn!(dir = %dir.display(), "no client bundle: pages will not hydrate (run `cargo leptos build --release`)");
                on_disk(dir)
            }
            Err(err) => {
                tracing::warn!(dir = %dir.display(), %err, "could not read the client bundle: pages will not hydrate");
                on_disk(dir)
            }
        }
    }

    /// The Leptos options pages render with: the hydration script and the
    /// stylesheet link point into the hashed directory.
    pub fn page_options(&self, options: &LeptosOptions) -> LeptosOptions {
        let url_dir = match &*self.0 {
            Bundle::OnDisk { url_dir, .. } | Bundle::InMemory { url_dir, .. } => url_dir,
        };
        let mut options = options.clone();
        options.site_pkg_dir = url_dir.clone().into();
        options
    }

    /// Answers a request under `/pkg` (the path here has `/pkg` stripped).
    pub async fn serve(State(assets): State<Self>, req: Request) -> Response {
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        let (hash, files) = match &*assets.0 {
            Bundle::OnDisk { dir, .. } => return serve_from_disk(dir, req).await,
            Bundle::InMemory { hash, files, .. } => (hash, files),
        };
        let path = req.uri().path().trim_start_matches('/');
        let (cache_control, name) = match path.split_once('/') {
            Some((prefix, name)) if prefix == hash => (IMMUTABLE, name),
            _ => (REVALIDATE, path),
        };
        match files.get(name) {
            Some(asset) => asset.respond(req.headers(), cache_control),
            None => StatusCode::NOT_FOUND.into_response(),
        }
    }
}

/// Development: straight from the directory `cargo leptos watch` rewrites.
async fn serve_from_disk(dir: &Path, req: Request) -> Response {
    let Ok(mut response) = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(req)
        .await;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    response.into_response()
}

impl Asset {
    fn respond(&self, request: &HeaderMap, cache_control: &'static str) -> Response {
        let (encoded, encoding) = match (&self.brotli, &self.gzip) {
            (Some(br), _) if accepts(request, "br") => (br, Some("br")),
            (_, Some(gz)) if accepts(request, "gzip") => (gz, Some("gzip")),
            _ => (&self.identity, None),
        };
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
        headers.insert(header::ETAG, encoded.etag.clone());
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if if_none_match(request, &encoded.etag) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, self.content_type.clone());
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        (headers, Body::from(encoded.body.clone())).into_response()
    }
}

/// The items of a comma-separated request header, across all its lines.
fn header_items(request: &HeaderMap, name: header::HeaderName) -> impl Iterator<Item = &str> {
    request
        .get_all(name)
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
}

/// Whether `Accept-Encoding` allows `coding` (listed, or `*`, without `q=0`).
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    header_items(request, header::ACCEPT_ENCODING).any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused = parts.any(|param| {
            param
                .strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
    })
}

fn if_none_match(request: &HeaderMap, etag: &HeaderValue) -> bool {
    header_items(request, header::IF_NONE_MATCH).any(|tag| {
        let tag = tag.trim();
        tag == "*" || tag.trim_start_matches("W/").as_bytes() == etag.as_bytes()
    })
}

/// Every file under `dir`, keyed by its `/`-separated path, with its
/// `.br` and `.gz` siblings attached rather than listed. A file the build did
/// not precompress is compressed now (see [`compress_missing`]).
fn read_bundle(dir: &Path) -> std::io::Result<HashMap<String, Asset>> {
    let mut raw = HashMap::new();
    collect_files(dir, dir, &mut raw)?;
    let mut files = HashMap::new();
    for (name, bytes) in &raw {
        if name.ends_with(".br") || name.ends_with(".gz") {
            continue;
        }
        files.insert(
            name.clone(),
            Asset {
                identity: Encoded::new(bytes.clone()),
                brotli: raw.get(&format!("{name}.br")).cloned().map(Encoded::new),
                gzip: raw.get(&format!("{name}.gz")).cloned().map(Encoded::new),
                content_type: HeaderValue::from_static(content_type(name)),
            },
        );
    }
    compress_missing(&mut files);
    Ok(files)
}

/// Brotli's densest setting (quality 11, a 4 MiB window), as
/// `cargo leptos build --precompress` and the `brotli` command use it: spent
/// once per start-up, saved on every first visit.
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW_BITS: u32 = 22;

/// Gives every file that has no brotli or gzip copy one, compressing the
/// files side by side on scoped threads (the WASM, the largest by far, sets
/// the time: about a second and a half for 1 MB on one core here). A copy
/// that would not be smaller than the file is not kept.
fn compress_missing(files: &mut HashMap<String, Asset>) {
    let started = Instant::now();
    let mut compressed = 0;
    std::thread::scope(|scope| {
        let jobs: Vec<_> = files
            .values_mut()
            .filter(|asset| asset.brotli.is_none() || asset.gzip.is_none())
            .map(|asset| {
                scope.spawn(move || {
                    let identity = &asset.identity.body;
                    if asset.brotli.is_none() {
                        asset.brotli = smaller(identity, brotli(identity));
                    }
                    if asset.gzip.is_none() {
                        asset.gzip = smaller(identity, gzip(identity));
                    }
                })
            })
            .collect();
        compressed = jobs.len();
        for job in jobs {
            job.join().expect("compressing a byte slice does not panic");
        }
    });
    if compressed > 0 {
        tracing::info!(
            files = compressed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "compressed the client bundle (the build wrote no precompressed copies)"
        );
    }
}

fn smaller(identity: &Bytes, encoded: Vec<u8>) -> Option<Encoded> {
    (encoded.len() < identity.len()).then(|| Encoded::new(Bytes::from(encoded)))
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut writer = brotli::CompressorWriter::new(
        Vec::with_capacity(data.len() / 3),
        64 * 1024,
        BROTLI_QUALITY,
        BROTLI_WINDOW_BITS,
    );
    writer
        .write_all(data)
        .expect("writing to a Vec cannot fail");
    writer.into_inner()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::best(),
    );
    encoder
        .write_all(data)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

fn collect_files(root: &Path, dir: &Path, out: &mut HashMap<String, Bytes>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.insert(name, Bytes::from(std::fs::read(&path)?));
        }
    }
    Ok(())
}

/// A hash of every file's name and contents: any change to the build changes it.
fn bundle_hash(files: &HashMap<String, Asset>) -> String {
    let mut names: Vec<&String> = files.keys().collect();
    names.sort();
    let mut hasher = Sha256::new();
    for name in names {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(&files[name].identity.body);
        hasher.update([0]);
    }
    hex(&hasher.finalize()[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("wasm") => "application/wasm",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("map") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn an_encoding_is_accepted_when_listed_or_starred_and_not_refused() {
        let ae = header::ACCEPT_ENCODING;
        assert!(accepts(
            &request(&[(ae.clone(), "gzip, deflate, br, zstd")]),
            "br"
        ));
        assert!(accepts(&request(&[(ae.clone(), "GZIP;q=0.5")]), "gzip"));
        assert!(accepts(&request(&[(ae.clone(), "*")]), "br"));
        assert!(!accepts(&request(&[(ae.clone(), "br;q=0, gzip")]), "br"));
        assert!(!accepts(&request(&[(ae.clone(), "gzip")]), "br"));
        assert!(!accepts(&request(&[(ae.clone(), "brotli")]), "br"));
        assert!(!accepts(&request(&[]), "gzip"));
    }

    #[test]
    fn if_none_match_compares_strong_and_weak_tags() {
        let etag = HeaderValue::from_static("\"abc\"");
        let inm = header::IF_NONE_MATCH;
        assert!(if_none_match(&request(&[(inm.clone(), "\"abc\"")]), &etag));
        assert!(if_none_match(
            &request(&[(inm.clone(), "\"x\", W/\"abc\"")]),
            &etag
        ));
        assert!(if_none_match(&request(&[(inm.clone(), "*")]), &etag));
        assert!(!if_none_match(&request(&[(inm.clone(), "\"abd\"")]), &etag));
        assert!(!if_none_match(&request(&[]), &etag));
    }

    #[test]
    fn the_hash_changes_with_any_file_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.js"), "a").unwrap();
        std::fs::write(dir.path().join("app.wasm"), "b").unwrap();
        std::fs::write(dir.path().join("app.wasm.br"), "compressed").unwrap();
        let first = bundle_hash(&read_bundle(dir.path()).unwrap());
        assert_eq!(first, bundle_hash(&read_bundle(dir.path()).unwrap()));
        std::fs::write(dir.path().join("app.wasm"), "c").unwrap();
        let second = bundle_hash(&read_bundle(dir.path()).unwrap());
        assert_ne!(first, second);
        let files = read_bundle(dir.path()).unwrap();
        assert_eq!(files.len(), 2, "the .br copy belongs to app.wasm");
        assert_eq!(
            &files["app.wasm"].brotli.as_ref().unwrap().body[..],
            b"compressed"
        );
    }

    #[test]
    fn a_bundle_built_without_precompressed_copies_is_compressed_at_load() {
        let dir = tempfile::tempdir().unwrap();
        let js = "export function hydrate() { return 'hydrated'; }\n".repeat(200);
        std::fs::write(dir.path().join("app.js"), &js).unwrap();
        std::fs::write(dir.path().join("tiny.css"), "a{}").unwrap();
        let files = read_bundle(dir.path()).unwrap();

        let app = &files["app.js"];
        let br = &app.brotli.as_ref().expect("a brotli copy").body;
        let gz = &app.gzip.as_ref().expect("a gzip copy").body;
        assert!(br.len() < js.len() / 10 && gz.len() < js.len() / 10);
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut unbrotli).unwrap();
        assert_eq!(unbrotli, js.as_bytes());
        let mut ungzip = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut ungzip)
            .unwrap();
        assert_eq!(ungzip, js);
        // Three bytes do not get smaller: served as they are.
        assert!(files["tiny.css"].brotli.is_none() && files["tiny.css"].gzip.is_none());
    }
}
