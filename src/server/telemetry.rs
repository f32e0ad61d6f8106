//! Logging through `tracing`, filtered by `RUST_LOG`.

use tracing_subscriber::EnvFilter;

pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // A test binary may call this more than once; only the first call wins.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}
