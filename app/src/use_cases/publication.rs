//! Revocation published (SPEC 7.6): the CRL at `/pki/crl` and OCSP at
//! `/pki/ocsp`, both from the one certificate status database, on any
//! instance. After a `ca-rollover` each issuing CA has its own CRL (the
//! next ones at `/pki/crl/<generation>`) and its own OCSP responder: a
//! certificate's status is published in the name of the CA that signed it.
//!
//! A CRL is stale when fewer revocations went into it than the database has
//! counted (every revocation bumps the counter in its own transaction), or
//! when half its 24 hours are gone. A stale CRL is never served: the request
//! that finds it makes the next one. Besides, every revocation asks for a
//! new CRL right after it commits, and a periodic job keeps it fresh.

use crate::db::certificates::{self, StoredCertificate};
use crate::db::crls::{self, StoredCrl};
use crate::db::ocsp_responders::{self, StoredResponder};
use crate::domain::{CertificateSerial, CertificateState, RevocationReason, Timestamp};
use crate::error::AppError;
use crate::infra::cache::SignedAnswer;
use crate::infra::pki::Pki;
use crate::infra::pki::{held_to_pki, pki_reason};
use crate::state::AppState;
use chrono::Duration;
use kanri_pki::{
    ocsp_error_response, CrlSpec, OcspCertStatus, OcspErrorStatus, OcspResponder, OcspTimes, Serial,
};
use std::sync::Arc;

/// nextUpdate of a CRL (SPEC 7.6).
pub const CRL_VALIDITY_HOURS: i64 = 24;
/// A CRL is remade when this much of its validity is gone.
pub const CRL_REFRESH_HOURS: i64 = 12;
/// How long an OCSP answer may be cached (nextUpdate).
pub const OCSP_VALIDITY_MINUTES: i64 = 60;
/// How long a delegated responder's certificate is valid…
pub const RESPONDER_VALIDITY_DAYS: i64 = 4;
/// …and how much of it must be left for it to keep answering: the next one
/// is made by then, so a killed instance or a quiet day leaves no gap, and
/// no answer (valid [`OCSP_VALIDITY_MINUTES`]) outlives the certificate
/// that signed it.
pub const RESPONDER_RENEWED_DAYS_BEFORE: i64 = 2;

fn is_fresh(crl: &StoredCrl, revocations: i64, now: Timestamp) -> bool {
    crl.revocations >= revocations && now.0 - crl.this_update.0 < Duration::hours(CRL_REFRESH_HOURS)
}

/// The CRL of the issuing CA of `issuer_generation` to serve: the stored
/// one if fresh, else a new one. `None`: no such issuing CA.
pub async fn current_crl(
    state: &AppState,
    issuer_generation: i64,
) -> Result<Option<StoredCrl>, AppError> {
    if state.pki.issuer(issuer_generation).is_none() {
        return Ok(None);
    }
    let revocations = crls::revocations(state.db.pool()).await?;
    let now = state.clock.now();
    match crls::latest(state.db.pool(), issuer_generation).await? {
        Some(crl) if is_fresh(&crl, revocations, now) => Ok(Some(crl)),
        _ => make_crl(state, issuer_generation).await.map(Some),
    }
}

/// Signs a new CRL of every revoked or held (certificateHold), unexpired
/// certificate of the issuing CA of `issuer_generation`, with the next number (numbers increase
/// across all issuers). Of two instances making the same number, one
/// stores it; the other serves that one when it is its issuer's and made
/// from the same or a later state, else makes the next.
pub async fn make_crl(state: &AppState, issuer_generation: i64) -> Result<StoredCrl, AppError> {
    // Another issuer's CRL may take the number: then once more.
    for _ in 0..5 {
        if let Some(crl) = try_make_crl(state, issuer_generation).await? {
            return Ok(crl);
        }
    }
    Err(AppError::Internal)
}

