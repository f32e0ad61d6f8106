//! `/dev/mailbox`: in development, the messages the app sent, newest
//! first, each with its links, so that a reset or confirmation can be
//! followed without a mail server. The route exists only when
//! `LEPTOS_ENV` is not `PROD` (`server::router`), and answers only a
//! browser on this machine: a development server reachable from elsewhere
//! must not hand its links to anyone who asks.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::links_in;
use crate::server::http::error_response;
use crate::server::state::AppState;

/// How many messages the page shows.
const SHOWN: i64 = 100;

pub async fn mailbox_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if !peer.ip().is_loopback() {
        return error_response(&crate::error::AppError::NotFound);
    }
    let entries = match state.db.mailbox(SHOWN).await {
        Ok(entries) => entries,
        Err(err) => return error_response(&err),
    };
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Development mailbox</title></head><body><h1>Development mailbox</h1>\
         <p>Messages the app sent, newest first. This page does not exist in production.</p>",
    );
    if entries.is_empty() {
        html.push_str("<p>No messages yet.</p>");
    }
    for entry in entries {
        html.push_str(&format!(
            "<article data-testid=\"mail\" data-to=\"{to_attr}\"><h2>{subject}</h2>\
             <p>To <strong>{to}</strong>, {state}</p><pre>{body}</pre><ul>",
            to_attr = attr(&entry.recipient),
            subject = text(&entry.subject),
            to = text(&entry.recipient),
            state = if entry.delivered {
                "delivered"
            } else {
                "waiting to be sent"
            },
            body = text(&entry.body),
        ));
        for link in links_in(&entry.body) {
            html.push_str(&format!(
                "<li><a href=\"{href}\">{label}</a></li>",
                href = attr(link),
                label = text(link)
            ));
        }
        html.push_str("</ul></article>");
    }
    html.push_str("</body></html>");
    let mut response = Html(html).into_response();
    // It lists live links: never kept, never sent on as a Referer.
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
