//! kanri's issuing CA: creating one under a new root (`ca-init`),
//! importing the bank's (`ca-import`), and keeping its key sealed at rest.
//!
//! Two tiers, as banks keep CAs (issue 24): a root, whose key leaves kanri
//! at once, sealed for the bank to keep offline, and the issuing CA it
//! certifies, constrained so that a stolen issuing key can make nothing but
//! client certificates: `pathLenConstraint 0` (no CA below it) and an
//! extended key usage of clientAuth only, which OpenSSL and
//! Chromium apply to every certificate under it (a serverAuth certificate
//! it signs is refused, so it cannot intercept HTTPS on a customer's PC).
//!
//! Every other module signs through [`Ca`], so the checks that make a key and
//! certificate usable together (a P-256 key, a CA certificate allowed to sign
//! certificates and CRLs, the key matching the certificate) are made once,
//! here, whichever way the CA was obtained.
//!
//! The sealed key is an RFC 5958 `ENCRYPTED PRIVATE KEY` (PBES2 with
//! PBKDF2-HMAC-SHA256 and AES-256-CBC) so that `openssl pkey` can open it
//! too: an operator can always get the key out with standard tools.

use std::fmt;

use chrono::{DateTime, Months, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SignatureAlgorithm, SigningKey,
    PKCS_ECDSA_P256_SHA256,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::x509::SubjectPublicKeyInfo;
use zeroize::{Zeroize, Zeroizing};

use crate::pem;
use crate::random::{random_array, RngError};
use crate::secret::Passphrase;
use crate::serial::Serial;
use crate::timeconv::{self, TimeOutOfRange};
use crate::token::{TokenConfig, TokenError, TokenKey};

/// How long an issuing CA created by `ca-init` is valid.
pub const CA_VALIDITY_MONTHS: u32 = 120;

/// How long a root created by `ca-init` is valid: an issuing CA and its
/// successor after a rollover fit under it.
pub const ROOT_VALIDITY_MONTHS: u32 = 240;

/// PBKDF2-HMAC-SHA256 iterations for the sealed CA key: OWASP's 2023 figure.
/// The key is unsealed once per server start, so a slow derivation costs
/// nothing in operation and is what protects a stolen key file.
pub const SEAL_PBKDF2_ITERATIONS: u32 = 600_000;

const SEALED_KEY_LABEL: &str = "ENCRYPTED PRIVATE KEY";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";

/// The subject of a CA created by `ca-init`, e.g. CN `KANRI DEMO CA`,
/// O `(9999)KENSHINYO DEMO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaSubject {
    /// O, e.g. `(9999)KENSHINYO DEMO`.
    pub organization: String,
    /// CN, e.g. `KANRI DEMO CA`.
    pub common_name: String,
}

