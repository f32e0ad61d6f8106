//! The one place configuration is read. Every setting comes from an environment
//! variable (or `.env`); secrets never come from source.

use std::time::Duration;

use base64::Engine as _;
use leptos::config::{Env, LeptosOptions};
use tower_sessions::cookie::Key;

use super::proxy::TrustedProxies;

/// Everything the server needs to start.
#[derive(Clone)]
pub struct Config {
    /// Leptos's own settings (site address, output name, site root, DEV/PROD).
    pub leptos: LeptosOptions,
    pub database_url: DatabaseUrl,
    pub redis_url: String,
    pub session: SessionConfig,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// A request body must have arrived within this long (else 408): a
    /// client that stops sending mid-body holds nothing for longer.
    pub request_body_timeout: Duration,
    /// On shutdown, requests in flight get this long to finish; then the
    /// server closes anyway, so a stuck client cannot hold up a redeploy.
    pub shutdown_grace: Duration,
    pub mail: MailConfig,
    pub log_filter: String,
}

/// How mail is sent, and what the links in it point to.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// `MAIL_FROM`: the sender, such as `Workout log <no-reply@example.com>`.
    pub from: lettre::message::Mailbox,
    /// `PUBLIC_URL`: where users reach the app. Every link in a message is
    /// built from it, never from a request's `Host` (which a client sets:
    /// reset-link poisoning).
    pub public_url: PublicUrl,
    /// `MAIL_RETRY_AFTER`: the wait before the second attempt at a message;
    /// it doubles with each further attempt, up to [`MAIL_RETRY_CAP`].
    pub retry_after: Duration,
    /// `PASSWORD_RESET_TTL`: how long a reset link works (an hour).
    pub password_reset_ttl: Duration,
    /// `EMAIL_CONFIRMATION_TTL`: how long a confirmation link works (3 days).
    pub email_confirmation_ttl: Duration,
}

/// Where queued messages go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailTransport {
    /// `SMTP_URL`, as lettre reads it: `smtp://` made to use STARTTLS
    /// (`tls=required`) unless it says otherwise, or `smtps://`.
    Smtp(String),
    /// Development without `SMTP_URL`: the log and `/dev/mailbox`.
    DevMailbox,
}

/// The app's public address, without a trailing slash: `https://log.example.com`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let invalid = || ConfigError::Invalid {
            name: "PUBLIC_URL",
            value: raw.to_owned(),
            expected: "the address users reach the app at, such as https://log.example.com (http or https, no query)",
        };
        let url = url::Url::parse(raw.trim()).map_err(|_| invalid())?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none()
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
        {
            return Err(invalid());
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    /// The absolute URL of `path_and_query` (which starts with `/`).
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest wait between two attempts at one message.
pub const MAIL_RETRY_CAP: Duration = Duration::from_secs(30 * 60);

#[derive(Clone)]
pub struct SessionConfig {
    /// Signs the session cookie so that a forged or altered id is ignored.
    pub key: Key,
    /// Whether the key came from configuration; an ephemeral key means sessions
    /// do not survive a restart.
    pub key_is_ephemeral: bool,
    /// Earlier keys (`SESSION_SECRET_FALLBACKS`, comma-separated, each in
    /// `SESSION_SECRET`'s format): they verify cookies, never sign them, so
    /// a rotated secret logs nobody out (see `server::sessions::CookieKeys`).
    pub retired_keys: Vec<Key>,
    /// Adds `Secure` to the cookie (and the `__Host-` name prefix).
    pub cookie_secure: bool,
    /// When sessions end.
    pub timeouts: SessionTimeouts,
    /// Per-command timeout, so a Redis outage answers 503 quickly instead of hanging.
    pub redis_command_timeout: Duration,
    /// How long a user found in the database is taken to still exist. The
    /// session carries the user, so most authenticated requests cost one Redis
    /// read and no query; a user deleted behind the app's back (the app's own
    /// account deletion ends every session at once) is noticed, and the
    /// session destroyed, within this time.
    pub user_recheck: Duration,
}

/// How long sessions live: the one declaration, read from
/// `SESSION_INACTIVITY_TIMEOUT`, `SESSION_ABSOLUTE_LIFETIME`,
/// `REMEMBER_ME_PERIOD` and `SESSION_REFRESH_FRACTION`.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionTimeouts {
    /// A session nobody has used for this long ends (unless remembered), in
    /// Redis too.
    pub inactivity: Duration,
    /// A session ends this long after login, however active (unless remembered).
    pub absolute: Duration,
    /// How long a "Remember me" login lasts, with a persistent cookie.
    pub remember_for: Duration,
    /// Activity is written back (and the expiry pushed out) only once this
    /// fraction of the inactivity timeout has passed since the last write,
    /// not on every request.
    pub refresh_fraction: f64,
}

