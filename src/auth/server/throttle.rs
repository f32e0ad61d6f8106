//! Login throttling, shared by every app instance through Redis.
//!
//! Password attempts (logins and password confirmations) are counted per
//! email and per client IP, each one counted and decided in one atomic step
//! before its password is hashed. Past a free allowance, each attempt locks
//! that email (or IP) for a doubling delay, capped, so at most one attempt
//! per lock is ever verified, however many arrive at once; a correct
//! password takes its attempt back, and the counters are forgotten after a
//! quiet period. So a guesser is slowed to a crawl, people logging in behind
//! one address are not, and a real user locked out by someone else's
//! guessing waits at most the cap. The same rules apply to any email, existing or not, so a
//! refusal reveals nothing about accounts.

use std::net::IpAddr;
use std::time::Duration;

use fred::prelude::{KeysInterface, LuaInterface, Pool};

use crate::auth::domain::Email;
use crate::error::AppError;

#[derive(Clone, Debug)]
pub struct ThrottlePolicy {
    /// The Redis key prefix of this throttle's counters and locks.
    pub namespace: &'static str,
    /// Attempts for one email before each further one waits for a lock.
    pub free_attempts_per_email: u32,
    /// Attempts from one IP (any emails) before each further one waits.
    pub free_attempts_per_ip: u32,
    pub first_lock: Duration,
    pub max_lock: Duration,
    /// Counters expire after this long without an attempt.
    pub forget_after: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            namespace: "login-throttle",
            free_attempts_per_email: 5,
            free_attempts_per_ip: 20,
            first_lock: Duration::from_secs(1),
            max_lock: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
        }
    }
}

impl ThrottlePolicy {
    /// Requests that send mail (a reset link, a confirmation sent again):
    /// three per address and ten per IP an hour, then one a minute,
    /// doubling to one an hour. Counted alike for addresses with and
    /// without an account, so a refusal tells nothing; nothing takes a
    /// request back. Stops a stranger from flooding someone's inbox.
    pub fn for_mail() -> Self {
        Self {
            namespace: "mail-throttle",
            free_attempts_per_email: 3,
            free_attempts_per_ip: 10,
            first_lock: Duration::from_secs(60),
            max_lock: Duration::from_secs(60 * 60),
            forget_after: Duration::from_secs(60 * 60),
        }
    }

    /// The lock that the `attempt`-th attempt (counting from 1) starts for
    /// the attempts after it, with `free` allowed: none before the last
    /// free one, then 1 s, 2 s, 4 s, … up to the cap.
    pub fn lock_after(&self, attempt: u32, free: u32) -> Option<Duration> {
        let over = attempt.checked_sub(free.max(1))?;
        Some(self.lock_past_allowance(over))
    }

    /// The lock for an attempt `over` attempts past the last free one.
    fn lock_past_allowance(&self, over: u32) -> Duration {
        let factor = 2_u32.saturating_pow(over);
        self.first_lock.saturating_mul(factor).min(self.max_lock)
    }

