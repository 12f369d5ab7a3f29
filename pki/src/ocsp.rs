//! The OCSP responder's protocol half (RFC 6960): read a request, decide which
//! CertIDs name certificates of this CA, and sign the answer with the
//! delegated responder's key (`responder.rs`).
//!
//! The caller owns the status lookup, so the flow is two steps:
//! [`Ca::parse_ocsp_request`] yields the serials to look up (async, in the
//! database), then [`Ca::sign_ocsp_response`] answers with a closure over the
//! looked-up statuses. [`Ca::respond_ocsp`] does both and never fails: every
//! problem becomes one of the unsigned error responses, so garbage input can
//! only produce `malformedRequest`.
//!
//! The response is signed by the delegated responder, not by the CA, so the
//! CA key is not used on every request: responderID byKey (the responder's
//! key), ecdsa-with-SHA256, and the responder's certificate in `certs` so
//! that a client verifies it against the CA (RFC 6960 section 4.2.2.2). The
//! ASN.1 comes from `x509-ocsp`; the signature from rcgen's key, so there is
//! one key abstraction.

use chrono::{DateTime, Utc};
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ID_SHA_1, ID_SHA_256};
use const_oid::db::rfc6960::ID_PKIX_OCSP_NONCE;
use der::asn1::{BitString, OctetString, OctetStringRef};
use der::{Decode, Encode};
use ring::digest;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::Extension;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspResponse, ResponderId,
    ResponseData, RevokedInfo, SingleResponse, Version,
};

use crate::ca::Ca;
use crate::crl::RevocationReason;
use crate::responder::OcspResponder;
use crate::serial::Serial;
use crate::timeconv::{self, TimeOutOfRange};

/// Larger requests are malformed (one CertID with a nonce is ~120 bytes).
pub const MAX_OCSP_REQUEST_BYTES: usize = 8 * 1024;
/// More CertIDs in one request are malformed: browsers ask for one, and the
/// answer costs a lookup each.
pub const MAX_CERT_IDS: usize = 32;
/// RFC 8954: a nonce is 1 to 32 octets.
pub const MAX_NONCE_BYTES: usize = 32;

/// Why a request could not be answered with a signed response.
#[derive(Debug, thiserror::Error)]
pub enum OcspError {
    /// Not a (reasonable) OCSPRequest: answer `malformedRequest`.
    #[error("malformed OCSP request")]
    Malformed,
    /// A time cannot be encoded: answer `internalError`.
    #[error(transparent)]
    Time(#[from] TimeOutOfRange),
    /// Signing failed: answer `internalError`.
    #[error("signing the OCSP response failed: {0}")]
    Signing(#[source] rcgen::Error),
    /// Encoding failed: answer `internalError`.
    #[error("encoding the OCSP response failed")]
    Encoding,
}

impl OcspError {
    /// The unsigned response status that reports this error.
    pub fn status(&self) -> OcspErrorStatus {
        match self {
            Self::Malformed => OcspErrorStatus::MalformedRequest,
            _ => OcspErrorStatus::InternalError,
        }
    }
}

/// The unsigned OCSPResponseStatus values kanri sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspErrorStatus {
    /// 1: the request could not be parsed.
    MalformedRequest = 1,
    /// 2: our fault.
    InternalError = 2,
    /// 3: try again later (e.g. the database is unavailable).
    TryLater = 3,
    /// 6: none of the certificates asked about is this CA's.
    Unauthorized = 6,
}

/// The DER of an unsigned error response (`OCSPResponse` with only a status).
pub fn ocsp_error_response(status: OcspErrorStatus) -> Vec<u8> {
    // SEQUENCE { ENUMERATED status }: fixed bytes, nothing to fail.
    vec![0x30, 0x03, 0x0a, 0x01, status as u8]
}

/// The hash algorithm of a CertID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertIdHash {
    /// SHA-1 (what most clients still send).
    Sha1,
    /// SHA-256.
    Sha256,
}

