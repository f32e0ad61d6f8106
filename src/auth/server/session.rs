//! The typed session: everything a logged-in session holds, as one value
//! ([`LoggedIn`]) under one key, read and written only through
//! [`AuthSession`]. The cookie holds only the signed random session id; this
//! value lives in the session's record in Redis.
//!
//! Sessions saved by earlier releases held three keys (`user_id`, `email`,
//! `meta`). They still load: [`AuthSession::current`] reads them and rewrites
//! the session in today's layout, so nobody is logged out by an upgrade.

use serde::{Deserialize, Serialize};
use tower_sessions::session::{Id, Record};
use tower_sessions::{Expiry, Session};

use crate::auth::domain::CurrentUser;
use crate::error::AppError;
use crate::server::config::SessionTimeouts;
use crate::server::request;
use crate::server::sessions::take_session_ended;

/// The one key a logged-in session's value is stored under.
const KEY: &str = "auth";

/// The keys of the layout before [`KEY`], read for sessions saved by earlier
/// releases.
mod legacy {
    pub const USER_ID: &str = "user_id";
    pub const EMAIL: &str = "email";
    pub const META: &str = "meta";
}

/// What a logged-in session holds: its user and its own facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedIn {
    /// The user id and the email as of login (or the last database check).
    /// Empty email only for sessions saved before sessions carried it: the
    /// database fills it in on their next request.
    pub user: CurrentUser,
    pub meta: SessionMeta,
}

/// What a session records about itself. Times are Unix seconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionMeta {
    /// Names the session on the account page instead of its id (32 hex
    /// digits, random).
    pub handle: String,
    /// The User-Agent at login, at most 256 characters.
    pub user_agent: String,
    /// The client's address at login (see `server::proxy`).
    pub ip: String,
    pub created_at: i64,
    /// Written back at most once per refresh interval (see [`Freshness`]).
    pub last_active: i64,
    /// Logged in with "Remember me": a persistent cookie.
    pub remembered: bool,
    /// Never valid at or after this instant (absolute lifetime, or the end of
    /// the remember-me period).
    pub ends_at: i64,
    /// When the user last proved to know the password in this session: at
    /// login, signup, or confirming it on the account page.
    pub password_confirmed_at: i64,
    /// The version of the user's credentials the session was made with
    /// (`PasswordHashString::credentials_version`); 0 in a session saved
    /// before sessions carried it, until its next check fills it in.
    pub credentials_version: u64,
}

/// What a session check concluded.
#[derive(Debug, PartialEq, Eq)]
pub enum Freshness {
    Valid,
    /// Valid, and enough time has passed to write the activity back.
    Refresh,
    Expired,
}

impl SessionMeta {
    /// A new session's facts, `now` being its login.
    pub fn new(
        user_agent: &str,
        ip: &str,
        remembered: bool,
        credentials_version: u64,
        now: i64,
        timeouts: &SessionTimeouts,
    ) -> Self {
        let lifetime = if remembered {
            timeouts.remember_for
        } else {
            timeouts.absolute
        };
        Self {
            handle: random_handle(),
            user_agent: user_agent.chars().take(256).collect(),
            ip: ip.to_owned(),
            created_at: now,
            last_active: now,
            remembered,
            ends_at: now.saturating_add(secs(lifetime)),
            password_confirmed_at: now,
            credentials_version,
        }
    }

    /// When the session record must be gone from Redis.
    pub fn expires_at(&self, timeouts: &SessionTimeouts) -> i64 {
        if self.remembered {
            self.ends_at
        } else {
            self.ends_at
                .min(self.last_active.saturating_add(secs(timeouts.inactivity)))
        }
    }

    pub fn freshness(&self, now: i64, timeouts: &SessionTimeouts) -> Freshness {
        if now >= self.expires_at(timeouts) {
            Freshness::Expired
        } else if now - self.last_active >= timeouts.refresh_after_secs().max(1) {
            Freshness::Refresh
        } else {
            Freshness::Valid
        }
    }

