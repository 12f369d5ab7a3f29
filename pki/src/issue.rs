//! Client certificates in the SPEC §7.1 profile, from a key generated here or
//! from the public key of a verified CSR.
//!
//! The profile is fixed in one function ([`client_params`]) so that both ways
//! of issuing produce field-for-field the same certificate: v3, 128-bit random
//! serial, O/OU/CN, the caller's validity, CA:false, keyUsage
//! digitalSignature, extendedKeyUsage clientAuth, SKI, AKI, CRL distribution
//! point and OCSP address (AIA). rcgen writes everything but AIA; AIA is a
//! non-critical custom extension encoded here with the x509-cert types.

use std::fmt;

use chrono::{DateTime, Utc};
use der::Encode;
use rcgen::{
    CertificateParams, CrlDistributionPoint, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, PublicKeyData, PKCS_ECDSA_P256_SHA256,
};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AccessDescription, AuthorityInfoAccessSyntax};
use zeroize::{Zeroize, Zeroizing};

use crate::ca::Ca;
use crate::csr::VerifiedCsr;
use crate::pem;
use crate::random::RngError;
use crate::serial::Serial;
use crate::timeconv::{self, TimeOutOfRange};

/// id-pe-authorityInfoAccess (RFC 5280 §4.2.2.1).
const OID_AUTHORITY_INFO_ACCESS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];

/// The subject of a client certificate, built by the caller, e.g.
/// O `(9999)KENSHINYO DEMO`, OU `(9999)KANRI DEMO CA`,
/// CN `logid031.A001.20200304153656560435`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSubject {
    /// O = `(9999)<bank>`.
    pub organization: String,
    /// OU = `(9999)<CA name>`.
    pub organizational_unit: String,
    /// CN = `<login ID>.<contract code>.<JST yyyyMMddHHmmss + 6-digit µs>`.
    pub common_name: String,
}

/// The validity period, as the caller decides it (one year in kanri).
/// Written to the certificate truncated to whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// First instant the certificate is valid.
    pub not_before: DateTime<Utc>,
    /// Last instant the certificate is valid (inclusive, RFC 5280).
    pub not_after: DateTime<Utc>,
}

/// The addresses written into every client certificate, derived once from
/// kanri's public base URL: `<base>/pki/crl` and `<base>/pki/ocsp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrls {
    crl: String,
    ocsp: String,
}

impl PublicUrls {
    /// `base_url` is e.g. `https://kanri.example.jp` (a trailing `/` is fine).
    /// It must be http(s) and printable ASCII, as an IA5String URI must be.
    pub fn new(base_url: &str) -> Result<Self, IssueError> {
        let base = base_url.trim_end_matches('/');
        let scheme_ok = base.starts_with("https://") || base.starts_with("http://");
        let host_ok = base
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty());
        if !scheme_ok || !host_ok || !base.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(IssueError::InvalidBaseUrl);
        }
        Ok(Self {
            crl: format!("{base}/pki/crl"),
            ocsp: format!("{base}/pki/ocsp"),
        })
    }

    /// The addresses in the certificates of the issuing CA of this
    /// `generation` (`ca-rollover` makes the next): each issuing CA has
    /// its own CRL, the first at `<base>/pki/crl` and the following at
    /// `<base>/pki/crl/<generation>`; OCSP answers for all at one address.
    pub fn of_generation(&self, generation: i64) -> Self {
        let crl = match generation {
            ..=1 => self.crl.clone(),
            n => format!("{}/{n}", self.crl),
        };
        Self {
            crl,
            ocsp: self.ocsp.clone(),
        }
    }

    /// The CRL distribution point.
    pub fn crl(&self) -> &str {
        &self.crl
    }

    /// The OCSP responder (AIA id-ad-ocsp).
    pub fn ocsp(&self) -> &str {
        &self.ocsp
    }
}

