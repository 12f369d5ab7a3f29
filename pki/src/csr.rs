//! PKCS#10 certificate signing requests, reduced to a verified public key.
//!
//! Only the public key of a CSR is used: kanri writes its own subject and
//! extensions, so the request's are ignored rather than validated. That is
//! also why rcgen's CSR reader is not used: it refuses the extra extensions
//! that Windows `certreq` adds. x509-parser reads the request and checks its
//! signature (proof that the requester holds the private key).
//!
//! Each refusal is its own [`CsrError`] variant so that the app can show a
//! precise Japanese message. The key is checked before the signature so that
//! a small RSA key is reported as such, not as a bad signature (ring refuses
//! to verify signatures made with RSA keys under 2048 bits).

use std::borrow::Cow;

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::error::X509Error;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::pem;

/// Larger inputs are refused before any parsing (a CSR is 0.5–2 KiB).
pub const MAX_CSR_BYTES: usize = 16 * 1024;
/// The smallest RSA modulus accepted.
pub const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus accepted (ring verifies up to 8192 bits).
pub const MAX_RSA_BITS: usize = 8192;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";

/// Why a CSR was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsrError {
    /// Over [`MAX_CSR_BYTES`].
    #[error("the CSR is larger than 16 KiB")]
    TooLarge,
    /// Neither DER nor a readable PEM block (bad armour, bad base64, broken DER).
    #[error("the CSR is malformed")]
    Malformed,
    /// Well-formed, but something else: another PEM label (a certificate,
    /// a key) or DER that is not a CertificationRequest.
    #[error("the input is not a PKCS#10 certificate request")]
    NotPkcs10,
    /// The signature does not verify with the request's own key.
    #[error("the CSR signature is invalid")]
    BadSignature,
    /// Signed with an algorithm ring cannot verify (e.g. DSA, RSA-PSS/SHA-1).
    #[error("the CSR signature algorithm is not supported")]
    UnsupportedSignatureAlgorithm,
    /// RSA with fewer than [`MIN_RSA_BITS`] bits.
    #[error("the RSA key has {bits} bits; at least 2048 are required")]
    RsaKeyTooSmall {
        /// The modulus size found.
        bits: usize,
    },
    /// Not EC P-256/P-384, RSA 2048–8192 or Ed25519.
    #[error("the key type is not supported")]
    UnsupportedKeyType,
}

/// The kind of key a CSR carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrKeyType {
    /// ECDSA on P-256.
    EcP256,
    /// ECDSA on P-384.
    EcP384,
    /// RSA with this many modulus bits.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// Ed25519.
    Ed25519,
}

/// A CSR whose signature verified; only its public key remains.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    public_key: rcgen::SubjectPublicKeyInfo,
    key_type: CsrKeyType,
}

impl VerifiedCsr {
    /// The kind of key requested.
    pub fn key_type(&self) -> CsrKeyType {
        self.key_type
    }

    pub(crate) fn public_key(&self) -> &rcgen::SubjectPublicKeyInfo {
        &self.public_key
    }
}

/// Reads a CSR given as DER or as PEM (`CERTIFICATE REQUEST` or
/// `NEW CERTIFICATE REQUEST`, CRLF and stray whitespace tolerated) and
/// verifies its signature.
pub fn parse_csr(input: &[u8]) -> Result<VerifiedCsr, CsrError> {
    if input.len() > MAX_CSR_BYTES {
        return Err(CsrError::TooLarge);
    }
    let der = csr_der(input)?;
    let (rest, request) =
        X509CertificationRequest::from_der(&der).map_err(|_| not_a_request(&der))?;
    if !rest.is_empty() {
        return Err(CsrError::Malformed);
    }
    let spki = &request.certification_request_info.subject_pki;
    let key_type = key_type(spki)?;
    request.verify_signature().map_err(|e| match e {
        X509Error::SignatureUnsupportedAlgorithm => CsrError::UnsupportedSignatureAlgorithm,
        _ => CsrError::BadSignature,
    })?;
    let public_key = rcgen::SubjectPublicKeyInfo::from_der(spki.raw)
        .map_err(|_| CsrError::UnsupportedKeyType)?;
    Ok(VerifiedCsr {
        public_key,
        key_type,
    })
}

/// DER as is (it starts with a SEQUENCE tag, which text never does), else PEM.
fn csr_der(input: &[u8]) -> Result<Cow<'_, [u8]>, CsrError> {
    if input.first() == Some(&0x30) {
        return Ok(Cow::Borrowed(input));
    }
    let text = std::str::from_utf8(input).map_err(|_| CsrError::Malformed)?;
    let block = pem::decode(text).map_err(|_| CsrError::Malformed)?;
    match block.label.as_str() {
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Ok(Cow::Owned(block.der)),
        _ => Err(CsrError::NotPkcs10),
    }
}

/// Valid DER of another structure is "not a CSR"; broken DER is malformed.
fn not_a_request(der: &[u8]) -> CsrError {
    use der::Decode;
    match der::asn1::AnyRef::from_der(der) {
        Ok(_) => CsrError::NotPkcs10,
        Err(_) => CsrError::Malformed,
    }
}

