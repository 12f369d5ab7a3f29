//! The one source of randomness (ring's system generator), so that every
//! caller handles its failure the same way instead of panicking.

use ring::rand::{SecureRandom, SystemRandom};

/// The operating system's random generator failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RngError;

/// Fills an array with random bytes.
pub fn random_array<const N: usize>() -> Result<[u8; N], RngError> {
    let mut bytes = [0u8; N];
    SystemRandom::new().fill(&mut bytes).map_err(|_| RngError)?;
    Ok(bytes)
}
