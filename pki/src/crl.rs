//! Certificate revocation lists (RFC 5280 §5), signed by the CA.
//!
//! v2, thisUpdate/nextUpdate, the authority key identifier and CRL number
//! extensions, and per entry the serial, the revocation time and a
//! reasonCode extension. One RFC detail shows in the output: the reasonCode
//! for `unspecified` is omitted (RFC 5280 §5.3.1 says it SHOULD be absent
//! rather than 0), so relying parties read it as unspecified anyway.
//!
//! The DER is written here, byte for byte what rcgen writes (a test holds
//! the two to the same bytes), because a CRL is mostly one long list of
//! small, fixed-shape entries: rcgen's general writer spent about 85 ms on
//! 100,000 of them, building every element in a buffer of its own, where
//! appending each entry's few bytes to one buffer takes a fraction of it.
//!
//! The revocation reason type lives here and is shared with OCSP so that both
//! channels speak the same codes.

use chrono::{DateTime, Utc};
use chrono::{Datelike, Timelike};

use crate::ca::Ca;
use crate::serial::Serial;
use crate::timeconv::{self, TimeOutOfRange};

/// RFC 5280 CRLReason. Code 7 is unassigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    /// 0
    Unspecified,
    /// 1
    KeyCompromise,
    /// 2
    CaCompromise,
    /// 3
    AffiliationChanged,
    /// 4
    Superseded,
    /// 5
    CessationOfOperation,
    /// 6
    CertificateHold,
    /// 8
    RemoveFromCrl,
    /// 9
    PrivilegeWithdrawn,
    /// 10
    AaCompromise,
}

impl RevocationReason {
    const ALL: [(Self, u8); 10] = [
        (Self::Unspecified, 0),
        (Self::KeyCompromise, 1),
        (Self::CaCompromise, 2),
        (Self::AffiliationChanged, 3),
        (Self::Superseded, 4),
        (Self::CessationOfOperation, 5),
        (Self::CertificateHold, 6),
        (Self::RemoveFromCrl, 8),
        (Self::PrivilegeWithdrawn, 9),
        (Self::AaCompromise, 10),
    ];

    /// The RFC 5280 code (what the app stores).
    pub fn code(self) -> u8 {
        Self::ALL
            .iter()
            .find(|(r, _)| *r == self)
            .map_or(0, |(_, c)| *c)
    }

    /// The reason for an RFC 5280 code; `None` for 7 and above 10.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.iter().find(|(_, c)| *c == code).map(|(r, _)| *r)
    }
}

/// One CRL entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevokedCertificate {
    /// The revoked certificate's serial.
    pub serial: Serial,
    /// When kanri revoked it (written to the second).
    pub revoked_at: DateTime<Utc>,
    /// Why.
    pub reason: RevocationReason,
}

/// The CRL-wide fields, all decided by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrlSpec {
    /// Monotonically increasing CRL number.
    pub number: u64,
    /// Issue time.
    pub this_update: DateTime<Utc>,
    /// When the next CRL will be out at the latest (kanri: +24 h).
    pub next_update: DateTime<Utc>,
}