/// One CertID of a request, with what this CA makes of it.
#[derive(Debug, Clone)]
pub struct RequestedCert {
    cert_id: CertId,
    hash: Option<CertIdHash>,
    issued_by_us: bool,
    serial: Option<Serial>,
}

impl RequestedCert {
    /// The CertID's hash algorithm (`None`: one we do not compute).
    pub fn hash(&self) -> Option<CertIdHash> {
        self.hash
    }

    /// True when issuerNameHash and issuerKeyHash are this CA's.
    pub fn issued_by_this_ca(&self) -> bool {
        self.issued_by_us
    }

    /// The serial to look up: `Some` only for this CA and a kanri-shaped
    /// serial. Anything else is answered `unknown`.
    pub fn serial(&self) -> Option<Serial> {
        self.serial
    }

    /// The serial as requested (DER INTEGER contents), e.g. for logging.
    pub fn raw_serial(&self) -> &[u8] {
        self.cert_id.serial_number.as_bytes()
    }
}

/// A parsed OCSP request.
#[derive(Debug, Clone)]
pub struct OcspRequest {
    certs: Vec<RequestedCert>,
    nonce: Option<Vec<u8>>,
}

impl OcspRequest {
    /// The CertIDs, in request order (the response keeps the order).
    pub fn certs(&self) -> &[RequestedCert] {
        &self.certs
    }

    /// The serials of this CA to look up.
    pub fn serials(&self) -> impl Iterator<Item = Serial> + '_ {
        self.certs.iter().filter_map(RequestedCert::serial)
    }

    /// The nonce extension's value (echoed verbatim in the response).
    pub fn nonce(&self) -> Option<&[u8]> {
        self.nonce.as_deref()
    }

    /// False when no CertID names this CA: answer `unauthorized`.
    pub fn concerns_this_ca(&self) -> bool {
        self.certs.iter().any(RequestedCert::issued_by_this_ca)
    }
}

/// The status the caller assigns to one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcspCertStatus {
    /// Issued and not revoked.
    Good,
    /// Revoked at this time for this reason.
    Revoked {
        /// When.
        revoked_at: DateTime<Utc>,
        /// Why.
        reason: RevocationReason,
    },
    /// Not a certificate we know.
    Unknown,
}

/// The times of a response, decided by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OcspTimes {
    /// When the response is signed.
    pub produced_at: DateTime<Utc>,
    /// When the status was known to be correct.
    pub this_update: DateTime<Utc>,
    /// When newer information will be available (`None`: any time).
    pub next_update: Option<DateTime<Utc>>,
}

impl Ca {
    /// Parses a DER OCSPRequest and matches each CertID against this CA.
    /// A signed request is accepted, its signature ignored (RFC 6960 leaves
    /// requiring signatures to the responder; kanri answers anyone).
    pub fn parse_ocsp_request(&self, der: &[u8]) -> Result<OcspRequest, OcspError> {
        if der.len() > MAX_OCSP_REQUEST_BYTES {
            return Err(OcspError::Malformed);
        }
        let request = x509_ocsp::OcspRequest::from_der(der).map_err(|_| OcspError::Malformed)?;
        let tbs = request.tbs_request;
        if tbs.request_list.is_empty() || tbs.request_list.len() > MAX_CERT_IDS {
            return Err(OcspError::Malformed);
        }
        let nonce = request_nonce(tbs.request_extensions.as_deref())?;
        let certs = tbs
            .request_list
            .into_iter()
            .map(|r| self.match_cert_id(r.req_cert))
            .collect();
        Ok(OcspRequest { certs, nonce })
    }