    /// A remembered session gets a persistent cookie that ends with it; any
    /// other a browser-session cookie (the record expires by its own rules).
    fn cookie_expiry(&self) -> Expiry {
        match time::OffsetDateTime::from_unix_timestamp(self.ends_at) {
            Ok(ends) if self.remembered => Expiry::AtDateTime(ends),
            _ => Expiry::OnSessionEnd,
        }
    }
}

/// Stored as one flat array in field order: every authenticated request
/// decodes it, and an array costs no key strings (docs/PERFORMANCE.md).
/// Sessions saved before `credentials_version` existed have ten elements
/// and still read (see [`StoredVisitor`]).
impl Serialize for LoggedIn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Destructured, so a field added to the structs but not here does not compile.
        let Self {
            user: CurrentUser { id, email },
            meta:
                SessionMeta {
                    handle,
                    user_agent,
                    ip,
                    created_at,
                    last_active,
                    remembered,
                    ends_at,
                    password_confirmed_at,
                    credentials_version,
                },
        } = self;
        (
            id,
            email,
            handle,
            user_agent,
            ip,
            created_at,
            last_active,
            remembered,
            ends_at,
            password_confirmed_at,
            credentials_version,
        )
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LoggedIn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(StoredVisitor)
    }
}

/// Reads the array [`LoggedIn`] is stored as, with or without its last
/// element.
struct StoredVisitor;

impl<'de> serde::de::Visitor<'de> for StoredVisitor {
    type Value = LoggedIn;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a logged-in session as an array of 10 or 11 elements")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<LoggedIn, A::Error> {
        Ok(LoggedIn {
            user: CurrentUser {
                id: element(&mut seq, 0)?,
                email: element(&mut seq, 1)?,
            },
            meta: SessionMeta {
                handle: element(&mut seq, 2)?,
                user_agent: element(&mut seq, 3)?,
                ip: element(&mut seq, 4)?,
                created_at: element(&mut seq, 5)?,
                last_active: element(&mut seq, 6)?,
                remembered: element(&mut seq, 7)?,
                ends_at: element(&mut seq, 8)?,
                password_confirmed_at: element(&mut seq, 9)?,
                credentials_version: seq.next_element()?.unwrap_or(0),
            },
        })
    }
}

/// The next element of a stored session, which must be there.
fn element<'de, T: Deserialize<'de>, A: serde::de::SeqAccess<'de>>(
    seq: &mut A,
    index: usize,
) -> Result<T, A::Error> {
    seq.next_element()?
        .ok_or_else(|| serde::de::Error::invalid_length(index, &StoredVisitor))
}

/// The metadata as earlier releases stored it under `meta`: a map, later an
/// array in this field order (serde's derived form reads both).
#[derive(Deserialize)]
struct LegacyMeta {
    handle: String,
    user_agent: String,
    ip: String,
    created_at: i64,
    last_active: i64,
    remembered: bool,
    ends_at: i64,
}

impl LegacyMeta {
    fn upgrade(self) -> SessionMeta {
        SessionMeta {
            handle: self.handle,
            user_agent: self.user_agent,
            ip: self.ip,
            created_at: self.created_at,
            last_active: self.last_active,
            remembered: self.remembered,
            ends_at: self.ends_at,
            // Their password was last proven at login.
            password_confirmed_at: self.created_at,
            credentials_version: 0,
        }
    }
}

impl LoggedIn {
    /// Writes this value into a stored record, in today's layout: for the
    /// store, which rewrites other sessions than the request's (an address
    /// change shown on every device).
    pub fn store_in(&self, record: &mut Record) {
        for key in [legacy::USER_ID, legacy::EMAIL, legacy::META] {
            record.data.remove(key);
        }
        if let Ok(value) = serde_json::to_value(self) {
            record.data.insert(KEY.to_owned(), value);
        }
    }

