//! Passwords and their argon2id hashes.
//!
//! Hashing is CPU- and memory-heavy (19 MiB per hash with the OWASP
//! parameters), so it runs on tokio's blocking pool behind a semaphore: a
//! flood of logins queues here instead of exhausting memory or starving the
//! async workers that serve everyone else.

use argon2::password_hash::{rand_core::OsRng, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::fmt;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

use crate::domain::secret::{Password, PasswordHash};

/// argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashCost {
    /// OWASP's minimum for argon2id (m=19 MiB, t=2, p=1): kanri's default.
    pub const OWASP: HashCost = HashCost {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// Cheap parameters for tests only; refused by the server's configuration.
    pub const TESTING: HashCost = HashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    pub fn meets_owasp_minimum(self) -> bool {
        self.memory_kib >= Self::OWASP.memory_kib
            && self.iterations >= Self::OWASP.iterations
            && self.parallelism >= 1
    }

    fn argon2(self) -> Argon2<'static> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .expect("argon2 parameters are validated at configuration time");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed")]
    Hash,
    #[error("the hashing task was cancelled")]
    Join,
}

/// Hashes and verifies passwords off the async runtime, at most `permits`
/// at a time.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: HashCost,
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the ログインID does
    /// not exist so that a wrong ID costs as much time as a wrong password.
    dummy: PasswordHash,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("cost", &self.cost)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    pub fn new(cost: HashCost, max_concurrent: usize) -> Result<Self, HashError> {
        let dummy = hash_blocking(cost, "kanri-dummy-password-for-timing")?;
        let permits = max_concurrent.max(1);
        Ok(Self {
            cost,
            permits: Arc::new(Semaphore::new(permits)),
            dummy,
        })
    }

    pub fn cost(&self) -> HashCost {
        self.cost
    }

    pub async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let _permit = self.permits.acquire().await.map_err(|_| HashError::Join)?;
        let cost = self.cost;
        let raw = password.expose().to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(cost, &raw))
            .await
            .map_err(|_| HashError::Join)?
    }

    /// Whether `password` matches `hash`. An unparsable hash never matches.
    pub async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<bool, HashError> {
        let _permit = self.permits.acquire().await.map_err(|_| HashError::Join)?;
        let raw = password.expose().to_owned();
        let hash = hash.as_db().to_owned();
        tokio::task::spawn_blocking(move || verify_blocking(raw.as_bytes(), &hash))
            .await
            .map_err(|_| HashError::Join)
    }

    /// Spends the time of one verification without a real hash.
    pub async fn verify_dummy(&self, password: &Password) -> Result<(), HashError> {
        let dummy = self.dummy.clone();
        self.verify(password, &dummy).await.map(|_| ())
    }
}

/// Argon2's working memory (19 MiB per hash), reused while hashes follow
/// one another. Allocating it per hash let glibc keep a copy in the arena
/// of every blocking thread that ever hashed: hundreds of MiB of RSS under
/// load. At most `MAX_POOLED_BUFFERS` are kept (the semaphore keeps fewer
/// in use), and none once no hash is running: kept idle, one or two buffers
/// were most of an idle server's RSS (bench/NOTES.md), and a single login
/// after a pause pays only the page faults of a fresh buffer.
static WORK_MEMORY: Mutex<WorkMemory> = Mutex::new(WorkMemory {
    free: Vec::new(),
    in_use: 0,
});
const MAX_POOLED_BUFFERS: usize = 4;

struct WorkMemory {
    free: Vec<Vec<Block>>,
    in_use: usize,
}

fn work_memory() -> std::sync::MutexGuard<'static, WorkMemory> {
    WORK_MEMORY.lock().unwrap_or_else(|p| p.into_inner())
}

fn with_work_memory<T>(blocks_needed: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    let reused = {
        let mut pool = work_memory();
        pool.in_use += 1;
        let found = pool.free.iter().position(|b| b.len() == blocks_needed);
        found.map(|i| pool.free.swap_remove(i))
    };
    let mut blocks = reused.unwrap_or_else(|| vec![Block::default(); blocks_needed]);
    let result = work(&mut blocks);
    // Freed outside the lock: dropping 19 MiB returns it to the system.
    let _released = {
        let mut pool = work_memory();
        pool.in_use -= 1;
        if pool.in_use == 0 {
            std::mem::take(&mut pool.free)
        } else if pool.free.len() < MAX_POOLED_BUFFERS {
            pool.free.push(blocks);
            Vec::new()
        } else {
            vec![blocks]
        }
    };
    result
}

/// Verifies with the parameters stored in the hash itself. The comparison
/// is constant-time (`Output`'s equality).
fn verify_blocking(password: &[u8], hash: &str) -> bool {
    use argon2::password_hash::Output;
    let Ok(parsed) = argon2::PasswordHash::new(hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let computed = with_work_memory(params.block_count(), |blocks| {
        argon2.hash_password_into_with_memory(password, salt, &mut out, blocks)
    });
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// Hashes a new password into the PHC string that is stored.
pub fn hash_blocking(cost: HashCost, raw: &str) -> Result<PasswordHash, HashError> {
    use argon2::password_hash::{Output, ParamsString};
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|_| HashError::Hash)?;
    let argon2 = cost.argon2();
    let params = argon2.params().clone();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_work_memory(params.block_count(), |blocks| {
        argon2.hash_password_into_with_memory(raw.as_bytes(), salt_bytes, &mut out, blocks)
    })
    .map_err(|_| HashError::Hash)?;
    let phc = argon2::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|_| HashError::Hash)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|_| HashError::Hash)?),
    };
    Ok(PasswordHash::from_db(phc.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_cost_meets_owasp_and_testing_cost_does_not() {
        assert!(HashCost::OWASP.meets_owasp_minimum());
        assert!(!HashCost::TESTING.meets_owasp_minimum());
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let p = Password::new("Login-Pass-01".into());
        let h = hash_blocking(HashCost::TESTING, "Login-Pass-01").unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert!(!format!("{h:?}").contains("argon2"));
        assert!(h.as_db().starts_with("$argon2id$"));
    }

    #[tokio::test]
    async fn verify_accepts_the_right_password_only() {
        let hasher = PasswordHasher::new(HashCost::TESTING, 2).unwrap();
        let hash = hasher
            .hash(&Password::new("Kakunin-Pass-01".into()))
            .await
            .unwrap();
        assert!(hasher
            .verify(&Password::new("Kakunin-Pass-01".into()), &hash)
            .await
            .unwrap());
        assert!(!hasher
            .verify(&Password::new("kakunin-pass-01".into()), &hash)
            .await
            .unwrap());
        assert!(!hasher
            .verify(
                &Password::new("x".into()),
                &PasswordHash::from_db("garbage".into())
            )
            .await
            .unwrap());
    }
}
