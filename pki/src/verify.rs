//! The check of a presented client certificate, run on every request of a
//! TLS session: parsed once (x509-parser borrows from the input, so the only
//! allocations are the returned CN and the extension list), issuer compared
//! by raw bytes before any cryptography, then one ECDSA P-256 verification
//! with the CA's public key held ready in [`Ca`].

use chrono::{DateTime, Utc};
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::ca::Ca;
use crate::serial::Serial;
use crate::timeconv;

const OID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

/// What a verified client certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// Its serial (the key of the certificate in kanri's database).
    pub serial: Serial,
    /// Its CN (`<login ID>.<contract code>.<timestamp>`).
    pub common_name: String,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

/// Why a presented certificate is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not a DER X.509 certificate.
    #[error("the client certificate is malformed")]
    Malformed,
    /// Issued by another CA: issuer name or signature does not match ours.
    #[error("the client certificate was not issued by this CA")]
    ForeignCa,
    /// Before its notBefore.
    #[error("the client certificate is not valid yet")]
    NotYetValid,
    /// After its notAfter.
    #[error("the client certificate has expired")]
    Expired,
    /// Signed by us but not a kanri client certificate: a CA certificate, no
    /// clientAuth usage, no CN, or a serial kanri does not issue (possible
    /// with an imported CA that issued other certificates before).
    #[error("the certificate is not a kanri client certificate")]
    NotAClientCertificate,
}

impl Ca {
    /// Checks that `der` was signed by this CA and is valid at `at`.
    pub fn verify_client_certificate(
        &self,
        der: &[u8],
        at: DateTime<Utc>,
    ) -> Result<ClientCertificate, VerifyError> {
        let verified = self.verify_client_signature(der)?;
        if at < verified.not_before {
            return Err(VerifyError::NotYetValid);
        }
        if at > verified.not_after {
            return Err(VerifyError::Expired);
        }
        Ok(verified)
    }

    /// Checks that `der` is a client certificate signed by this CA, whatever
    /// its dates: the caller decides what validity it needs (更新 takes a
    /// certificate a few days past its 有効期限).
    pub fn verify_client_signature(&self, der: &[u8]) -> Result<ClientCertificate, VerifyError> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|_| VerifyError::Malformed)?;
        if !rest.is_empty() {
            return Err(VerifyError::Malformed);
        }
        self.check_signed_by_us(&cert)?;
        let validity = cert.validity();
        let not_before = timeconv::from_asn1(validity.not_before).ok_or(VerifyError::Malformed)?;
        let not_after = timeconv::from_asn1(validity.not_after).ok_or(VerifyError::Malformed)?;
        let serial = Serial::from_der_integer(cert.raw_serial())
            .ok_or(VerifyError::NotAClientCertificate)?;
        let common_name = client_common_name(&cert)?;
        Ok(ClientCertificate {
            serial,
            common_name,
            not_before,
            not_after,
        })
    }

    pub(crate) fn check_signed_by_us(&self, cert: &X509Certificate<'_>) -> Result<(), VerifyError> {
        if cert.issuer().as_raw() != self.subject_der.as_slice()
            || cert.signature_algorithm.algorithm.to_id_string() != OID_ECDSA_WITH_SHA256
        {
            return Err(VerifyError::ForeignCa);
        }
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &self.public_key)
            .verify(cert.tbs_certificate.as_ref(), &cert.signature_value.data)
            .map_err(|_| VerifyError::ForeignCa)
    }
}

/// The CN, after checking the certificate is an end-entity client certificate.
fn client_common_name(cert: &X509Certificate<'_>) -> Result<String, VerifyError> {
    let client_auth = match cert.extended_key_usage() {
        Ok(Some(eku)) => eku.value.client_auth,
        _ => false,
    };
    if cert.is_ca() || !client_auth {
        return Err(VerifyError::NotAClientCertificate);
    }
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
        .ok_or(VerifyError::NotAClientCertificate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::tests::{demo_ca, demo_subject as demo_ca_subject};
    use crate::issue::tests::{demo_subject, issue_demo, one_year};
    use crate::issue::Validity;
    use chrono::{Duration, TimeZone};

    fn inside() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 10, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn certificate_issued_by_this_ca_verifies_and_reports_its_fields() {
        let ca = demo_ca();
        let (issued, _) = issue_demo(&ca);
        let seen = ca
            .verify_client_certificate(issued.der(), inside())
            .unwrap();
        assert_eq!(seen.serial, issued.serial());
        assert_eq!(seen.common_name, demo_subject().common_name);
        assert_eq!(seen.not_before, one_year().not_before);
        assert_eq!(seen.not_after, one_year().not_after);
    }

    #[test]
    fn validity_bounds_are_inclusive_and_outside_them_is_refused() {
        let ca = demo_ca();
        let (issued, _) = issue_demo(&ca);
        let Validity {
            not_before,
            not_after,
        } = one_year();
        let check = |at| ca.verify_client_certificate(issued.der(), at).map(|_| ());
        assert_eq!(check(not_before), Ok(()));
        assert_eq!(check(not_after), Ok(()));
        assert_eq!(
            check(not_before - Duration::seconds(1)),
            Err(VerifyError::NotYetValid)
        );
        assert_eq!(
            check(not_after + Duration::seconds(1)),
            Err(VerifyError::Expired)
        );
    }

    #[test]
    fn certificate_of_another_ca_with_the_same_name_is_foreign() {
        let ours = demo_ca();
        let impostor = demo_ca(); // same subject, different key
        let (issued, _) = issue_demo(&impostor);
        let err = ours
            .verify_client_certificate(issued.der(), inside())
            .unwrap_err();
        assert_eq!(err, VerifyError::ForeignCa);
    }

    #[test]
    fn certificate_of_a_differently_named_ca_is_foreign() {
        let ours = demo_ca();
        let mut subject = demo_ca_subject();
        subject.common_name = "OTHER CA".into();
        let other = Ca::generate(&subject, one_year().not_before).unwrap();
        let (issued, _) = issue_demo(&other);
        let err = ours
            .verify_client_certificate(issued.der(), inside())
            .unwrap_err();
        assert_eq!(err, VerifyError::ForeignCa);
    }

    #[test]
    fn tampered_certificate_is_foreign() {
        let ca = demo_ca();
        let (issued, _) = issue_demo(&ca);
        let mut der = issued.der().to_vec();
        let at = der.windows(8).position(|w| w == b"logid031").unwrap();
        der[at] = b'L';
        let err = ca.verify_client_certificate(&der, inside()).unwrap_err();
        assert_eq!(err, VerifyError::ForeignCa);
    }

    #[test]
    fn garbage_truncated_and_trailing_bytes_are_malformed() {
        let ca = demo_ca();
        let (issued, _) = issue_demo(&ca);
        let der = issued.der();
        let mut trailing = der.to_vec();
        trailing.push(0);
        let inputs: [&[u8]; 4] = [b"", b"garbage", &der[..der.len() - 1], &trailing];
        for input in inputs {
            let err = ca.verify_client_certificate(input, inside()).unwrap_err();
            assert_eq!(err, VerifyError::Malformed);
        }
    }

    #[test]
    fn the_ca_certificate_itself_is_not_a_client_certificate() {
        let ca = demo_ca();
        let err = ca
            .verify_client_certificate(ca.certificate_der(), inside())
            .unwrap_err();
        assert_eq!(err, VerifyError::NotAClientCertificate);
    }
}
