//! Each user's sessions: what a session records about itself
//! ([`SessionMeta`]), when it ends ([`SessionTimeouts`]), and an index of each
//! user's session ids in Redis so that the account page can list and revoke
//! them without scanning the keyspace.
//!
//! The index is kept by [`IndexedStore`], a wrapper around the Redis session
//! store: it adds the session id to the user's set whenever a logged-in session
//! is saved (which happens at login and on the occasional activity refresh,
//! never on an ordinary read), so an authenticated request costs exactly the
//! one Redis GET that loading the session costs. Ids of sessions that ended by
//! themselves are dropped from the set the next time it is listed.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{ClientLike, KeysInterface, Pool, SetsInterface};

use crate::account::domain::SessionInfo;
use crate::error::AppError;

/// Session keys. The cookie holds only the signed session id.
pub const USER_ID_KEY: &str = "user_id";
/// The user's email, so that answering who is logged in needs no query.
pub const EMAIL_KEY: &str = "email";
pub const META_KEY: &str = "meta";

/// How long sessions live. All durations come from configuration.
#[derive(Clone, Debug)]
pub struct SessionTimeouts {
    /// A session not used for this long ends (unless remembered).
    pub inactivity: Duration,
    /// A session ends this long after login whatever its activity (unless remembered).
    pub absolute: Duration,
    /// A "Remember me" session lives this long, with a persistent cookie.
    pub remember_for: Duration,
    /// Activity is written back (and the expiry pushed out) only once this
    /// fraction of the inactivity period has passed since the last write.
    pub refresh_fraction: f64,
}

impl SessionTimeouts {
    fn refresh_after_secs(&self) -> i64 {
        (self.inactivity.as_secs_f64() * self.refresh_fraction).floor() as i64
    }
}

/// What a logged-in session records about itself, next to the user id.
///
/// Stored as an array, not a map (see the `Serialize` impl); the derived
/// `Deserialize` reads both, so sessions saved as maps keep working.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SessionMeta {
    /// Names the session on the account page instead of its id.
    pub handle: String,
    pub user_agent: String,
    pub ip: String,
    pub created_at: i64,
    pub last_active: i64,
    pub remembered: bool,
    /// Never valid at or after this instant (absolute lifetime, or the end of
    /// the remember-me period).
    pub ends_at: i64,
}

