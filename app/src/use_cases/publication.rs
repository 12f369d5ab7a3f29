//! Revocation published (SPEC 7.6): the CRL at `/pki/crl` and OCSP at
//! `/pki/ocsp`, both from the one certificate status database, on any
//! instance.
//!
//! A CRL is stale when fewer revocations went into it than the database has
//! counted (every revocation bumps the counter in its own transaction), or
//! when half its 24 hours are gone. A stale CRL is never served: the request
//! that finds it makes the next one. Besides, every revocation asks for a
//! new CRL right after it commits, and a periodic job keeps it fresh.

use crate::db::certificates::{self, StoredCertificate};
use crate::db::crls::{self, StoredCrl};
use crate::domain::{CertificateSerial, CertificateState, RevocationReason, Timestamp};
use crate::error::AppError;
use crate::infra::pki::pki_reason;
use crate::state::AppState;
use chrono::Duration;
use kanri_pki::{ocsp_error_response, CrlSpec, OcspCertStatus, OcspErrorStatus, OcspTimes, Serial};

/// nextUpdate of a CRL (SPEC 7.6).
pub const CRL_VALIDITY_HOURS: i64 = 24;
/// A CRL is remade when this much of its validity is gone.
pub const CRL_REFRESH_HOURS: i64 = 12;
/// How long an OCSP answer may be cached (nextUpdate).
pub const OCSP_VALIDITY_MINUTES: i64 = 60;

fn is_fresh(crl: &StoredCrl, revocations: i64, now: Timestamp) -> bool {
    crl.revocations >= revocations && now.0 - crl.this_update.0 < Duration::hours(CRL_REFRESH_HOURS)
}

/// The CRL to serve: the stored one if fresh, else a new one.
pub async fn current_crl(state: &AppState) -> Result<StoredCrl, AppError> {
    let revocations = crls::revocations(state.db.pool()).await?;
    let now = state.clock.now();
    match crls::latest(state.db.pool()).await? {
        Some(crl) if is_fresh(&crl, revocations, now) => Ok(crl),
        _ => make_crl(state).await,
    }
}

/// Signs a new CRL of every revoked, unexpired certificate, with the next
/// number. Of two instances making the same number, one stores it and the
/// other serves that one (it was made from the same or a later state).
pub async fn make_crl(state: &AppState) -> Result<StoredCrl, AppError> {
    let pool = state.db.pool();
    // The counter first: every revocation it counts is visible to the list.
    let revocations = crls::revocations(pool).await?;
    let now = state.clock.now();
    let revoked = state.caches.crl_entries.current(&state.db, now).await?;
    let number = crls::latest_number(pool).await?.map_or(1, |n| n + 1);
    let this_update = now;
    let next_update = Timestamp(now.0 + Duration::hours(CRL_VALIDITY_HOURS));
    let pki = state.pki.clone();
    let der = tokio::task::spawn_blocking(move || {
        let spec = CrlSpec {
            number: number as u64,
            this_update: this_update.0,
            next_update: next_update.0,
        };
        pki.ca.build_crl(&spec, &revoked)
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|err| {
        tracing::error!(error = %err, "CRL signing failed");
        AppError::Internal
    })?;
    let crl = StoredCrl {
        number,
        revocations,
        this_update,
        next_update,
        der,
    };
    let mut tx = state.db.begin_write().await?;
    let stored = crls::insert(&mut tx, &crl).await?;
    tx.commit().await?;
    if stored {
        tracing::info!(number, revocations, "CRL signed");
        return Ok(crl);
    }
    crls::latest(pool).await?.ok_or(AppError::Internal)
}

/// Asks for a new CRL in the background right after a revocation commits:
/// published within a second, without the revocation waiting for it.
pub fn refresh_soon(state: &AppState) {
    let owned = state.clone();
    crate::infra::coalesce::spawn(&state.background.crl, move || {
        let state = owned.clone();
        async move {
            if let Err(err) = current_crl(&state).await {
                tracing::warn!(
                    ?err,
                    "CRL refresh after a revocation failed; the next request retries"
                );
            }
        }
    });
}

/// What OCSP says of one certificate in the database.
fn ocsp_status(stored: Option<StoredCertificate>) -> OcspCertStatus {
    match stored {
        None => OcspCertStatus::Unknown,
        Some(c) => match (c.state, c.revoked_at) {
            (CertificateState::Issued, _) => OcspCertStatus::Good,
            (CertificateState::Revoked, Some(at)) => OcspCertStatus::Revoked {
                revoked_at: at.0,
                reason: pki_reason(c.revocation_reason.unwrap_or(RevocationReason::Unspecified)),
            },
            // A record-only row replaced before kanri was a CA: no real
            // certificate has its serial, so nothing is vouched for.
            _ => OcspCertStatus::Unknown,
        },
    }
}

/// An OCSP response (RFC 6960) to a DER request: signed, with the nonce
/// echoed; `malformedRequest` for anything that is not a request, never an
/// error of the server.
/// An OCSP answer and, when it is a signed one, its thisUpdate and
/// nextUpdate: what an HTTP cache may know of it (RFC 5019 section 6). An
/// error answer is cached by nobody.
#[derive(Debug)]
pub struct OcspAnswer {
    pub der: Vec<u8>,
    pub signed: Option<(Timestamp, Timestamp)>,
}

impl OcspAnswer {
    pub fn error(status: OcspErrorStatus) -> Self {
        Self {
            der: ocsp_error_response(status),
            signed: None,
        }
    }
}

pub async fn ocsp_response(state: &AppState, request_der: &[u8]) -> OcspAnswer {
    let Ok(request) = state.pki.ca.parse_ocsp_request(request_der) else {
        return OcspAnswer::error(OcspErrorStatus::MalformedRequest);
    };
    if !request.concerns_this_ca() {
        return OcspAnswer::error(OcspErrorStatus::Unauthorized);
    }
    let mut statuses = Vec::new();
    for serial in request.serials() {
        let domain = CertificateSerial::from_bytes(*serial.as_bytes());
        match certificates::find_by_serial(state.db.pool(), &domain).await {
            Ok(stored) => statuses.push((serial, ocsp_status(stored))),
            Err(err) => {
                tracing::error!(error = %err, "OCSP lookup failed");
                return OcspAnswer::error(OcspErrorStatus::InternalError);
            }
        }
    }
    let now = state.clock.now();
    let times = OcspTimes {
        produced_at: now.0,
        this_update: now.0,
        next_update: Some(now.0 + Duration::minutes(OCSP_VALIDITY_MINUTES)),
    };
    let status_of = |serial: Serial| {
        statuses
            .iter()
            .find(|(s, _)| *s == serial)
            .map_or(OcspCertStatus::Unknown, |(_, status)| *status)
    };
    match state.pki.ca.sign_ocsp_response(&request, &times, status_of) {
        Ok(der) => OcspAnswer {
            der,
            signed: Some((
                now,
                Timestamp(now.0 + Duration::minutes(OCSP_VALIDITY_MINUTES)),
            )),
        },
        Err(_) => OcspAnswer::error(OcspErrorStatus::InternalError),
    }
}
