//! `kanri-pki`: kanri as the certificate authority of its users' TLS client
//! certificates (SPEC §7.1), as pure functions over bytes: no database, no
//! web framework, no async.
//!
//! - [`ca`]: create (`ca-init`) or import (`ca-import`) the issuing CA, seal
//!   its key at rest.
//! - [`issue`]: client certificates from a server-generated key or a CSR.
//! - [`csr`]: PKCS#10 requests, verified, reduced to their public key.
//! - [`pkcs12`]: the `.p12` file a user imports into the browser.
//! - [`crl`] and [`ocsp`]: revocation, RFC 5280 and RFC 6960.
//! - [`verify`]: the per-request check of a presented client certificate.
//! - [`totp`]: RFC 6238 one-time passwords, the second factor.
//! - `evidence`: kanri's own Ed25519 key that signs 操作履歴's checkpoints.
//!
//! Times are `chrono::DateTime<Utc>` (what the app uses) and are written to
//! certificates truncated to whole seconds. Secrets ([`Passphrase`],
//! [`ClientKey`], [`TotpSecret`], the CA key) never print in `Debug`.

#![forbid(unsafe_code)]

mod at_rest;
pub mod ca;
pub mod crl;
pub mod csr;
mod evidence;
pub mod issue;
pub mod ocsp;
mod pem;
pub mod pkcs12;
mod random;
mod responder;
mod secret;
pub mod serial;
pub mod server_cert;
mod timeconv;
mod token;
pub mod totp;
pub mod verify;

pub use ca::{common_name_of, not_after_of, Ca, CaError, CaSubject, KeyStore, RootCa, SealedKey};
pub use crl::{CrlError, CrlSpec, RevocationReason, RevokedCertificate};
pub use csr::{parse_csr, CsrError, CsrKeyType, VerifiedCsr};
pub use evidence::{verify_evidence, EvidenceKey, NotAKey};
pub use issue::{ClientKey, ClientSubject, IssueError, IssuedCertificate, PublicUrls, Validity};
pub use ocsp::{
    decode_get_request, ocsp_error_response, CertIdHash, OcspCertStatus, OcspError,
    OcspErrorStatus, OcspRequest, OcspTimes, RequestedCert,
};
pub use pem::{decode_certificates as decode_pem_certificates, encode as encode_pem, PemError};
pub use pkcs12::{
    build_pkcs12, parse_pkcs12, Pkcs12Contents, Pkcs12Error, PKCS12_PBKDF2_ITERATIONS,
};
pub use random::RngError;
pub use responder::OcspResponder;
pub use secret::Passphrase;
pub use serial::{Serial, SerialError};
pub use server_cert::ServerCertificate;
pub use timeconv::TimeOutOfRange;
pub use token::{change_pin as change_token_pin, TokenConfig, TokenError};
pub use totp::{otpauth_uri, qr_svg, time_step, totp_code, verify_totp, TotpError, TotpSecret};
pub use verify::{ClientCertificate, VerifyError};

#[cfg(test)]
mod testutil;
