//! The CRL's entries in memory, so that the CRL a revocation asks for reads
//! only the revocations since the last one, not all of them: at 100,000
//! revoked certificates the whole list took longer to read than the 100 ms
//! a new CRL may take (bench/NOTES.md).
//!
//! Correct with several instances because what is new is decided by the
//! database, not by this process: every revocation takes a number in commit
//! order (`revocation_seq`, given by a trigger: migration 20261201000001), so a
//! read that saw number n has seen every revocation numbered below it, and
//! the next read asks for the numbers above the highest seen. A revoked
//! certificate never becomes valid again, so an entry only ever leaves by
//! its certificate's expiry, which is known here. That is why the CRL's
//! certificateHold entries (一時停止, which leave again at 再開) are not
//! kept here: `publication::make_crl` reads them afresh each time.

use super::CacheMode;
use crate::db::crls;
use crate::db::Db;
use crate::domain::Timestamp;
use crate::infra::pki::to_pki;
use kanri_pki::RevokedCertificate;

#[derive(Debug)]
pub struct CrlEntryCache {
    mode: CacheMode,
    kept: tokio::sync::Mutex<Kept>,
}

#[derive(Debug)]
struct Kept {
    /// The highest revocation number read; -1 before the first read.
    after: i64,
    /// Each with its certificate's 有効期限 and its issuer's generation.
    entries: Vec<(RevokedCertificate, Timestamp, i64)>,
}

impl Kept {
    /// Before the first read, which therefore reads every revoked
    /// certificate (numbered or 0).
    fn nothing() -> Self {
        Self {
            after: -1,
            entries: Vec::new(),
        }
    }
}

impl CrlEntryCache {
    pub fn new(mode: CacheMode) -> Self {
        Self {
            mode,
            kept: tokio::sync::Mutex::new(Kept::nothing()),
        }
    }

    /// Every certificate of the issuing CA of `issuer_generation` revoked
    /// and within its validity at `now`, as its CRL lists them. One read at
    /// a time per process: two CRLs asked for at once share the second's
    /// read instead of racing to append.
    pub async fn current(
        &self,
        db: &Db,
        now: Timestamp,
        issuer_generation: i64,
    ) -> Result<Vec<RevokedCertificate>, sqlx::Error> {
        let mut kept = self.kept.lock().await;
        if self.mode == CacheMode::Off {
            *kept = Kept::nothing();
        }
        let new = crls::revoked_since(db, kept.after, now).await?;
        kept.entries.retain(|(_, not_after, _)| *not_after > now);
        for entry in &new {
            kept.after = kept.after.max(entry.seq);
            if let Some(revoked) = to_pki(entry) {
                kept.entries
                    .push((revoked, entry.not_after, entry.issuer_generation));
            }
        }
        Ok(kept
            .entries
            .iter()
            .filter(|(_, _, issuer)| *issuer == issuer_generation)
            .map(|(revoked, _, _)| *revoked)
            .collect())
    }
}