/// Why a client certificate could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// O, OU or CN is empty.
    #[error("O, OU and CN must all be given")]
    EmptySubjectField,
    /// not_after is not later than not_before (after truncation to seconds).
    #[error("not_after must be later than not_before")]
    InvalidValidity,
    /// The public base URL is not an http(s) ASCII URL.
    #[error("the public base URL must be an http(s) URL in printable ASCII")]
    InvalidBaseUrl,
    /// The public key cannot be written by rcgen.
    #[error("unsupported public key")]
    UnsupportedPublicKey,
    /// A validity time cannot be written in a certificate.
    #[error(transparent)]
    Time(#[from] TimeOutOfRange),
    /// The system random generator failed.
    #[error(transparent)]
    Random(#[from] RngError),
    /// rcgen or ring refused to generate or sign.
    #[error("signing the certificate failed: {0}")]
    Signing(#[source] rcgen::Error),
    /// The AIA extension could not be encoded.
    #[error("encoding the AIA extension failed")]
    Encoding,
}

/// A freshly signed client certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    der: Vec<u8>,
    serial: Serial,
    validity: Validity,
}

impl IssuedCertificate {
    /// DER, to store and to bundle in PKCS#12.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM, for download after a CSR.
    pub fn pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.der)
    }

    /// The serial (shown as 32 hex digits).
    pub fn serial(&self) -> Serial {
        self.serial
    }

    /// The validity exactly as written (whole seconds).
    pub fn validity(&self) -> Validity {
        self.validity
    }
}

impl fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCertificate")
            .field("serial", &self.serial)
            .field("validity", &self.validity)
            .field("der_len", &self.der.len())
            .finish()
    }
}

/// A private key generated for a user (PKCS#8 DER). Wiped on drop; `Debug`
/// never prints it. It leaves kanri only inside a PKCS#12 file.
#[derive(Clone)]
pub struct ClientKey(Zeroizing<Vec<u8>>);

impl ClientKey {
    /// Wraps PKCS#8 DER (e.g. read back from a PKCS#12 file).
    pub fn from_pkcs8_der(der: Vec<u8>) -> Self {
        Self(Zeroizing::new(der))
    }

    /// The PKCS#8 DER.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.0
    }

    /// PEM `PRIVATE KEY`.
    pub fn to_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(pem::encode("PRIVATE KEY", &self.0))
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientKey(<redacted>)")
    }
}

impl Ca {
    /// Issues a certificate for a new P-256 key generated here; the key is
    /// returned for the PKCS#12 file.
    pub fn issue_with_new_key(
        &self,
        subject: &ClientSubject,
        validity: &Validity,
        urls: &PublicUrls,
    ) -> Result<(IssuedCertificate, ClientKey), IssueError> {
        let mut key =
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(IssueError::Signing)?;
        let issued = self.issue_for_public_key(&key, subject, validity, urls);
        let client_key = ClientKey::from_pkcs8_der(key.serialized_der().to_vec());
        key.zeroize();
        Ok((issued?, client_key))
    }

    /// Issues a certificate for the public key of a verified CSR. The CSR's
    /// subject and extensions play no part: the profile is kanri's.
    pub fn issue_for_csr(
        &self,
        csr: &VerifiedCsr,
        subject: &ClientSubject,
        validity: &Validity,
        urls: &PublicUrls,
    ) -> Result<IssuedCertificate, IssueError> {
        self.issue_for_public_key(csr.public_key(), subject, validity, urls)
    }

    fn issue_for_public_key(
        &self,
        public_key: &impl PublicKeyData,
        subject: &ClientSubject,
        validity: &Validity,
        urls: &PublicUrls,
    ) -> Result<IssuedCertificate, IssueError> {
        let serial = Serial::random()?;
        let validity = Validity {
            not_before: timeconv::truncate(validity.not_before),
            not_after: timeconv::truncate(validity.not_after),
        };
        let params = client_params(serial, subject, &validity, urls)?;
        let cert = params
            .signed_by(public_key, &self.issuer)
            .map_err(IssueError::Signing)?;
        Ok(IssuedCertificate {
            der: cert.der().to_vec(),
            serial,
            validity,
        })
    }
}