/// Why a CA could not be created, imported, sealed or unsealed.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// The certificate text has no `CERTIFICATE` PEM block.
    #[error("the CA certificate is not a PEM CERTIFICATE")]
    CertificateNotPem,
    /// The certificate's DER does not parse as X.509.
    #[error("the CA certificate is malformed")]
    CertificateMalformed,
    /// Not a CA (basicConstraints CA:true), or its keyUsage forbids signing
    /// certificates or CRLs.
    #[error("the certificate is not a CA allowed to sign certificates and CRLs")]
    NotACa,
    /// The certificate's public key is not ECDSA P-256.
    #[error("the CA certificate's key is not ECDSA P-256")]
    CertificateKeyNotP256,
    /// The key text has no private key PEM block.
    #[error("the CA key is not a PEM private key")]
    KeyNotPem,
    /// The key is passphrase-protected; import takes a plain key.
    #[error("the CA key is encrypted; decrypt it before importing")]
    KeyIsEncrypted,
    /// RSA, DSA, Ed25519, another curve…: kanri signs with P-256 only.
    #[error("the CA key is not an ECDSA P-256 key")]
    UnsupportedKeyType,
    /// The key's DER does not parse, or ring rejects it.
    #[error("the CA key is malformed")]
    KeyMalformed,
    /// The key is not the one certified by the certificate.
    #[error("the CA key does not match the CA certificate")]
    KeyMismatch,
    /// The sealed key file is not an `ENCRYPTED PRIVATE KEY`.
    #[error("the sealed CA key file is malformed")]
    SealedKeyMalformed,
    /// Sealed with a scheme this crate cannot open (e.g. by hand with 3DES).
    #[error("the sealed CA key uses an unsupported encryption scheme")]
    SealedKeyUnsupported,
    /// The passphrase does not open the sealed key.
    #[error("wrong passphrase for the sealed CA key")]
    WrongPassphrase,
    /// An empty passphrase would seal nothing.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// A subject field is empty.
    #[error("the CA subject needs an organization and a common name")]
    EmptySubject,
    /// The issuing CA is not self-signed and no chain up to its root was given.
    #[error("the CA is not a root: give the certificates above it up to the root (--chain)")]
    ChainMissing,
    /// The chain file is not PEM certificates, or one is not a CA.
    #[error("the chain is not PEM CA certificates")]
    ChainMalformed,
    /// A certificate of the chain did not sign the one below it, the last
    /// is not a self-signed root, or a path length forbids the CAs below.
    #[error("the chain does not lead from the CA to a self-signed root")]
    ChainBroken,
    /// A certificate of the chain is not valid now.
    #[error("a certificate of the chain is not valid now")]
    ChainNotValidNow,
    /// A validity time cannot be written in a certificate.
    #[error(transparent)]
    Time(#[from] TimeOutOfRange),
    /// The system random generator failed.
    #[error(transparent)]
    Random(#[from] RngError),
    /// rcgen or ring refused to sign or encode.
    #[error("signing the CA certificate failed: {0}")]
    Signing(#[source] rcgen::Error),
    /// Encrypting the key failed.
    #[error("sealing the CA key failed")]
    Sealing,
    /// The key lives in a PKCS#11 token; there is nothing to seal.
    #[error("the CA key is in the PKCS#11 token and is not sealed")]
    KeyInToken,
    /// The PKCS#11 token refused or could not be reached.
    #[error("PKCS#11 token: {0}")]
    Token(#[from] TokenError),
}

/// The CA key: in kanri's memory (sealed at rest with the passphrase), or
/// in a PKCS#11 token that signs for kanri (`token.rs`). A software key is
/// wiped when the CA is dropped (rcgen's `KeyPair` implements `Zeroize`
/// but not drop-wiping).
pub(crate) enum CaKey {
    Software(KeyPair),
    Token(TokenKey),
}

impl Drop for CaKey {
    fn drop(&mut self) {
        if let CaKey::Software(key) = self {
            key.zeroize();
        }
    }
}

impl PublicKeyData for CaKey {
    fn der_bytes(&self) -> &[u8] {
        match self {
            CaKey::Software(key) => key.der_bytes(),
            CaKey::Token(key) => key.public_key(),
        }
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for CaKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match self {
            CaKey::Software(key) => key.sign(msg),
            // rcgen's error for a remote signer that failed.
            // rcgen's error for a key that signs elsewhere; the token's
            // reason shows when the CA is opened, which signs once.
            CaKey::Token(key) => key.sign(msg).map_err(|_| rcgen::Error::RemoteKeyError),
        }
    }
}

/// Where `ca-init` makes the issuing CA's key, and `ca-import` puts the
/// bank's.
#[derive(Debug, Clone, Copy)]
pub enum KeyStore<'a> {
    /// In kanri's memory, sealed with the passphrase in the database.
    Software,
    /// In the PKCS#11 token, opened with the CA passphrase as its PIN.
    Token {
        config: &'a TokenConfig,
        pin: &'a Passphrase,
    },
}

/// An issuing CA ready to sign: certificate, key, and what is derived from
/// them once so that per-request work (OCSP, client verification) stays cheap.
///
/// `Debug` shows the subject, never the key.
pub struct Ca {
    pub(crate) issuer: Issuer<'static, CaKey>,
    cert_der: Vec<u8>,
    /// DER of the subject Name: issuer of every certificate we sign, and what
    /// OCSP's issuerNameHash is computed over.
    pub(crate) subject_der: Vec<u8>,
    /// The uncompressed P-256 point (the subjectPublicKey BIT STRING contents).
    pub(crate) public_key: Vec<u8>,
    /// The keyIdentifier of the AKI in our CRLs: the certificate's SKI when
    /// it has one (an imported CA may use SHA-1 ids), else rcgen's SHA-256
    /// method (the first 20 bytes of the SPKI's hash), as rcgen's issuer
    /// does for certificates.
    pub(crate) authority_key_id: Vec<u8>,
    /// What at-rest keys are derived from (`at_rest.rs`): the software
    /// key's PKCS#8 bytes, or the token's MAC of a fixed label.
    pub(crate) at_rest_material: Zeroizing<Vec<u8>>,
    subject: String,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
}

impl Ca {
    /// A new P-256 key and a self-signed CA certificate without
    /// constraints, valid for [`CA_VALIDITY_MONTHS`] from `not_before`: a
    /// one-tier CA, for tests and tools (`ca-init` makes two tiers, see
    /// [`RootCa`]).
    pub fn generate(subject: &CaSubject, not_before: DateTime<Utc>) -> Result<Self, CaError> {
        let not_after = months_after(not_before, CA_VALIDITY_MONTHS)?;
        let params = ca_params(subject, not_before, not_after)?;
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(CaError::Signing)?;
        let cert = params.self_signed(&key).map_err(CaError::Signing)?;
        Self::from_parts(cert.der().to_vec(), CaKey::Software(key))
    }

    /// `ca-import`: the bank's CA certificate (PEM) and its plain private key
    /// (PEM `PRIVATE KEY` = PKCS#8, or `EC PRIVATE KEY` = SEC1), kept in
    /// `store`. Into a token, the key goes only once it is known to be the
    /// certificate's, and kanri's copy is wiped.
    pub fn import(cert_pem: &str, key_pem: &str, store: KeyStore<'_>) -> Result<Self, CaError> {
        let cert_der = certificate_from_pem(cert_pem)?;
        let key = CaKey::Software(key_from_pem(key_pem)?);
        let (KeyStore::Token { config, pin }, CaKey::Software(pair)) = (store, &key) else {
            return Self::from_parts(cert_der, key);
        };
        let scalar = p256_scalar(pair.serialized_der())?;
        let public_key = pair.public_key_raw().to_vec();
        // Every check on the certificate and key first, as a software CA
        // (then wiped): nothing reaches the token unless all pass.
        drop(Self::from_parts(cert_der.clone(), key)?);
        let token = TokenKey::import(config, pin, &scalar, &public_key)?;
        drop(scalar);
        Self::from_parts(cert_der, CaKey::Token(token))
    }

    /// Loads the CA at server start from its certificate and the key sealed
    /// by [`Ca::seal_key`].
    pub fn unseal(
        cert_pem: &str,
        sealed: &SealedKey,
        passphrase: &Passphrase,
    ) -> Result<Self, CaError> {
        let cert_der = certificate_from_pem(cert_pem)?;
        let pkcs8 = open_sealed(sealed, passphrase)?;
        Self::from_parts(cert_der, CaKey::Software(key_from_pkcs8(&pkcs8)?))
    }

    /// Loads the CA at server start from its certificate and the key the
    /// token keeps under `label` ([`Ca::token_label`]).
    pub fn open_in_token(
        cert_pem: &str,
        config: &TokenConfig,
        pin: &Passphrase,
        label: &str,
    ) -> Result<Self, CaError> {
        let cert_der = certificate_from_pem(cert_pem)?;
        let key = TokenKey::open(config, pin, label)?;
        Self::from_parts(cert_der, CaKey::Token(key))
    }

    /// The label of the key's objects in the token; `None` for a software key.
    pub fn token_label(&self) -> Option<&str> {
        match self.issuer.key() {
            CaKey::Token(key) => Some(key.label()),
            CaKey::Software(_) => None,
        }
    }

    /// Takes the key out of the token: a CA that was made but not stored.
    /// A software key is only wiped.
    pub fn discard(self) -> Result<(), CaError> {
        match self.issuer.key() {
            CaKey::Token(key) => Ok(key.destroy()?),
            CaKey::Software(_) => Ok(()),
        }
    }

    /// Encrypts the CA key with `passphrase` for storage
    /// ([`SEAL_PBKDF2_ITERATIONS`] rounds of PBKDF2).
    /// A key in a token is not sealed: [`CaError::KeyInToken`].
    pub fn seal_key(&self, passphrase: &Passphrase) -> Result<SealedKey, CaError> {
        match self.issuer.key() {
            CaKey::Software(key) => {
                seal_pkcs8(key.serialized_der(), passphrase, SEAL_PBKDF2_ITERATIONS)
            }
            CaKey::Token(_) => Err(CaError::KeyInToken),
        }
    }

    fn from_parts(cert_der: Vec<u8>, key: CaKey) -> Result<Self, CaError> {
        let (rest, x509) = x509_parser::parse_x509_certificate(&cert_der)
            .map_err(|_| CaError::CertificateMalformed)?;
        if !rest.is_empty() {
            return Err(CaError::CertificateMalformed);
        }
        check_can_issue(&x509)?;
        if !is_p256(x509.public_key()) {
            return Err(CaError::CertificateKeyNotP256);
        }
        if key.der_bytes() != &x509.public_key().subject_public_key.data[..] {
            return Err(CaError::KeyMismatch);
        }
        let validity = x509.validity();
        let (not_before, not_after) = timeconv::from_asn1(validity.not_before)
            .zip(timeconv::from_asn1(validity.not_after))
            .ok_or(CaError::CertificateMalformed)?;
        let subject_der = x509.subject().as_raw().to_vec();
        let public_key = x509.public_key().subject_public_key.data.to_vec();
        let subject = x509.subject().to_string();
        let authority_key_id = subject_key_id(&x509).unwrap_or_else(|| {
            let hash = ring::digest::digest(&ring::digest::SHA256, x509.public_key().raw);
            hash.as_ref()[..20].to_vec()
        });
        drop(x509);
        let at_rest_material = match &key {
            CaKey::Software(key) => Zeroizing::new(key.serialized_der().to_vec()),
            CaKey::Token(token) => {
                // The token's public object says which key it is; a signature
                // checked against the certificate proves the private one is.
                let probe = b"kanri: is this the certificate's key?";
                let signature = token.sign(probe)?;
                ring::signature::UnparsedPublicKey::new(
                    &ring::signature::ECDSA_P256_SHA256_ASN1,
                    &public_key,
                )
                .verify(probe, &signature)
                .map_err(|_| CaError::KeyMismatch)?;
                token.at_rest_material()?
            }
        };
        let issuer =
            Issuer::from_ca_cert_der(&cert_der.as_slice().into(), key).map_err(CaError::Signing)?;
        Ok(Self {
            issuer,
            at_rest_material,
            cert_der,
            subject_der,
            public_key,
            authority_key_id,
            subject,
            not_before,
            not_after,
        })
    }

    /// The CA certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA certificate, PEM (served at `/pki/ca`, bundled in PKCS#12).
    pub fn certificate_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.cert_der)
    }

    /// The DER of the CA's subject Name: what a TLS server sends as the
    /// acceptable issuer of client certificates, so that a browser offers
    /// only certificates of this CA.
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    /// The subject in RFC 4514 form, for logs and the admin screen.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Start of the CA certificate's validity.
    pub fn not_before(&self) -> DateTime<Utc> {
        self.not_before
    }

    /// End of the CA certificate's validity.
    pub fn not_after(&self) -> DateTime<Utc> {
        self.not_after
    }

    /// Signs `message` with the CA key (ECDSA P-256 SHA-256, DER signature).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.issuer.key().sign(message)
    }
}