async fn try_make_crl(
    state: &AppState,
    issuer_generation: i64,
) -> Result<Option<StoredCrl>, AppError> {
    let pool = state.db.pool();
    // The counter first: every revocation it counts is visible to the list.
    let revocations = crls::revocations(pool).await?;
    let now = state.clock.now();
    let mut revoked = state
        .caches
        .crl_entries
        .current(&state.db, now, issuer_generation)
        .await?;
    // Holds come and go, so they are read afresh, not kept (they are few).
    let held = crls::held(pool, issuer_generation, now).await?;
    revoked.extend(held.iter().filter_map(held_to_pki));
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
        issuer_of(&pki, issuer_generation)?
            .build_crl(&spec, &revoked)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|err| {
        tracing::error!(error = %err, "CRL signing failed");
        AppError::Internal
    })?;
    let crl = StoredCrl {
        issuer_generation,
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
        tracing::info!(number, issuer_generation, revocations, "CRL signed");
        return Ok(Some(crl));
    }
    // Lost the number: to this issuer's CRL made from the same or a later
    // state (serve that one), or to another issuer's (then again).
    Ok(crls::latest(pool, issuer_generation)
        .await?
        .filter(|winner| winner.revocations >= revocations))
}

/// Every issuing CA's CRL made anew if stale (after a revocation, and by
/// the periodic job).
/// One issuer's failure does not keep the others' CRLs stale: each is
/// tried, and the first failure is returned.
pub async fn refresh_crls(state: &AppState) -> Result<(), AppError> {
    let generations: Vec<i64> = state.pki.issuers().map(|(g, _)| g).collect();
    let mut outcome = Ok(());
    for generation in generations {
        if let Err(err) = current_crl(state, generation).await {
            tracing::warn!(?err, generation, "CRL refresh failed");
            outcome = outcome.and(Err(err));
        }
    }
    outcome
}

/// Asks for new CRLs in the background right after a revocation commits:
/// published within a second, without the revocation waiting for it.
pub fn refresh_soon(state: &AppState) {
    let owned = state.clone();
    crate::infra::coalesce::spawn(&state.background.crl, move || {
        let state = owned.clone();
        async move {
            if let Err(err) = refresh_crls(&state).await {
                tracing::warn!(
                    ?err,
                    "CRL refresh after a revocation failed; the next request retries"
                );
            }
        }
    });
}