/// The SPEC §7.1 client certificate profile.
fn client_params(
    serial: Serial,
    subject: &ClientSubject,
    validity: &Validity,
    urls: &PublicUrls,
) -> Result<CertificateParams, IssueError> {
    let fields = [
        (DnType::OrganizationName, &subject.organization),
        (DnType::OrganizationalUnitName, &subject.organizational_unit),
        (DnType::CommonName, &subject.common_name),
    ];
    if fields.iter().any(|(_, value)| value.is_empty()) {
        return Err(IssueError::EmptySubjectField);
    }
    if validity.not_after <= validity.not_before {
        return Err(IssueError::InvalidValidity);
    }
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    for (ty, value) in fields {
        params.distinguished_name.push(ty, value.as_str());
    }
    params.serial_number = Some(serial.as_bytes().to_vec().into());
    params.not_before = timeconv::to_offset(validity.not_before)?;
    params.not_after = timeconv::to_offset(validity.not_after)?;
    // ExplicitNoCa: rcgen then writes basicConstraints CA:false and the SKI.
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.use_authority_key_identifier_extension = true;
    params.crl_distribution_points = vec![CrlDistributionPoint {
        uris: vec![urls.crl.clone()],
    }];
    params.custom_extensions = vec![ocsp_aia_extension(&urls.ocsp)?];
    Ok(params)
}

