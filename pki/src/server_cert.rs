//! A TLS server certificate for kanri's own HTTPS listener, issued by the
//! same CA: the demo (and the tests) make one at start, so that trusting
//! the demo CA trusts both the server and its client certificates. A bank
//! deployment brings its own server certificate instead.

use chrono::{DateTime, Utc};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType, PKCS_ECDSA_P256_SHA256,
};
use zeroize::Zeroize;

use crate::ca::{
    key_from_pkcs8, open_sealed, seal_pkcs8, Ca, CaError, SealedKey, SEAL_PBKDF2_ITERATIONS,
};
use crate::issue::{ClientKey, IssueError};
use crate::secret::Passphrase;
use crate::serial::Serial;
use crate::timeconv;

/// A server certificate and its key, both DER.
pub struct ServerCertificate {
    pub certificate_der: Vec<u8>,
    pub key: ClientKey,
}

impl Ca {
    /// Issues a serverAuth certificate for `names` (DNS names or IP
    /// addresses), valid from `not_before` for `days`.
    pub fn issue_server_certificate(
        &self,
        names: &[&str],
        not_before: DateTime<Utc>,
        days: i64,
    ) -> Result<ServerCertificate, IssueError> {
        let first = names.first().ok_or(IssueError::EmptySubjectField)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, *first);
        params.subject_alt_names = names
            .iter()
            .map(|name| match name.parse::<std::net::IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => (*name)
                    .try_into()
                    .map(SanType::DnsName)
                    .map_err(|_| IssueError::EmptySubjectField),
            })
            .collect::<Result<_, _>>()?;
        params.serial_number = Some(Serial::random()?.as_bytes().to_vec().into());
        let not_before = timeconv::truncate(not_before);
        params.not_before = timeconv::to_offset(not_before)?;
        params.not_after = timeconv::to_offset(not_before + chrono::Duration::days(days))?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let mut key =
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(IssueError::Signing)?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(IssueError::Signing)?;
        let server_key = ClientKey::from_pkcs8_der(key.serialized_der().to_vec());
        key.zeroize();
        Ok(ServerCertificate {
            certificate_der: cert.der().to_vec(),
            key: server_key,
        })
    }
}

impl ServerCertificate {
    /// The key sealed with `passphrase`, as the CA's is.
    pub fn seal_key(&self, passphrase: &Passphrase) -> Result<SealedKey, CaError> {
        seal_pkcs8(self.key.pkcs8_der(), passphrase, SEAL_PBKDF2_ITERATIONS)
    }

    /// A stored server certificate and its sealed key, checked to belong
    /// together.
    pub fn open(
        certificate_der: Vec<u8>,
        sealed: &SealedKey,
        passphrase: &Passphrase,
    ) -> Result<Self, CaError> {
        let pkcs8 = open_sealed(sealed, passphrase)?;
        let pair = key_from_pkcs8(&pkcs8)?;
        let (_, x509) = x509_parser::parse_x509_certificate(&certificate_der)
            .map_err(|_| CaError::CertificateMalformed)?;
        if pair.public_key_raw() != &x509.public_key().subject_public_key.data[..] {
            return Err(CaError::KeyMismatch);
        }
        Ok(Self {
            certificate_der,
            key: ClientKey::from_pkcs8_der(pkcs8.to_vec()),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ca::tests::demo_ca;
    use chrono::Utc;
    use x509_parser::prelude::{FromDer, X509Certificate};

    #[test]
    fn server_certificate_names_localhost_and_the_loopback_address() {
        let ca = demo_ca();
        let server = ca
            .issue_server_certificate(&["localhost", "127.0.0.1"], Utc::now(), 30)
            .unwrap();
        let (_, cert) = X509Certificate::from_der(&server.certificate_der).unwrap();
        let san = cert.subject_alternative_name().unwrap().unwrap();
        assert_eq!(san.value.general_names.len(), 2);
        assert!(
            cert.extended_key_usage()
                .unwrap()
                .unwrap()
                .value
                .server_auth
        );
        assert!(!server.key.pkcs8_der().is_empty());
    }
}