/// What OCSP says, in the name of the issuing CA of `issuer_generation`,
/// of one certificate in the database: nothing of another issuer's.
fn ocsp_status(stored: Option<StoredCertificate>, issuer_generation: i64) -> OcspCertStatus {
    match stored.filter(|c| c.issuer_generation == issuer_generation) {
        None => OcspCertStatus::Unknown,
        Some(c) => match (c.state, c.revoked_at) {
            // 一時停止: revoked for now, reason certificateHold (RFC 6960 4.2.1).
            _ if c.is_held() => OcspCertStatus::Revoked {
                revoked_at: c.suspended_at.map_or(c.not_after.0, |at| at.0),
                reason: kanri_pki::RevocationReason::CertificateHold,
            },
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
/// An OCSP answer and, when it is a signed one, what an HTTP cache may
/// know of it (RFC 5019 section 6). An error answer is cached by nobody.
#[derive(Debug)]
pub struct OcspAnswer {
    pub der: Vec<u8>,
    pub signed: Option<Signed>,
}

/// A signed answer's thisUpdate and nextUpdate, and how long a cache may
/// keep it from now: all of its validity when just signed, what is left of
/// it when given again.
#[derive(Clone, Copy, Debug)]
pub struct Signed {
    pub this_update: Timestamp,
    pub next_update: Timestamp,
    pub max_age_seconds: i64,
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
    let (answer, statuses) = answer_ocsp(state, request_der).await;
    // What operators count (`/metrics`): each certificate's status in a
    // signed answer, or the one unsigned error answer.
    if answer.signed.is_none() {
        state.metrics.ocsp_answer("error");
    }
    for status in statuses {
        state.metrics.ocsp_answer(match status {
            OcspCertStatus::Good => "good",
            OcspCertStatus::Revoked { .. } => "revoked",
            OcspCertStatus::Unknown => "unknown",
        });
    }
    answer
}

/// [`ocsp_response`]'s answer, with the statuses it gives (none when it
/// is an error answer).
async fn answer_ocsp(state: &AppState, request_der: &[u8]) -> (OcspAnswer, Vec<OcspCertStatus>) {
    let error = |status| (OcspAnswer::error(status), Vec::new());
    // The issuing CA the request names (the first that matches, the current
    // one tried first, when it names several: the others' certificates are
    // then answered `unknown`).
    let mut parsed = None;
    for (generation, ca) in state.pki.issuers() {
        let Ok(request) = ca.parse_ocsp_request(request_der) else {
            return error(OcspErrorStatus::MalformedRequest);
        };
        if request.concerns_this_ca() {
            parsed = Some((generation, ca, request));
            break;
        }
    }
    let Some((issuer_generation, issuer, request)) = parsed else {
        return error(OcspErrorStatus::Unauthorized);
    };
    let responder = match ocsp_responder(state, issuer_generation).await {
        Ok(responder) => responder,
        Err(err) => {
            tracing::error!(error = %err, "no OCSP responder");
            return error(OcspErrorStatus::InternalError);
        }
    };
    let mut statuses = Vec::new();
    for serial in request.serials() {
        let domain = CertificateSerial::from_bytes(*serial.as_bytes());
        match certificates::find_by_serial(state.db.pool(), &domain).await {
            Ok(stored) => statuses.push((serial, ocsp_status(stored, issuer_generation))),
            Err(err) => {
                tracing::error!(error = %err, "OCSP lookup failed");
                return error(OcspErrorStatus::InternalError);
            }
        }
    }
    let now = state.clock.now();
    // An answer for one certificate without a nonce may be given again
    // while it says what the database just said (infra::cache::ocsp_answers).
    let reusable = request.nonce().is_none() && request.certs().len() == 1;
    let given: Vec<OcspCertStatus> = statuses.iter().map(|(_, status)| *status).collect();
    if reusable {
        if let Some(kept) = state.caches.ocsp_answers.reuse(request_der, &statuses, now) {
            let left = (kept.next_update.0 - now.0).num_seconds().max(0);
            let answer = OcspAnswer {
                der: kept.der,
                signed: Some(Signed {
                    this_update: kept.this_update,
                    next_update: kept.next_update,
                    max_age_seconds: left,
                }),
            };
            return (answer, given);
        }
    }
    let next_update = Timestamp(now.0 + Duration::minutes(OCSP_VALIDITY_MINUTES));
    let times = OcspTimes {
        produced_at: now.0,
        this_update: now.0,
        next_update: Some(next_update.0),
    };
    let status_of = |serial: Serial| {
        statuses
            .iter()
            .find(|(s, _)| *s == serial)
            .map_or(OcspCertStatus::Unknown, |(_, status)| *status)
    };
    match issuer.sign_ocsp_response(&responder, &request, &times, status_of) {
        Ok(der) => {
            if reusable {
                let signed = SignedAnswer {
                    der: der.clone(),
                    this_update: now,
                    next_update,
                };
                state
                    .caches
                    .ocsp_answers
                    .keep(request_der, statuses, signed);
            }
            let answer = OcspAnswer {
                der,
                signed: Some(Signed {
                    this_update: now,
                    next_update,
                    max_age_seconds: OCSP_VALIDITY_MINUTES * 60,
                }),
            };
            (answer, given)
        }
        Err(_) => error(OcspErrorStatus::InternalError),
    }
}

/// The delegated responder that signs the OCSP answers of the issuing CA
/// of `issuer_generation`: the one this process keeps while it has more
/// than [`RESPONDER_RENEWED_DAYS_BEFORE`] days left, else the newest stored
/// one if that has (and opens), else a new generation, made by whichever
/// instance stores it first (the others take the winner's). One request
/// per process does this at a time.
pub async fn ocsp_responder(
    state: &AppState,
    issuer_generation: i64,
) -> Result<Arc<OcspResponder>, AppError> {
    let keep_until =
        || Timestamp(state.clock.now().0 + Duration::days(RESPONDER_RENEWED_DAYS_BEFORE));
    let kept = |until| {
        state
            .caches
            .ocsp_responder
            .valid_beyond(issuer_generation, until)
    };
    if let Some(responder) = kept(keep_until()) {
        return Ok(responder);
    }
    let _renewing = state.caches.ocsp_responder.renewal().await;
    if let Some(responder) = kept(keep_until()) {
        return Ok(responder);
    }
    // Three times at most: a lost race is followed by taking the winner's
    // (or, when another issuer's responder took the generation, a retry).
    for _ in 0..3 {
        let latest = ocsp_responders::latest(state.db.pool(), issuer_generation).await?;
        if let Some(stored) = latest
            .responder
            .as_ref()
            .filter(|s| s.not_after > keep_until())
        {
            let pki = state.pki.clone();
            let (der, sealed) = (
                stored.certificate_der.clone(),
                stored.sealed_key_pem.clone(),
            );
            let opened = tokio::task::spawn_blocking(move || {
                issuer_of(&pki, issuer_generation)?
                    .open_ocsp_responder(&der, &sealed)
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|_| AppError::Internal)?;
            match opened {
                Ok(opened) => {
                    let responder = Arc::new(opened);
                    state
                        .caches
                        .ocsp_responder
                        .keep(issuer_generation, responder.clone());
                    return Ok(responder);
                }
                // Not openable (sealed under another CA's key, or the
                // passphrase before, or not kanri's): a new generation.
                Err(err) => {
                    tracing::warn!(error = %err, generation = stored.generation, "stored OCSP responder unusable")
                }
            }
        }
        let generation = latest.next_generation;
        let now = state.clock.now();
        // An hour back: a relying party whose clock is a little behind.
        let not_before = now.0 - Duration::hours(1);
        let validity = Duration::days(RESPONDER_VALIDITY_DAYS) + Duration::hours(1);
        let pki = state.pki.clone();
        let (responder, sealed) = tokio::task::spawn_blocking(move || {
            let ca = issuer_of(&pki, issuer_generation)?;
            let responder = ca
                .issue_ocsp_responder(not_before, validity)
                .map_err(|e| e.to_string())?;
            let sealed = responder.seal_key(ca).map_err(|e| e.to_string())?;
            Ok::<_, String>((responder, sealed))
        })
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(ca_failed)?;
        let stored = StoredResponder {
            generation,
            issuer_generation,
            certificate_der: responder.certificate_der().to_vec(),
            sealed_key_pem: sealed,
            not_after: Timestamp(responder.not_after()),
        };
        let mut tx = state.db.begin_write().await?;
        let won =
            ocsp_responders::insert_next(&mut tx, &stored, Timestamp(responder.not_before()), now)
                .await?;
        tx.commit().await?;
        if won {
            tracing::info!(
                generation,
                issuer_generation,
                "new OCSP responder certificate"
            );
            let responder = Arc::new(responder);
            state
                .caches
                .ocsp_responder
                .keep(issuer_generation, responder.clone());
            return Ok(responder);
        }
    }
    Err(AppError::Internal)
}

/// The issuing CA of `generation`; an error to log when there is none.
fn issuer_of(pki: &Pki, generation: i64) -> Result<&kanri_pki::Ca, String> {
    pki.issuer(generation)
        .ok_or_else(|| format!("no issuing CA of generation {generation}"))
}

fn ca_failed(err: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %err, "OCSP responder");
    AppError::Internal
}
