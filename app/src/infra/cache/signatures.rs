//! Client certificates whose signature already verified, by the SHA-256 of
//! their DER: the ECDSA check (~75 µs) is done once per certificate, not
//! once per request of a 電子証明書方式 session.

use super::CacheMode;
use crate::domain::{CertificateRefusal, Timestamp};
use crate::infra::pki::{Pki, Verified};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Entries kept before the cache starts over (a user has one or two).
const ENTRIES: usize = 10_000;

#[derive(Debug)]
pub struct SignatureCache {
    mode: CacheMode,
    verified: Mutex<HashMap<[u8; 32], Verified>>,
}

impl SignatureCache {
    pub fn new(mode: CacheMode) -> Self {
        Self {
            mode,
            verified: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `der` is a client certificate of `pki`'s CAs, valid at `now`:
    /// the signature from the cache when it was verified before, the dates
    /// always.
    pub fn verify(
        &self,
        pki: &Pki,
        der: &[u8],
        now: Timestamp,
    ) -> Result<Verified, CertificateRefusal> {
        self.verify_with_grace(pki, der, now, 0)
    }

    /// [`SignatureCache::verify`] with `grace_days` after the 有効期限
    /// (更新, [`Verified::valid_with_grace_at`]).
    pub fn verify_with_grace(
        &self,
        pki: &Pki,
        der: &[u8],
        now: Timestamp,
        grace_days: u16,
    ) -> Result<Verified, CertificateRefusal> {
        let verified = self.signature(pki, der)?;
        verified
            .valid_with_grace_at(now, grace_days)
            .map(|()| verified)
    }

    /// The signature's verdict, kept once verified.
    fn signature(&self, pki: &Pki, der: &[u8]) -> Result<Verified, CertificateRefusal> {
        if self.mode == CacheMode::Off {
            return pki.verify_signature(der);
        }
        let key: [u8; 32] = Sha256::digest(der).into();
        if let Some(verified) = self.kept().get(&key).cloned() {
            return Ok(verified);
        }
        let verified = pki.verify_signature(der)?;
        let mut kept = self.kept();
        if kept.len() >= ENTRIES {
            kept.clear();
        }
        kept.insert(key, verified.clone());
        Ok(verified)
    }

    fn kept(&self) -> MutexGuard<'_, HashMap<[u8; 32], Verified>> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }
}
