//! Each user's sessions: the Redis store that keeps each record's expiry to
//! its session's rules, and an index of each user's session ids in Redis so
//! that the account page can list and revoke them without scanning the
//! keyspace.
//!
//! The index is kept by [`IndexedStore`], a wrapper around the Redis session
//! store: it adds the session id to the user's set whenever a logged-in session
//! is saved (which happens at login and on the occasional activity refresh,
//! never on an ordinary read), so an authenticated request costs exactly the
//! one Redis GET that loading the session costs. Ids of sessions that ended by
//! themselves are dropped from the set the next time it is listed.

use std::str::FromStr;

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{ClientLike, KeysInterface, Pool, SetsInterface};
use tower_sessions_redis_store::fred::types::{Expiration, SetOptions};

use super::session::{LoggedIn, SessionMeta};
use crate::auth::activity::{SessionInfo, describe_user_agent};
use crate::error::AppError;
use crate::server::config::SessionTimeouts;
use crate::server::sessions::note_session_ended;

fn index_key(user_id: i64) -> String {
    format!("user-sessions:{user_id}")
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
    fn clamp_expiry(&self, record: &Record, logged_in: Option<&LoggedIn>) -> Record {
        let mut record = record.clone();
        if let Some(logged_in) = logged_in
            && let Ok(limit) =
                OffsetDateTime::from_unix_timestamp(logged_in.meta.expires_at(&self.timeouts))
        {
            record.expiry_date = record.expiry_date.min(limit);
        }
        record
    }

    /// Replaces the stored record, in the encoding RedisStore reads
    /// (MessagePack), with `SET … XX`: false, and nothing written, when the
    /// session no longer exists.
    async fn overwrite(&self, record: &Record) -> session_store::Result<bool> {
        let value = rmp_serde::to_vec(record)
            .map_err(|err| session_store::Error::Encode(err.to_string()))?;
        let expire = Expiration::EXAT(record.expiry_date.unix_timestamp());
        let replaced: Option<String> = self
            .redis
            .set(
                record.id.to_string(),
                value.as_slice(),
                Some(expire),
                Some(SetOptions::XX),
                false,
            )
            .await
            .map_err(backend)?;
        Ok(replaced.is_some())
    }

    /// Adds a logged-in session's id to its user's index.
    async fn index(&self, id: &Id, logged_in: Option<&LoggedIn>) -> session_store::Result<()> {
        let Some(logged_in) = logged_in else {
            return Ok(());
        };
        let key = index_key(logged_in.user.id);
        let longest = i64::try_from(self.timeouts.longest().as_secs()).unwrap_or(i64::MAX);
        let _: i64 = self
            .redis
            .sadd(&key, id.to_string())
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

/// A Redis failure, as the session store reports one.
fn backend(err: tower_sessions_redis_store::fred::error::Error) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

#[async_trait]
impl SessionStore for IndexedStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let logged_in = LoggedIn::from_record(record);
        record.expiry_date = self.clamp_expiry(record, logged_in.as_ref()).expiry_date;
        self.inner.create(record).await?;
        self.index(&record.id, logged_in.as_ref()).await
    }

    /// Writes a changed session back, only if it still exists. One that
    /// ended while the request ran (logged out or revoked elsewhere, or
    /// expired) stays ended: writing it would bring it back to life, and
    /// RedisStore's own save reports the missing key as an error, which
    /// answered the request 503. The request is told instead
    /// ([`note_session_ended`]), and answers as an anonymous one.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let logged_in = LoggedIn::from_record(record);
        let record = self.clamp_expiry(record, logged_in.as_ref());
        if !self.overwrite(&record).await? {
            tracing::debug!("the session ended while a request ran; not saved");
            note_session_ended();
            return Ok(());
        }
        self.index(&record.id, logged_in.as_ref()).await
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
        let ids: Vec<String> = self.store.redis.smembers(&key).await?;
        let mut live = Vec::with_capacity(ids.len());
        let mut stale = Vec::new();
        for raw in ids {
            let Ok(id) = Id::from_str(&raw) else {
                stale.push(raw);
                continue;
            };
            let record = self.store.inner.load(&id).await?;
            match record.as_ref().and_then(LoggedIn::from_record) {
                Some(logged_in) if logged_in.user.id == user_id => live.push((id, logged_in.meta)),
                _ => stale.push(raw),
            }
        }
        if !stale.is_empty() {
            let _: i64 = self.store.redis.srem(&key, stale).await?;
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
                device: describe_user_agent(&meta.user_agent),
                handle: meta.handle,
                ip: meta.ip,
                created_at: meta.created_at,
                last_active: meta.last_active,
                remembered: meta.remembered,
            })
            .collect())
    }

    async fn end(&self, user_id: i64, id: &Id) -> Result<(), AppError> {
        self.store.inner.delete(id).await?;
        self.forget(user_id, id).await
    }

    /// Fails with `Unavailable` unless Redis answers now. A signup asks
    /// before it creates the account: a session that cannot be stored would
    /// otherwise leave an account its owner was told was not created.
    pub async fn ensure_reachable(&self) -> Result<(), AppError> {
        let _: String = self.store.redis.ping(None).await?;
        Ok(())
    }

    /// Drops `id` from the user's index (its record is being deleted).
    pub async fn forget(&self, user_id: i64, id: &Id) -> Result<(), AppError> {
        let _: i64 = self
            .store
            .redis
            .srem(index_key(user_id), id.to_string())
            .await?;
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

    /// Writes the user's new address into every live session of theirs, so
    /// every device shows it at once (only those still stored are written:
    /// `SET … XX`).
    pub async fn set_email(&self, user_id: i64, email: &str) -> Result<(), AppError> {
        for (id, _) in self.live(user_id).await? {
            let Some(mut record) = self.store.inner.load(&id).await? else {
                continue;
            };
            let Some(mut logged_in) = LoggedIn::from_record(&record) else {
                continue;
            };
            logged_in.user.email = email.to_owned();
            logged_in.store_in(&mut record);
            self.store.overwrite(&record).await?;
        }
        Ok(())
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
