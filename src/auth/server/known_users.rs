//! Which users this process has lately found in the database, with the
//! version of their credentials it found.
//!
//! A session carries its user's id, email and credentials version, so an
//! authenticated request needs the database only to learn that the user still
//! exists with those credentials. The app's own account deletion ends every session of the account
//! at once, in Redis, on every instance; only a deletion behind the app's back
//! (an operator, another service) needs the database to notice. So a user
//! seen there is trusted to exist for a short while (`SESSION_USER_RECHECK`),
//! and most requests cost the one Redis read that loads the session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Past this many entries the stale ones are dropped (and, if every entry is
/// fresh, all of them): memory stays bounded whatever the traffic.
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Debug)]
pub struct KnownUsers {
    trust_for: Duration,
    /// User id -> when found, and the credentials version found.
    seen: Arc<Mutex<HashMap<i64, (Instant, u64)>>>,
}

impl KnownUsers {
    pub fn new(trust_for: Duration) -> Self {
        Self {
            trust_for,
            seen: Arc::default(),
        }
    }

    /// The table; a panic elsewhere while it was held leaves it usable (every
    /// entry is a complete value).
    fn table(&self) -> MutexGuard<'_, HashMap<i64, (Instant, u64)>> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The user's credentials version, if the database was read for them
    /// within the trust period.
    pub fn recent_version(&self, user_id: i64) -> Option<u64> {
        let seen = self.table();
        seen.get(&user_id)
            .filter(|(at, _)| at.elapsed() < self.trust_for)
            .map(|(_, version)| *version)
    }

    /// The database just returned this user, with these credentials (or
    /// this process just changed them).
    pub fn seen_now(&self, user_id: i64, credentials_version: u64) {
        let mut seen = self.table();
        if seen.len() >= MAX_ENTRIES && !seen.contains_key(&user_id) {
            let trust_for = self.trust_for;
            seen.retain(|_, (at, _)| at.elapsed() < trust_for);
            if seen.len() >= MAX_ENTRIES {
                seen.clear();
            }
        }
        seen.insert(user_id, (Instant::now(), credentials_version));
    }

    /// The user is gone (this process deleted them, or the database no
    /// longer has them): for the trust period no session of theirs is
    /// trusted without a look at the database, not even one that a login
    /// still running saves afterwards (logins never mark a user as seen).
    /// Recorded as version 0, which no session is trusted with.
    pub fn deleted(&self, user_id: i64) {
        self.seen_now(user_id, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_trusted_for_the_period_and_no_longer() {
        let users = KnownUsers::new(Duration::from_millis(50));
        assert_eq!(users.recent_version(1), None);
        users.seen_now(1, 40);
        assert_eq!(users.recent_version(1), Some(40));
        assert_eq!(users.recent_version(2), None);
        users.seen_now(1, 41);
        assert_eq!(users.recent_version(1), Some(41), "the latest version");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(users.recent_version(1), None);
    }

    #[test]
    fn a_deleted_user_matches_no_session() {
        let users = KnownUsers::new(Duration::from_secs(60));
        users.seen_now(4, 9);
        users.deleted(4);
        assert_eq!(users.recent_version(4), Some(0), "no session matches");
    }

    #[test]
    fn the_table_stays_bounded() {
        let users = KnownUsers::new(Duration::from_secs(60));
        for id in 0..(MAX_ENTRIES as i64 + 10) {
            users.seen_now(id, 1);
        }
        assert!(users.seen.lock().unwrap().len() <= MAX_ENTRIES);
        assert!(
            users.recent_version(MAX_ENTRIES as i64 + 9).is_some(),
            "the newest entry is kept"
        );
    }
}
