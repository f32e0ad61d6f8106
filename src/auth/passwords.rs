//! Password hashing with argon2id, kept off the async workers.
//!
//! Hashing is deliberately expensive (19 MiB, 2 passes), so it runs on tokio's
//! blocking pool behind a semaphore sized to the CPU count: a login storm queues
//! here instead of starving the threads that serve every other request.

use std::sync::Arc;

use argon2::password_hash::{
    PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::auth::domain::Password;
use crate::error::AppError;

/// A PHC-format argon2id hash as stored in the database. Deliberately not
/// `Serialize`: it has no way to reach the browser.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHashString(String);

impl PasswordHashString {
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashString(<redacted>)")
    }
}

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified when the email is unknown, so that a miss costs as much as a hit
    /// and response times do not reveal which emails have accounts.
    dummy_hash: PasswordHashString,
}

/// OWASP's recommended argon2id parameters: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<PasswordHashString, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2().hash_password(password.as_bytes(), &salt)?;
    Ok(PasswordHashString(hash.to_string()))
}

fn verify_blocking(password: &str, hash: &PasswordHashString) -> bool {
    match PasswordHash::new(hash.as_str()) {
        // The parameters stored in the hash are used, so older hashes keep working.
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(err) => {
            tracing::error!(%err, "stored password hash is not a valid PHC string");
            false
        }
    }
}

impl PasswordHasher {
    pub fn new(max_concurrent_hashes: usize) -> Self {
        let dummy_hash = hash_blocking("not a real password, only spent time")
            .expect("hashing a constant cannot fail");
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent_hashes.max(1))),
            dummy_hash,
        }
    }

    /// One permit per CPU: more parallel hashes than cores only add latency.
    pub fn sized_for_this_machine() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cpus)
    }

    pub async fn hash(&self, password: Password) -> Result<PasswordHashString, AppError> {
        self.run_blocking(move || hash_blocking(password.expose()))
            .await?
            .map_err(|err| {
                tracing::error!(%err, "argon2 hashing failed");
                AppError::Internal
            })
    }

    /// Verifies `password` against `stored`, or against a dummy hash when there is
    /// no account, so both cases take the same time. True only for a real match.
    pub async fn verify(
        &self,
        password: Password,
        stored: Option<PasswordHashString>,
    ) -> Result<bool, AppError> {
        let is_real = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let matched = self
            .run_blocking(move || verify_blocking(password.expose(), &hash))
            .await?;
        Ok(is_real && matched)
    }

    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(work).await.map_err(|err| {
            tracing::error!(%err, "password hashing task failed");
            AppError::Internal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(raw: &str) -> Password {
        Password::parse_new(raw).unwrap()
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hasher = PasswordHasher::new(1);
        let hash = hasher.hash(password("correct horse")).await.unwrap();
        assert!(
            hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_str()
        );
        assert!(
            hasher
                .verify(password("correct horse"), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(password("wrong horse"), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_same_password_gets_a_fresh_salt_each_time() {
        let hasher = PasswordHasher::new(1);
        let a = hasher.hash(password("correct horse")).await.unwrap();
        let b = hasher.hash(password("correct horse")).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn a_missing_account_never_verifies_even_with_the_dummy_password() {
        let hasher = PasswordHasher::new(1);
        let dummy = password("not a real password, only spent time");
        assert!(!hasher.verify(dummy, None).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_a_mismatch_not_a_panic() {
        let hasher = PasswordHasher::new(1);
        let corrupt = PasswordHashString::from_stored("not-a-phc-string".into());
        assert!(
            !hasher
                .verify(password("correct horse"), Some(corrupt))
                .await
                .unwrap()
        );
    }
}