    /// Signs a BasicOCSPResponse answering every CertID of `request` in
    /// order: `status_of` for this CA's serials, `unknown` for the rest.
    pub fn sign_ocsp_response(
        &self,
        responder: &OcspResponder,
        request: &OcspRequest,
        times: &OcspTimes,
        mut status_of: impl FnMut(Serial) -> OcspCertStatus,
    ) -> Result<Vec<u8>, OcspError> {
        let this_update = generalized(times.this_update)?;
        let next_update = times.next_update.map(generalized).transpose()?;
        let responses = request
            .certs
            .iter()
            .map(|cert| {
                let status = cert.serial.map_or(OcspCertStatus::Unknown, &mut status_of);
                Ok(SingleResponse {
                    cert_id: cert.cert_id.clone(),
                    cert_status: cert_status(status)?,
                    this_update,
                    next_update,
                    single_extensions: None,
                })
            })
            .collect::<Result<Vec<_>, OcspError>>()?;
        let tbs = ResponseData {
            version: Version::V1,
            responder_id: ResponderId::ByKey(key_hash(&responder.public_key)?),
            produced_at: generalized(times.produced_at)?,
            responses,
            response_extensions: nonce_extension(request.nonce())?,
        };
        sign_response_data(responder, tbs)
    }

    /// Parse, check and sign in one call; never fails. Garbage gives
    /// `malformedRequest`, a request about other CAs only `unauthorized`,
    /// an internal failure `internalError`.
    pub fn respond_ocsp(
        &self,
        responder: &OcspResponder,
        der: &[u8],
        times: &OcspTimes,
        status_of: impl FnMut(Serial) -> OcspCertStatus,
    ) -> Vec<u8> {
        let request = match self.parse_ocsp_request(der) {
            Ok(request) => request,
            Err(e) => return ocsp_error_response(e.status()),
        };
        if !request.concerns_this_ca() {
            return ocsp_error_response(OcspErrorStatus::Unauthorized);
        }
        self.sign_ocsp_response(responder, &request, times, status_of)
            .unwrap_or_else(|e| ocsp_error_response(e.status()))
    }

    fn match_cert_id(&self, cert_id: CertId) -> RequestedCert {
        let hash = match cert_id.hash_algorithm.oid {
            ID_SHA_1 => Some(CertIdHash::Sha1),
            ID_SHA_256 => Some(CertIdHash::Sha256),
            _ => None,
        };
        let issued_by_us = hash.is_some_and(|h| {
            let algorithm = match h {
                CertIdHash::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
                CertIdHash::Sha256 => &digest::SHA256,
            };
            digest::digest(algorithm, &self.subject_der).as_ref()
                == cert_id.issuer_name_hash.as_bytes()
                && digest::digest(algorithm, &self.public_key).as_ref()
                    == cert_id.issuer_key_hash.as_bytes()
        });
        let serial = issued_by_us
            .then(|| Serial::from_der_integer(cert_id.serial_number.as_bytes()))
            .flatten();
        RequestedCert {
            cert_id,
            hash,
            issued_by_us,
            serial,
        }
    }
}

/// RFC 6960 KeyHash: SHA-1 of the subjectPublicKey BIT STRING contents.
fn key_hash(public_key: &[u8]) -> Result<OctetString, OcspError> {
    let hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, public_key);
    OctetString::new(hash.as_ref()).map_err(|_| OcspError::Encoding)
}

fn sign_response_data(responder: &OcspResponder, tbs: ResponseData) -> Result<Vec<u8>, OcspError> {
    let tbs_der = tbs.to_der().map_err(|_| OcspError::Encoding)?;
    let signature = responder.sign(&tbs_der).map_err(OcspError::Signing)?;
    let certificate = x509_cert::Certificate::from_der(responder.certificate_der())
        .map_err(|_| OcspError::Encoding)?;
    let basic = BasicOcspResponse {
        tbs_response_data: tbs,
        signature_algorithm: spki::AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA_256,
            parameters: None,
        },
        signature: BitString::from_bytes(&signature).map_err(|_| OcspError::Encoding)?,
        certs: Some(vec![certificate]),
    };
    let response = OcspResponse::successful(basic).map_err(|_| OcspError::Encoding)?;
    response.to_der().map_err(|_| OcspError::Encoding)
}

