//! Every memory cache of kanri, here and nowhere else. Each keeps what a
//! database read or a signature check would give again, and each has a
//! plain mode that keeps nothing (`KANRI_CACHES=off`, [`CacheMode::Off`]),
//! so that the tests can run every path with and without it and compare.
//!
//! - [`SignatureCache`]: client certificates whose CA signature verified
//!   (on the request path of 電子証明書方式). A signature never stops being
//!   valid, so nothing can make an entry stale; dates and the certificate's
//!   state are checked on every request all the same.
//! - [`CrlEntryCache`]: the CRL's revoked entries, topped up from the
//!   database by revocation number (a counter every instance's writes
//!   advance in commit order), so a write on any instance is in the next
//!   CRL of every other.
//! - [`ResponderCache`]: the delegated OCSP responder, opened, while it is
//!   far from its expiry.
//! - [`OcspAnswerCache`]: signed OCSP answers to requests without a nonce,
//!   given again for a few minutes while the statuses read from the
//!   database for that very request are the same.
//!
//! Nothing else is kept between requests: sessions, users, contracts and
//! certificates' states are read from the database every time.

mod crl_entries;
mod ocsp_answers;
mod ocsp_responder;
mod signatures;

pub use crl_entries::CrlEntryCache;
pub use ocsp_answers::{OcspAnswerCache, SignedAnswer};
pub use ocsp_responder::ResponderCache;
pub use signatures::SignatureCache;

/// Whether the caches keep anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// The default: keep, as described above.
    #[default]
    Keep,
    /// Keep nothing: every check and every CRL reads everything again.
    Off,
}

/// The caches of one process.
#[derive(Debug)]
pub struct Caches {
    pub signatures: SignatureCache,
    pub crl_entries: CrlEntryCache,
    pub ocsp_responder: ResponderCache,
    pub ocsp_answers: OcspAnswerCache,
}

impl Caches {
    pub fn new(mode: CacheMode) -> Self {
        Self {
            signatures: SignatureCache::new(mode),
            crl_entries: CrlEntryCache::new(mode),
            ocsp_responder: ResponderCache::new(mode),
            ocsp_answers: OcspAnswerCache::new(mode),
        }
    }
}
