//! Login throttling, shared by every app instance through Redis.
//!
//! Failures are counted per email and per client IP. Past a free allowance,
//! each further failure locks that email (or IP) for a doubling delay, capped,
//! and the counters are forgotten after a quiet period. So a guesser is slowed
//! to a crawl, while a real user locked out by someone else's guessing waits
//! at most the cap. The same rules apply to any email, existing or not, so a
//! refusal reveals nothing about accounts.

use std::net::IpAddr;
use std::time::Duration;

use tower_sessions_redis_store::fred::prelude::{Expiration, KeysInterface, Pool};

use crate::auth::domain::Email;
use crate::error::AppError;

#[derive(Clone, Debug)]
pub struct ThrottlePolicy {
    /// Failures for one email before the first lock.
    pub free_failures_per_email: u32,
    /// Failures from one IP (any emails) before the first lock.
    pub free_failures_per_ip: u32,
    pub first_lock: Duration,
    pub max_lock: Duration,
    /// Counters expire after this long without a failure.
    pub forget_after: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            free_failures_per_email: 5,
            free_failures_per_ip: 20,
            first_lock: Duration::from_secs(1),
            max_lock: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
        }
    }
}

impl ThrottlePolicy {
    /// The lock after the `failures`-th failure with `free` allowed: none
    /// within the allowance, then 1 s, 2 s, 4 s, … up to the cap.
    pub fn lock_after(&self, failures: u32, free: u32) -> Option<Duration> {
        let over = failures.checked_sub(free).filter(|over| *over > 0)?;
        let factor = 2_u32.saturating_pow(over - 1);
        Some(self.first_lock.saturating_mul(factor).min(self.max_lock))
    }
}

#[derive(Clone)]
pub struct LoginThrottle {
    redis: Pool,
    policy: ThrottlePolicy,
}

/// The Redis keys of one throttled subject.
struct Subject {
    failures: String,
    lock: String,
    free: u32,
}

impl LoginThrottle {
    pub fn new(redis: Pool, policy: ThrottlePolicy) -> Self {
        Self { redis, policy }
    }

    fn subjects(&self, email: &Email, ip: Option<IpAddr>) -> Vec<Subject> {
        // The `{...}` hash tag puts a subject's two keys in one Redis Cluster
        // slot, so that they can be deleted in one command.
        let subject = |kind: &str, id: &str, free| Subject {
            failures: format!("login-throttle:{{{kind}:{id}}}:failures"),
            lock: format!("login-throttle:{{{kind}:{id}}}:lock"),
            free,
        };
        let mut subjects = vec![subject(
            "email",
            email.as_str(),
            self.policy.free_failures_per_email,
        )];
        if let Some(ip) = ip {
            subjects.push(subject(
                "ip",
                &ip.to_string(),
                self.policy.free_failures_per_ip,
            ));
        }
        subjects
    }

    /// Refuses the attempt while the email or the IP is locked.
    pub async fn check(&self, email: &Email, ip: Option<IpAddr>) -> Result<(), AppError> {
        let mut longest_ms: i64 = 0;
        for subject in self.subjects(email, ip) {
            let remaining: i64 = self.redis.pttl(&subject.lock).await?;
            longest_ms = longest_ms.max(remaining);
        }
        if longest_ms > 0 {
            let retry_after_secs = u64::try_from(longest_ms).unwrap_or(0).div_ceil(1000);
            return Err(AppError::TooManyAttempts { retry_after_secs });
        }
        Ok(())
    }

    /// Counts a failed login and locks what went over its allowance.
    pub async fn record_failure(&self, email: &Email, ip: Option<IpAddr>) -> Result<(), AppError> {
        let forget_ms = i64::try_from(self.policy.forget_after.as_millis()).unwrap_or(i64::MAX);
        for subject in self.subjects(email, ip) {
            let failures: i64 = self.redis.incr(&subject.failures).await?;
            let _: () = self
                .redis
                .pexpire(&subject.failures, forget_ms, None)
                .await?;
            let failures = u32::try_from(failures).unwrap_or(u32::MAX);
            if let Some(lock) = self.policy.lock_after(failures, subject.free) {
                let ms = i64::try_from(lock.as_millis()).unwrap_or(i64::MAX).max(1);
                let _: () = self
                    .redis
                    .set(&subject.lock, 1, Some(Expiration::PX(ms)), None, false)
                    .await?;
                tracing::info!(failures, lock_secs = lock.as_secs(), key = %subject.lock, "login throttled");
            }
        }
        Ok(())
    }

    /// A successful login clears the email's record (not the IP's: one good
    /// password must not reset a guesser's count for other emails).
    pub async fn record_success(&self, email: &Email) -> Result<(), AppError> {
        let subject = &self.subjects(email, None)[0];
        let _: i64 = self
            .redis
            .del(vec![subject.failures.clone(), subject.lock.clone()])
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_after_the_allowance_double_and_stop_at_the_cap() {
        let policy = ThrottlePolicy::default();
        let lock = |n| policy.lock_after(n, 5).map(|d| d.as_secs());
        assert_eq!((lock(0), lock(5)), (None, None));
        assert_eq!(
            (lock(6), lock(7), lock(8), lock(9)),
            (Some(1), Some(2), Some(4), Some(8))
        );
        assert_eq!(lock(16), Some(900), "capped at 15 minutes");
        assert_eq!(
            lock(u32::MAX),
            Some(900),
            "never overflows, never permanent"
        );
    }
}
