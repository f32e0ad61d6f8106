//! Email, delivered for sure: a message is queued in the database (the
//! `mail_outbox` table) in the same transaction as what it announces, so
//! the request answers only once it is stored; a background worker
//! ([`MailWorker`]) then delivers it, over SMTP with lettre, or in
//! development to the log and `/dev/mailbox` ([`mailbox`]). An SMTP server
//! that is down, or a restart between queueing and sending, delays a
//! message; it never loses one.
//!
//! Links in messages are built from `PUBLIC_URL` ([`Mailer::link`]), never
//! from the request: its `Host` header is the client's to choose.

pub mod mailbox;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

pub use worker::MailWorker;

use super::config::{MailConfig, PublicUrl};

/// A message to queue: plain text, to one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// What the features need to send mail: the address links point to, how
/// long links work, and a way to wake the worker once a message is queued.
#[derive(Clone, Debug)]
pub struct Mailer {
    public_url: PublicUrl,
    wake: Arc<Notify>,
    pub password_reset_ttl: Duration,
    pub email_confirmation_ttl: Duration,
}

impl Mailer {
    pub fn new(config: &MailConfig, wake: Arc<Notify>) -> Self {
        Self {
            public_url: config.public_url.clone(),
            wake,
            password_reset_ttl: config.password_reset_ttl,
            email_confirmation_ttl: config.email_confirmation_ttl,
        }
    }

    /// The absolute link to `path_and_query` on `PUBLIC_URL`.
    pub fn link(&self, path_and_query: &str) -> String {
        self.public_url.link(path_and_query)
    }

    /// Tells the worker that a message was queued, so it sends it now
    /// rather than at its next look at the outbox.
    pub fn queued(&self) {
        self.wake.notify_one();
    }
}

/// The links in a message's text (each whole word that starts with
/// `http://` or `https://`): what the development mailbox shows and logs.
pub fn links_in(body: &str) -> Vec<&str> {
    body.split_whitespace()
        .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_whole_words_that_start_with_a_scheme() {
        let body =
            "Open\nhttps://log.example.com/reset-password?token=abc\nor http://x/y. Not ftp://z";
        assert_eq!(
            links_in(body),
            [
                "https://log.example.com/reset-password?token=abc",
                "http://x/y."
            ]
        );
    }
}