fn key_type(spki: &SubjectPublicKeyInfo<'_>) -> Result<CsrKeyType, CsrError> {
    let algorithm = spki.algorithm.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok());
    let curve = curve.map(|c| c.to_id_string());
    match (algorithm.as_str(), curve.as_deref()) {
        (OID_EC, Some(OID_P256)) => Ok(CsrKeyType::EcP256),
        (OID_EC, Some(OID_P384)) => Ok(CsrKeyType::EcP384),
        (OID_ED25519, None) => Ok(CsrKeyType::Ed25519),
        (OID_RSA, _) => {
            let bits = rsa_bits(spki)?;
            if bits < MIN_RSA_BITS {
                Err(CsrError::RsaKeyTooSmall { bits })
            } else if bits > MAX_RSA_BITS {
                Err(CsrError::UnsupportedKeyType)
            } else {
                Ok(CsrKeyType::Rsa { bits })
            }
        }
        _ => Err(CsrError::UnsupportedKeyType),
    }
}

/// The modulus size in bits (x509-parser's own `key_size` miscounts moduli
/// that are not encoded with exactly one sign byte).
fn rsa_bits(spki: &SubjectPublicKeyInfo<'_>) -> Result<usize, CsrError> {
    let Ok(PublicKey::RSA(rsa)) = spki.parsed() else {
        return Err(CsrError::Malformed);
    };
    let first = rsa.modulus.iter().position(|&b| b != 0);
    Ok(first.map_or(0, |i| {
        let significant = &rsa.modulus[i..];
        significant.len() * 8 - significant[0].leading_zeros() as usize
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::tests::demo_ca;
    use crate::issue::tests::{demo_subject, demo_urls, one_year};
    use crate::testutil::Scratch;

    const P256: &[&str] = &["ecparam", "-name", "prime256v1", "-genkey", "-noout"];
    const P384: &[&str] = &["ecparam", "-name", "secp384r1", "-genkey", "-noout"];
    const K256: &[&str] = &["ecparam", "-name", "secp256k1", "-genkey", "-noout"];
    const RSA2048: &[&str] = &[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
    ];
    const RSA512: &[&str] = &[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:512",
    ];
    const ED25519: &[&str] = &["genpkey", "-algorithm", "ED25519"];

    /// `openssl req -new` with a key made by `genkey`; returns the PEM CSR.
    fn openssl_csr(dir: &Scratch, genkey: &[&str], extra: &[&str]) -> Vec<u8> {
        let mut args = genkey.to_vec();
        args.extend(["-out", "key.pem"]);
        dir.openssl_ok(&args);
        let mut args = vec!["req", "-new", "-key", "key.pem", "-out", "req.pem"];
        // With -subj, openssl skips the config's prompt sections, attributes included.
        if !extra.contains(&"-config") {
            args.extend(["-subj", "/CN=ignored"]);
        }
        args.extend(extra);
        dir.openssl_ok(&args);
        dir.read("req.pem")
    }

    #[test]
    fn openssl_ec_p256_csr_is_accepted_and_its_key_certified() {
        let dir = Scratch::new();
        let csr = openssl_csr(&dir, P256, &[]);
        let verified = parse_csr(&csr).unwrap();
        assert_eq!(verified.key_type(), CsrKeyType::EcP256);
        let ca = demo_ca();
        let issued = ca
            .issue_for_csr(&verified, &demo_subject(), &one_year(), &demo_urls())
            .unwrap();
        dir.write("user.pem", issued.pem());
        dir.write("ca.pem", ca.certificate_pem());
        let from_csr = dir.openssl_ok(&["req", "-in", "req.pem", "-noout", "-pubkey"]);
        let from_cert = dir.openssl_ok(&["x509", "-in", "user.pem", "-noout", "-pubkey"]);
        assert_eq!(from_csr, from_cert);
        let out = dir.openssl_ok(&[
            "verify",
            "-attime",
            "1767225600",
            "-CAfile",
            "ca.pem",
            "user.pem",
        ]);
        assert!(out.contains("OK"));
    }

    #[test]
    fn p384_rsa_2048_and_ed25519_csrs_are_accepted() {
        let dir = Scratch::new();
        let cases = [
            (P384, CsrKeyType::EcP384),
            (RSA2048, CsrKeyType::Rsa { bits: 2048 }),
            (ED25519, CsrKeyType::Ed25519),
        ];
        let ca = demo_ca();
        for (genkey, expected) in cases {
            let verified = parse_csr(&openssl_csr(&dir, genkey, &[])).unwrap();
            assert_eq!(verified.key_type(), expected);
            ca.issue_for_csr(&verified, &demo_subject(), &one_year(), &demo_urls())
                .unwrap();
        }
    }

    #[test]
    fn der_csr_is_accepted() {
        let dir = Scratch::new();
        openssl_csr(&dir, P256, &["-outform", "DER"]);
        assert_eq!(
            parse_csr(&dir.read("req.pem")).unwrap().key_type(),
            CsrKeyType::EcP256
        );
    }

    #[test]
    fn new_certificate_request_label_and_crlf_are_accepted() {
        let dir = Scratch::new();
        let pem = String::from_utf8(openssl_csr(&dir, P256, &[])).unwrap();
        let windows = pem
            .replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
            .replace('\n', "\r\n");
        let pasted = format!("\n\n  {}  \n", windows.replace("\r\n", "\r\n "));
        assert!(parse_csr(windows.as_bytes()).is_ok());
        assert!(parse_csr(pasted.as_bytes()).is_ok());
    }

    #[test]
    fn rsa_512_csr_is_refused_as_too_small() {
        let dir = Scratch::new();
        let csr = openssl_csr(&dir, RSA512, &[]);
        assert_eq!(
            parse_csr(&csr).unwrap_err(),
            CsrError::RsaKeyTooSmall { bits: 512 }
        );
    }

    #[test]
    fn csr_with_bad_signature_is_refused() {
        let dir = Scratch::new();
        openssl_csr(&dir, P256, &["-outform", "DER"]);
        let mut der = dir.read("req.pem");
        // The signature BIT STRING is last; its last byte is part of s.
        *der.last_mut().unwrap() ^= 0x01;
        assert_eq!(parse_csr(&der).unwrap_err(), CsrError::BadSignature);
        let mut der = dir.read("req.pem");
        // A byte of the signed subject: the signature no longer covers it.
        let at = der.windows(7).position(|w| w == b"ignored").unwrap();
        der[at] = b'I';
        assert_eq!(parse_csr(&der).unwrap_err(), CsrError::BadSignature);
    }

    #[test]
    fn csr_with_windows_certreq_style_extensions_and_attributes_is_accepted() {
        let dir = Scratch::new();
        let config = "\
oid_section = ms_oids
[ ms_oids ]
msOsVersion = 1.3.6.1.4.1.311.13.2.3
[ req ]
distinguished_name = dn
attributes = attrs
req_extensions = exts
prompt = no
[ dn ]
CN = ignored
[ attrs ]
msOsVersion = 10.0.19045.2
challengePassword = not-used-by-kanri
[ exts ]
1.3.6.1.4.1.311.20.2 = ASN1:BMPSTRING:User
1.3.6.1.4.1.311.21.10 = DER:3018300a06082b06010505070302300a06082b06010505070304
1.3.6.1.4.1.311.21.7 = DER:302e06262b060104018237150887c3d85a86a1e24d87bd9f0e84e3f26e83c1a86b6083c5f52482b0d54702016402010a
subjectKeyIdentifier = hash
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth, emailProtection
subjectAltName = email:user@example.jp, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@example.jp
basicConstraints = CA:TRUE
";
        dir.write("req.cnf", config);
        let csr = openssl_csr(&dir, RSA2048, &["-config", "req.cnf"]);
        let text = dir.openssl_ok(&["req", "-in", "req.pem", "-noout", "-text"]);
        assert!(
            text.contains("1.3.6.1.4.1.311.21.7") && text.contains("1.3.6.1.4.1.311.13.2.3"),
            "{text}"
        );
        assert_eq!(
            parse_csr(&csr).unwrap().key_type(),
            CsrKeyType::Rsa { bits: 2048 }
        );
    }

    #[test]
    fn unsupported_curve_is_refused() {
        let dir = Scratch::new();
        let csr = openssl_csr(&dir, K256, &[]);
        assert_eq!(parse_csr(&csr).unwrap_err(), CsrError::UnsupportedKeyType);
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let big = vec![b'A'; MAX_CSR_BYTES + 1];
        assert_eq!(parse_csr(&big).unwrap_err(), CsrError::TooLarge);
    }

    #[test]
    fn garbage_truncated_and_non_utf8_inputs_are_malformed() {
        let dir = Scratch::new();
        openssl_csr(&dir, P256, &["-outform", "DER"]);
        let der = dir.read("req.pem");
        let inputs: [&[u8]; 6] = [
            b"",
            b"hello",
            &der[..der.len() - 5],
            &[0xff, 0xfe, 0x00],
            b"-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n",
            &[0x30, 0x82, 0xff, 0xff, 0x00],
        ];
        for input in inputs {
            assert_eq!(
                parse_csr(input).unwrap_err(),
                CsrError::Malformed,
                "{input:?}"
            );
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert_eq!(parse_csr(&trailing).unwrap_err(), CsrError::Malformed);
    }

    #[test]
    fn certificates_and_other_der_are_not_pkcs10() {
        let ca = demo_ca();
        assert_eq!(
            parse_csr(ca.certificate_pem().as_bytes()).unwrap_err(),
            CsrError::NotPkcs10
        );
        assert_eq!(
            parse_csr(ca.certificate_der()).unwrap_err(),
            CsrError::NotPkcs10
        );
        assert_eq!(
            parse_csr(&[0x30, 0x03, 0x02, 0x01, 0x00]).unwrap_err(),
            CsrError::NotPkcs10
        );
    }
}
