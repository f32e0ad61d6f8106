//! The mail worker: one per app instance, delivering what the outbox holds.
//! It wakes when a request queues a message, and looks every
//! [`POLL_INTERVAL`] anyway (another instance's messages, retries that are
//! due). Each message is claimed for [`LEASE`] before it is sent, so two
//! instances never send it both, and a worker that dies with it leaves it
//! to be sent again. A failed attempt is logged and retried after a
//! doubling wait (`MAIL_RETRY_AFTER`, capped). Only a refusal of the
//! message itself ends its attempts: a 55x answer (mailbox unknown, message
//! refused) or an address lettre cannot send to. A server that is down,
//! slow, or refuses our login (a rotated SMTP password) is waited out. A
//! message older than the longest link it can carry is dropped unsent.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use tokio::sync::{Notify, watch};

use super::links_in;
use crate::server::clock::{unix_now, unix_now_ms};
use crate::server::config::{MAIL_RETRY_CAP, MailConfig, MailTransport};
use crate::server::db::{ClaimedMail, Database};

/// How long a claimed message is this worker's alone.
const LEASE: Duration = Duration::from_secs(120);
/// The longest the worker sleeps between two looks at the outbox.
const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// How long one SMTP connection or command may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

pub struct MailWorker {
    db: Database,
    transport: Transport,
    from: Mailbox,
    wake: Arc<Notify>,
    retry_after: Duration,
    /// Messages older than this are dropped unsent: every link they can
    /// carry has expired (the longest-lived kind of link).
    max_age: Duration,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Development: the message goes to the log and stays in the outbox
    /// for `/dev/mailbox`.
    DevMailbox,
}

/// Why an attempt failed, and whether trying again can help.
struct Failure {
    message: String,
    permanent: bool,
}

impl MailWorker {
    /// The worker for `config`, sending from `db`'s outbox; `wake` is the
    /// [`super::Mailer`]'s.
    pub fn new(
        config: &MailConfig,
        db: Database,
        wake: Arc<Notify>,
    ) -> Result<Self, lettre::transport::smtp::Error> {
        let transport = match &config.transport {
            MailTransport::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            MailTransport::DevMailbox => Transport::DevMailbox,
        };
        Ok(Self {
            db,
            transport,
            from: config.from.clone(),
            wake,
            retry_after: config.retry_after,
            max_age: config.email_confirmation_ttl.max(config.password_reset_ttl),
        })
    }

    /// Delivers until `stop` turns true; a message being sent then is
    /// finished first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        if matches!(self.transport, Transport::DevMailbox) {
            tracing::info!("no SMTP_URL: mail goes to the log and to /dev/mailbox");
        }
        loop {
            self.deliver_due(&stop).await;
            let wait = self.until_next_due().await;
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                changed = stop.changed() => {
                    // The server dropped its end: it is gone, stop too.
                    if changed.is_err() {
                        return;
                    }
                }
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    /// Sends every message that is due, one after another.
    async fn deliver_due(&self, stop: &watch::Receiver<bool>) {
        while !*stop.borrow() {
            // A database outage is logged where it is mapped; the next look
            // tries again.
            let Ok(Some(mail)) = self.db.claim_mail(unix_now_ms(), millis(LEASE)).await else {
                return;
            };
            self.deliver(mail).await;
        }
    }

    /// How long to sleep: until the next message is due, at most the poll interval.
    async fn until_next_due(&self) -> Duration {
        match self.db.next_mail_due().await {
            Ok(Some(due)) => {
                let ms = u64::try_from(due.saturating_sub(unix_now_ms())).unwrap_or(0);
                Duration::from_millis(ms).min(POLL_INTERVAL)
            }
            _ => POLL_INTERVAL,
        }
    }

    async fn deliver(&self, mail: ClaimedMail) {
        let (id, attempt) = (mail.id, mail.attempts);
        let age = unix_now().saturating_sub(mail.created_at);
        let sent = match u64::try_from(age) {
            Ok(age) if age > self.max_age.as_secs() => Err(Failure {
                message: "expired before it could be sent".to_owned(),
                permanent: true,
            }),
            _ => self.send(&mail).await,
        };
        let recorded = match sent {
            Ok(()) => {
                tracing::info!(id, attempt, "mail delivered");
                match self.transport {
                    Transport::Smtp(_) => self.db.mail_sent(&mail).await,
                    Transport::DevMailbox => self.db.mail_kept_in_mailbox(&mail, unix_now()).await,
                }
            }
            Err(failure) if failure.permanent => {
                tracing::error!(id, attempt, error = %failure.message, "mail refused for good; not retried");
                self.db
                    .mail_attempt_failed(&mail, &failure.message, None, unix_now())
                    .await
            }
            Err(failure) => {
                let wait = self.backoff(attempt);
                tracing::warn!(id, attempt, error = %failure.message, retry_in = ?wait, "mail not delivered; will retry");
                let retry_at = unix_now_ms().saturating_add(millis(wait));
                self.db
                    .mail_attempt_failed(&mail, &failure.message, Some(retry_at), unix_now())
                    .await
            }
        };
        if recorded.is_err() {
            // The lease runs out and the message is tried again: sent twice
            // at worst, never lost.
            tracing::warn!(id, "could not record a delivery attempt");
        }
    }

    /// The wait after the `attempt`-th failure: `MAIL_RETRY_AFTER`, doubled
    /// for each attempt before it, at most [`MAIL_RETRY_CAP`].
    fn backoff(&self, attempt: i64) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        self.retry_after
            .saturating_mul(2_u32.saturating_pow(doublings))
            .min(MAIL_RETRY_CAP)
    }

    async fn send(&self, mail: &ClaimedMail) -> Result<(), Failure> {
        let smtp = match &self.transport {
            Transport::Smtp(smtp) => smtp,
            Transport::DevMailbox => {
                tracing::info!(
                    to = %mail.recipient,
                    subject = %mail.subject,
                    links = ?links_in(&mail.body),
                    "development mailbox: message delivered (see /dev/mailbox)"
                );
                return Ok(());
            }
        };
        // The address exactly as stored: parsed as a mailbox, a string could
        // name another (a display name, quoting, an encoded word).
        let to: Address = mail.recipient.parse().map_err(|err| Failure {
            message: format!("the recipient address is not usable: {err}"),
            permanent: true,
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(&mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|err| Failure {
                message: format!("the message could not be built: {err}"),
                permanent: true,
            })?;
        smtp.send(message).await.map(|_| ()).map_err(|err| Failure {
            permanent: refuses_the_message(&err),
            message: err.to_string(),
        })
    }
}

/// Whether `err` refuses this message for good, so that no retry can help:
/// a 55x answer (RFC 5321: the mailbox is unknown or unavailable, the name
/// is not allowed, the message was refused), or a message lettre itself
/// cannot send (a client error, such as an address beyond ASCII to a
/// server without SMTPUTF8). Any other 5xx, such as a login refused after
/// the SMTP password was rotated, is the deployment's to fix: waited out.
fn refuses_the_message(err: &lettre::transport::smtp::Error) -> bool {
    use lettre::transport::smtp::response::{Category, Severity};
    let refused = err.status().is_some_and(|code| {
        code.severity == Severity::PermanentNegativeCompletion
            && code.category == Category::MailSystem
    });
    refused || err.is_client()
}

/// A duration in whole milliseconds, as the outbox counts time.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