    /// [`Self::lock_after`] for the last free attempt and each one after
    /// it, in milliseconds, up to and including the cap: the table the
    /// counting script reads.
    fn lock_table_ms(&self) -> Vec<u64> {
        let ms = |lock: Duration| u64::try_from(lock.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut table = Vec::new();
        for over in 0_u32..=32 {
            let lock = self.lock_past_allowance(over);
            table.push(ms(lock));
            if lock >= self.max_lock {
                break;
            }
        }
        table
    }
}

/// Counts one attempt of a subject and decides it, in one step inside
/// Redis, so concurrent attempts cannot all pass a check that none of them
/// has yet counted. While the subject is locked: refused, not counted, and
/// the answer is the lock's remaining milliseconds, negated. Otherwise:
/// counted, and allowed, the answer the count; the last free attempt and
/// every one after it lock the subject for the next (ARGV[2..], by how far
/// past the allowance the count is, the last entry being the cap).
///
/// KEYS: the counter, the lock (one hash tag, so one Cluster slot).
/// ARGV: the counter's lifetime in ms, the free attempts, the lock table.
const COUNT_ATTEMPT: &str = r#"
local locked = redis.call('PTTL', KEYS[2])
if locked > 0 then return -locked end
local count = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local over = count - tonumber(ARGV[2])
if over >= 0 then
  redis.call('SET', KEYS[2], 1, 'PX', ARGV[math.min(over + 3, #ARGV)])
end
return count
"#;

#[derive(Clone)]
pub struct LoginThrottle {
    redis: Pool,
    policy: ThrottlePolicy,
    lock_table_ms: Vec<u64>,
}

/// The Redis keys of one throttled subject.
struct Subject {
    attempts: String,
    lock: String,
    free: u32,
}

impl LoginThrottle {
    pub fn new(redis: Pool, policy: ThrottlePolicy) -> Self {
        let lock_table_ms = policy.lock_table_ms();
        Self {
            redis,
            policy,
            lock_table_ms,
        }
    }

    fn subjects(&self, email: &Email, ip: Option<IpAddr>) -> Vec<Subject> {
        // The `{...}` hash tag puts a subject's two keys in one Redis Cluster
        // slot, so that one script (and one DEL) can use both.
        let namespace = self.policy.namespace;
        let subject = |kind: &str, id: &str, free| Subject {
            attempts: format!("{namespace}:{{{kind}:{id}}}:failures"),
            lock: format!("{namespace}:{{{kind}:{id}}}:lock"),
            free,
        };
        let mut subjects = vec![subject(
            "email",
            email.as_str(),
            self.policy.free_attempts_per_email,
        )];
        if let Some(ip) = ip {
            subjects.push(subject(
                "ip",
                &ip.to_string(),
                self.policy.free_attempts_per_ip,
            ));
        }
        subjects
    }

    /// Counts a password attempt for the email and the IP before it is
    /// verified, and refuses it (429, with how long to wait) while either
    /// is locked. Call it before any hashing: a refused attempt costs the
    /// server one Redis round trip per subject.
    pub async fn attempt(&self, email: &Email, ip: Option<IpAddr>) -> Result<(), AppError> {
        let forget_ms = u64::try_from(self.policy.forget_after.as_millis()).unwrap_or(u64::MAX);
        for subject in self.subjects(email, ip) {
            let mut args = vec![forget_ms, u64::from(subject.free)];
            args.extend(&self.lock_table_ms);
            let answer: i64 = self
                .redis
                .eval(
                    COUNT_ATTEMPT,
                    vec![subject.attempts.clone(), subject.lock.clone()],
                    args,
                )
                .await?;
            if answer < 0 {
                let retry_after_secs = answer.unsigned_abs().div_ceil(1000);
                return Err(AppError::TooManyAttempts { retry_after_secs });
            }
            let count = u32::try_from(answer).unwrap_or(u32::MAX);
            if let Some(lock) = self.policy.lock_after(count, subject.free) {
                tracing::info!(count, lock_secs = lock.as_secs(), key = %subject.lock, "password attempts throttled");
            }
        }
        Ok(())
    }

    /// A correct password clears the email's record, and takes its own
    /// attempt back from the IP's count (not the rest of it: one good
    /// password must not reset a guesser's count for other emails, and
    /// many people logging in behind one address are not guessing).
    pub async fn record_success(&self, email: &Email, ip: Option<IpAddr>) -> Result<(), AppError> {
        let subjects = self.subjects(email, ip);
        let _: i64 = self
            .redis
            .del(vec![subjects[0].attempts.clone(), subjects[0].lock.clone()])
            .await?;
        if let Some(ip) = subjects.get(1) {
            let _: i64 = self
                .redis
                .eval(TAKE_BACK_ATTEMPT, vec![ip.attempts.clone()], ())
                .await?;
        }
        Ok(())
    }
}

/// Takes one attempt back from a counter, if it still has any (it may have
/// expired meanwhile). KEYS: the counter.
const TAKE_BACK_ATTEMPT: &str = r#"
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_at_the_last_free_attempt_double_and_stop_at_the_cap() {
        let policy = ThrottlePolicy::default();
        let lock = |n| policy.lock_after(n, 5).map(|d| d.as_secs());
        assert_eq!((lock(1), lock(4)), (None, None));
        assert_eq!(
            (lock(5), lock(6), lock(7), lock(8)),
            (Some(1), Some(2), Some(4), Some(8))
        );
        assert_eq!(lock(15), Some(900), "capped at 15 minutes");
        assert_eq!(
            lock(u32::MAX),
            Some(900),
            "never overflows, never permanent"
        );
    }

    #[test]
    fn the_scripts_lock_table_is_the_rule_up_to_the_cap() {
        let policy = ThrottlePolicy::default();
        let table = policy.lock_table_ms();
        assert_eq!(table.len(), 11, "1 s doubling to 1,024 s, capped at 900 s");
        for (over, ms) in table.iter().enumerate() {
            let attempt = 5 + over as u32;
            assert_eq!(
                Some(Duration::from_millis(*ms)),
                policy.lock_after(attempt, 5)
            );
        }
        assert_eq!(*table.last().unwrap(), 900_000);
    }
}
