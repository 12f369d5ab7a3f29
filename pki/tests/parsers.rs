//! Every parser of bytes a stranger sends, fed what proptest makes of
//! nothing and of the real thing damaged (issue 25): a CSR, an OCSP request
//! (POST body and GET path), a presented certificate, a sealed file. Each
//! must answer (Ok or a refusal) and never panic. CI runs proptest's default
//! number of cases; `PROPTEST_CASES=20000 cargo test -p kanri-pki --test
//! parsers` is the long run (its result is in the issue's note).

use chrono::{Duration, Utc};
use kanri_pki::{
    decode_get_request, parse_csr, Ca, CaSubject, ClientSubject, OcspCertStatus, OcspResponder,
    OcspTimes, PublicUrls, Validity,
};
use proptest::prelude::*;
use std::sync::OnceLock;

struct Fixture {
    ca: Ca,
    responder: OcspResponder,
    certificate: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let now = Utc::now();
        let ca = Ca::generate(
            &CaSubject {
                organization: "(9999)KENSHINYO DEMO".into(),
                common_name: "KANRI DEMO CA".into(),
            },
            now - Duration::days(1),
        )
        .unwrap();
        let subject = ClientSubject {
            organization: "(9999)KENSHINYO DEMO".into(),
            organizational_unit: "(9999)KANRI DEMO CA".into(),
            common_name: "logid031.A001.20261207000000000000".into(),
        };
        let validity = Validity {
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(365),
        };
        let urls = PublicUrls::new("https://kanri.example").unwrap();
        let (issued, _) = ca.issue_with_new_key(&subject, &validity, &urls).unwrap();
        let responder = ca
            .issue_ocsp_responder(now - Duration::hours(1), Duration::days(4))
            .unwrap();
        Fixture {
            certificate: issued.der().to_vec(),
            responder,
            ca,
        }
    })
}

/// The real thing with some bytes flipped and the end cut off somewhere.
fn damaged(real: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = real.len();
    (
        proptest::collection::vec((0..len, any::<u8>()), 1..8),
        1..=len,
    )
        .prop_map(move |(flips, cut)| {
            let mut bytes = real.clone();
            for (at, xor) in flips {
                bytes[at] ^= xor;
            }
            bytes.truncate(cut);
            bytes
        })
}

fn times() -> OcspTimes {
    let now = Utc::now();
    OcspTimes {
        produced_at: now,
        this_update: now,
        next_update: Some(now + Duration::hours(1)),
    }
}

proptest! {
    #[test]
    fn a_csr_of_any_bytes_is_parsed_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_csr(&bytes);
        let pem = format!(
            "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----",
            String::from_utf8_lossy(&bytes)
        );
        let _ = parse_csr(pem.as_bytes());
    }

    #[test]
    fn a_presented_certificate_of_any_bytes_is_verified_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(fixture().ca.verify_client_certificate(&bytes, Utc::now()).is_err());
    }

    #[test]
    fn a_damaged_certificate_is_never_taken_for_another(bytes in damaged(fixture().certificate.clone())) {
        if let Ok(seen) = fixture().ca.verify_client_certificate(&bytes, Utc::now()) {
            // Only a change outside the signed part can leave it valid: then
            // it is still the same certificate.
            prop_assert_eq!(seen.common_name, "logid031.A001.20261207000000000000");
        }
    }

    #[test]
    fn an_ocsp_request_of_any_bytes_gets_an_answer(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let f = fixture();
        let answer = f.ca.respond_ocsp(&f.responder, &bytes, &times(), |_| OcspCertStatus::Good);
        prop_assert!(!answer.is_empty());
    }

    #[test]
    fn an_ocsp_get_path_of_any_text_is_decoded_or_refused(text in ".{0,400}") {
        let _ = decode_get_request(&text);
    }

    #[test]
    fn sealed_bytes_of_any_kind_open_to_nothing(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert_eq!(fixture().ca.open_at_rest("pending .p12", &bytes), None);
    }
}
