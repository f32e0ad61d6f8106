//! `POST /api/me`: the `sid` cookie names a Redis key; one GET, and its value
//! is the answer (401 without one). What any server-side session design must
//! do per authenticated request, and no more.

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use fred::prelude::*;

#[tokio::main]
async fn main() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3200".into());
    let pool = Builder::from_config(Config::from_url(&url).expect("REDIS_URL"))
        .build_pool(4)
        .expect("pool");
    pool.init().await.expect("redis");
    let app = Router::new()
        .route("/api/me", post(me))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await.unwrap();
    axum::serve(listener, app).await.unwrap();
}

async fn me(axum::extract::State(pool): axum::extract::State<Pool>, headers: HeaderMap) -> impl IntoResponse {
    let sid = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("sid="));
    let Some(sid) = sid else {
        return (StatusCode::UNAUTHORIZED, "\"Unauthorized\"".to_owned()).into_response();
    };
    match pool.get::<Option<String>, _>(format!("ceiling:{sid}")).await {
        Ok(Some(user)) => ([(header::CONTENT_TYPE, "application/json")], user).into_response(),
        Ok(None) => (StatusCode::UNAUTHORIZED, "\"Unauthorized\"".to_owned()).into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