/// `months` after `start`.
fn months_after(start: DateTime<Utc>, months: u32) -> Result<DateTime<Utc>, CaError> {
    Ok(start
        .checked_add_months(Months::new(months))
        .ok_or(TimeOutOfRange(start))?)
}

/// The parameters every CA certificate made here shares: a random serial,
/// the subject, the validity, CA:true without a path length, keyCertSign
/// and cRLSign.
fn ca_params(
    subject: &CaSubject,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
) -> Result<CertificateParams, CaError> {
    if subject.organization.is_empty() || subject.common_name.is_empty() {
        return Err(CaError::EmptySubject);
    }
    let mut params = CertificateParams::default();
    params.serial_number = Some(Serial::random()?.as_bytes().to_vec().into());
    params.not_before = timeconv::to_offset(not_before)?;
    params.not_after = timeconv::to_offset(not_after)?;
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, subject.organization.as_str());
    params
        .distinguished_name
        .push(DnType::CommonName, subject.common_name.as_str());
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Ok(params)
}

/// A root CA while `ca-init` runs: it certifies the issuing CA, then its key
/// is sealed for the bank to keep offline and dropped (wiped); kanri keeps
/// only its certificate. Signing anything else needs the key brought back,
/// which is a ceremony outside kanri.
pub struct RootCa(Ca);

impl RootCa {
    /// A new P-256 root, self-signed, valid for [`ROOT_VALIDITY_MONTHS`].
    pub fn generate(subject: &CaSubject, not_before: DateTime<Utc>) -> Result<Self, CaError> {
        let not_after = months_after(not_before, ROOT_VALIDITY_MONTHS)?;
        let params = ca_params(subject, not_before, not_after)?;
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(CaError::Signing)?;
        let cert = params.self_signed(&key).map_err(CaError::Signing)?;
        Ca::from_parts(cert.der().to_vec(), CaKey::Software(key)).map(Self)
    }

