//! kanri's delegated OCSP responder (RFC 6960 section 4.2.2.2): a P-256 key
//! of its own and a certificate from the CA valid a few days, with
//! id-kp-OCSPSigning and id-pkix-ocsp-nocheck (RFC 6960 section 4.2.2.2.1:
//! clients do not ask about the responder's own status; its short life is
//! its revocation). The CA key then signs certificates and CRLs only; the
//! key that signs an answer on every OCSP request is this one, replaced
//! before its certificate expires.

use chrono::{DateTime, Duration, Utc};
use rcgen::{
    CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use zeroize::{Zeroize, Zeroizing};

use crate::ca::{key_from_pkcs8, Ca, CaError};
use crate::serial::Serial;
use crate::timeconv;

/// The at-rest purpose of a responder's key, and the PEM label it is stored under.
const RESPONDER_AT_REST: &str = "ocsp responder key";
const SEALED_RESPONDER_LABEL: &str = "KANRI SEALED OCSP RESPONDER KEY";

/// id-pkix-ocsp-nocheck (RFC 6960 section 4.2.2.2.1), whose value is NULL.
const OCSP_NOCHECK: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 48, 1, 5];
const OCSP_NOCHECK_ID: &str = "1.3.6.1.5.5.7.48.1.5";
const DER_NULL: [u8; 2] = [0x05, 0x00];

/// The responder: its certificate and key. `Debug` shows no key.
pub struct OcspResponder {
    key: KeyPair,
    cert_der: Vec<u8>,
    /// The uncompressed point (the subjectPublicKey BIT STRING contents),
    /// hashed into every answer's responderID.
    pub(crate) public_key: Vec<u8>,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
}

impl Drop for OcspResponder {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl std::fmt::Debug for OcspResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OcspResponder")
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl Ca {
    /// A new responder valid from `not_before` for `validity`.
    pub fn issue_ocsp_responder(
        &self,
        not_before: DateTime<Utc>,
        validity: Duration,
    ) -> Result<OcspResponder, CaError> {
        let not_before = timeconv::truncate(not_before);
        let not_after = not_before + validity;
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "kanri OCSP responder");
        params.serial_number = Some(Serial::random()?.as_bytes().to_vec().into());
        params.not_before = timeconv::to_offset(not_before)?;
        params.not_after = timeconv::to_offset(not_after)?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::OcspSigning];
        params.custom_extensions = vec![CustomExtension::from_oid_content(
            OCSP_NOCHECK,
            DER_NULL.to_vec(),
        )];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(CaError::Signing)?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(CaError::Signing)?;
        let public_key = key.public_key_raw().to_vec();
        Ok(OcspResponder {
            key,
            cert_der: cert.der().to_vec(),
            public_key,
            not_before,
            not_after,
        })
    }

    /// A stored responder, its key opened with the CA's at-rest key
    /// ([`OcspResponder::seal_key`]). Its certificate must be signed by this
    /// CA, an end entity for OCSP signing with ocsp-nocheck, and match the
    /// key: a row written by someone else than kanri is refused, not used.
    pub fn open_ocsp_responder(
        &self,
        cert_der: &[u8],
        sealed_pem: &str,
    ) -> Result<OcspResponder, CaError> {
        let (rest, x509) = x509_parser::parse_x509_certificate(cert_der)
            .map_err(|_| CaError::CertificateMalformed)?;
        if !rest.is_empty() || self.check_signed_by_us(&x509).is_err() {
            return Err(CaError::CertificateMalformed);
        }
        let signs_ocsp = matches!(
            x509.extended_key_usage(),
            Ok(Some(eku)) if eku.value.ocsp_signing
        );
        let nocheck = x509
            .extensions()
            .iter()
            .any(|e| e.oid.to_id_string() == OCSP_NOCHECK_ID);
        if !signs_ocsp || !nocheck || x509.is_ca() {
            return Err(CaError::CertificateMalformed);
        }
        let sealed = match crate::pem::decode(sealed_pem) {
            Ok(block) if block.label == SEALED_RESPONDER_LABEL => block.der,
            _ => return Err(CaError::SealedKeyMalformed),
        };
        let pkcs8 = self
            .open_at_rest(RESPONDER_AT_REST, &sealed)
            .map(Zeroizing::new)
            .ok_or(CaError::WrongPassphrase)?;
        let key = key_from_pkcs8(&pkcs8)?;
        let public_key = x509.public_key().subject_public_key.data.to_vec();
        if key.public_key_raw() != public_key.as_slice() {
            return Err(CaError::KeyMismatch);
        }
        let validity = x509.validity();
        let (not_before, not_after) = timeconv::from_asn1(validity.not_before)
            .zip(timeconv::from_asn1(validity.not_after))
            .ok_or(CaError::CertificateMalformed)?;
        drop(x509);
        Ok(OcspResponder {
            key,
            cert_der: cert_der.to_vec(),
            public_key,
            not_before,
            not_after,
        })
    }
}

impl OcspResponder {
    /// The key sealed for storage under `ca`'s at-rest key (AES-256-GCM,
    /// `at_rest.rs`): what the CA key, or the token keeping it, alone
    /// opens. Not under the passphrase: with the CA's key in a token the
    /// passphrase is the token's PIN, and a key sealed with it in every
    /// backup would let a thief guess the PIN offline, past the token's
    /// lockout.
    pub fn seal_key(&self, ca: &Ca) -> Result<String, CaError> {
        let sealed = ca.seal_at_rest(RESPONDER_AT_REST, self.key.serialized_der())?;
        Ok(crate::pem::encode(SEALED_RESPONDER_LABEL, &sealed))
    }

    /// The responder's certificate, DER (sent in every answer).
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    pub fn not_before(&self) -> DateTime<Utc> {
        self.not_before
    }

    pub fn not_after(&self) -> DateTime<Utc> {
        self.not_after
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        use rcgen::SigningKey;
        self.key.sign(message)
    }
}