    /// Reads a stored record in either layout: for the store, which sees
    /// records, not sessions (expiry, the per-user index, listing).
    pub fn from_record(record: &Record) -> Option<Self> {
        if let Some(value) = record.data.get(KEY) {
            return serde_json::from_value(value.clone()).ok();
        }
        let id = record.data.get(legacy::USER_ID)?.as_i64()?;
        let email = record
            .data
            .get(legacy::EMAIL)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let meta: LegacyMeta =
            serde_json::from_value(record.data.get(legacy::META)?.clone()).ok()?;
        Some(Self {
            user: CurrentUser { id, email },
            meta: meta.upgrade(),
        })
    }
}

/// The request's session, typed. Every read and write of what a session
/// holds goes through here; the session layer saves a changed session to
/// Redis when the response goes out, and any store failure is a 503
/// (`From<tower_sessions::session::Error> for AppError`).
#[derive(Clone, Debug)]
pub struct AuthSession(Session);

impl AuthSession {
    /// The session of the request being served.
    pub fn of_request() -> Result<Self, AppError> {
        request::session().map(Self)
    }

    /// Its id; `None` for a visitor without a session cookie.
    pub fn id(&self) -> Option<Id> {
        self.0.id()
    }

    /// Who is logged in, as stored (nothing checked yet: see
    /// `auth::server::optional_user`). A visitor without a cookie costs no
    /// Redis round trip: a record is loaded only for an id the browser sent.
    /// A session in the earlier three-key layout is rewritten in this one.
    pub async fn current(&self) -> Result<Option<LoggedIn>, AppError> {
        match self.0.get::<LoggedIn>(KEY).await {
            Ok(Some(logged_in)) => Ok(Some(logged_in)),
            Ok(None) => self.upgrade_legacy().await,
            // A value this release cannot read is no login: end it rather
            // than answer 503 on every request of its browser.
            Err(tower_sessions::session::Error::SerdeJson(err)) => {
                tracing::warn!(%err, "unreadable session; destroying it");
                self.end().await?;
                Ok(None)
            }
            Err(err) => Err(err.into()),
        }
    }

    async fn upgrade_legacy(&self) -> Result<Option<LoggedIn>, AppError> {
        let Some(id) = self.0.get::<i64>(legacy::USER_ID).await? else {
            return Ok(None);
        };
        let email = self
            .0
            .get::<String>(legacy::EMAIL)
            .await?
            .unwrap_or_default();
        let Some(meta) = self.0.get::<LegacyMeta>(legacy::META).await? else {
            tracing::info!(user_id = id, "session without metadata; destroying it");
            self.end().await?;
            return Ok(None);
        };
        let logged_in = LoggedIn {
            user: CurrentUser { id, email },
            meta: meta.upgrade(),
        };
        for key in [legacy::USER_ID, legacy::EMAIL, legacy::META] {
            self.0.remove_value(key).await?;
        }
        self.0.insert(KEY, &logged_in).await?;
        tracing::info!(user_id = id, "session upgraded to the one-value layout");
        Ok(Some(logged_in))
    }

    /// Binds the session to `user` under a fresh id, so an id planted in the
    /// browser before login (session fixation) is worthless afterwards.
    pub async fn start(&self, user: &CurrentUser, meta: SessionMeta) -> Result<(), AppError> {
        if self.0.id().is_some() {
            self.0.cycle_id().await?;
        }
        self.0.clear().await;
        self.0.set_expiry(Some(meta.cookie_expiry()));
        let logged_in = LoggedIn {
            user: user.clone(),
            meta,
        };
        self.0.insert(KEY, &logged_in).await?;
        Ok(())
    }

    /// Stores a changed value (activity written back, the email refreshed
    /// from the database, a password confirmed) and the cookie's expiry
    /// that goes with it.
    pub async fn save(&self, logged_in: &LoggedIn) -> Result<(), AppError> {
        self.0.set_expiry(Some(logged_in.meta.cookie_expiry()));
        self.0.insert(KEY, logged_in).await?;
        Ok(())
    }