fn generalized(t: DateTime<Utc>) -> Result<OcspGeneralizedTime, TimeOutOfRange> {
    timeconv::to_generalized(t).map(OcspGeneralizedTime)
}

fn cert_status(status: OcspCertStatus) -> Result<CertStatus, OcspError> {
    Ok(match status {
        OcspCertStatus::Good => CertStatus::good(),
        OcspCertStatus::Unknown => CertStatus::unknown(),
        OcspCertStatus::Revoked { revoked_at, reason } => CertStatus::Revoked(RevokedInfo {
            revocation_time: generalized(revoked_at)?,
            revocation_reason: Some(crl_reason(reason)),
        }),
    })
}

fn crl_reason(reason: RevocationReason) -> CrlReason {
    match reason {
        RevocationReason::Unspecified => CrlReason::Unspecified,
        RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
        RevocationReason::CaCompromise => CrlReason::CaCompromise,
        RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
        RevocationReason::Superseded => CrlReason::Superseded,
        RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
        RevocationReason::CertificateHold => CrlReason::CertificateHold,
        RevocationReason::RemoveFromCrl => CrlReason::RemoveFromCRL,
        RevocationReason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        RevocationReason::AaCompromise => CrlReason::AaCompromise,
    }
}

/// The nonce extension's raw value. RFC 8954 makes it an OCTET STRING of
/// 1..=32 octets; some old clients put the bare bytes in extnValue, which is
/// accepted too, with the same limit. It is echoed byte for byte, which is
/// what clients compare.
fn request_nonce(extensions: Option<&[Extension]>) -> Result<Option<Vec<u8>>, OcspError> {
    let nonce = extensions
        .into_iter()
        .flatten()
        .find(|e| e.extn_id == ID_PKIX_OCSP_NONCE);
    let Some(nonce) = nonce else { return Ok(None) };
    let raw = nonce.extn_value.as_bytes();
    let len = OctetStringRef::from_der(raw).map_or(raw.len(), |inner| inner.as_bytes().len());
    if len == 0 || len > MAX_NONCE_BYTES {
        return Err(OcspError::Malformed);
    }
    Ok(Some(raw.to_vec()))
}

fn nonce_extension(nonce: Option<&[u8]>) -> Result<Option<Vec<Extension>>, OcspError> {
    nonce
        .map(|raw| {
            let extn_value = OctetString::new(raw).map_err(|_| OcspError::Encoding)?;
            Ok(vec![Extension {
                extn_id: ID_PKIX_OCSP_NONCE,
                critical: false,
                extn_value,
            }])
        })
        .transpose()
}

/// The DER of a GET request (RFC 6960 A.1: `<url>/<url-encoded base64>`).
///
/// Tolerant, because the path goes through proxies and routers that may or
/// may not have decoded it already: percent escapes (`%2F`, `%2B`, `%3D`) are
/// decoded here (base64 has no `%`, so decoding twice is harmless), a space is
/// a `+` that form-decoding mangled, the URL-safe alphabet is accepted, and
/// padding and a leading `/` are optional.
pub fn decode_get_request(encoded: &str) -> Result<Vec<u8>, OcspError> {
    use base64::Engine as _;
    // base64 of MAX_OCSP_REQUEST_BYTES, percent-escaped at worst (×3).
    if encoded.len() > MAX_OCSP_REQUEST_BYTES * 4 {
        return Err(OcspError::Malformed);
    }
    let unescaped = percent_decode(encoded.trim_start_matches('/'))?;
    let standard: Vec<u8> = unescaped
        .iter()
        .map(|&b| match b {
            b' ' | b'-' => b'+',
            b'_' => b'/',
            other => other,
        })
        .collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(standard).map_err(|_| OcspError::Malformed)
}