    /// A new issuing CA under this root: its own P-256 key, valid for
    /// [`CA_VALIDITY_MONTHS`] but never past the root, `pathLenConstraint 0`
    /// and an extended key usage of clientAuth only. Not OCSPSigning: a CA
    /// certificate with it would count as a delegated OCSP responder for its
    /// root, so a stolen issuing key could answer for the root's
    /// certificates (the 2020 intermediates incident). The delegated
    /// responder's own OCSPSigning is not constrained by its issuer's
    /// extended key usage in OpenSSL's check (`openssl ocsp` verifies it;
    /// `server/tests/publication.rs`).
    pub fn issue_issuing_ca(
        &self,
        subject: &CaSubject,
        not_before: DateTime<Utc>,
        store: KeyStore<'_>,
    ) -> Result<Ca, CaError> {
        let not_after = months_after(not_before, CA_VALIDITY_MONTHS)?.min(self.0.not_after());
        let mut params = ca_params(subject, not_before, not_after)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let key = match store {
            KeyStore::Software => CaKey::Software(
                KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(CaError::Signing)?,
            ),
            KeyStore::Token { config, pin } => CaKey::Token(TokenKey::generate(config, pin)?),
        };
        let cert = params.signed_by(&key, &self.0.issuer);
        match cert {
            Ok(cert) => Ca::from_parts(cert.der().to_vec(), key),
            Err(err) => {
                if let CaKey::Token(key) = &key {
                    let _ = key.destroy();
                }
                Err(CaError::Signing(err))
            }
        }
    }

    /// The root brought back from offline for `ca-rollover`: its
    /// certificate and the key [`RootCa::seal_key`] sealed. The caller
    /// checks that it is the root kanri's chain ends with.
    pub fn unseal(
        cert_pem: &str,
        sealed: &SealedKey,
        passphrase: &Passphrase,
    ) -> Result<Self, CaError> {
        Ca::unseal(cert_pem, sealed, passphrase).map(Self)
    }

    /// The root's key sealed with `passphrase`, for the bank to keep
    /// offline (the same format as the issuing CA's: `openssl pkey` opens it).
    pub fn seal_key(&self, passphrase: &Passphrase) -> Result<SealedKey, CaError> {
        self.0.seal_key(passphrase)
    }

    /// The root certificate, PEM: what relying parties trust.
    pub fn certificate_pem(&self) -> String {
        self.0.certificate_pem()
    }

    /// The root as a CA that signs: the demo's HTTPS server certificate,
    /// made with the demo CA before the root's key is dropped (and tests).
    pub fn as_ca(&self) -> &Ca {
        &self.0
    }
}

impl fmt::Debug for RootCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RootCa").field(&self.0).finish()
    }
}

impl Ca {
    /// The certificates above this CA up to its root (`ca-import --chain`),
    /// checked: each is a CA allowed to sign certificates, valid at `now`,
    /// whose path length (if any) allows the CAs below it, and that signed
    /// the one below it; the last is a self-signed root. Returns them as
    /// PEM, nearest first; an empty text when this CA is its own root and
    /// no chain is given.
    pub fn check_chain(
        &self,
        chain_pem: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<String, CaError> {
        let chain = match chain_pem {
            Some(text) => pem::decode_certificates(text).map_err(|_| CaError::ChainMalformed)?,
            None if is_self_signed(&self.cert_der) => return Ok(String::new()),
            None => return Err(CaError::ChainMissing),
        };
        let mut below = self.cert_der.as_slice();
        for (depth, above) in chain.iter().enumerate() {
            let (_, above_x509) =
                x509_parser::parse_x509_certificate(above).map_err(|_| CaError::ChainMalformed)?;
            let constraints = match above_x509.basic_constraints() {
                Ok(Some(bc)) if bc.value.ca => bc.value.path_len_constraint,
                _ => return Err(CaError::ChainMalformed),
            };
            let signs_certificates = match above_x509.key_usage() {
                Ok(Some(ku)) => ku.value.key_cert_sign(),
                Ok(None) => true,
                Err(_) => false,
            };
            if !signs_certificates {
                return Err(CaError::ChainMalformed);
            }
            // Below it: this CA and the `depth` certificates of the chain
            // nearer to it.
            if constraints.is_some_and(|allowed| u64::from(allowed) < depth as u64 + 1) {
                return Err(CaError::ChainBroken);
            }
            let validity = above_x509.validity();
            let valid = timeconv::from_asn1(validity.not_before)
                .zip(timeconv::from_asn1(validity.not_after))
                .is_some_and(|(from, until)| from <= now && now <= until);
            if !valid {
                return Err(CaError::ChainNotValidNow);
            }
            let (_, below_x509) =
                x509_parser::parse_x509_certificate(below).map_err(|_| CaError::ChainMalformed)?;
            if below_x509.issuer() != above_x509.subject()
                || below_x509
                    .verify_signature(Some(above_x509.public_key()))
                    .is_err()
            {
                return Err(CaError::ChainBroken);
            }
            below = above;
        }
        if !is_self_signed(below) {
            return Err(CaError::ChainBroken);
        }
        Ok(chain
            .iter()
            .map(|der| pem::encode("CERTIFICATE", der))
            .collect())
    }
}

/// Whether `der` is a certificate signed by its own key under its own name.
fn is_self_signed(der: &[u8]) -> bool {
    x509_parser::parse_x509_certificate(der).is_ok_and(|(_, x509)| {
        x509.issuer() == x509.subject() && x509.verify_signature(None).is_ok()
    })
}

impl fmt::Debug for Ca {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ca")
            .field("subject", &self.subject)
            .field("not_after", &self.not_after)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The CA key sealed with a passphrase: PEM `ENCRYPTED PRIVATE KEY`
/// (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC), readable by
/// `openssl pkey -in key.pem -passin pass:…`.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedKey(String);

impl SealedKey {
    /// Wraps the text of a sealed key file (checked when unsealed).
    pub fn from_pem(pem: impl Into<String>) -> Self {
        Self(pem.into())
    }