/// AuthorityInfoAccessSyntax with one id-ad-ocsp URI, non-critical.
fn ocsp_aia_extension(ocsp_url: &str) -> Result<CustomExtension, IssueError> {
    let uri = der::asn1::Ia5String::new(ocsp_url).map_err(|_| IssueError::InvalidBaseUrl)?;
    let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: const_oid::db::rfc5280::ID_AD_OCSP,
        access_location: GeneralName::UniformResourceIdentifier(uri),
    }]);
    let der = aia.to_der().map_err(|_| IssueError::Encoding)?;
    // from_oid_content leaves the extension non-critical, as RFC 5280 requires.
    Ok(CustomExtension::from_oid_content(
        OID_AUTHORITY_INFO_ACCESS,
        der,
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ca::tests::demo_ca;
    use crate::testutil::Scratch;
    use chrono::TimeZone;
    use x509_parser::extensions::{GeneralName as PGeneralName, ParsedExtension};
    use x509_parser::prelude::{X509Certificate, X509Version};

    pub(crate) fn demo_subject() -> ClientSubject {
        ClientSubject {
            organization: "(9999)KENSHINYO DEMO".into(),
            organizational_unit: "(9999)KANRI DEMO CA".into(),
            common_name: "logid031.A001.20200304153656560435".into(),
        }
    }

    /// 2025-04-01 00:00 to 2026-04-01 00:00 UTC: one year.
    pub(crate) fn one_year() -> Validity {
        Validity {
            not_before: Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap(),
            not_after: Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap(),
        }
    }

    pub(crate) fn demo_urls() -> PublicUrls {
        PublicUrls::new("https://kanri.example.jp/").unwrap()
    }

    pub(crate) fn issue_demo(ca: &Ca) -> (IssuedCertificate, ClientKey) {
        ca.issue_with_new_key(&demo_subject(), &one_year(), &demo_urls())
            .unwrap()
    }

    fn extension<'a>(cert: &'a X509Certificate<'_>, oid: &str) -> &'a ParsedExtension<'a> {
        let ext = cert.iter_extensions().find(|e| e.oid.to_id_string() == oid);
        ext.unwrap_or_else(|| panic!("extension {oid} missing"))
            .parsed_extension()
    }

    fn subject_attributes(cert: &X509Certificate<'_>) -> Vec<(String, String)> {
        let attrs = cert.subject().iter_attributes();
        attrs
            .map(|a| (a.attr_type().to_id_string(), a.as_str().unwrap().to_owned()))
            .collect()
    }

    fn check_key_usages(cert: &X509Certificate<'_>) {
        let bc = cert.basic_constraints().unwrap().unwrap();
        assert!(bc.critical && !bc.value.ca && bc.value.path_len_constraint.is_none());
        let ku = cert.key_usage().unwrap().unwrap();
        assert!(ku.critical);
        assert_eq!(ku.value.flags, 1, "digitalSignature only");
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth && !eku.any && eku.other.is_empty());
        assert!(
            !eku.code_signing && !eku.email_protection && !eku.time_stamping && !eku.ocsp_signing
        );
    }

    fn check_key_ids(cert: &X509Certificate<'_>, ca: &Ca) {
        let (_, ca_cert) = x509_parser::parse_x509_certificate(ca.certificate_der()).unwrap();
        let ParsedExtension::SubjectKeyIdentifier(ca_ski) = extension(&ca_cert, "2.5.29.14") else {
            panic!("CA SKI")
        };
        let ParsedExtension::SubjectKeyIdentifier(ski) = extension(cert, "2.5.29.14") else {
            panic!("SKI")
        };
        assert_eq!(ski.0.len(), 20);
        let ParsedExtension::AuthorityKeyIdentifier(aki) = extension(cert, "2.5.29.35") else {
            panic!("AKI")
        };
        assert_eq!(aki.key_identifier.as_ref().unwrap().0, ca_ski.0);
    }

    fn check_urls(cert: &X509Certificate<'_>) {
        let ParsedExtension::CRLDistributionPoints(dps) = extension(cert, "2.5.29.31") else {
            panic!("CRL DP")
        };
        let dp = format!("{:?}", dps.points[0].distribution_point);
        assert!(dp.contains("\"https://kanri.example.jp/pki/crl\""), "{dp}");
        let aia = cert
            .iter_extensions()
            .find(|e| e.oid.to_id_string() == "1.3.6.1.5.5.7.1.1");
        assert!(!aia.unwrap().critical);
        let ParsedExtension::AuthorityInfoAccess(aia) = extension(cert, "1.3.6.1.5.5.7.1.1") else {
            panic!("AIA")
        };
        assert_eq!(aia.accessdescs.len(), 1);
        let desc = &aia.accessdescs[0];
        assert_eq!(desc.access_method.to_id_string(), "1.3.6.1.5.5.7.48.1");
        let PGeneralName::URI(uri) = desc.access_location else {
            panic!("URI")
        };
        assert_eq!(uri, "https://kanri.example.jp/pki/ocsp");
    }

    #[test]
    fn issued_certificate_matches_the_profile_field_by_field() {
        let ca = demo_ca();
        let (issued, _key) = issue_demo(&ca);
        let (rest, cert) = x509_parser::parse_x509_certificate(issued.der()).unwrap();
        assert!(rest.is_empty());
        assert_eq!(cert.version(), X509Version::V3);
        assert_eq!(
            Serial::from_der_integer(cert.raw_serial()),
            Some(issued.serial())
        );
        assert!(cert.serial.bits() > 0 && cert.serial.bits() <= 128);
        let expected_subject = [
            ("2.5.4.10", "(9999)KENSHINYO DEMO"),
            ("2.5.4.11", "(9999)KANRI DEMO CA"),
            ("2.5.4.3", "logid031.A001.20200304153656560435"),
        ];
        let expected_subject: Vec<_> = expected_subject
            .iter()
            .map(|(o, v)| (o.to_string(), v.to_string()))
            .collect();
        assert_eq!(subject_attributes(&cert), expected_subject);
        assert_eq!(cert.issuer().as_raw(), ca.subject_der.as_slice());
        assert_eq!(
            cert.validity().not_before.timestamp(),
            one_year().not_before.timestamp()
        );
        assert_eq!(
            cert.validity().not_after.timestamp(),
            one_year().not_after.timestamp()
        );
        assert_eq!(issued.validity(), one_year());
        check_key_usages(&cert);
        check_key_ids(&cert, &ca);
        check_urls(&cert);
        assert_eq!(
            cert.signature_algorithm.algorithm.to_id_string(),
            "1.2.840.10045.4.3.2"
        );
        assert_eq!(
            cert.extensions().len(),
            7,
            "BC, KU, EKU, SKI, AKI, CRL DP, AIA and nothing else"
        );
    }

    #[test]
    fn serial_with_the_top_bit_set_gets_a_sign_byte_and_decodes_to_the_same_16_bytes() {
        let ca = demo_ca();
        let mut seen = (false, false);
        for _ in 0..64 {
            let (issued, _) = issue_demo(&ca);
            let (_, cert) = x509_parser::parse_x509_certificate(issued.der()).unwrap();
            let raw = cert.raw_serial();
            let high = issued.serial().as_bytes()[0] & 0x80 != 0;
            assert_eq!(raw.len(), if high { 17 } else { 16 });
            assert_eq!(&raw[raw.len() - 16..], issued.serial().as_bytes());
            seen = (seen.0 || high, seen.1 || !high);
            if seen == (true, true) {
                return;
            }
        }
        panic!("64 serials without both a high and a low first bit");
    }

    #[test]
    fn generated_key_is_p256_and_matches_the_certificate() {
        let ca = demo_ca();
        let (issued, key) = issue_demo(&ca);
        let pair =
            KeyPair::from_pkcs8_der_and_sign_algo(&key.pkcs8_der().into(), &PKCS_ECDSA_P256_SHA256)
                .unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(issued.der()).unwrap();
        assert_eq!(
            pair.public_key_raw(),
            &cert.public_key().subject_public_key.data[..]
        );
        assert!(key.to_pem().starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(format!("{key:?}"), "ClientKey(<redacted>)");
    }

    #[test]
    fn openssl_accepts_the_certificate_for_tls_client_auth() {
        let dir = Scratch::new();
        let ca = demo_ca();
        let (issued, _) = issue_demo(&ca);
        dir.write("ca.pem", ca.certificate_pem());
        dir.write("user.pem", issued.pem());
        let at = "1767225600"; // 2026-01-01, inside both validities
        let out = dir.openssl_ok(&[
            "verify",
            "-attime",
            at,
            "-purpose",
            "sslclient",
            "-x509_strict",
            "-CAfile",
            "ca.pem",
            "user.pem",
        ]);
        assert!(out.contains("user.pem: OK"), "{out}");
        let text = dir.openssl_ok(&["x509", "-in", "user.pem", "-noout", "-text"]);
        for expected in [
            "Version: 3 (0x2)",
            "Subject: O = (9999)KENSHINYO DEMO, OU = (9999)KANRI DEMO CA, CN = logid031.A001.20200304153656560435",
            "CA:FALSE",
            "Digital Signature",
            "TLS Web Client Authentication",
            "URI:https://kanri.example.jp/pki/crl",
            "OCSP - URI:https://kanri.example.jp/pki/ocsp",
            "Signature Algorithm: ecdsa-with-SHA256",
            "Not Before: Apr  1 00:00:00 2025 GMT",
            "Not After : Apr  1 00:00:00 2026 GMT",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }

    #[test]
    fn validity_is_written_truncated_to_whole_seconds() {
        let ca = demo_ca();
        let mut validity = one_year();
        validity.not_before += chrono::Duration::microseconds(560_435);
        let (issued, _) = ca
            .issue_with_new_key(&demo_subject(), &validity, &demo_urls())
            .unwrap();
        assert_eq!(issued.validity(), one_year());
    }

    #[test]
    fn empty_subject_fields_and_inverted_validity_are_refused() {
        let ca = demo_ca();
        let mut subject = demo_subject();
        subject.organizational_unit.clear();
        let err = ca
            .issue_with_new_key(&subject, &one_year(), &demo_urls())
            .unwrap_err();
        assert!(matches!(err, IssueError::EmptySubjectField));
        let backwards = Validity {
            not_before: one_year().not_after,
            not_after: one_year().not_before,
        };
        let err = ca
            .issue_with_new_key(&demo_subject(), &backwards, &demo_urls())
            .unwrap_err();
        assert!(matches!(err, IssueError::InvalidValidity));
    }

    #[test]
    fn public_urls_are_derived_from_the_base_and_bad_bases_are_refused() {
        let urls = PublicUrls::new("http://127.0.0.1:3000").unwrap();
        assert_eq!(urls.crl(), "http://127.0.0.1:3000/pki/crl");
        assert_eq!(urls.ocsp(), "http://127.0.0.1:3000/pki/ocsp");
        // Each issuing CA its own CRL; the first keeps the address its
        // certificates already carry.
        assert_eq!(urls.of_generation(1), urls);
        let second = urls.of_generation(2);
        assert_eq!(second.crl(), "http://127.0.0.1:3000/pki/crl/2");
        assert_eq!(second.ocsp(), urls.ocsp());
        for bad in [
            "",
            "kanri.example.jp",
            "ftp://x",
            "https://",
            "https://a b",
            "https://管理.jp",
        ] {
            assert!(
                matches!(PublicUrls::new(bad), Err(IssueError::InvalidBaseUrl)),
                "{bad}"
            );
        }
    }
}