impl SessionTimeouts {
    /// Seconds of inactivity after which activity is written back.
    pub fn refresh_after_secs(&self) -> i64 {
        (self.inactivity.as_secs_f64() * self.refresh_fraction).floor() as i64
    }

    /// The longest any session can live: how long a user's index of
    /// sessions must outlive its last save.
    pub fn longest(&self) -> Duration {
        self.remember_for.max(self.absolute)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "SESSION_SECRET is required when LEPTOS_ENV=PROD. Generate one with \
         `head -c 64 /dev/urandom | base64 -w0` (or `openssl rand -base64 64 | tr -d '\\n'`: \
         one line) and set it in the environment or in .env"
    )]
    MissingSessionSecret,
    #[error(
        "SESSION_SECRET must be base64 for at least 64 random bytes. Generate one with \
         `head -c 64 /dev/urandom | base64 -w0` (or `openssl rand -base64 64 | tr -d '\\n'`: \
         one line)"
    )]
    WeakSessionSecret,
    #[error(
        "LEPTOS_ENV=PROD sends password resets and address confirmations by email: set {missing}. \
         For example SMTP_URL=smtp://user:password@smtp.example.com:587 (STARTTLS; \
         smtps://…:465 for implicit TLS), MAIL_FROM='Workout log <no-reply@example.com>', \
         PUBLIC_URL=https://log.example.com"
    )]
    MissingMailSettings { missing: String },
    #[error("{name} has an invalid value {value:?}: {expected}")]
    Invalid {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// Which database the app runs on, decided once from `DATABASE_URL`'s scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An embedded file (`sqlite://path`), the default: no server to run.
    Sqlite(String),
    /// A PostgreSQL server (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let url = url.trim();
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(url.to_owned()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                value: redact_password(url),
                expected: "sqlite://path/to/file.db or postgres://user:password@host:port/database",
            })
        }
    }
}

/// Shows the URL without its password, so it can go into logs and messages.
impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (Self::Sqlite(url) | Self::Postgres(url)) = self;
        f.write_str(&redact_password(url))
    }
}

/// A URL fit for an error message or a log line: any password replaced by `***`.
pub fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/workout_log.db";
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
const DEFAULT_INACTIVITY: Duration = Duration::from_secs(24 * 60 * 60);
/// Short enough that a request needing Redis answers 503 within a second
/// while Redis is down; a healthy Redis on the same network answers in well
/// under a millisecond.
const DEFAULT_REDIS_COMMAND_TIMEOUT: Duration = Duration::from_millis(500);
const DEFAULT_ABSOLUTE: Duration = Duration::from_secs(7 * 24 * 60 * 60);
const DEFAULT_REMEMBER: Duration = Duration::from_secs(30 * 24 * 60 * 60);
const DEFAULT_REFRESH_FRACTION: f64 = 0.1;
const DEFAULT_USER_RECHECK: Duration = Duration::from_secs(10);
/// Every form of this app is a few KB: ten seconds is generous on any link.
const DEFAULT_REQUEST_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Inside the 30 s the README's systemd unit gives a stopping instance
/// (`TimeoutStopSec`) before it kills it, with time left to close cleanly.
const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
const DEFAULT_MAIL_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Phoenix's and Django's reset links last a day or more; an hour is
/// enough to read a message and short enough that an old inbox is no key.
const DEFAULT_PASSWORD_RESET_TTL: Duration = Duration::from_secs(60 * 60);
const DEFAULT_EMAIL_CONFIRMATION_TTL: Duration = Duration::from_secs(3 * 24 * 60 * 60);
const DEV_MAIL_FROM: &str = "Workout log <no-reply@localhost>";