fn percent_decode(input: &str) -> Result<Vec<u8>, OcspError> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(OcspError::Malformed)?;
            // from_str_radix alone would accept a sign: "%+1".
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return Err(OcspError::Malformed);
            }
            let hex = std::str::from_utf8(hex).map_err(|_| OcspError::Malformed)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| OcspError::Malformed)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::tests::demo_ca;
    use crate::issue::tests::{demo_subject, demo_urls};
    use crate::issue::{IssuedCertificate, Validity};
    use crate::testutil::Scratch;
    use chrono::{Duration, TimeZone};

    /// Times around the real clock: openssl checks them against its own.
    fn now_times() -> OcspTimes {
        let now = timeconv::truncate(Utc::now());
        OcspTimes {
            produced_at: now,
            this_update: now,
            next_update: Some(now + Duration::hours(1)),
        }
    }

    fn revoked_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 1, 9, 30, 0).unwrap()
    }

    /// A CA, its responder and three certificates written as ca.pem,
    /// good.pem, revoked.pem, unknown.pem.
    fn setup(dir: &Scratch) -> (Ca, OcspResponder, Vec<IssuedCertificate>) {
        let ca = demo_ca();
        let responder = ca
            .issue_ocsp_responder(Utc::now() - Duration::hours(1), Duration::days(4))
            .unwrap();
        let now = Utc::now();
        let validity = Validity {
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(365),
        };
        dir.write("ca.pem", ca.certificate_pem());
        let certs: Vec<_> = ["good", "revoked", "unknown"]
            .iter()
            .map(|name| {
                let (cert, _) = ca
                    .issue_with_new_key(&demo_subject(), &validity, &demo_urls())
                    .unwrap();
                dir.write(&format!("{name}.pem"), cert.pem());
                cert
            })
            .collect();
        (ca, responder, certs)
    }

    fn statuses(certs: &[IssuedCertificate]) -> impl FnMut(Serial) -> OcspCertStatus + '_ {
        move |serial| {
            if serial == certs[0].serial() {
                OcspCertStatus::Good
            } else if serial == certs[1].serial() {
                let reason = RevocationReason::KeyCompromise;
                OcspCertStatus::Revoked {
                    revoked_at: revoked_at(),
                    reason,
                }
            } else {
                OcspCertStatus::Unknown
            }
        }
    }

    const ALL_CERTS: [&str; 6] = [
        "-cert",
        "good.pem",
        "-cert",
        "revoked.pem",
        "-cert",
        "unknown.pem",
    ];

    fn openssl_request(dir: &Scratch, extra: &[&str]) -> Vec<u8> {
        // openssl wants the digest option before the certificates.
        let base = ["ocsp", "-issuer", "ca.pem", "-reqout", "req.der"];
        dir.openssl_ok(&[&base[..], extra, &ALL_CERTS].concat());
        dir.read("req.der")
    }

    /// Two openssl runs, because `-cert` makes openssl build a fresh request
    /// (with its own nonce) and ignore `-reqin`: the pair req.der/resp.der is
    /// checked for signature and nonce, then the statuses are printed.
    fn openssl_check(dir: &Scratch, resp: &[u8], digest: &[&str]) -> String {
        dir.write("resp.der", resp);
        let pair = [
            "ocsp", "-reqin", "req.der", "-respin", "resp.der", "-CAfile", "ca.pem",
        ];
        let mut text = dir.openssl_ok(&pair);
        let base = [
            "ocsp", "-respin", "resp.der", "-issuer", "ca.pem", "-CAfile", "ca.pem",
        ];
        let statuses = [&base[..], digest, &ALL_CERTS, &["-no_nonce", "-resp_text"]].concat();
        text.push_str(&dir.openssl_ok(&statuses));
        text
    }

    fn assert_statuses(text: &str) {
        for expected in [
            "Response verify OK",
            "good.pem: good",
            "revoked.pem: revoked",
            "Reason: keyCompromise",
            "Revocation Time: Jun  1 09:30:00 2025 GMT",
            "unknown.pem: unknown",
            "Responder Id: ",
            "OCSP Nonce",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(!text.contains("WARNING"), "{text}");
    }

    #[test]
    fn openssl_verifies_good_revoked_and_unknown_answers_with_the_nonce_echoed() {
        let dir = Scratch::new();
        let (ca, responder, certs) = setup(&dir);
        let req = openssl_request(&dir, &[]);
        let parsed = ca.parse_ocsp_request(&req).unwrap();
        assert!(parsed.nonce().is_some());
        assert_eq!(parsed.serials().count(), 3);
        let resp = ca.respond_ocsp(&responder, &req, &now_times(), statuses(&certs));
        assert_statuses(&openssl_check(&dir, &resp, &[]));
    }

    #[test]
    fn answers_come_from_the_delegated_responder_not_the_ca() {
        let dir = Scratch::new();
        let (ca, responder, certs) = setup(&dir);
        dir.write(
            "responder.pem",
            crate::pem::encode("CERTIFICATE", responder.certificate_der()),
        );
        // The responder's certificate: from the CA, OCSP signing only, no check.
        let text = dir.openssl_ok(&["x509", "-in", "responder.pem", "-noout", "-text"]);
        for expected in ["OCSP Signing", "OCSP No Check", "CA:FALSE"] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        let verified = dir.openssl_ok(&["verify", "-CAfile", "ca.pem", "responder.pem"]);
        assert!(verified.contains("OK"), "{verified}");
        // The answer carries it and is signed by its key, not the CA's: told
        // to look for the signer among the CA's certificate alone (not the
        // answer's), openssl finds none.
        let req = openssl_request(&dir, &[]);
        let resp = ca.respond_ocsp(&responder, &req, &now_times(), statuses(&certs));
        dir.write("resp.der", &resp);
        let (ok, said) = dir.openssl(&[
            "ocsp",
            "-respin",
            "resp.der",
            "-VAfile",
            "ca.pem",
            "-noverify",
            "-resp_text",
        ]);
        assert!(ok && said.contains("kanri OCSP responder"), "{said}");
        let (_, said) = dir.openssl(&[
            "ocsp",
            "-respin",
            "resp.der",
            "-VAfile",
            "ca.pem",
            "-no_intern",
        ]);
        assert!(said.contains("Response Verify Failure"), "{said}");
        // Sealed and opened again, it is the same responder; a certificate
        // that may not sign OCSP answers is refused as one.
        let sealed = responder.seal_key(&ca).unwrap();
        assert!(!sealed.contains("ENCRYPTED PRIVATE KEY"));
        let opened = ca
            .open_ocsp_responder(responder.certificate_der(), &sealed)
            .unwrap();
        assert_eq!(opened.not_after(), responder.not_after());
        assert!(ca.open_ocsp_responder(certs[0].der(), &sealed).is_err());
        // Another CA's at-rest key opens nothing.
        let other = crate::ca::tests::demo_ca();
        assert!(other
            .open_ocsp_responder(responder.certificate_der(), &sealed)
            .is_err());
    }

    #[test]
    fn sha256_cert_ids_are_matched_too() {
        let dir = Scratch::new();
        let (ca, responder, certs) = setup(&dir);
        let req = openssl_request(&dir, &["-sha256"]);
        let parsed = ca.parse_ocsp_request(&req).unwrap();
        assert!(parsed
            .certs()
            .iter()
            .all(|c| c.hash() == Some(CertIdHash::Sha256)));
        let resp = ca.respond_ocsp(&responder, &req, &now_times(), statuses(&certs));
        assert_statuses(&openssl_check(&dir, &resp, &["-sha256"]));
    }

    #[test]
    fn request_without_nonce_gets_a_response_without_nonce() {
        let dir = Scratch::new();
        let (ca, responder, certs) = setup(&dir);
        let req = openssl_request(&dir, &["-no_nonce"]);
        assert_eq!(ca.parse_ocsp_request(&req).unwrap().nonce(), None);
        let resp = ca.respond_ocsp(&responder, &req, &now_times(), statuses(&certs));
        let text = openssl_check(&dir, &resp, &[]);
        assert!(
            text.contains("good.pem: good") && !text.contains("OCSP Nonce"),
            "{text}"
        );
    }

    #[test]
    fn response_to_another_request_fails_openssl_nonce_check() {
        let dir = Scratch::new();
        let (ca, responder, certs) = setup(&dir);
        let first = openssl_request(&dir, &[]);
        let resp = ca.respond_ocsp(&responder, &first, &now_times(), statuses(&certs));
        openssl_request(&dir, &[]); // req.der now has another nonce
        dir.write("resp.der", resp);
        let pair = [
            "ocsp", "-reqin", "req.der", "-respin", "resp.der", "-CAfile", "ca.pem",
        ];
        let (_, text) = dir.openssl(&pair);
        assert!(text.contains("Nonce Verify error"), "{text}");
    }

    /// An openssl request for good.pem, decoded for editing.
    fn editable_request(dir: &Scratch) -> x509_ocsp::OcspRequest {
        dir.openssl_ok(&[
            "ocsp", "-issuer", "ca.pem", "-cert", "good.pem", "-reqout", "one.der",
        ]);
        x509_ocsp::OcspRequest::from_der(&dir.read("one.der")).unwrap()
    }

    fn is_error(resp: &[u8], status: OcspErrorStatus) -> bool {
        resp == ocsp_error_response(status).as_slice()
    }

    #[test]
    fn garbage_mutations_and_truncations_give_malformed_request_never_a_panic() {
        let dir = Scratch::new();
        let (ca, responder, certs) = setup(&dir);
        let req = openssl_request(&dir, &[]);
        let times = now_times();
        let huge = vec![0x30; MAX_OCSP_REQUEST_BYTES + 1];
        for input in [
            &b""[..],
            b"garbage",
            &huge,
            ca.certificate_der(),
            &[0x30, 0x00],
        ] {
            let resp = ca.respond_ocsp(&responder, input, &times, statuses(&certs));
            assert!(
                is_error(&resp, OcspErrorStatus::MalformedRequest),
                "{input:?}"
            );
        }
        for len in 0..req.len() {
            let resp = ca.respond_ocsp(&responder, &req[..len], &times, statuses(&certs));
            assert!(
                is_error(&resp, OcspErrorStatus::MalformedRequest),
                "truncated to {len}"
            );
        }
        for at in 0..req.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut mutated = req.clone();
                mutated[at] ^= flip;
                // Any answer will do, as long as there is one and it is DER.
                let resp = ca.respond_ocsp(&responder, &mutated, &times, statuses(&certs));
                assert!(OcspResponse::from_der(&resp).is_ok());
            }
        }
    }

    #[test]
    fn request_about_another_ca_only_is_unauthorized() {
        let dir = Scratch::new();
        let (ca, responder, certs) = setup(&dir);
        let other = demo_ca();
        dir.write("ca.pem", other.certificate_pem()); // CertIDs now name the other CA
        let req = openssl_request(&dir, &[]);
        let parsed = ca.parse_ocsp_request(&req).unwrap();
        assert!(!parsed.concerns_this_ca() && parsed.serials().count() == 0);
        let resp = ca.respond_ocsp(&responder, &req, &now_times(), statuses(&certs));
        assert!(is_error(&resp, OcspErrorStatus::Unauthorized));
        dir.write("resp.der", resp);
        let text = dir
            .openssl(&["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"])
            .1;
        assert!(text.contains("Responder Error: unauthorized (6)"), "{text}");
    }

    #[test]
    fn error_responses_are_what_openssl_expects() {
        let dir = Scratch::new();
        let cases = [
            (
                OcspErrorStatus::MalformedRequest,
                "Responder Error: malformedrequest (1)",
            ),
            (
                OcspErrorStatus::InternalError,
                "Responder Error: internalerror (2)",
            ),
            (OcspErrorStatus::TryLater, "Responder Error: trylater (3)"),
            (
                OcspErrorStatus::Unauthorized,
                "Responder Error: unauthorized (6)",
            ),
        ];
        for (status, expected) in cases {
            dir.write("resp.der", ocsp_error_response(status));
            let text = dir
                .openssl(&["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"])
                .1;
            assert!(text.contains(expected), "{text}");
            let decoded = OcspResponse::from_der(&ocsp_error_response(status)).unwrap();
            assert_eq!(decoded.response_status as u8, status as u8);
        }
    }

    #[test]
    fn our_ca_with_a_serial_kanri_never_issues_is_answered_unknown() {
        let dir = Scratch::new();
        let (ca, responder, _) = setup(&dir);
        let mut request = editable_request(&dir);
        let cert_id = &mut request.tbs_request.request_list[0].req_cert;
        cert_id.serial_number = x509_cert::serial_number::SerialNumber::new(&[0x01, 0x02]).unwrap();
        let parsed = ca.parse_ocsp_request(&request.to_der().unwrap()).unwrap();
        assert!(parsed.concerns_this_ca());
        assert_eq!(parsed.certs()[0].serial(), None);
        assert_eq!(parsed.certs()[0].raw_serial(), &[0x01, 0x02]);
        let resp = ca
            .sign_ocsp_response(&responder, &parsed, &now_times(), |_| panic!("no lookup"))
            .unwrap();
        let basic = OcspResponse::from_der(&resp)
            .unwrap()
            .response_bytes
            .unwrap()
            .response;
        let basic = BasicOcspResponse::from_der(basic.as_bytes()).unwrap();
        assert_eq!(
            basic.tbs_response_data.responses[0].cert_status,
            CertStatus::unknown()
        );
    }

    #[test]
    fn nonce_longer_than_32_octets_is_malformed_and_32_is_echoed() {
        let dir = Scratch::new();
        let (ca, _, _) = setup(&dir);
        let mut request = editable_request(&dir);
        for (len, ok) in [(32usize, true), (33, false), (0, false)] {
            let inner = OctetString::new(vec![7u8; len]).unwrap().to_der().unwrap();
            let extensions = request.tbs_request.request_extensions.as_mut().unwrap();
            extensions[0].extn_value = OctetString::new(inner.clone()).unwrap();
            let parsed = ca.parse_ocsp_request(&request.to_der().unwrap());
            match parsed {
                Ok(parsed) => assert!(ok && parsed.nonce() == Some(inner.as_slice()), "{len}"),
                Err(e) => assert!(!ok && matches!(e, OcspError::Malformed), "{len}"),
            }
        }
    }

    #[test]
    fn get_form_decodes_plain_escaped_url_safe_and_unpadded_base64() {
        use base64::Engine as _;
        let der: Vec<u8> = (0u8..=200).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        assert!(b64.contains('+') && b64.contains('/'));
        let escaped = b64
            .replace('/', "%2F")
            .replace('+', "%2B")
            .replace('=', "%3D");
        let variants = [
            b64.clone(),
            format!("/{b64}"),
            escaped.clone(),
            escaped
                .replace("%2F", "%2f")
                .replace("%2B", "%2b")
                .replace("%3D", "%3d"),
            b64.replace('+', " "),
            b64.replace('+', "-").replace('/', "_"),
            b64.trim_end_matches('=').to_owned(),
        ];
        for variant in variants {
            assert_eq!(decode_get_request(&variant).unwrap(), der, "{variant}");
        }
    }

    #[test]
    fn get_form_garbage_is_malformed() {
        let too_long = "A".repeat(MAX_OCSP_REQUEST_BYTES * 4 + 1);
        for bad in [
            "%",
            "%2",
            "%+1AAA",
            "%zzAAAA",
            "!!!!",
            "AAAAA",
            too_long.as_str(),
        ] {
            assert!(
                matches!(decode_get_request(bad), Err(OcspError::Malformed)),
                "{bad}"
            );
        }
    }
}
