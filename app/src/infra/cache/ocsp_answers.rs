//! Signed OCSP answers, reused while they still say what the database says
//! (issue 24). An answer to a request for one certificate without a nonce
//! (RFC 5019's clients send such; a nonce must be echoed, so its answer is
//! always new) is kept under the SHA-256 of the request's bytes with the
//! status it gives. The next identical
//! request reads the statuses from the database as every request does, and
//! gets the kept answer only when they are the same and it was signed less
//! than [`REUSE_FOR_MINUTES`] ago. A revocation on any instance changes
//! what that read returns, so the very next answer anywhere is signed anew.
//!
//! At most [`MAX_KEPT`] answers of one certificate each (about 1 KB): when
//! it is full, everything kept is dropped and kept anew. A client sending
//! many different requests can only make kanri sign each answer, as it
//! does without this cache.

use super::CacheMode;
use crate::domain::Timestamp;
use kanri_pki::{OcspCertStatus, Serial};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a signed answer is given again (its nextUpdate is later: an
/// answer is valid for `publication::OCSP_VALIDITY_MINUTES`).
pub const REUSE_FOR_MINUTES: i64 = 5;

/// The most answers one process keeps.
pub const MAX_KEPT: usize = 10_000;

/// A signed answer: its DER and its thisUpdate and nextUpdate.
#[derive(Clone, Debug)]
pub struct SignedAnswer {
    pub der: Vec<u8>,
    pub this_update: Timestamp,
    pub next_update: Timestamp,
}

#[derive(Debug)]
struct Kept {
    statuses: Vec<(Serial, OcspCertStatus)>,
    answer: SignedAnswer,
}

#[derive(Debug)]
pub struct OcspAnswerCache {
    mode: CacheMode,
    kept: Mutex<HashMap<[u8; 32], Kept>>,
}

/// What a request is kept under.
fn key_of(request: &[u8]) -> [u8; 32] {
    Sha256::digest(request).into()
}

impl OcspAnswerCache {
    pub fn new(mode: CacheMode) -> Self {
        Self {
            mode,
            kept: Mutex::new(HashMap::new()),
        }
    }

    /// The answer kept for `request`, if it gives exactly `statuses` (just
    /// read from the database) and was signed less than
    /// [`REUSE_FOR_MINUTES`] before `now`.
    pub fn reuse(
        &self,
        request: &[u8],
        statuses: &[(Serial, OcspCertStatus)],
        now: Timestamp,
    ) -> Option<SignedAnswer> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let kept = kept.get(&key_of(request))?;
        let fresh = now.0
            < kept.answer.this_update.0 + chrono::Duration::minutes(REUSE_FOR_MINUTES)
            && now.0 >= kept.answer.this_update.0;
        (fresh && kept.statuses == statuses).then(|| kept.answer.clone())
    }

    pub fn keep(
        &self,
        request: &[u8],
        statuses: Vec<(Serial, OcspCertStatus)>,
        answer: SignedAnswer,
    ) {
        if self.mode == CacheMode::Off {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let key = key_of(request);
        if kept.len() >= MAX_KEPT && !kept.contains_key(&key) {
            kept.clear();
        }
        kept.insert(key, Kept { statuses, answer });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn at(minute: i64) -> Timestamp {
        Timestamp(Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap() + Duration::minutes(minute))
    }

    fn answer(signed: i64) -> SignedAnswer {
        SignedAnswer {
            der: vec![signed as u8],
            this_update: at(signed),
            next_update: at(signed + 60),
        }
    }

    #[test]
    fn an_answer_is_given_again_only_for_the_same_statuses_while_fresh() {
        let serial = Serial::from_bytes([7; 16]).unwrap();
        let good = vec![(serial, OcspCertStatus::Good)];
        let revoked = vec![(
            serial,
            OcspCertStatus::Revoked {
                revoked_at: at(3).0,
                reason: kanri_pki::RevocationReason::KeyCompromise,
            },
        )];
        let cache = OcspAnswerCache::new(CacheMode::Keep);
        cache.keep(b"request", good.clone(), answer(0));
        assert_eq!(cache.reuse(b"request", &good, at(4)).unwrap().der, vec![0]);
        assert!(
            cache.reuse(b"request", &revoked, at(4)).is_none(),
            "status changed"
        );
        assert!(cache.reuse(b"other", &good, at(4)).is_none());
        assert!(
            cache
                .reuse(b"request", &good, at(REUSE_FOR_MINUTES))
                .is_none(),
            "too old"
        );
        assert!(
            cache.reuse(b"request", &good, at(-1)).is_none(),
            "clock went back"
        );
        let off = OcspAnswerCache::new(CacheMode::Off);
        off.keep(b"request", good.clone(), answer(0));
        assert!(off.reuse(b"request", &good, at(1)).is_none());
    }

    #[test]
    fn a_full_cache_starts_again_instead_of_growing() {
        let cache = OcspAnswerCache::new(CacheMode::Keep);
        for i in 0..MAX_KEPT + 1 {
            cache.keep(&i.to_be_bytes(), Vec::new(), answer(0));
        }
        let kept = cache.kept.lock().unwrap();
        assert_eq!(kept.len(), 1);
    }
}
