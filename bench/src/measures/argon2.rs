//! argon2id on this machine: what bounds 実行 per second.

use crate::fixtures::CONFIRMATION;
use crate::repeat::count_until;
use kanri_app::domain::secret::Password;
use kanri_app::infra::password::{hash_blocking, HashCost, PasswordHasher};
use std::time::{Duration, Instant};

/// argon2id verifications per second with kanri's parameters, through
/// kanri's own hasher (same concurrency cap as the server's default, 2),
/// asked by 8 tasks.
pub async fn verifications_per_second(seconds: u64) -> f64 {
    let hasher = PasswordHasher::new(HashCost::OWASP, 2).unwrap();
    let hash = hash_blocking(HashCost::OWASP, CONFIRMATION).unwrap();
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let verified = count_until(8, until, move |_| {
        let (hasher, hash) = (hasher.clone(), hash.clone());
        async move {
            let password = Password::new(CONFIRMATION.into());
            assert!(hasher.verify(&password, &hash).await.unwrap());
            true
        }
    })
    .await;
    verified as f64 / started.elapsed().as_secs_f64()
}
