//! The delegated OCSP responder in use, opened: unsealing its key costs
//! PBKDF2 rounds, so each process keeps the one it opened while it is far
//! from its expiry, and asks the database again when it comes near (then
//! takes the newest, or makes the next: `use_cases::publication`). No write
//! elsewhere can make it wrong: a newer responder only adds a second valid
//! one, and the kept one is given up before it expires.

use super::CacheMode;
use crate::domain::Timestamp;
use kanri_pki::OcspResponder;
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct ResponderCache {
    mode: CacheMode,
    kept: Mutex<Option<Arc<OcspResponder>>>,
    /// Held while one request opens or makes a responder, so that a burst
    /// of OCSP requests at the renewal point does that work once, not once
    /// per request.
    renewing: tokio::sync::Mutex<()>,
}

impl ResponderCache {
    pub fn new(mode: CacheMode) -> Self {
        Self {
            mode,
            kept: Mutex::new(None),
            renewing: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits for any other renewal in this process to finish.
    pub async fn renewal(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.renewing.lock().await
    }

    /// The kept responder if it is valid beyond `until`.
    pub fn valid_beyond(&self, until: Timestamp) -> Option<Arc<OcspResponder>> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.as_ref().filter(|r| r.not_after() > until.0).cloned()
    }

    pub fn keep(&self, responder: Arc<OcspResponder>) {
        if self.mode == CacheMode::Keep {
            *self.kept.lock().unwrap_or_else(|p| p.into_inner()) = Some(responder);
        }
    }
}
