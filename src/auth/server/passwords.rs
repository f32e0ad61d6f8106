//! Password hashing with argon2id, kept off the async workers.
//!
//! Hashing is deliberately expensive (19 MiB, 2 passes), so it runs on a few
//! threads of its own, one per CPU and at a lower priority: a login storm
//! queues here instead of starving the threads that serve every other request.
//! Dedicated threads (not tokio's blocking pool, which grows to hundreds of
//! threads) also bound memory: each keeps one 19 MiB block of argon2 memory
//! and reuses it, so the hashing memory is 19 MiB per CPU (docs/PERFORMANCE.md).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use std::cell::RefCell;

use argon2::password_hash::{
    self, Output, ParamsString, PasswordHash, Salt, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use sha2::Digest as _;
use tokio::sync::oneshot;

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

    /// Names this hash without revealing it: the first 8 bytes of its
    /// SHA-256, never 0 (which a session saved before versions existed
    /// holds). Every new hash has a new random salt, so any change of the
    /// password, even to the same one, gives a new version. A session
    /// records the version it was made with and is refused once the
    /// stored hash has another (the idea of Django's session auth hash).
    pub fn credentials_version(&self) -> u64 {
        let digest = sha2::Sha256::digest(self.0.as_bytes());
        let first: [u8; 8] = digest[..8].try_into().expect("SHA-256 is 32 bytes");
        u64::from_be_bytes(first).max(1)
    }
}

impl std::fmt::Debug for PasswordHashString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHashString(<redacted>)")
    }
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct PasswordHasher {
    /// The hashing threads' queue; they exit when the last clone is dropped.
    jobs: Sender<Job>,
    /// Verified when the email is unknown, so that a miss costs as much as a hit
    /// and response times do not reveal which emails have accounts.
    dummy_hash: PasswordHashString,
}

/// OWASP's recommended argon2id parameters: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

thread_local! {
    /// This thread's argon2 working memory, kept from one hash to the next:
    /// allocating 19 MiB per hash left every thread that ever hashed holding
    /// its own copy in the allocator (see the module docs).
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Computes the PHC hash of `password` with this thread's reused memory. The
/// same computation as `argon2`'s own `hash_password`, minus its allocation.
fn compute<'a>(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'a>,
) -> password_hash::Result<PasswordHash<'a>> {
    let params = argon2.params();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(output_len, |out| {
        MEMORY.with_borrow_mut(|memory| {
            let blocks = params.block_count();
            if memory.len() < blocks {
                memory.resize(blocks, Block::default());
            }
            argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..blocks])
        })?;
        Ok(())
    })?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt),
        hash: Some(output),
    })
}

fn hash_blocking(password: &str) -> Result<PasswordHashString, password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = compute(&argon2(), password.as_bytes(), salt.as_salt())?;
    Ok(PasswordHashString(hash.to_string()))
}

fn verify_blocking(password: &str, stored: &PasswordHashString) -> bool {
    let matches = |stored: &PasswordHash<'_>| -> password_hash::Result<bool> {
        // The parameters stored with the hash are used, so older hashes keep
        // working; only argon2id hashes were ever stored.
        if stored.algorithm != Algorithm::Argon2id.ident() {
            return Err(password_hash::Error::Algorithm);
        }
        let version = stored
            .version
            .map_or(Ok(Version::V0x13), Version::try_from)?;
        let params = Params::try_from(stored)?;
        let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
            return Err(password_hash::Error::PhcStringField);
        };
        let argon2 = Argon2::new(Algorithm::Argon2id, version, params);
        let computed = compute(&argon2, password.as_bytes(), salt)?;
        // `Output`'s comparison takes constant time.
        Ok(computed.hash == Some(expected))
    };
    match PasswordHash::new(stored.as_str()).and_then(|parsed| matches(&parsed)) {
        Ok(matched) => matched,
        Err(err) => {
            tracing::error!(%err, "stored password hash cannot be verified");
            false
        }
    }
}

impl PasswordHasher {
    pub fn new(threads: usize) -> Self {
        // Made once with the crate's own allocating hasher, so that this
        // (non-hashing) thread keeps no argon2 memory afterwards.
        let dummy_hash = {
            use argon2::password_hash::PasswordHasher as _;
            let salt = SaltString::generate(&mut OsRng);
            let hash = argon2()
                .hash_password(b"not a real password, only spent time", &salt)
                .expect("hashing a constant cannot fail");
            PasswordHashString(hash.to_string())
        };
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || run_jobs(&queue))
                .expect("the OS can start a hashing thread");
        }
        Self { jobs, dummy_hash }
    }

    /// One thread per CPU: more parallel hashes than cores only add latency.
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

    /// Queues `work` for a hashing thread and waits for its result without
    /// holding an async worker.
    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        let failed = |what: &str| {
            tracing::error!("password hashing {what}");
            AppError::Internal
        };
        self.jobs
            .send(job)
            .map_err(|_| failed("threads are gone"))?;
        result.await.map_err(|_| failed("job panicked"))
    }
}

/// Lowers this thread's scheduling priority (nice 10): when the CPU is
/// contended, the threads that answer every other request go first, so a login
/// storm slows logins rather than the whole app. Idle cores are still used.
fn yield_to_request_handling() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: both calls only read or set this thread's own attributes;
        // a failure leaves the default priority, which is merely slower.
        let failed = unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10) != 0
        };
        if failed {
            tracing::warn!("could not lower the priority of a password-hashing thread");
        }
    }
}

/// A hashing thread: takes jobs until every sender is gone. A panicking job
/// ends only itself (its caller sees an error), not the thread.
fn run_jobs(queue: &Mutex<Receiver<Job>>) {
    yield_to_request_handling();
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = job else { return };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_match_the_argon2_crate_both_ways() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = PasswordHasher::new(1);
        let salt = SaltString::generate(&mut OsRng);
        let reference = argon2().hash_password(b"correct horse", &salt).unwrap();
        let ours = compute(&argon2(), b"correct horse", salt.as_salt()).unwrap();
        assert_eq!(ours.to_string(), reference.to_string());
        // A hash the crate made (as older releases stored) verifies here...
        let stored = PasswordHashString::from_stored(reference.to_string());
        assert!(
            hasher
                .verify(password("correct horse"), Some(stored))
                .await
                .unwrap()
        );
        // ...one made here verifies with the crate, and other parameters work too.
        let made = hasher.hash(password("correct horse")).await.unwrap();
        let parsed = PasswordHash::new(made.as_str()).unwrap();
        assert!(argon2().verify_password(b"correct horse", &parsed).is_ok());
        let light = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        );
        let light_hash = light
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let stored = PasswordHashString::from_stored(light_hash);
        assert!(
            hasher
                .verify(password("correct horse"), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(password("wrong horse!"), Some(stored))
                .await
                .unwrap()
        );
    }

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
