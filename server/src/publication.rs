//! What kanri's CA publishes to anyone: its certificate, the CRL and OCSP
//! (SPEC 7.6), and the key and checkpoints that vouch for 操作履歴
//! (SPEC 9.4). Not the certificates it issued: their subjects name login
//! IDs, so each is served only to the session it was issued in
//! (`certificate_forms::certificate_der`).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kanri_app::domain::Timestamp;
use kanri_app::state::AppState;
use kanri_app::use_cases::{audit_evidence, publication};

/// `GET /pki/ca.crt`: the issuing CA's certificate, PEM.
pub async fn ca_certificate(State(state): State<AppState>) -> Response {
    certificates(state.pki.ca.certificate_pem())
}

/// `GET /pki/root.crt`: the root's certificate, PEM (the issuing CA itself
/// when it is its own root).
pub async fn root_certificate(State(state): State<AppState>) -> Response {
    certificates(state.pki.root_pem())
}

/// `GET /pki/chain.pem`: the issuing CA and every certificate above it up
/// to the root, PEM (what `openssl verify -CAfile` and nginx take).
pub async fn ca_chain(State(state): State<AppState>) -> Response {
    certificates(state.pki.chain_pem())
}

fn certificates(pem: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/x-x509-ca-cert"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        pem,
    )
        .into_response()
}

/// `GET /pki/audit-key.pem`: the public key 操作履歴's checkpoints are
/// signed with (Ed25519, SubjectPublicKeyInfo PEM).
pub async fn audit_key(State(state): State<AppState>) -> Response {
    match audit_evidence::public_key_pem(&state).await {
        Ok(pem) => text("application/x-pem-file", pem),
        Err(err) => crate::middleware::error_response(err),
    }
}

/// `GET /pki/audit-checkpoints`: every signed checkpoint, oldest first.
pub async fn audit_checkpoints(State(state): State<AppState>) -> Response {
    match audit_evidence::published_checkpoints(&state).await {
        Ok(list) => text("text/plain; charset=utf-8", list),
        Err(err) => crate::middleware::error_response(err),
    }
}

fn text(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET /pki/crl`: the current CRL (DER) of the first issuing CA. Never a
/// stale one: a revocation committed on any instance makes the next
/// request sign a new CRL.
pub async fn crl(State(state): State<AppState>) -> Response {
    crl_response(&state, 1).await
}

/// `GET /pki/crl/<generation>`: the same for the issuing CA of that
/// generation (`ca-rollover`); 404 for any other path.
pub async fn crl_of_generation(
    State(state): State<AppState>,
    generation: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    // Digits only: "+2" or "02" would name the same CRL at a second address.
    let generation = generation.ok().and_then(|Path(text)| {
        let digits =
            !text.is_empty() && !text.starts_with('0') && text.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| text.parse::<i64>().ok()).flatten()
    });
    match generation {
        Some(generation) if generation > 1 => crl_response(&state, generation).await,
        _ => crate::middleware::error_response(kanri_app::error::AppError::NotFound),
    }
}

async fn crl_response(state: &AppState, issuer_generation: i64) -> Response {
    match publication::current_crl(state, issuer_generation).await {
        Ok(None) => crate::middleware::error_response(kanri_app::error::AppError::NotFound),
        Ok(Some(crl)) => (
            [
                (header::CONTENT_TYPE, "application/pkix-crl".to_owned()),
                (header::CACHE_CONTROL, "no-cache".to_owned()),
                (header::LAST_MODIFIED, crl.this_update.0.to_rfc2822()),
            ],
            crl.der,
        )
            .into_response(),
        Err(err) => crate::middleware::error_response(err),
    }
}

/// An OCSP answer with RFC 5019's caching headers: a signed answer (signed
/// just now, at its thisUpdate) may be kept until its nextUpdate and no
/// longer (an answer given again is older: its max-age is what is left of
/// it); an error answer not at all.
fn ocsp_answer(answer: publication::OcspAnswer) -> Response {
    let content_type = (header::CONTENT_TYPE, "application/ocsp-response".to_owned());
    match answer.signed {
        Some(publication::Signed {
            this_update,
            next_update,
            max_age_seconds: max_age,
        }) => (
            [
                content_type,
                (
                    header::CACHE_CONTROL,
                    format!("max-age={max_age}, public, no-transform, must-revalidate"),
                ),
                (header::LAST_MODIFIED, http_date(this_update)),
                (header::EXPIRES, http_date(next_update)),
            ],
            answer.der,
        )
            .into_response(),
        None => (
            [content_type, (header::CACHE_CONTROL, "no-store".to_owned())],
            answer.der,
        )
            .into_response(),
    }
}

/// An HTTP date (RFC 9110 section 5.6.7).
fn http_date(t: Timestamp) -> String {
    t.0.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `POST /pki/ocsp` (RFC 6960 appendix A): the DER request is the body.
pub async fn ocsp_post(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let answer = publication::ocsp_response(&state, &body).await;
    ocsp_answer(answer)
}

/// `GET /pki/ocsp/<base64 of the DER request>`. A path that is not even
/// text is as malformed as bad base64.
pub async fn ocsp_get(
    State(state): State<AppState>,
    encoded: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    let decoded = encoded
        .ok()
        .and_then(|Path(encoded)| kanri_pki::decode_get_request(&encoded).ok());
    let answer = match decoded {
        Some(der) => publication::ocsp_response(&state, &der).await,
        None => publication::OcspAnswer::error(kanri_pki::OcspErrorStatus::MalformedRequest),
    };
    ocsp_answer(answer)
}
