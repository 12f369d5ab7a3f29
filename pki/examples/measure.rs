//! Throughput of the operations kanri runs per user or per request.
//! Run in release: `cargo run --release -p kanri-pki --example measure`.

use std::time::{Duration, Instant};

use chrono::{Duration as Days, Utc};
use kanri_pki::{
    build_pkcs12, Ca, CaSubject, ClientSubject, CrlSpec, OcspCertStatus, OcspTimes, Passphrase,
    PublicUrls, RevocationReason, RevokedCertificate, Serial, Validity,
};

fn per_op(label: &str, n: u32, mut op: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        op();
    }
    let each = start.elapsed() / n;
    let per_sec = 1.0 / each.as_secs_f64();
    println!(
        "{label:<44} {:>10.1} µs  {per_sec:>10.0}/s",
        each.as_secs_f64() * 1e6
    );
    each
}

/// What `openssl ocsp -no_nonce -issuer ca.pem -cert user.pem` sends.
fn ocsp_request(ca: &Ca, serial: &Serial) -> Result<Vec<u8>> {
    use der::{asn1::OctetString, Encode};
    let (_, x509) = x509_parser::parse_x509_certificate(ca.certificate_der())?;
    let sha1 = |b: &[u8]| ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, b);
    let mut serial_der = vec![0u8];
    serial_der.extend_from_slice(serial.as_bytes());
    let cert_id = x509_ocsp::CertId {
        hash_algorithm: spki::AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::ID_SHA_1,
            parameters: Some(der::asn1::Null.into()),
        },
        issuer_name_hash: OctetString::new(sha1(x509.subject().as_raw()).as_ref())?,
        issuer_key_hash: OctetString::new(
            sha1(&x509.public_key().subject_public_key.data).as_ref(),
        )?,
        serial_number: x509_cert::serial_number::SerialNumber::new(&serial_der)?,
    };
    let request = x509_ocsp::OcspRequest {
        tbs_request: x509_ocsp::TbsRequest {
            request_list: vec![x509_ocsp::Request {
                req_cert: cert_id,
                single_request_extensions: None,
            }],
            ..Default::default()
        },
        optional_signature: None,
    };
    Ok(request.to_der()?)
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let now = Utc::now();
    let subject = CaSubject {
        organization: "(9999)KENSHINYO DEMO".into(),
        common_name: "KANRI DEMO CA".into(),
    };
    let ca = Ca::generate(&subject, now - Days::days(1))?;
    let client = ClientSubject {
        organization: "(9999)KENSHINYO DEMO".into(),
        organizational_unit: "(9999)KANRI DEMO CA".into(),
        common_name: "logid031.A001.20200304153656560435".into(),
    };
    let validity = Validity {
        not_before: now,
        not_after: now + Days::days(365),
    };
    let urls = PublicUrls::new("https://kanri.example.jp")?;

    per_op("issue (new P-256 key + certificate)", 2_000, || {
        ca.issue_with_new_key(&client, &validity, &urls)
            .map(drop)
            .unwrap_or_default();
    });
    let (issued, key) = ca.issue_with_new_key(&client, &validity, &urls)?;
    let pass = Passphrase::new("import-password");
    per_op("PKCS#12 (10,000 PBKDF2 iterations)", 100, || {
        build_pkcs12(
            &key,
            issued.der(),
            ca.certificate_der(),
            &pass,
            &client.common_name,
        )
        .map(drop)
        .unwrap_or_default();
    });
    per_op("verify presented client certificate", 10_000, || {
        ca.verify_client_certificate(issued.der(), now)
            .map(drop)
            .unwrap_or_default();
    });

    measure_crl(&ca, now)?;
    measure_ocsp(&ca, &issued.serial(), now)?;
    measure_sealing(&ca)
}

fn measure_crl(ca: &Ca, now: chrono::DateTime<Utc>) -> Result<()> {
    let revoked: Vec<_> = (0..100_000)
        .map(|_| {
            Serial::random().map(|serial| RevokedCertificate {
                serial,
                revoked_at: now,
                reason: RevocationReason::CessationOfOperation,
            })
        })
        .collect::<std::result::Result<_, _>>()?;
    let spec = CrlSpec {
        number: 1,
        this_update: now,
        next_update: now + Days::hours(24),
    };
    let mut size = 0;
    per_op("CRL with 100,000 entries", 10, || {
        size = ca
            .build_crl(&spec, &revoked)
            .map(|d| d.len())
            .unwrap_or_default();
    });
    println!("{:<44} {:>10.2} MB", "  its size", size as f64 / 1e6);

    Ok(())
}

fn measure_ocsp(ca: &Ca, serial: &Serial, now: chrono::DateTime<Utc>) -> Result<()> {
    let req = ocsp_request(ca, serial)?;
    let times = OcspTimes {
        produced_at: now,
        this_update: now,
        next_update: None,
    };
    let responder = ca.issue_ocsp_responder(now, chrono::Duration::days(4))?;
    per_op("OCSP response (parse + match + sign)", 5_000, || {
        drop(ca.respond_ocsp(&responder, &req, &times, |_| OcspCertStatus::Good));
    });
    Ok(())
}

/// The CA key's sealing at the production iteration count (server start).
fn measure_sealing(ca: &Ca) -> Result<()> {
    let start = Instant::now();
    let sealed = ca.seal_key(&Passphrase::new("passphrase"))?;
    println!(
        "{:<44} {:>10.1} ms",
        "seal CA key (600,000 PBKDF2)",
        start.elapsed().as_secs_f64() * 1e3
    );
    let start = Instant::now();
    Ca::unseal(
        &ca.certificate_pem(),
        &sealed,
        &Passphrase::new("passphrase"),
    )?;
    println!(
        "{:<44} {:>10.1} ms",
        "unseal CA key",
        start.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
