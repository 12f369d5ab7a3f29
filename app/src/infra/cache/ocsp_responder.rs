//! The delegated OCSP responders in use, one per issuing CA, opened:
//! unsealing a key costs PBKDF2 rounds, so each process keeps the one it
//! opened for each issuer while it is far from its expiry, and asks the
//! database again when it comes near (then takes the newest, or makes the
//! next: `use_cases::publication`). No write elsewhere can make it wrong: a
//! newer responder only adds a second valid one, and the kept one is given
//! up before it expires.

use super::CacheMode;
use crate::domain::Timestamp;
use kanri_pki::OcspResponder;
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct ResponderCache {
    mode: CacheMode,
    /// By the generation of the issuing CA that certified each.
    kept: Mutex<Vec<(i64, Arc<OcspResponder>)>>,
    /// Held while one request opens or makes a responder, so that a burst
    /// of OCSP requests at the renewal point does that work once, not once
    /// per request.
    renewing: tokio::sync::Mutex<()>,
}

impl ResponderCache {
    pub fn new(mode: CacheMode) -> Self {
        Self {
            mode,
            kept: Mutex::new(Vec::new()),
            renewing: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits for any other renewal in this process to finish.
    pub async fn renewal(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.renewing.lock().await
    }

    /// The kept responder of the issuing CA of `issuer_generation` if it
    /// is valid beyond `until`.
    pub fn valid_beyond(
        &self,
        issuer_generation: i64,
        until: Timestamp,
    ) -> Option<Arc<OcspResponder>> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter()
            .find(|(issuer, r)| *issuer == issuer_generation && r.not_after() > until.0)
            .map(|(_, r)| r.clone())
    }

    pub fn keep(&self, issuer_generation: i64, responder: Arc<OcspResponder>) {
        if self.mode == CacheMode::Keep {
            let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
            kept.retain(|(issuer, _)| *issuer != issuer_generation);
            kept.push((issuer_generation, responder));
        }
    }
}
