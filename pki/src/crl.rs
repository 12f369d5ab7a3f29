//! Certificate revocation lists (RFC 5280 §5), signed by the CA.
//!
//! rcgen writes the CRL: v2, thisUpdate/nextUpdate, the authority key
//! identifier and CRL number extensions, and per entry the serial, the
//! revocation time and a reasonCode extension. One RFC detail shows in the
//! output: the reasonCode for `unspecified` is omitted (RFC 5280 §5.3.1 says
//! it SHOULD be absent rather than 0), so relying parties read it as
//! unspecified anyway.
//!
//! The revocation reason type lives here and is shared with OCSP so that both
//! channels speak the same codes.

use chrono::{DateTime, Utc};
use rcgen::{CertificateRevocationListParams, RevokedCertParams};

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

    fn to_rcgen(self) -> rcgen::RevocationReason {
        use rcgen::RevocationReason as R;
        match self {
            Self::Unspecified => R::Unspecified,
            Self::KeyCompromise => R::KeyCompromise,
            Self::CaCompromise => R::CaCompromise,
            Self::AffiliationChanged => R::AffiliationChanged,
            Self::Superseded => R::Superseded,
            Self::CessationOfOperation => R::CessationOfOperation,
            Self::CertificateHold => R::CertificateHold,
            Self::RemoveFromCrl => R::RemoveFromCrl,
            Self::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
            Self::AaCompromise => R::AaCompromise,
        }
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
        let revoked_certs = revoked
            .iter()
            .map(revoked_params)
            .collect::<Result<_, _>>()?;
        let params = CertificateRevocationListParams {
            this_update: timeconv::to_offset(this_update)?,
            next_update: timeconv::to_offset(next_update)?,
            crl_number: spec.number.into(),
            issuing_distribution_point: None,
            revoked_certs,
            // The AKI must equal the CA's SKI whatever method made it
            // (an imported CA may use SHA-1 key ids).
            key_identifier_method: self.key_id.clone(),
        };
        let crl = params.signed_by(&self.issuer).map_err(CrlError::Signing)?;
        Ok(crl.der().to_vec())
    }
}

fn revoked_params(entry: &RevokedCertificate) -> Result<RevokedCertParams, TimeOutOfRange> {
    Ok(RevokedCertParams {
        serial_number: entry.serial.as_bytes().to_vec().into(),
        revocation_time: timeconv::to_offset(timeconv::truncate(entry.revoked_at))?,
        reason_code: Some(entry.reason.to_rcgen()),
        invalidity_date: None,
    })
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
        let ca = Ca::import(&dir.read_string("c.pem"), &dir.read_string("k.pem")).unwrap();
        openssl_crl_check(&ca);
    }
}
