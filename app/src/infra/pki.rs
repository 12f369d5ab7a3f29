//! kanri's CA at run time: the issuing CA opened with its passphrase, the
//! subject its client certificates carry, and the public addresses written
//! into them. Loaded once at start (every instance reads the same row of
//! `certificate_authority`); a missing or wrong passphrase stops the
//! server there, not at the first issuance.

use crate::db::crls::{HeldEntry, RevokedEntry};
use crate::domain::{CertificateRefusal, CertificateSerial, RevocationReason, Timestamp};
use kanri_pki::{
    Ca, ClientSubject, PublicUrls, RevokedCertificate, Serial, ServerCertificate, VerifyError,
};

pub struct Pki {
    /// The issuing CA: it signs client certificates, CRLs and the OCSP
    /// responder's certificate.
    pub ca: Ca,
    /// Its generation: 1 for the first, one more at each `ca-rollover`.
    pub generation: i64,
    /// The issuing CAs `ca-rollover` replaced, newest first: their
    /// certificates keep logging in and renewing until they expire, and
    /// each still signs its own CRL and OCSP responder.
    pub previous: Vec<(i64, Ca)>,
    /// The certificates above `ca` up to its root, DER, nearest first;
    /// empty when `ca` is its own root (a one-tier CA).
    pub chain: Vec<Vec<u8>>,
    /// The demo's HTTPS server certificate and key (signed by the demo root
    /// when the demo CA was made); `None` outside demo mode.
    pub demo_tls: Option<ServerCertificate>,
    /// O and OU of every client certificate (SPEC 7.1).
    pub client_o: String,
    pub client_ou: String,
    pub urls: PublicUrls,
}

/// What a verified certificate says.
#[derive(Clone, Debug)]
pub struct Verified {
    pub serial: CertificateSerial,
    pub common_name: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
}

impl Verified {
    /// Whether the certificate is within its validity at `now`.
    pub fn valid_at(&self, now: Timestamp) -> Result<(), CertificateRefusal> {
        self.valid_with_grace_at(now, 0)
    }

    /// [`Verified::valid_at`] with `grace_days` more after its 有効期限:
    /// what 更新 takes (`Config::renewal_grace_days`), never a login.
    pub fn valid_with_grace_at(
        &self,
        now: Timestamp,
        grace_days: u16,
    ) -> Result<(), CertificateRefusal> {
        if now < self.not_before {
            Err(CertificateRefusal::NotYetValid)
        } else if now.0 > self.not_after.0 + chrono::Duration::days(i64::from(grace_days)) {
            Err(CertificateRefusal::Expired)
        } else {
            Ok(())
        }
    }
}

impl Pki {
    pub fn new(ca: Ca, client_o: String, client_ou: String, urls: PublicUrls) -> Self {
        Self {
            ca,
            generation: 1,
            previous: Vec::new(),
            chain: Vec::new(),
            demo_tls: None,
            client_o,
            client_ou,
            urls,
        }
    }

    /// Every issuing CA with its generation, the current one first.
    pub fn issuers(&self) -> impl Iterator<Item = (i64, &Ca)> {
        std::iter::once((self.generation, &self.ca)).chain(
            self.previous
                .iter()
                .map(|(generation, ca)| (*generation, ca)),
        )
    }

    /// The issuing CA of `generation`, current or previous.
    pub fn issuer(&self, generation: i64) -> Option<&Ca> {
        self.issuers()
            .find(|(g, _)| *g == generation)
            .map(|(_, ca)| ca)
    }

    /// Whether `der` is a client certificate of one of the issuing CAs: its
    /// signature (an ECDSA check; `infra::cache::SignatureCache` keeps the
    /// answers), not its dates (the caller's: `Verified::valid_at`). The
    /// issuer is found by name and signature, so a certificate of a
    /// previous CA is judged by that CA.
    pub fn verify_signature(&self, der: &[u8]) -> Result<Verified, CertificateRefusal> {
        let mut checked = Err(VerifyError::ForeignCa);
        for (_, ca) in self.issuers() {
            checked = ca.verify_client_signature(der);
            if checked != Err(VerifyError::ForeignCa) {
                break;
            }
        }
        match checked {
            Ok(c) => Ok(Verified {
                serial: CertificateSerial::from_bytes(*c.serial.as_bytes()),
                common_name: c.common_name,
                not_before: Timestamp(c.not_before),
                not_after: Timestamp(c.not_after),
            }),
            Err(VerifyError::Malformed) => Err(CertificateRefusal::Malformed),
            Err(VerifyError::ForeignCa) => Err(CertificateRefusal::ForeignCa),
            Err(VerifyError::NotYetValid) => Err(CertificateRefusal::NotYetValid),
            Err(VerifyError::Expired) => Err(CertificateRefusal::Expired),
            Err(VerifyError::NotAClientCertificate) => Err(CertificateRefusal::NotCurrent),
        }
    }