    /// The PEM text to store.
    pub fn as_pem(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SealedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedKey(<{} bytes of encrypted PKCS#8>)", self.0.len())
    }
}

/// The CN of a certificate (DER), empty when it has none: what people and
/// `ca-rollover` tell CAs apart by.
pub fn common_name_of(cert_der: &[u8]) -> Result<String, CaError> {
    let (_, x509) =
        x509_parser::parse_x509_certificate(cert_der).map_err(|_| CaError::CertificateMalformed)?;
    let common_name = x509
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or_default();
    Ok(common_name.to_owned())
}

/// The end of a certificate's validity (DER): what operators watch
/// (`/metrics`).
pub fn not_after_of(cert_der: &[u8]) -> Result<DateTime<Utc>, CaError> {
    let (_, x509) =
        x509_parser::parse_x509_certificate(cert_der).map_err(|_| CaError::CertificateMalformed)?;
    DateTime::from_timestamp(x509.validity().not_after.timestamp(), 0)
        .ok_or(CaError::CertificateMalformed)
}

fn certificate_from_pem(cert_pem: &str) -> Result<Vec<u8>, CaError> {
    match pem::decode(cert_pem) {
        Ok(block) if block.label == "CERTIFICATE" => Ok(block.der),
        _ => Err(CaError::CertificateNotPem),
    }
}

/// basicConstraints CA:true and, when keyUsage is present, keyCertSign and
/// cRLSign (rcgen signs a CRL only for an issuer allowed to).
fn check_can_issue(x509: &X509Certificate<'_>) -> Result<(), CaError> {
    let is_ca = matches!(x509.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
    let usage_ok = match x509.key_usage() {
        Ok(Some(ku)) => ku.value.key_cert_sign() && ku.value.crl_sign(),
        Ok(None) => true,
        Err(_) => false,
    };
    if is_ca && usage_ok {
        Ok(())
    } else {
        Err(CaError::NotACa)
    }
}

pub(crate) fn subject_key_id(x509: &X509Certificate<'_>) -> Option<Vec<u8>> {
    x509.iter_extensions()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
            _ => None,
        })
}

fn is_p256(spki: &SubjectPublicKeyInfo<'_>) -> bool {
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok());
    spki.algorithm.algorithm.to_id_string() == OID_EC_PUBLIC_KEY
        && curve.is_some_and(|c| c.to_id_string() == OID_P256)
}

fn key_from_pem(key_pem: &str) -> Result<KeyPair, CaError> {
    let block = pem::decode(key_pem).map_err(|_| CaError::KeyNotPem)?;
    let der = Zeroizing::new(block.der);
    match block.label.as_str() {
        "PRIVATE KEY" => key_from_pkcs8(&der),
        "EC PRIVATE KEY" => key_from_pkcs8(&sec1_to_pkcs8(&der)?),
        "ENCRYPTED PRIVATE KEY" => Err(CaError::KeyIsEncrypted),
        "RSA PRIVATE KEY" | "DSA PRIVATE KEY" | "OPENSSH PRIVATE KEY" => {
            Err(CaError::UnsupportedKeyType)
        }
        _ => Err(CaError::KeyNotPem),
    }
}

pub(crate) fn key_from_pkcs8(der: &[u8]) -> Result<KeyPair, CaError> {
    let info = pkcs8::PrivateKeyInfoRef::try_from(der).map_err(|_| CaError::KeyMalformed)?;
    let curve = info.algorithm.parameters_oid().ok();
    if info.algorithm.oid.to_string() != OID_EC_PUBLIC_KEY
        || curve.is_none_or(|c| c.to_string() != OID_P256)
    {
        return Err(CaError::UnsupportedKeyType);
    }
    KeyPair::from_pkcs8_der_and_sign_algo(&der.into(), &PKCS_ECDSA_P256_SHA256)
        .map_err(|_| CaError::KeyMalformed)
}

/// The private value of a P-256 PKCS#8 key (what a token imports).
fn p256_scalar(pkcs8_der: &[u8]) -> Result<Zeroizing<Vec<u8>>, CaError> {
    use der::Decode;
    let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der).map_err(|_| CaError::KeyMalformed)?;
    let ec =
        EcPrivateKey::from_der(info.private_key.as_bytes()).map_err(|_| CaError::KeyMalformed)?;
    let scalar = ec.private_key.as_bytes();
    if scalar.len() != 32 {
        return Err(CaError::UnsupportedKeyType);
    }
    Ok(Zeroizing::new(scalar.to_vec()))
}

/// RFC 5915 ECPrivateKey, only as far as needed to check the curve.
#[derive(der::Sequence)]
struct EcPrivateKey<'a> {
    version: u8,
    private_key: der::asn1::OctetStringRef<'a>,
    #[asn1(context_specific = "0", optional = "true")]
    parameters: Option<der::asn1::ObjectIdentifier>,
    #[asn1(context_specific = "1", optional = "true")]
    public_key: Option<der::asn1::BitStringRef<'a>>,
}

/// PKCS#8 PrivateKeyInfo (RFC 5208), to wrap a SEC1 key for ring.
#[derive(der::Sequence)]
struct PrivateKeyInfo<'a> {
    version: u8,
    algorithm: spki::AlgorithmIdentifierRef<'a>,
    private_key: der::asn1::OctetStringRef<'a>,
}

/// ring reads only PKCS#8; a SEC1 key (OpenSSL's `EC PRIVATE KEY`) is the
/// PKCS#8 privateKey field as is, so wrapping it is enough.
fn sec1_to_pkcs8(sec1: &[u8]) -> Result<Zeroizing<Vec<u8>>, CaError> {
    use der::{Decode, Encode};
    let p256 = const_oid::db::rfc5912::SECP_256_R_1;
    let ec = EcPrivateKey::from_der(sec1).map_err(|_| CaError::KeyMalformed)?;
    // A P-256 scalar is 32 bytes; another length is another curve.
    if ec.parameters.is_some_and(|c| c != p256) || ec.private_key.as_bytes().len() != 32 {
        return Err(CaError::UnsupportedKeyType);
    }
    let info = PrivateKeyInfo {
        version: 0,
        algorithm: spki::AlgorithmIdentifierRef {
            oid: const_oid::db::rfc5912::ID_EC_PUBLIC_KEY,
            parameters: Some((&p256).into()),
        },
        private_key: der::asn1::OctetStringRef::new(sec1).map_err(|_| CaError::KeyMalformed)?,
    };
    let _ = (ec.version, ec.public_key);
    info.to_der()
        .map(Zeroizing::new)
        .map_err(|_| CaError::KeyMalformed)
}