impl Config {
    /// Reads the process environment (after loading `.env`, which never
    /// overrides variables that are already set).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        let leptos = leptos_options_from_env()?;
        Self::parse(leptos, |name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable lookup; tests pass a map.
    pub fn parse(
        leptos: LeptosOptions,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let var = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let production = leptos.env == Env::PROD;

        let (key, key_is_ephemeral) = match var("SESSION_SECRET") {
            Some(secret) => (parse_session_key(&secret)?, false),
            None if production => return Err(ConfigError::MissingSessionSecret),
            None => (Key::generate(), true),
        };
        let retired_keys = match var("SESSION_SECRET_FALLBACKS") {
            Some(list) => parse_retired_keys(&list)?,
            None => Vec::new(),
        };
        let cookie_secure = match var("COOKIE_SECURE") {
            Some(value) => parse_bool("COOKIE_SECURE", &value)?,
            // Production is served over HTTPS; plain-HTTP localhost development is not.
            None => production,
        };
        let duration_or = |name: &'static str, default: Duration| match var(name) {
            Some(value) => parse_duration(name, &value),
            None => Ok(default),
        };
        let inactivity_timeout = duration_or("SESSION_INACTIVITY_TIMEOUT", DEFAULT_INACTIVITY)?;
        let absolute_lifetime = duration_or("SESSION_ABSOLUTE_LIFETIME", DEFAULT_ABSOLUTE)?;
        let remember_for = duration_or("REMEMBER_ME_PERIOD", DEFAULT_REMEMBER)?;
        let refresh_fraction = match var("SESSION_REFRESH_FRACTION") {
            Some(value) => parse_fraction("SESSION_REFRESH_FRACTION", &value)?,
            None => DEFAULT_REFRESH_FRACTION,
        };
        let user_recheck = duration_or("SESSION_USER_RECHECK", DEFAULT_USER_RECHECK)?;
        let redis_command_timeout =
            duration_or("REDIS_COMMAND_TIMEOUT", DEFAULT_REDIS_COMMAND_TIMEOUT)?;
        let request_body_timeout =
            duration_or("REQUEST_BODY_TIMEOUT", DEFAULT_REQUEST_BODY_TIMEOUT)?;
        let shutdown_grace = duration_or("SHUTDOWN_GRACE", DEFAULT_SHUTDOWN_GRACE)?;

        let trusted_proxies = match var("TRUSTED_PROXIES") {
            Some(list) => TrustedProxies::parse(&list).map_err(|_| ConfigError::Invalid {
                name: "TRUSTED_PROXIES",
                value: list,
                expected: "comma-separated IP addresses or CIDR ranges, e.g. 10.0.0.0/8,127.0.0.1",
            })?,
            None => TrustedProxies::default(),
        };
        let redis_url = var("REDIS_URL").unwrap_or_else(|| DEFAULT_REDIS_URL.to_owned());
        if redis_url.starts_with("rediss:") {
            // fred would connect in plain text after a warning; say so instead.
            return Err(ConfigError::Invalid {
                name: "REDIS_URL",
                value: redact_password(&redis_url),
                expected: "redis://, redis-cluster:// or redis-sentinel:// (this build has no TLS to Redis: keep Redis on a private network)",
            });
        }

        let mail = MailConfig {
            retry_after: duration_or("MAIL_RETRY_AFTER", DEFAULT_MAIL_RETRY_AFTER)?,
            password_reset_ttl: duration_or("PASSWORD_RESET_TTL", DEFAULT_PASSWORD_RESET_TTL)?,
            email_confirmation_ttl: duration_or(
                "EMAIL_CONFIRMATION_TTL",
                DEFAULT_EMAIL_CONFIRMATION_TTL,
            )?,
            ..parse_mail_settings(&leptos, &var)?
        };

        Ok(Self {
            mail,
            leptos,
            database_url: DatabaseUrl::parse(
                &var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            )?,
            redis_url,
            trusted_proxies,
            request_body_timeout,
            shutdown_grace,
            session: SessionConfig {
                key,
                key_is_ephemeral,
                retired_keys,
                cookie_secure,
                timeouts: SessionTimeouts {
                    inactivity: inactivity_timeout,
                    absolute: absolute_lifetime,
                    remember_for,
                    refresh_fraction,
                },
                redis_command_timeout,
                user_recheck,
            },
            log_filter: var("RUST_LOG").unwrap_or_else(|| "info,workout_log=info".to_owned()),
        })
    }
}