    /// The root certificate, DER: the last of the chain, or the issuing CA
    /// itself when it is its own root.
    pub fn root_der(&self) -> &[u8] {
        self.chain
            .last()
            .map_or(self.ca.certificate_der(), Vec::as_slice)
    }

    /// The root certificate, PEM: what relying parties trust (`/pki/root.crt`).
    pub fn root_pem(&self) -> String {
        kanri_pki::encode_pem("CERTIFICATE", self.root_der())
    }

    /// The issuing CAs (the current one first) and every certificate above
    /// them, PEM (`/pki/chain.pem`: what nginx and `openssl verify -CAfile`
    /// take; a client certificate of either issuer verifies with it).
    pub fn chain_pem(&self) -> String {
        let above = self
            .chain
            .iter()
            .map(|der| kanri_pki::encode_pem("CERTIFICATE", der));
        self.issuers()
            .map(|(_, ca)| ca.certificate_pem())
            .chain(above)
            .collect()
    }

    /// The subjects (DER Names) of every issuing CA: what the TLS listener
    /// names when it asks a browser for a client certificate.
    pub fn client_ca_subjects(&self) -> Vec<&[u8]> {
        self.issuers().map(|(_, ca)| ca.subject_der()).collect()
    }

    /// The subject of a client certificate with this CN.
    pub fn client_subject(&self, common_name: String) -> ClientSubject {
        ClientSubject {
            organization: self.client_o.clone(),
            organizational_unit: self.client_ou.clone(),
            common_name,
        }
    }
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki")
            .field("ca", &self.ca.subject())
            .field("client_o", &self.client_o)
            .field("client_ou", &self.client_ou)
            .finish_non_exhaustive()
    }
}

/// A CRL entry as the CA writes it.
pub fn to_pki(entry: &RevokedEntry) -> Option<RevokedCertificate> {
    Some(RevokedCertificate {
        // A serial kanri did not make (a leading zero byte) cannot be one of
        // its certificates; it is left out rather than mangled.
        serial: Serial::from_bytes(entry.serial.to_bytes()).ok()?,
        revoked_at: entry.revoked_at.0,
        reason: pki_reason(entry.reason),
    })
}

/// A held certificate as its CRL entry: reason certificateHold, dated
/// from the hold.
pub fn held_to_pki(entry: &HeldEntry) -> Option<RevokedCertificate> {
    Some(RevokedCertificate {
        serial: Serial::from_bytes(entry.serial.to_bytes()).ok()?,
        revoked_at: entry.held_at.0,
        reason: kanri_pki::RevocationReason::CertificateHold,
    })
}

/// kanri's reason as the CA's (the same RFC 5280 code).
pub fn pki_reason(reason: RevocationReason) -> kanri_pki::RevocationReason {
    kanri_pki::RevocationReason::from_code(reason.code())
        .unwrap_or(kanri_pki::RevocationReason::Unspecified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn the_grace_adds_whole_days_after_the_end_of_validity_and_nothing_before_it() {
        let at = |day: u32, second: u32| {
            Timestamp(Utc.with_ymd_and_hms(2026, 12, day, 0, 0, second).unwrap())
        };
        let verified = Verified {
            serial: CertificateSerial::from_bytes([1; 16]),
            common_name: "user02.B002.x".into(),
            not_before: at(1, 0),
            not_after: at(10, 0),
        };
        assert_eq!(verified.valid_at(at(10, 0)), Ok(()));
        assert_eq!(
            verified.valid_at(at(10, 1)),
            Err(CertificateRefusal::Expired)
        );
        assert_eq!(verified.valid_with_grace_at(at(13, 0), 3), Ok(()));
        assert_eq!(
            verified.valid_with_grace_at(at(13, 1), 3),
            Err(CertificateRefusal::Expired)
        );
        assert_eq!(
            verified.valid_with_grace_at(Timestamp(at(1, 0).0 - Duration::seconds(1)), 30),
            Err(CertificateRefusal::NotYetValid),
            "the grace is after the end, never before the start"
        );
    }
}