pub(crate) fn seal_pkcs8(
    pkcs8_der: &[u8],
    passphrase: &Passphrase,
    iterations: u32,
) -> Result<SealedKey, CaError> {
    if passphrase.is_empty() {
        return Err(CaError::EmptyPassphrase);
    }
    let salt: [u8; 16] = random_array()?;
    let iv: [u8; 16] = random_array()?;
    let params = pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(iterations, &salt, iv)
        .map_err(|_| CaError::Sealing)?;
    let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der).map_err(|_| CaError::Sealing)?;
    let sealed = info
        .encrypt_with_params(params, passphrase.expose().as_bytes())
        .map_err(|_| CaError::Sealing)?;
    Ok(SealedKey(pem::encode(SEALED_KEY_LABEL, sealed.as_bytes())))
}

pub(crate) fn open_sealed(
    sealed: &SealedKey,
    passphrase: &Passphrase,
) -> Result<Zeroizing<Vec<u8>>, CaError> {
    let block = pem::decode(sealed.as_pem()).map_err(|_| CaError::SealedKeyMalformed)?;
    if block.label != SEALED_KEY_LABEL {
        return Err(CaError::SealedKeyMalformed);
    }
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(block.der.as_slice())
        .map_err(|_| CaError::SealedKeyMalformed)?;
    match info.decrypt(passphrase.expose().as_bytes()) {
        Ok(doc) => Ok(doc.to_bytes()),
        // A wrong key shows up as bad padding or, 1 time in 256, as
        // well-padded garbage that is not DER.
        Err(pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::DecryptFailed))
        | Err(pkcs8::Error::Asn1(_)) => Err(CaError::WrongPassphrase),
        Err(_) => Err(CaError::SealedKeyUnsupported),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(crate) fn demo_subject() -> CaSubject {
        CaSubject {
            organization: "(9999)KENSHINYO DEMO".into(),
            common_name: "KANRI DEMO CA".into(),
        }
    }

    pub(crate) fn demo_ca() -> Ca {
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        Ca::generate(&demo_subject(), start).unwrap()
    }

    /// Sealing at the production iteration count is slow in debug builds;
    /// the format is the same at any count.
    impl CaKey {
        fn software_der(&self) -> &[u8] {
            match self {
                CaKey::Software(key) => key.serialized_der(),
                CaKey::Token(_) => panic!("a software CA"),
            }
        }
    }

    pub(crate) fn quick_seal(ca: &Ca, passphrase: &Passphrase) -> SealedKey {
        seal_pkcs8(ca.issuer.key().software_der(), passphrase, 1_000).unwrap()
    }

    #[test]
    fn generated_ca_is_a_p256_ca_valid_for_ten_years() {
        let ca = demo_ca();
        let (_, x509) = x509_parser::parse_x509_certificate(ca.certificate_der()).unwrap();
        assert!(x509.is_ca());
        assert!(is_p256(x509.public_key()));
        let ku = x509.key_usage().unwrap().unwrap().value;
        assert!(ku.key_cert_sign() && ku.crl_sign() && !ku.digital_signature());
        let has_ski = x509.iter_extensions().any(|e| {
            matches!(
                e.parsed_extension(),
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(_)
            )
        });
        assert!(has_ski);
        assert_eq!(
            ca.not_after(),
            Utc.with_ymd_and_hms(2035, 1, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(ca.subject(), "O=(9999)KENSHINYO DEMO, CN=KANRI DEMO CA");
        x509.verify_signature(None).unwrap();
    }

    #[test]
    fn empty_subject_is_refused() {
        let subject = CaSubject {
            organization: String::new(),
            common_name: "X".into(),
        };
        let err = Ca::generate(&subject, Utc::now()).unwrap_err();
        assert!(matches!(err, CaError::EmptySubject));
    }

    #[test]
    fn debug_output_shows_the_subject_but_not_the_key() {
        let ca = demo_ca();
        let debug = format!("{ca:?}");
        assert!(debug.contains("KANRI DEMO CA"));
        assert!(debug.contains("<redacted>"));
        let key_b64 = pem::encode("X", ca.issuer.key().software_der());
        let key_line = key_b64.lines().nth(1).unwrap();
        assert!(!debug.contains(key_line));
    }

    #[test]
    fn sealed_key_unseals_with_the_right_passphrase_to_the_same_ca() {
        let ca = demo_ca();
        let pass = Passphrase::new("correct horse");
        let sealed = quick_seal(&ca, &pass);
        assert!(sealed
            .as_pem()
            .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        let again = Ca::unseal(&ca.certificate_pem(), &sealed, &pass).unwrap();
        assert_eq!(again.public_key, ca.public_key);
        assert!(!format!("{sealed:?}").contains("MI"));
    }

    #[test]
    fn wrong_passphrase_gives_its_own_error() {
        let ca = demo_ca();
        let sealed = quick_seal(&ca, &Passphrase::new("right"));
        for wrong in ["wrong", "Right", "right ", "x"] {
            let err = Ca::unseal(&ca.certificate_pem(), &sealed, &Passphrase::new(wrong));
            assert!(
                matches!(err, Err(CaError::WrongPassphrase)),
                "{wrong}: {err:?}"
            );
        }
    }

    #[test]
    fn garbage_sealed_key_is_malformed_not_a_panic() {
        let ca = demo_ca();
        let pass = Passphrase::new("p");
        for text in [
            "",
            "garbage",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----",
        ] {
            let err = Ca::unseal(&ca.certificate_pem(), &SealedKey::from_pem(text), &pass);
            assert!(
                matches!(err, Err(CaError::SealedKeyMalformed)),
                "{text}: {err:?}"
            );
        }
    }

    #[test]
    fn empty_passphrase_is_refused_when_sealing() {
        let err = demo_ca().seal_key(&Passphrase::new("")).unwrap_err();
        assert!(matches!(err, CaError::EmptyPassphrase));
    }

    #[test]
    fn openssl_opens_the_sealed_key_with_the_passphrase() {
        let dir = crate::testutil::Scratch::new();
        let ca = demo_ca();
        dir.write("ca.pem", ca.certificate_pem());
        dir.write(
            "key.pem",
            quick_seal(&ca, &Passphrase::new("s3cret pass")).as_pem(),
        );
        let from_key = dir.openssl_ok(&[
            "pkey",
            "-in",
            "key.pem",
            "-passin",
            "pass:s3cret pass",
            "-pubout",
        ]);
        let from_cert = dir.openssl_ok(&["x509", "-in", "ca.pem", "-noout", "-pubkey"]);
        assert_eq!(from_key, from_cert);
        let (ok, _) = dir.openssl(&["pkey", "-in", "key.pem", "-passin", "pass:nope", "-noout"]);
        assert!(!ok);
    }

    /// A bank CA made with openssl: `name` key (`ecparam`/`genpkey` args) and
    /// a self-signed certificate with the given basicConstraints/keyUsage.
    fn openssl_ca(dir: &crate::testutil::Scratch, name: &str, genkey: &[&str], bc: &str, ku: &str) {
        let key = format!("{name}.key");
        let mut args = genkey.to_vec();
        args.extend(["-out", key.as_str()]);
        dir.openssl_ok(&args);
        let (cert, bc, ku) = (
            format!("{name}.pem"),
            format!("basicConstraints={bc}"),
            format!("keyUsage={ku}"),
        );
        dir.openssl_ok(&[
            "req",
            "-x509",
            "-new",
            "-key",
            &key,
            "-subj",
            "/O=(9999)BANK/CN=BANK CA",
            "-days",
            "30",
            "-addext",
            &bc,
            "-addext",
            &ku,
            "-out",
            &cert,
        ]);
    }

    const P256: &[&str] = &["ecparam", "-name", "prime256v1", "-genkey", "-noout"];

    #[test]
    fn import_accepts_openssl_sec1_and_pkcs8_p256_keys() {
        let dir = crate::testutil::Scratch::new();
        openssl_ca(
            &dir,
            "bank",
            P256,
            "critical,CA:TRUE",
            "critical,keyCertSign,cRLSign",
        );
        dir.openssl_ok(&[
            "pkcs8", "-topk8", "-nocrypt", "-in", "bank.key", "-out", "bank.p8",
        ]);
        let cert = dir.read_string("bank.pem");
        for key in ["bank.key", "bank.p8"] {
            let key_pem = dir.read_string(key).replace('\n', "\r\n");
            let ca = Ca::import(&cert, &key_pem, KeyStore::Software)
                .unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(ca.subject(), "O=(9999)BANK, CN=BANK CA");
        }
    }

    const P384: &[&str] = &["ecparam", "-name", "secp384r1", "-genkey", "-noout"];
    const RSA: &[&str] = &[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
    ];

    /// Bank CAs that must not import, and keys that do not fit.
    fn unusable_bank_files(dir: &crate::testutil::Scratch) {
        let (ca, sign) = ("critical,CA:TRUE", "critical,keyCertSign,cRLSign");
        openssl_ca(dir, "good", P256, ca, sign);
        openssl_ca(dir, "other", P256, ca, sign);
        openssl_ca(
            dir,
            "leaf",
            P256,
            "critical,CA:FALSE",
            "critical,digitalSignature",
        );
        openssl_ca(dir, "nocrl", P256, ca, "critical,keyCertSign");
        openssl_ca(dir, "p384", P384, ca, sign);
        openssl_ca(dir, "rsa", RSA, ca, sign);
        dir.openssl_ok(&[
            "pkcs8", "-topk8", "-nocrypt", "-in", "p384.key", "-out", "p384.p8",
        ]);
        dir.openssl_ok(&[
            "pkcs8", "-topk8", "-in", "good.key", "-passout", "pass:x", "-out", "enc.p8",
        ]);
    }

    #[test]
    fn import_refuses_other_key_types_foreign_keys_and_non_ca_certificates() {
        let dir = crate::testutil::Scratch::new();
        unusable_bank_files(&dir);
        let cases = [
            ("good.pem", "rsa.key", CaError::UnsupportedKeyType),
            ("good.pem", "p384.key", CaError::UnsupportedKeyType),
            ("good.pem", "p384.p8", CaError::UnsupportedKeyType),
            ("good.pem", "enc.p8", CaError::KeyIsEncrypted),
            ("good.pem", "other.key", CaError::KeyMismatch),
            ("leaf.pem", "leaf.key", CaError::NotACa),
            ("nocrl.pem", "nocrl.key", CaError::NotACa),
            ("p384.pem", "good.key", CaError::CertificateKeyNotP256),
            ("good.key", "good.key", CaError::CertificateNotPem),
        ];
        for (cert, key, expected) in cases {
            let err = Ca::import(
                &dir.read_string(cert),
                &dir.read_string(key),
                KeyStore::Software,
            )
            .unwrap_err();
            let same = std::mem::discriminant(&err) == std::mem::discriminant(&expected);
            assert!(same, "{cert} + {key}: {err:?}, expected {expected:?}");
        }
    }

    #[test]
    fn sealing_uses_the_production_iteration_count() {
        let ca = demo_ca();
        let sealed = ca.seal_key(&Passphrase::new("p")).unwrap();
        let der = pem::decode(sealed.as_pem()).unwrap().der;
        let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice()).unwrap();
        let pbes2 = info.encryption_algorithm.pbes2().unwrap();
        let pbkdf2 = pbes2.kdf.pbkdf2().unwrap();
        assert_eq!(pbkdf2.iteration_count, SEAL_PBKDF2_ITERATIONS);
        assert_eq!(pbes2.encryption.oid(), pkcs5::pbes2::AES_256_CBC_OID);
    }

    fn at_2026() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    /// Issue 24: the chain a client certificate needs verifies with
    /// OpenSSL, and the issuing CA's constraints hold: a server certificate
    /// or a CA made with its key is refused, while the same server
    /// certificate from the root (no constraints) is not.
    #[test]
    fn two_tiers_verify_for_clients_and_refuse_what_the_issuing_ca_may_not_make() {
        use crate::issue::tests::issue_demo;
        let dir = crate::testutil::Scratch::new();
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let root_subject = CaSubject {
            organization: "(9999)KENSHINYO DEMO".into(),
            common_name: "KANRI DEMO ROOT CA".into(),
        };
        let root = RootCa::generate(&root_subject, start).unwrap();
        let issuing = root
            .issue_issuing_ca(&demo_subject(), start, KeyStore::Software)
            .unwrap();
        dir.write("root.pem", root.certificate_pem());
        dir.write("issuing.pem", issuing.certificate_pem());
        let text = dir.openssl_ok(&["x509", "-in", "issuing.pem", "-noout", "-text"]);
        assert!(text.contains("CA:TRUE, pathlen:0"), "{text}");
        assert!(
            text.contains(
                "X509v3 Extended Key Usage: \n                TLS Web Client Authentication\n"
            ),
            "{text}"
        );
        assert!(issuing.not_after() <= root.as_ca().not_after());
        let at = "1767225600"; // 2026-01-01, inside every validity here
        let verify = |purpose: &str, file: &str| {
            dir.openssl(&[
                "verify",
                "-attime",
                at,
                "-x509_strict",
                "-purpose",
                purpose,
                "-CAfile",
                "root.pem",
                "-untrusted",
                "issuing.pem",
                file,
            ])
        };

        let (client, _) = issue_demo(&issuing);
        dir.write("client.pem", client.pem());
        let (ok, out) = verify("sslclient", "client.pem");
        assert!(ok && out.contains("client.pem: OK"), "{out}");
        // The issuing CA alone is no trust anchor for OpenSSL: relying
        // parties need the root (`/pki/chain.pem`).
        let (ok, _) = dir.openssl(&[
            "verify",
            "-attime",
            at,
            "-CAfile",
            "issuing.pem",
            "client.pem",
        ]);
        assert!(!ok, "the issuing CA is not a root");

        let server_at = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap();
        let server = issuing
            .issue_server_certificate(&["bank.example.jp"], server_at, 365)
            .unwrap();
        dir.write(
            "server.pem",
            crate::pem::encode("CERTIFICATE", &server.certificate_der),
        );
        let (ok, out) = verify("sslserver", "server.pem");
        assert!(!ok, "a server certificate from the issuing key: {out}");
        // Refused at depth 1: the issuing CA's purpose, not the server certificate's.
        assert!(
            out.contains("at 1 depth lookup: unsuitable certificate purpose"),
            "{out}"
        );
        let from_root = root
            .as_ca()
            .issue_server_certificate(&["bank.example.jp"], server_at, 365)
            .unwrap();
        dir.write(
            "from-root.pem",
            crate::pem::encode("CERTIFICATE", &from_root.certificate_der),
        );
        let (ok, out) = verify("sslserver", "from-root.pem");
        assert!(ok, "the same certificate from the root: {out}");

        // A CA made with the issuing key, and a client certificate under it.
        let sub_subject = CaSubject {
            organization: "(9999)ATTACKER".into(),
            common_name: "SUB CA".into(),
        };
        let mut params = ca_params(&sub_subject, start, months_after(start, 12).unwrap()).unwrap();
        params.use_authority_key_identifier_extension = true;
        let sub_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let sub_cert = params.signed_by(&sub_key, &issuing.issuer).unwrap();
        let sub = Ca::from_parts(sub_cert.der().to_vec(), CaKey::Software(sub_key)).unwrap();
        let (under_sub, _) = issue_demo(&sub);
        dir.write(
            "chain.pem",
            format!("{}{}", issuing.certificate_pem(), sub.certificate_pem()),
        );
        dir.write("under-sub.pem", under_sub.pem());
        let (ok, out) = dir.openssl(&[
            "verify",
            "-attime",
            at,
            "-purpose",
            "sslclient",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "chain.pem",
            "under-sub.pem",
        ]);
        assert!(!ok, "a CA below the issuing CA: {out}");
        assert!(out.contains("path length constraint exceeded"), "{out}");

        // ca-import's chain: up to this root, and no other.
        assert_eq!(
            issuing
                .check_chain(Some(&root.certificate_pem()), at_2026())
                .unwrap(),
            root.certificate_pem()
        );
        assert!(matches!(
            issuing.check_chain(None, at_2026()),
            Err(CaError::ChainMissing)
        ));
        let other_root = RootCa::generate(&root_subject, start).unwrap();
        assert!(matches!(
            issuing.check_chain(Some(&other_root.certificate_pem()), at_2026()),
            Err(CaError::ChainBroken)
        ));
        assert!(matches!(
            issuing.check_chain(Some(&client.pem()), at_2026()),
            Err(CaError::ChainMalformed)
        ));
        assert_eq!(root.as_ca().check_chain(None, at_2026()).unwrap(), "");
        let before_the_root = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        assert!(matches!(
            issuing.check_chain(Some(&root.certificate_pem()), before_the_root),
            Err(CaError::ChainNotValidNow)
        ));
        // An intermediate with path length 0 above the issuing CA: no CA
        // may be below it but the leaves' issuer itself... which is one.
        let mut params = ca_params(&root_subject, start, months_after(start, 12).unwrap()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.use_authority_key_identifier_extension = true;
        let middle_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let middle_cert = params.signed_by(&middle_key, &root.0.issuer).unwrap();
        let middle =
            Ca::from_parts(middle_cert.der().to_vec(), CaKey::Software(middle_key)).unwrap();
        let mut params =
            ca_params(&demo_subject(), start, months_after(start, 12).unwrap()).unwrap();
        params.use_authority_key_identifier_extension = true;
        let low_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let low_cert = params.signed_by(&low_key, &middle.issuer).unwrap();
        let low = Ca::from_parts(low_cert.der().to_vec(), CaKey::Software(low_key)).unwrap();
        let chain = format!("{}{}", middle.certificate_pem(), root.certificate_pem());
        assert!(matches!(
            low.check_chain(Some(&chain), at_2026()),
            Err(CaError::ChainBroken)
        ));

        // The root's key, sealed for the bank, opens with openssl.
        let passphrase = Passphrase::new("root-passphrase-for-the-vault");
        let sealed = seal_pkcs8(root.0.issuer.key().software_der(), &passphrase, 1_000).unwrap();
        dir.write("root-key.pem", sealed.as_pem());
        dir.openssl_ok(&[
            "pkey",
            "-in",
            "root-key.pem",
            "-passin",
            "pass:root-passphrase-for-the-vault",
            "-noout",
        ]);
    }
}