/// `SMTP_URL`, `MAIL_FROM` and `PUBLIC_URL`: all three required in
/// production; in development, mail without `SMTP_URL` goes to the
/// development mailbox, from a placeholder sender, with links to the site's
/// own address.
fn parse_mail_settings(
    leptos: &LeptosOptions,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<MailConfig, ConfigError> {
    if leptos.env == Env::PROD {
        let missing: Vec<&str> = ["SMTP_URL", "MAIL_FROM", "PUBLIC_URL"]
            .into_iter()
            .filter(|name| var(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(ConfigError::MissingMailSettings {
                missing: missing.join(", "),
            });
        }
    }
    let transport = match var("SMTP_URL") {
        Some(url) => MailTransport::Smtp(parse_smtp_url(&url)?),
        None => MailTransport::DevMailbox,
    };
    let from_raw = var("MAIL_FROM").unwrap_or_else(|| DEV_MAIL_FROM.to_owned());
    let from = from_raw.parse().map_err(|_| ConfigError::Invalid {
        name: "MAIL_FROM",
        value: from_raw.clone(),
        expected: "an address, optionally with a name: Workout log <no-reply@example.com>",
    })?;
    let public_url = match var("PUBLIC_URL") {
        Some(url) => PublicUrl::parse(&url)?,
        None => PublicUrl::parse(&format!("http://{}", leptos.site_addr))?,
    };
    Ok(MailConfig {
        transport,
        from,
        public_url,
        retry_after: DEFAULT_MAIL_RETRY_AFTER,
        password_reset_ttl: DEFAULT_PASSWORD_RESET_TTL,
        email_confirmation_ttl: DEFAULT_EMAIL_CONFIRMATION_TTL,
    })
}

/// `SMTP_URL` in the form lettre reads. `smtp://` without a `tls` setting
/// gets `tls=required` (STARTTLS, or no mail: never credentials in plain
/// text); `tls=none`, plain SMTP, is accepted only for a server on this
/// machine (a local relay, a test server).
fn parse_smtp_url(raw: &str) -> Result<String, ConfigError> {
    let invalid = |expected| ConfigError::Invalid {
        name: "SMTP_URL",
        value: redact_password(raw),
        expected,
    };
    const FORMS: &str =
        "smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (implicit TLS)";
    let mut url = url::Url::parse(raw.trim()).map_err(|_| invalid(FORMS))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(FORMS));
    }
    let tls = url
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, value)| value.into_owned());
    match (url.scheme(), tls.as_deref()) {
        ("smtps", None) | ("smtp", Some("required" | "opportunistic")) => {}
        ("smtp", None) => {
            url.query_pairs_mut().append_pair("tls", "required");
        }
        ("smtp", Some("none")) => {
            // An `smtp:` URL's host is opaque to the url crate: read it here.
            let host = url.host_str().unwrap_or_default();
            let local = host == "localhost"
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !local {
                return Err(invalid(
                    "tls=none (plain SMTP) only for a server on this machine (localhost, 127.0.0.1, ::1)",
                ));
            }
            url.set_query(None);
        }
        _ => return Err(invalid(FORMS)),
    }
    let url = url.to_string();
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&url)
        .map_err(|_| invalid(FORMS))?;
    Ok(url)
}