/// Why a CRL could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CrlError {
    /// nextUpdate is not after thisUpdate.
    #[error("next_update must be later than this_update")]
    InvalidNextUpdate,
    /// A time cannot be written in a CRL.
    #[error(transparent)]
    Time(#[from] TimeOutOfRange),
    /// rcgen or ring refused to sign.
    #[error("signing the CRL failed: {0}")]
    Signing(#[source] rcgen::Error),
}

impl Ca {
    /// Builds and signs the CRL listing `revoked` (DER, as served at
    /// `/pki/crl` with `application/pkix-crl`).
    pub fn build_crl(
        &self,
        spec: &CrlSpec,
        revoked: &[RevokedCertificate],
    ) -> Result<Vec<u8>, CrlError> {
        let this_update = timeconv::truncate(spec.this_update);
        let next_update = timeconv::truncate(spec.next_update);
        if next_update <= this_update {
            return Err(CrlError::InvalidNextUpdate);
        }
        let mut tbs = Vec::with_capacity(revoked.len() * ENTRY_BYTES + 512);
        tbs.extend_from_slice(&VERSION_2);
        tbs.extend_from_slice(&ECDSA_WITH_SHA256);
        tbs.extend_from_slice(&self.subject_der);
        write_time(&mut tbs, this_update)?;
        write_time(&mut tbs, next_update)?;
        // RFC 5280 §5.1.2.6: absent, not empty, when nothing is revoked.
        if !revoked.is_empty() {
            let mut entries = Vec::with_capacity(revoked.len() * ENTRY_BYTES);
            for entry in revoked {
                write_entry(&mut entries, entry)?;
            }
            write_tlv(&mut tbs, SEQUENCE, &entries);
        }
        write_tlv(&mut tbs, EXTENSIONS, &self.crl_extensions(spec.number));
        let tbs = tlv(SEQUENCE, &tbs);

        let signature = self.sign(&tbs).map_err(CrlError::Signing)?;
        let mut signature_bits = Vec::with_capacity(signature.len() + 1);
        signature_bits.push(0); // no unused bits
        signature_bits.extend_from_slice(&signature);
        let mut crl = tbs;
        crl.extend_from_slice(&ECDSA_WITH_SHA256);
        write_tlv(&mut crl, BIT_STRING, &signature_bits);
        Ok(tlv(SEQUENCE, &crl))
    }

    /// The SEQUENCE of the two CRL extensions RFC 5280 §5.2 requires:
    /// authority key identifier and CRL number.
    fn crl_extensions(&self, number: u64) -> Vec<u8> {
        let mut extensions = Vec::new();
        let key_identifier = tlv(CONTEXT_0, &self.authority_key_id);
        let aki = tlv(OCTET_STRING, &tlv(SEQUENCE, &key_identifier));
        write_extension(&mut extensions, &OID_AUTHORITY_KEY_IDENTIFIER, &aki);
        let number = tlv(
            OCTET_STRING,
            &tlv(INTEGER, &unsigned(&number.to_be_bytes())),
        );
        write_extension(&mut extensions, &OID_CRL_NUMBER, &number);
        tlv(SEQUENCE, &extensions)
    }
}

// DER tags.
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const ENUMERATED: u8 = 0x0a;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;
/// `[0]` primitive: the AKI's keyIdentifier.
const CONTEXT_0: u8 = 0x80;
/// `[0] EXPLICIT`: the TBSCertList's crlExtensions.
const EXTENSIONS: u8 = 0xa0;

/// `version INTEGER 1` (v2).
const VERSION_2: [u8; 3] = [INTEGER, 1, 1];
/// AlgorithmIdentifier ecdsa-with-SHA256 (1.2.840.10045.4.3.2), no
/// parameters: a kanri CA is P-256 (checked when it is loaded).
const ECDSA_WITH_SHA256: [u8; 12] = [
    SEQUENCE, 10, 0x06, 8, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];
/// 2.5.29.35, 2.5.29.20, 2.5.29.21 (OBJECT IDENTIFIER with tag and length).
const OID_AUTHORITY_KEY_IDENTIFIER: [u8; 5] = [0x06, 3, 0x55, 0x1d, 0x23];
const OID_CRL_NUMBER: [u8; 5] = [0x06, 3, 0x55, 0x1d, 0x14];
const OID_REASON_CODE: [u8; 5] = [0x06, 3, 0x55, 0x1d, 0x15];
/// An entry's bytes at most: serial (16 bytes and a sign byte), time and
/// reasonCode, with their headers.
const ENTRY_BYTES: usize = 56;

/// One revokedCertificates entry: serial, revocationDate and, unless the
/// reason is unspecified, the reasonCode extension.
fn write_entry(out: &mut Vec<u8>, entry: &RevokedCertificate) -> Result<(), TimeOutOfRange> {
    let mut body = [0u8; ENTRY_BYTES];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        body[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    let serial = unsigned(entry.serial.as_bytes());
    put(&[INTEGER, serial.len() as u8]);
    put(&serial);
    let mut time = Vec::with_capacity(17);
    write_time(&mut time, timeconv::truncate(entry.revoked_at))?;
    put(&time);
    if entry.reason != RevocationReason::Unspecified {
        // SEQUENCE { SEQUENCE { reasonCode, OCTET STRING { ENUMERATED } } }
        put(&[SEQUENCE, 12, SEQUENCE, 10]);
        put(&OID_REASON_CODE);
        put(&[OCTET_STRING, 3, ENUMERATED, 1, entry.reason.code()]);
    }
    write_tlv(out, SEQUENCE, &body[..at]);
    Ok(())
}

/// An extension without the critical flag: SEQUENCE { OID, OCTET STRING }
/// (`value` is the OCTET STRING with its header).
fn write_extension(out: &mut Vec<u8>, oid: &[u8], value: &[u8]) {
    let mut extension = Vec::with_capacity(oid.len() + value.len());
    extension.extend_from_slice(oid);
    extension.extend_from_slice(value);
    write_tlv(out, SEQUENCE, &extension);
}

/// RFC 5280's Time: UTCTime through 2049, GeneralizedTime from 2050, to
/// the second, in UTC.
fn write_time(out: &mut Vec<u8>, t: DateTime<Utc>) -> Result<(), TimeOutOfRange> {
    // Within what X.509 can write (1970 to 9999), as timeconv checks.
    timeconv::to_offset(t)?;
    let year = t.year() as u32;
    let mut digits = Vec::with_capacity(15);
    if year < 2050 {
        out.extend_from_slice(&[UTC_TIME, 13]);
        two_digits(&mut digits, year % 100);
    } else {
        out.extend_from_slice(&[GENERALIZED_TIME, 15]);
        two_digits(&mut digits, year / 100);
        two_digits(&mut digits, year % 100);
    }
    for field in [t.month(), t.day(), t.hour(), t.minute(), t.second()] {
        two_digits(&mut digits, field);
    }
    digits.push(b'Z');
    out.extend_from_slice(&digits);
    Ok(())
}

fn two_digits(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// A non-negative INTEGER's content octets from big-endian bytes: no
/// leading zero bytes, and one zero byte in front when the first bit is set.
fn unsigned(big_endian: &[u8]) -> Vec<u8> {
    let first = big_endian
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(big_endian.len().saturating_sub(1));
    let digits = &big_endian[first..];
    let mut content = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(digits);
    content
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    write_tlv(&mut out, tag, content);
    out
}

/// Tag, DER length (short form below 128, else the fewest bytes), content.
fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::tests::demo_ca;
    use crate::issue::tests::{demo_subject, demo_urls};
    use crate::issue::Validity;
    use crate::testutil::Scratch;
    use chrono::{Duration, TimeZone};
    use x509_parser::prelude::FromDer;
    use x509_parser::revocation_list::CertificateRevocationList;

    /// rcgen's CRL of the same entries: the reference the hand-written DER
    /// is held to.
    fn rcgen_crl(ca: &Ca, spec: &CrlSpec, revoked: &[RevokedCertificate]) -> Vec<u8> {
        use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams};
        let time = |t| timeconv::to_offset(timeconv::truncate(t)).unwrap();
        let params = CertificateRevocationListParams {
            this_update: time(spec.this_update),
            next_update: time(spec.next_update),
            crl_number: spec.number.into(),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|entry| RevokedCertParams {
                    serial_number: entry.serial.as_bytes().to_vec().into(),
                    revocation_time: time(entry.revoked_at),
                    reason_code: Some(rcgen_reason(entry.reason)),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::PreSpecified(ca.authority_key_id.clone()),
        };
        params.signed_by(&ca.issuer).unwrap().der().to_vec()
    }

    fn rcgen_reason(reason: RevocationReason) -> rcgen::RevocationReason {
        use rcgen::RevocationReason as R;
        match reason {
            RevocationReason::Unspecified => R::Unspecified,
            RevocationReason::KeyCompromise => R::KeyCompromise,
            RevocationReason::CaCompromise => R::CaCompromise,
            RevocationReason::AffiliationChanged => R::AffiliationChanged,
            RevocationReason::Superseded => R::Superseded,
            RevocationReason::CessationOfOperation => R::CessationOfOperation,
            RevocationReason::CertificateHold => R::CertificateHold,
            RevocationReason::RemoveFromCrl => R::RemoveFromCrl,
            RevocationReason::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
            RevocationReason::AaCompromise => R::AaCompromise,
        }
    }

    /// The signed part of a CRL, TBSCertList with its header: ECDSA signs
    /// differently every time, so that is what two CRLs can share.
    fn tbs_of(crl: &[u8]) -> &[u8] {
        let header = |b: &[u8]| -> (usize, usize) {
            if b[1] < 0x80 {
                (2, b[1] as usize)
            } else {
                let n = (b[1] & 0x7f) as usize;
                let len = b[2..2 + n].iter().fold(0, |a, x| a * 256 + *x as usize);
                (2 + n, len)
            }
        };
        let (outer, _) = header(crl);
        let inner = &crl[outer..];
        let (head, len) = header(inner);
        &inner[..head + len]
    }

    #[test]
    fn the_der_is_rcgens_byte_for_byte() {
        let ca = demo_ca();
        let at = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
        let entries: Vec<_> = [
            (
                "8a0102030405060708090a0b0c0d0e0f",
                RevocationReason::Unspecified,
                at(2025, 9, 30, 8, 15, 0),
            ),
            (
                "0102030405060708090a0b0c0d0e0f10",
                RevocationReason::KeyCompromise,
                at(2049, 12, 31, 23, 59, 59),
            ),
            (
                "7f0102030405060708090a0b0c0d0e0f",
                RevocationReason::AaCompromise,
                at(2050, 1, 1, 0, 0, 0),
            ),
            (
                "ff0102030405060708090a0b0c0d0e0f",
                RevocationReason::Superseded,
                at(1999, 1, 2, 3, 4, 5),
            ),
        ]
        .into_iter()
        .map(|(hex, reason, revoked_at)| RevokedCertificate {
            serial: Serial::from_hex(hex).unwrap(),
            revoked_at,
            reason,
        })
        .chain(
            RevocationReason::ALL
                .iter()
                .map(|(r, _)| revoked(Serial::random().unwrap(), *r)),
        )
        .collect();
        let late = CrlSpec {
            number: u64::MAX,
            this_update: at(2060, 5, 6, 7, 8, 9),
            next_update: at(2060, 5, 7, 7, 8, 9),
        };
        let small = CrlSpec {
            number: 0,
            ..spec()
        };
        for (spec, entries) in [
            (spec(), &entries[..]),
            (late, &entries[..]),
            (small, &entries[..1]),
            (spec(), &[][..]),
        ] {
            let ours = ca.build_crl(&spec, entries).unwrap();
            let reference = rcgen_crl(&ca, &spec, entries);
            assert_eq!(
                tbs_of(&ours),
                tbs_of(&reference),
                "{spec:?}, {} entries",
                entries.len()
            );
            // And the whole parses, its signature verifies.
            let (rest, crl) = CertificateRevocationList::from_der(&ours).unwrap();
            assert!(rest.is_empty());
            let ca_cert = x509_parser::parse_x509_certificate(ca.certificate_der())
                .unwrap()
                .1;
            crl.verify_signature(ca_cert.public_key()).unwrap();
        }
    }

    #[test]
    fn the_authority_key_identifier_is_the_ca_certificates_subject_key_identifier() {
        let ca = demo_ca();
        let der = ca.build_crl(&spec(), &[]).unwrap();
        let (_, crl) = CertificateRevocationList::from_der(&der).unwrap();
        let aki = crl
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    aki.key_identifier.as_ref().map(|id| id.0.to_vec())
                }
                _ => None,
            })
            .expect("an AKI with a keyIdentifier");
        let ca_cert = x509_parser::parse_x509_certificate(ca.certificate_der())
            .unwrap()
            .1;
        assert_eq!(Some(aki), crate::ca::subject_key_id(&ca_cert));
    }

    fn spec() -> CrlSpec {
        let this_update = Utc.with_ymd_and_hms(2025, 10, 1, 0, 0, 0).unwrap();
        CrlSpec {
            number: 42,
            this_update,
            next_update: this_update + Duration::hours(24),
        }
    }

    fn revoked(serial: Serial, reason: RevocationReason) -> RevokedCertificate {
        let revoked_at = Utc.with_ymd_and_hms(2025, 9, 30, 8, 15, 0).unwrap();
        RevokedCertificate {
            serial,
            revoked_at,
            reason,
        }
    }

    #[test]
    fn reason_codes_round_trip_and_seven_is_unassigned() {
        for code in 0..=10u8 {
            match RevocationReason::from_code(code) {
                Some(reason) => assert_eq!(reason.code(), code),
                None => assert_eq!(code, 7),
            }
        }
        assert_eq!(RevocationReason::from_code(11), None);
        assert_eq!(RevocationReason::CessationOfOperation.code(), 5);
    }

    #[test]
    fn crl_carries_number_times_aki_and_each_entry_with_its_reason() {
        let ca = demo_ca();
        let reasons = [
            RevocationReason::Unspecified,
            RevocationReason::KeyCompromise,
            RevocationReason::AffiliationChanged,
            RevocationReason::Superseded,
            RevocationReason::CessationOfOperation,
        ];
        let entries: Vec<_> = reasons
            .iter()
            .map(|r| revoked(Serial::random().unwrap(), *r))
            .collect();
        let der = ca.build_crl(&spec(), &entries).unwrap();
        let (rest, crl) = CertificateRevocationList::from_der(&der).unwrap();
        assert!(rest.is_empty());
        assert_eq!(crl.crl_number().map(|n| n.to_u64_digits()), Some(vec![42]));
        assert_eq!(
            crl.last_update().timestamp(),
            spec().this_update.timestamp()
        );
        assert_eq!(
            crl.next_update().unwrap().timestamp(),
            spec().next_update.timestamp()
        );
        assert_eq!(crl.issuer().as_raw(), ca.subject_der.as_slice());
        let listed: Vec<_> = crl.iter_revoked_certificates().collect();
        assert_eq!(listed.len(), entries.len());
        for (entry, seen) in entries.iter().zip(listed) {
            assert_eq!(
                Serial::from_der_integer(seen.raw_serial()),
                Some(entry.serial)
            );
            assert_eq!(
                seen.revocation_date.timestamp(),
                entry.revoked_at.timestamp()
            );
            let code = seen.reason_code().map_or(0, |(_, r)| r.0);
            assert_eq!(code, entry.reason.code());
        }
    }

    #[test]
    fn next_update_not_after_this_update_is_refused() {
        let mut bad = spec();
        bad.next_update = bad.this_update;
        assert!(matches!(
            demo_ca().build_crl(&bad, &[]),
            Err(CrlError::InvalidNextUpdate)
        ));
    }

    #[test]
    fn openssl_reads_and_verifies_the_crl() {
        let dir = Scratch::new();
        let ca = demo_ca();
        let serial = Serial::from_hex("8a0102030405060708090a0b0c0d0e0f").unwrap();
        let der = ca
            .build_crl(&spec(), &[revoked(serial, RevocationReason::KeyCompromise)])
            .unwrap();
        dir.write("crl.der", der);
        dir.write("ca.pem", ca.certificate_pem());
        let args = [
            "crl", "-inform", "DER", "-in", "crl.der", "-CAfile", "ca.pem", "-noout", "-text",
        ];
        let text = dir.openssl_ok(&args);
        for expected in [
            "verify OK",
            "Version 2 (0x1)",
            "Signature Algorithm: ecdsa-with-SHA256",
            "Last Update: Oct  1 00:00:00 2025 GMT",
            "Next Update: Oct  2 00:00:00 2025 GMT",
            "X509v3 Authority Key Identifier",
            "X509v3 CRL Number: \n                42",
            "Serial Number: 8A0102030405060708090A0B0C0D0E0F",
            "Revocation Date: Sep 30 08:15:00 2025 GMT",
            "Key Compromise",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }

    /// `openssl verify -crl_check` against a CRL current at the real clock
    /// (openssl 3.0 cannot back-date a CA it makes): listed → revoked,
    /// unlisted → OK.
    fn openssl_crl_check(ca: &Ca) {
        let dir = Scratch::new();
        let now = Utc::now();
        let validity = Validity {
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(365),
        };
        let issue = || {
            ca.issue_with_new_key(&demo_subject(), &validity, &demo_urls())
                .unwrap()
                .0
        };
        let (listed, unlisted) = (issue(), issue());
        let spec = CrlSpec {
            number: 1,
            this_update: now - Duration::hours(1),
            next_update: now + Duration::hours(23),
        };
        let entry = revoked(listed.serial(), RevocationReason::Superseded);
        let crl = ca.build_crl(&spec, &[entry]).unwrap();
        dir.write("crl.pem", crate::encode_pem("X509 CRL", &crl));
        dir.write("ca.pem", ca.certificate_pem());
        dir.write("listed.pem", listed.pem());
        dir.write("unlisted.pem", unlisted.pem());
        let verify = |cert: &str| {
            dir.openssl(&[
                "verify",
                "-crl_check",
                "-CRLfile",
                "crl.pem",
                "-CAfile",
                "ca.pem",
                cert,
            ])
        };
        let (ok, out) = verify("listed.pem");
        assert!(!ok && out.contains("certificate revoked"), "{out}");
        let (ok, out) = verify("unlisted.pem");
        assert!(ok && out.contains("unlisted.pem: OK"), "{out}");
    }

    #[test]
    fn openssl_crl_check_finds_the_listed_certificate_revoked_and_the_other_ok() {
        openssl_crl_check(&demo_ca());
    }

    #[test]
    fn imported_openssl_ca_with_sha1_key_ids_issues_certificates_and_crls_openssl_accepts() {
        let dir = Scratch::new();
        dir.openssl_ok(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "k.pem",
        ]);
        dir.openssl_ok(&[
            "req",
            "-x509",
            "-new",
            "-key",
            "k.pem",
            "-subj",
            "/O=(9999)BANK/CN=BANK CA",
            "-days",
            "3650",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "c.pem",
        ]);
        let ca = Ca::import(
            &dir.read_string("c.pem"),
            &dir.read_string("k.pem"),
            crate::KeyStore::Software,
        )
        .unwrap();
        openssl_crl_check(&ca);
    }
}