    /// Records activity at `now` (see [`Freshness::Refresh`]) and writes it
    /// to Redis now, before the request acts. False when the session turned
    /// out to have ended meanwhile (logged out or revoked elsewhere since it
    /// was loaded): nothing was written, the session is emptied (its cookie
    /// is removed), and the request goes on as an anonymous one.
    pub async fn touch(&self, logged_in: &mut LoggedIn, now: i64) -> Result<bool, AppError> {
        logged_in.meta.last_active = now;
        self.save(logged_in).await?;
        self.0.save().await?;
        if take_session_ended() {
            self.0.clear().await;
            return Ok(false);
        }
        Ok(true)
    }

    /// Gives the session a new id, keeping what it holds (after a password
    /// change: whoever knew the old id learns nothing).
    pub async fn cycle_id(&self) -> Result<(), AppError> {
        self.0.cycle_id().await?;
        Ok(())
    }

    /// Deletes the record from Redis, so the cookie is worthless everywhere,
    /// and makes the session layer expire the cookie in this browser.
    pub async fn end(&self) -> Result<(), AppError> {
        self.0.flush().await?;
        Ok(())
    }
}

fn secs(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

fn random_handle() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::*;

    fn timeouts() -> SessionTimeouts {
        SessionTimeouts {
            inactivity: Duration::from_secs(100),
            absolute: Duration::from_secs(1000),
            remember_for: Duration::from_secs(10_000),
            refresh_fraction: 0.1,
        }
    }

    fn record(data: serde_json::Value) -> Record {
        let data: HashMap<String, serde_json::Value> = serde_json::from_value(data).unwrap();
        Record {
            id: Id::default(),
            data,
            expiry_date: time::OffsetDateTime::now_utc(),
        }
    }

    #[test]
    fn a_session_refreshes_after_a_fraction_and_expires_after_inactivity() {
        let t = timeouts();
        let meta = SessionMeta::new("ua", "127.0.0.1", false, 9, 0, &t);
        assert_eq!(
            meta.freshness(5, &t),
            Freshness::Valid,
            "no write for every read"
        );
        assert_eq!(meta.freshness(10, &t), Freshness::Refresh);
        assert_eq!(meta.freshness(99, &t), Freshness::Refresh);
        assert_eq!(meta.freshness(100, &t), Freshness::Expired);
        assert_eq!(meta.expires_at(&t), 100);
    }

    #[test]
    fn activity_never_extends_a_session_past_its_absolute_lifetime() {
        let t = timeouts();
        let mut meta = SessionMeta::new("ua", "ip", false, 9, 0, &t);
        meta.last_active = 990;
        assert_eq!(meta.expires_at(&t), 1000);
        assert_eq!(meta.freshness(1000, &t), Freshness::Expired);
    }

    #[test]
    fn a_remembered_session_lives_for_the_remember_period_whatever_its_activity() {
        let t = timeouts();
        let meta = SessionMeta::new("ua", "ip", true, 9, 0, &t);
        assert_eq!(meta.expires_at(&t), 10_000);
        assert_ne!(meta.freshness(5_000, &t), Freshness::Expired);
        assert_eq!(meta.freshness(10_000, &t), Freshness::Expired);
    }

    #[test]
    fn a_logged_in_session_is_stored_as_one_array_and_read_back() {
        let meta = SessionMeta::new("ua", "10.0.0.1", true, 42, 7, &timeouts());
        let logged_in = LoggedIn {
            user: CurrentUser {
                id: 3,
                email: "ann@example.com".to_owned(),
            },
            meta: meta.clone(),
        };
        let stored = serde_json::to_value(&logged_in).unwrap();
        assert_eq!(
            stored,
            serde_json::json!([
                3,
                "ann@example.com",
                meta.handle,
                "ua",
                "10.0.0.1",
                7,
                7,
                true,
                10_007,
                7,
                42
            ])
        );
        assert_eq!(
            serde_json::from_value::<LoggedIn>(stored.clone()).unwrap(),
            logged_in
        );
        // As the previous release stored it, without the credentials version.
        let mut ten = stored.as_array().unwrap().clone();
        ten.pop();
        let read = serde_json::from_value::<LoggedIn>(ten.clone().into()).unwrap();
        assert_eq!(read.meta.credentials_version, 0, "to be filled in");
        assert_eq!(read.meta.handle, meta.handle);
        ten.pop();
        assert!(
            serde_json::from_value::<LoggedIn>(ten.into()).is_err(),
            "nine is too few"
        );
        let from_record = LoggedIn::from_record(&record(serde_json::json!({ KEY: stored })));
        assert_eq!(from_record, Some(logged_in));
    }

    #[test]
    fn records_in_the_three_key_layout_still_read() {
        // Metadata as a map (the first layout) and as an array (the second).
        for meta in [
            serde_json::json!({
                "handle": "h", "user_agent": "ua", "ip": "10.0.0.1",
                "created_at": 1, "last_active": 2, "remembered": false, "ends_at": 3,
            }),
            serde_json::json!(["h", "ua", "10.0.0.1", 1, 2, false, 3]),
        ] {
            let old = record(serde_json::json!({
                "user_id": 5, "email": "kim@example.com", "meta": meta,
            }));
            let logged_in = LoggedIn::from_record(&old).expect("an old record reads");
            assert_eq!(logged_in.user.id, 5);
            assert_eq!(logged_in.user.email, "kim@example.com");
            assert_eq!(
                (logged_in.meta.handle.as_str(), logged_in.meta.last_active),
                ("h", 2)
            );
            assert_eq!(
                (logged_in.meta.ends_at, logged_in.meta.password_confirmed_at),
                (3, 1)
            );
        }
        let no_email = record(serde_json::json!({
            "user_id": 5, "meta": ["h", "ua", "ip", 1, 2, false, 3],
        }));
        assert_eq!(LoggedIn::from_record(&no_email).unwrap().user.email, "");
        assert!(LoggedIn::from_record(&record(serde_json::json!({ "user_id": 5 }))).is_none());
        assert!(LoggedIn::from_record(&record(serde_json::json!({}))).is_none());
    }

    /// A store whose session was logged out elsewhere after this request
    /// loaded it: the record loads, and writing it back finds it gone, as
    /// `IndexedStore::save` does (`SET … XX` writes nothing).
    #[derive(Debug, Clone)]
    struct EndedElsewhere(Record);

    #[async_trait::async_trait]
    impl tower_sessions::SessionStore for EndedElsewhere {
        async fn create(&self, _: &mut Record) -> tower_sessions::session_store::Result<()> {
            Ok(())
        }
        async fn save(&self, _: &Record) -> tower_sessions::session_store::Result<()> {
            crate::server::sessions::note_session_ended();
            Ok(())
        }
        async fn load(&self, _: &Id) -> tower_sessions::session_store::Result<Option<Record>> {
            Ok(Some(self.0.clone()))
        }
        async fn delete(&self, _: &Id) -> tower_sessions::session_store::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_refresh_that_finds_the_session_ended_makes_the_request_anonymous() {
        let meta = SessionMeta::new("ua", "ip", false, 1, 0, &timeouts());
        let logged_in = LoggedIn {
            user: CurrentUser {
                id: 3,
                email: "ann@example.com".to_owned(),
            },
            meta,
        };
        let stored = record(serde_json::json!({ KEY: serde_json::to_value(&logged_in).unwrap() }));
        let session = Session::new(
            Some(stored.id),
            std::sync::Arc::new(EndedElsewhere(stored)),
            None,
        );
        let session = AuthSession(session);
        let (touched, ended) = crate::server::sessions::watch_for_ended_session(async {
            let mut current = session.current().await.unwrap().expect("it loads");
            let touched = session.touch(&mut current, 50).await.unwrap();
            (touched, session.current().await.unwrap())
        })
        .await
        .0;
        assert!(!touched, "the request goes on as anonymous");
        assert_eq!(ended, None, "and the session holds nothing");
    }

    #[test]
    fn handles_are_random_and_long() {
        let t = timeouts();
        let a = SessionMeta::new("ua", "ip", false, 9, 0, &t).handle;
        let b = SessionMeta::new("ua", "ip", false, 9, 0, &t).handle;
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