/// Under `cargo leptos` the `LEPTOS_*` variables are set; under a plain
/// `cargo run` or in tests, fall back to the defaults in Cargo.toml's metadata.
fn leptos_options_from_env() -> Result<LeptosOptions, ConfigError> {
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_some() {
        return leptos::config::get_configuration(None)
            .map(|conf| conf.leptos_options)
            .map_err(|err| ConfigError::Invalid {
                name: "LEPTOS_*",
                value: err.to_string(),
                expected: "valid Leptos settings",
            });
    }
    let site_addr: std::net::SocketAddr = match std::env::var("LEPTOS_SITE_ADDR") {
        Ok(value) => value.parse().map_err(|_| ConfigError::Invalid {
            name: "LEPTOS_SITE_ADDR",
            value,
            expected: "an address such as 127.0.0.1:3000",
        })?,
        Err(_) => std::net::SocketAddr::from(([127, 0, 0, 1], 3000)),
    };
    // A production deployment runs the binary directly: LEPTOS_ENV still
    // decides DEV or PROD (and so whether SESSION_SECRET is required).
    let env = match std::env::var("LEPTOS_ENV") {
        Ok(value) => Env::try_from(value.clone()).map_err(|_| ConfigError::Invalid {
            name: "LEPTOS_ENV",
            value,
            expected: "DEV or PROD",
        })?,
        Err(_) => Env::DEV,
    };
    Ok(LeptosOptions::builder()
        .output_name("workout_log")
        .site_root("target/site")
        .site_addr(site_addr)
        .env(env)
        .build())
}

fn parse_session_key(secret: &str) -> Result<Key, ConfigError> {
    let secret = secret.trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(secret)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(secret))
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(secret))
        .map_err(|_| ConfigError::WeakSessionSecret)?;
    Key::try_from(bytes.as_slice()).map_err(|_| ConfigError::WeakSessionSecret)
}

/// `SESSION_SECRET_FALLBACKS`: keys in `SESSION_SECRET`'s format, separated
/// by commas. An error names the entry by its position, never its value.
fn parse_retired_keys(list: &str) -> Result<Vec<Key>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .enumerate()
        .map(|(index, entry)| {
            parse_session_key(entry).map_err(|_| ConfigError::Invalid {
                name: "SESSION_SECRET_FALLBACKS",
                value: format!("entry {} (not shown)", index + 1),
                expected: "comma-separated secrets, each base64 for at least 64 random bytes, like SESSION_SECRET",
            })
        })
        .collect()
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            name,
            value: value.to_owned(),
            expected: "true or false",
        }),
    }
}

/// A fraction above 0 and at most 1, such as `0.1`.
fn parse_fraction(name: &'static str, value: &str) -> Result<f64, ConfigError> {
    match value.trim().parse::<f64>() {
        Ok(f) if f > 0.0 && f <= 1.0 => Ok(f),
        _ => Err(ConfigError::Invalid {
            name,
            value: value.to_owned(),
            expected: "a fraction above 0 and at most 1, such as 0.1",
        }),
    }
}

