//! Which users this process has lately found in the database.
//!
//! A session carries its user's id and email (an email never changes), so an
//! authenticated request needs the database only to learn that the user still
//! exists. The app's own account deletion ends every session of the account
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
    seen: Arc<Mutex<HashMap<i64, Instant>>>,
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
    fn table(&self) -> MutexGuard<'_, HashMap<i64, Instant>> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the user was found in the database within the trust period.
    pub fn recently_seen(&self, user_id: i64) -> bool {
        let seen = self.table();
        seen.get(&user_id)
            .is_some_and(|at| at.elapsed() < self.trust_for)
    }

    /// The database just returned this user.
    pub fn seen_now(&self, user_id: i64) {
        let mut seen = self.table();
        if seen.len() >= MAX_ENTRIES && !seen.contains_key(&user_id) {
            let trust_for = self.trust_for;
            seen.retain(|_, at| at.elapsed() < trust_for);
            if seen.len() >= MAX_ENTRIES {
                seen.clear();
            }
        }
        seen.insert(user_id, Instant::now());
    }

    /// The database said this user is gone.
    pub fn forget(&self, user_id: i64) {
        let mut seen = self.table();
        seen.remove(&user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_trusted_for_the_period_and_no_longer() {
        let users = KnownUsers::new(Duration::from_millis(50));
        assert!(!users.recently_seen(1));
        users.seen_now(1);
        assert!(users.recently_seen(1));
        assert!(!users.recently_seen(2));
        std::thread::sleep(Duration::from_millis(60));
        assert!(!users.recently_seen(1));
    }

    #[test]
    fn a_forgotten_user_is_checked_again() {
        let users = KnownUsers::new(Duration::from_secs(60));
        users.seen_now(7);
        users.forget(7);
        assert!(!users.recently_seen(7));
    }

    #[test]
    fn the_table_stays_bounded() {
        let users = KnownUsers::new(Duration::from_secs(60));
        for id in 0..(MAX_ENTRIES as i64 + 10) {
            users.seen_now(id);
        }
        assert!(users.seen.lock().unwrap().len() <= MAX_ENTRIES);
        assert!(
            users.recently_seen(MAX_ENTRIES as i64 + 9),
            "the newest entry is kept"
        );
    }
}
