//! Passwords and their argon2id hashes.
//!
//! Hashing is CPU- and memory-heavy (19 MiB per hash with the OWASP
//! parameters), so it runs on tokio's blocking pool behind a semaphore: a
//! flood of logins queues here instead of exhausting memory or starving the
//! async workers that serve everyone else.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::fmt;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// A password as typed (or a credential from the configuration). Never
/// `Serialize`, never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(raw: String) -> Self {
        Self(raw)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A PHC-format argon2id hash as stored. Redacted in `Debug`, not `Serialize`.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_db(value: String) -> Self {
        Self(value)
    }

    pub fn as_db(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

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
        Ok(Self {
            cost,
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
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
        let hash = hash.0.clone();
        tokio::task::spawn_blocking(move || {
            let Ok(parsed) = argon2::PasswordHash::new(&hash) else {
                return false;
            };
            // Verification uses the parameters stored in the hash itself.
            Argon2::default()
                .verify_password(raw.as_bytes(), &parsed)
                .is_ok()
        })
        .await
        .map_err(|_| HashError::Join)
    }

    /// Spends the time of one verification without a real hash.
    pub async fn verify_dummy(&self, password: &Password) -> Result<(), HashError> {
        let dummy = self.dummy.clone();
        self.verify(password, &dummy).await.map(|_| ())
    }
}

pub fn hash_blocking(cost: HashCost, raw: &str) -> Result<PasswordHash, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    cost.argon2()
        .hash_password(raw.as_bytes(), &salt)
        .map(|h| PasswordHash(h.to_string()))
        .map_err(|_| HashError::Hash)
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