/// An array in field order. Every request decodes the record and copies
/// this value out of it (tower-sessions hands out owned values): as a map it
/// cost seven key strings and a tree each time, a quarter of the allocations
/// of an authenticated read; the record is smaller in Redis too. The
/// destructuring names every field, so a field added to the struct but not
/// here does not compile.
impl Serialize for SessionMeta {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            handle,
            user_agent,
            ip,
            created_at,
            last_active,
            remembered,
            ends_at,
        } = self;
        (
            handle,
            user_agent,
            ip,
            created_at,
            last_active,
            remembered,
            ends_at,
        )
            .serialize(serializer)
    }
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
    pub fn new(
        user_agent: &str,
        ip: &str,
        remembered: bool,
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
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn random_handle() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn index_key(user_id: i64) -> String {
    format!("user-sessions:{user_id}")
}

fn store_unavailable(err: impl std::fmt::Display) -> AppError {
    tracing::error!(%err, "session store unavailable");
    AppError::Unavailable
}

/// The Redis session store, plus the per-user index and the expiry rules.
#[derive(Clone, Debug)]
pub struct IndexedStore {
    inner: RedisStore<Pool>,
    redis: Pool,
    timeouts: SessionTimeouts,
}

impl IndexedStore {
    pub fn new(redis: Pool, timeouts: SessionTimeouts) -> Self {
        Self {
            inner: RedisStore::new(redis.clone()),
            redis,
            timeouts,
        }
    }

    /// The record's expiry, never later than its session's rules allow: Redis
    /// drops it by itself at that instant.
    fn clamp_expiry(&self, record: &Record) -> Record {
        let mut record = record.clone();
        if let Some(meta) = meta_of(&record)
            && let Ok(limit) = OffsetDateTime::from_unix_timestamp(meta.expires_at(&self.timeouts))
        {
            record.expiry_date = record.expiry_date.min(limit);
        }
        record
    }

    async fn index(&self, record: &Record) -> session_store::Result<()> {
        let Some(user_id) = record.data.get(USER_ID_KEY).and_then(|v| v.as_i64()) else {
            return Ok(());
        };
        let key = index_key(user_id);
        let longest = secs(self.timeouts.remember_for.max(self.timeouts.absolute));
        let backend = |err: tower_sessions_redis_store::fred::error::Error| {
            session_store::Error::Backend(err.to_string())
        };
        let _: i64 = self
            .redis
            .sadd(&key, record.id.to_string())
            .await
            .map_err(backend)?;
        // The set outlives every session it can hold, and then goes by itself.
        let _: bool = self
            .redis
            .expire(&key, longest, None)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

fn meta_of(record: &Record) -> Option<SessionMeta> {
    serde_json::from_value(record.data.get(META_KEY)?.clone()).ok()
}

#[async_trait]
impl SessionStore for IndexedStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let clamped = self.clamp_expiry(record);
        record.expiry_date = clamped.expiry_date;
        self.inner.create(record).await?;
        self.index(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let record = self.clamp_expiry(record);
        self.inner.save(&record).await?;
        self.index(&record).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.inner.load(id).await
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.inner.delete(id).await
    }
}

/// Listing and ending a user's sessions, on every instance at once (they all
/// read the same Redis).
#[derive(Clone, Debug)]
pub struct UserSessions {
    store: IndexedStore,
}

impl UserSessions {
    pub fn new(store: IndexedStore) -> Self {
        Self { store }
    }

    pub fn timeouts(&self) -> &SessionTimeouts {
        &self.store.timeouts
    }

    /// The user's live sessions with their ids, newest first. Ids whose
    /// session ended by itself are dropped from the index on the way.
    async fn live(&self, user_id: i64) -> Result<Vec<(Id, SessionMeta)>, AppError> {
        let key = index_key(user_id);
        let ids: Vec<String> = self
            .store
            .redis
            .smembers(&key)
            .await
            .map_err(store_unavailable)?;
        let mut live = Vec::with_capacity(ids.len());
        let mut stale = Vec::new();
        for raw in ids {
            let Ok(id) = Id::from_str(&raw) else {
                stale.push(raw);
                continue;
            };
            let record = self
                .store
                .inner
                .load(&id)
                .await
                .map_err(store_unavailable)?;
            let owned = record
                .as_ref()
                .and_then(|r| r.data.get(USER_ID_KEY))
                .and_then(|v| v.as_i64());
            match (record.as_ref().and_then(meta_of), owned) {
                (Some(meta), Some(owner)) if owner == user_id => live.push((id, meta)),
                _ => stale.push(raw),
            }
        }
        if !stale.is_empty() {
            let _: i64 = self
                .store
                .redis
                .srem(&key, stale)
                .await
                .map_err(store_unavailable)?;
        }
        live.sort_by_key(|(_, meta)| std::cmp::Reverse(meta.created_at));
        Ok(live)
    }

    pub async fn list(
        &self,
        user_id: i64,
        current: Option<Id>,
    ) -> Result<Vec<SessionInfo>, AppError> {
        Ok(self
            .live(user_id)
            .await?
            .into_iter()
            .map(|(id, meta)| SessionInfo {
                current: Some(id) == current,
                device: crate::account::domain::describe_user_agent(&meta.user_agent),
                handle: meta.handle,
                ip: meta.ip,
                created_at: meta.created_at,
                last_active: meta.last_active,
                remembered: meta.remembered,
            })
            .collect())
    }

    async fn end(&self, user_id: i64, id: &Id) -> Result<(), AppError> {
        self.store
            .inner
            .delete(id)
            .await
            .map_err(store_unavailable)?;
        self.forget(user_id, id).await
    }

    /// Fails with `Unavailable` unless Redis answers now. A signup asks
    /// before it creates the account: a session that cannot be stored would
    /// otherwise leave an account its owner was told was not created.
    pub async fn ensure_reachable(&self) -> Result<(), AppError> {
        let _: String = self
            .store
            .redis
            .ping(None)
            .await
            .map_err(store_unavailable)?;
        Ok(())
    }

    /// Drops `id` from the user's index (its record is being deleted).
    pub async fn forget(&self, user_id: i64, id: &Id) -> Result<(), AppError> {
        let _: i64 = self
            .store
            .redis
            .srem(index_key(user_id), id.to_string())
            .await
            .map_err(store_unavailable)?;
        Ok(())
    }

    /// Ends the session named `handle`; `NotFound` unless it is the user's.
    pub async fn revoke(&self, user_id: i64, handle: &str) -> Result<(), AppError> {
        let live = self.live(user_id).await?;
        let (id, _) = live
            .iter()
            .find(|(_, meta)| meta.handle == handle)
            .ok_or(AppError::NotFound)?;
        self.end(user_id, id).await
    }

    /// Ends every session of the user except `keep`; returns how many ended.
    pub async fn revoke_all_except(&self, user_id: i64, keep: Option<Id>) -> Result<u32, AppError> {
        let mut ended = 0;
        for (id, _) in self.live(user_id).await? {
            if Some(id) != keep {
                self.end(user_id, &id).await?;
                ended += 1;
            }
        }
        Ok(ended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeouts() -> SessionTimeouts {
        SessionTimeouts {
            inactivity: Duration::from_secs(100),
            absolute: Duration::from_secs(1000),
            remember_for: Duration::from_secs(10_000),
            refresh_fraction: 0.1,
        }
    }

    #[test]
    fn a_session_refreshes_after_a_fraction_and_expires_after_inactivity() {
        let t = timeouts();
        let meta = SessionMeta::new("ua", "127.0.0.1", false, 0, &t);
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
        let mut meta = SessionMeta::new("ua", "ip", false, 0, &t);
        meta.last_active = 990;
        assert_eq!(meta.expires_at(&t), 1000);
        assert_eq!(meta.freshness(1000, &t), Freshness::Expired);
    }

    #[test]
    fn a_remembered_session_lives_for_the_remember_period_whatever_its_activity() {
        let t = timeouts();
        let meta = SessionMeta::new("ua", "ip", true, 0, &t);
        assert_eq!(meta.expires_at(&t), 10_000);
        assert_ne!(meta.freshness(5_000, &t), Freshness::Expired);
        assert_eq!(meta.freshness(10_000, &t), Freshness::Expired);
    }

    #[test]
    fn meta_is_stored_as_an_array_and_read_back() {
        let meta = SessionMeta::new("ua", "10.0.0.1", true, 7, &timeouts());
        let stored = serde_json::to_value(&meta).unwrap();
        assert_eq!(
            stored,
            serde_json::json!([meta.handle, "ua", "10.0.0.1", 7, 7, true, 10_007])
        );
        assert_eq!(serde_json::from_value::<SessionMeta>(stored).unwrap(), meta);
    }

    #[test]
    fn meta_saved_as_a_map_by_earlier_versions_still_reads() {
        let stored = serde_json::json!({
            "handle": "h", "user_agent": "ua", "ip": "10.0.0.1",
            "created_at": 1, "last_active": 2, "remembered": false, "ends_at": 3,
        });
        let meta: SessionMeta = serde_json::from_value(stored).unwrap();
        assert_eq!(
            (meta.handle.as_str(), meta.last_active, meta.ends_at),
            ("h", 2, 3)
        );
    }

    #[test]
    fn handles_are_random_and_long() {
        let t = timeouts();
        let a = SessionMeta::new("ua", "ip", false, 0, &t).handle;
        let b = SessionMeta::new("ua", "ip", false, 0, &t).handle;
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