/// Accepts `90`, `90s`, `30m`, `24h`, `7d` or `250ms`.
pub fn parse_duration(name: &'static str, value: &str) -> Result<Duration, ConfigError> {
    let invalid = || ConfigError::Invalid {
        name,
        value: value.to_owned(),
        expected: "a positive duration such as 250ms, 90s, 30m, 24h or 7d",
    };
    let trimmed = value.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let millis_per_unit: u64 = match unit.trim() {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(invalid()),
    };
    let millis = number.checked_mul(millis_per_unit).ok_or_else(invalid)?;
    if millis == 0 {
        return Err(invalid());
    }
    Ok(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn options(env: Env) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("workout_log")
            .env(env)
            .build()
    }

    fn parse(env: Env, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::parse(options(env), |name| vars.get(name).cloned())
    }

    fn secret() -> String {
        base64::engine::general_purpose::STANDARD.encode([7u8; 64])
    }

    #[test]
    fn production_refuses_to_start_without_a_session_secret_and_says_how_to_make_one() {
        let err = parse(Env::PROD, &[]).err().unwrap();
        assert_eq!(err, ConfigError::MissingSessionSecret);
        assert!(
            err.to_string()
                .contains("head -c 64 /dev/urandom | base64 -w0")
        );
    }

    fn mail_settings() -> [(&'static str, &'static str); 3] {
        [
            ("SMTP_URL", "smtp://app:pw@smtp.example.com:587"),
            ("MAIL_FROM", "Workout log <no-reply@example.com>"),
            ("PUBLIC_URL", "https://log.example.com/"),
        ]
    }

    fn production(extra: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let secret = secret();
        let mut vars = vec![("SESSION_SECRET", secret.as_str())];
        vars.extend(mail_settings());
        vars.extend(extra);
        parse(Env::PROD, &vars)
    }

    #[test]
    fn production_refuses_to_start_without_mail_settings_and_names_each_one() {
        let err = parse(Env::PROD, &[("SESSION_SECRET", &secret())])
            .err()
            .unwrap();
        let message = err.to_string();
        assert!(
            message.contains("set SMTP_URL, MAIL_FROM, PUBLIC_URL"),
            "{message}"
        );
        let err = parse(
            Env::PROD,
            &[
                ("SESSION_SECRET", &secret()),
                ("SMTP_URL", "smtps://mail.example.com"),
            ],
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("set MAIL_FROM, PUBLIC_URL"),
            "{err}"
        );
        let config = production(&[]).unwrap();
        assert_eq!(config.mail.public_url.as_str(), "https://log.example.com");
        assert_eq!(
            config.mail.public_url.link("/reset-password?token=x"),
            "https://log.example.com/reset-password?token=x"
        );
        assert_eq!(config.mail.password_reset_ttl, Duration::from_secs(3600));
        assert_eq!(
            config.mail.email_confirmation_ttl,
            Duration::from_secs(3 * 86_400)
        );
    }

    #[test]
    fn smtp_urls_use_tls_unless_the_server_is_on_this_machine() {
        let transport = |url: &str| {
            production(&[("SMTP_URL", url)])
                .map(|config| config.mail.transport)
                .map_err(|err| err.to_string())
        };
        assert_eq!(
            transport("smtp://app:pw@smtp.example.com:587"),
            Ok(MailTransport::Smtp(
                "smtp://app:pw@smtp.example.com:587?tls=required".into()
            ))
        );
        assert_eq!(
            transport("smtps://app:pw@smtp.example.com"),
            Ok(MailTransport::Smtp(
                "smtps://app:pw@smtp.example.com".into()
            ))
        );
        assert_eq!(
            transport("smtp://127.0.0.1:2525?tls=none"),
            Ok(MailTransport::Smtp("smtp://127.0.0.1:2525".into()))
        );
        let refused = transport("smtp://app:hunter2@smtp.example.com?tls=none").unwrap_err();
        assert!(
            refused.contains("only for a server on this machine"),
            "{refused}"
        );
        assert!(!refused.contains("hunter2"), "{refused}");
        for bad in ["http://smtp.example.com", "smtp://", "smtp://h?tls=maybe"] {
            assert!(transport(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn development_sends_mail_to_the_mailbox_with_links_to_the_site() {
        let config = parse(Env::DEV, &[]).unwrap();
        assert_eq!(config.mail.transport, MailTransport::DevMailbox);
        assert_eq!(config.mail.public_url.as_str(), "http://127.0.0.1:3000");
        for bad in ["ftp://x", "https://log.example.com/?a=1", "not a url"] {
            assert!(parse(Env::DEV, &[("PUBLIC_URL", bad)]).is_err(), "{bad}");
        }
        assert!(parse(Env::DEV, &[("MAIL_FROM", "nobody")]).is_err());
    }

    #[test]
    fn development_without_a_secret_uses_an_ephemeral_key() {
        let config = parse(Env::DEV, &[]).unwrap();
        assert!(config.session.key_is_ephemeral);
        assert!(!config.session.cookie_secure);
    }

    #[test]
    fn production_defaults_to_secure_cookies_and_a_day_of_inactivity() {
        let config = production(&[]).unwrap();
        assert!(!config.session.key_is_ephemeral);
        assert!(config.session.cookie_secure);
        assert_eq!(
            config.session.timeouts.inactivity,
            Duration::from_secs(86_400)
        );
        assert_eq!(config.request_body_timeout, Duration::from_secs(10));
        assert_eq!(config.shutdown_grace, Duration::from_secs(20));
    }

    #[test]
    fn retired_secrets_are_a_comma_separated_list_and_a_bad_one_is_named_not_shown() {
        let other = base64::engine::general_purpose::STANDARD.encode([9u8; 64]);
        let list = format!("{}, {other},", secret());
        let config = production(&[("SESSION_SECRET_FALLBACKS", &list)]).unwrap();
        assert_eq!(config.session.retired_keys.len(), 2);
        assert_eq!(config.session.retired_keys[1], Key::from(&[9u8; 64]));
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let err = production(&[("SESSION_SECRET_FALLBACKS", &format!("{other},{short}"))])
            .err()
            .unwrap();
        assert!(err.to_string().contains("entry 2"), "{err}");
        assert!(!err.to_string().contains(&short), "{err}");
        let none = production(&[]).unwrap();
        assert!(none.session.retired_keys.is_empty());
    }

    #[test]
    fn a_short_secret_is_refused() {
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(
            parse(Env::DEV, &[("SESSION_SECRET", &short)]).err(),
            Some(ConfigError::WeakSessionSecret)
        );
        assert_eq!(
            parse(Env::DEV, &[("SESSION_SECRET", "not base64!")]).err(),
            Some(ConfigError::WeakSessionSecret)
        );
    }

    #[test]
    fn every_documented_variable_is_read() {
        let config = parse(
            Env::DEV,
            &[
                ("SESSION_SECRET", &secret()),
                ("DATABASE_URL", "sqlite://elsewhere.db"),
                ("REDIS_URL", "redis://127.0.0.1:7000"),
                ("COOKIE_SECURE", "true"),
                ("SESSION_INACTIVITY_TIMEOUT", "30m"),
                ("REDIS_COMMAND_TIMEOUT", "250ms"),
                ("SESSION_ABSOLUTE_LIFETIME", "12h"),
                ("REMEMBER_ME_PERIOD", "14d"),
                ("SESSION_REFRESH_FRACTION", "0.25"),
                ("REQUEST_BODY_TIMEOUT", "5s"),
                ("SHUTDOWN_GRACE", "1m"),
                ("RUST_LOG", "debug"),
                ("MAIL_RETRY_AFTER", "250ms"),
                ("PASSWORD_RESET_TTL", "2s"),
                ("EMAIL_CONFIRMATION_TTL", "1d"),
            ],
        )
        .unwrap();
        assert_eq!(config.request_body_timeout, Duration::from_secs(5));
        assert_eq!(config.shutdown_grace, Duration::from_secs(60));
        assert_eq!(
            config.database_url,
            DatabaseUrl::Sqlite("sqlite://elsewhere.db".into())
        );
        assert_eq!(config.redis_url, "redis://127.0.0.1:7000");
        assert!(config.session.cookie_secure);
        assert_eq!(
            config.session.timeouts.inactivity,
            Duration::from_secs(1800)
        );
        assert_eq!(
            config.session.redis_command_timeout,
            Duration::from_millis(250)
        );
        assert_eq!(config.log_filter, "debug");
        assert_eq!(config.mail.retry_after, Duration::from_millis(250));
        assert_eq!(config.mail.password_reset_ttl, Duration::from_secs(2));
        assert_eq!(
            config.mail.email_confirmation_ttl,
            Duration::from_secs(86_400)
        );
        assert_eq!(
            config.session.timeouts.absolute,
            Duration::from_secs(12 * 3600)
        );
        assert_eq!(
            config.session.timeouts.remember_for,
            Duration::from_secs(14 * 86_400)
        );
        assert_eq!(config.session.timeouts.refresh_fraction, 0.25);
        for bad in ["0", "1.5", "-0.1", "x"] {
            assert!(
                parse(Env::DEV, &[("SESSION_REFRESH_FRACTION", bad)]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn durations_parse_with_units_and_reject_nonsense() {
        assert_eq!(parse_duration("X", "90").unwrap(), Duration::from_secs(90));
        assert_eq!(
            parse_duration("X", "7d").unwrap(),
            Duration::from_secs(7 * 86_400)
        );
        for bad in ["", "0", "-5s", "5 weeks", "h", "99999999999999999999d"] {
            assert!(parse_duration("X", bad).is_err(), "{bad:?}");
        }
        assert!(parse(Env::DEV, &[("COOKIE_SECURE", "maybe")]).is_err());
    }

    #[test]
    fn the_database_url_scheme_picks_the_backend_and_errors_never_show_a_password() {
        assert_eq!(
            DatabaseUrl::parse("postgres://app:pw@db:5432/log").unwrap(),
            DatabaseUrl::Postgres("postgres://app:pw@db:5432/log".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://db/log"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("sqlite::memory:"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
        let err = DatabaseUrl::parse("mysql://app:hunter2@db/log").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("DATABASE_URL"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
        assert!(
            message.contains("postgres://"),
            "says what is accepted: {message}"
        );
    }
}
