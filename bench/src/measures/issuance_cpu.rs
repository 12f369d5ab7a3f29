//! What issuance itself costs, without the password check: kanri's
//! `issuance::prepare` (subject, key pair for a server key, signature, and
//! for a server key the PKCS#12 encryption) in this process, one thread per
//! core, for each key method. No HTTP, no database: the CPU work a 取得 adds
//! to its argon2id verification.

use kanri_app::domain::{LoginId, Timestamp};
use kanri_app::infra::pki::Pki;
use kanri_app::use_cases::certificate_authority::{DEMO_ORGANIZATION, DEMO_UNIT};
use kanri_app::use_cases::issuance::{prepare, KeyMethod};
use kanri_pki::{parse_csr, Ca, CaSubject, Passphrase, PublicUrls};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What EJBCA, a widely used open-source CA, documents for its issuance
/// rate, printed beside kanri's.
pub const EJBCA_DOCUMENTED: &str = "tens, up to hundreds of certificates per second";

#[derive(Clone, Copy, Debug)]
pub struct IssuanceCpu {
    /// Threads, one per core.
    pub threads: usize,
    /// Certificates prepared per second with a key made here (.p12).
    pub p12_per_second: f64,
    /// Certificates prepared per second for a CSR.
    pub csr_per_second: f64,
}

/// Each method for `seconds` on every core; `csr_pem` is the CSR signed for
/// again and again.
pub fn measure(csr_pem: &[u8], seconds: u64) -> IssuanceCpu {
    let pki = demo_like_pki();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server_key = || KeyMethod::ServerKey(Passphrase::new("Import-Pass-01"));
    let csr = || KeyMethod::Csr(parse_csr(csr_pem).expect("openssl's CSR"));
    IssuanceCpu {
        threads,
        p12_per_second: per_second(&pki, threads, seconds, server_key),
        csr_per_second: per_second(&pki, threads, seconds, csr),
    }
}

/// A fresh CA with the demo's names and the default public address.
fn demo_like_pki() -> Pki {
    let subject = CaSubject {
        organization: DEMO_ORGANIZATION.into(),
        common_name: "KANRI BENCH CA".into(),
    };
    let ca = Ca::generate(&subject, chrono::Utc::now()).expect("a CA");
    let urls = PublicUrls::new("http://127.0.0.1:3000").expect("the public URL");
    Pki::new(ca, DEMO_ORGANIZATION.into(), DEMO_UNIT.into(), urls)
}

/// `prepare` on `threads` threads until `seconds` pass, each with its own
/// `method()`; certificates per second.
fn per_second(
    pki: &Pki,
    threads: usize,
    seconds: u64,
    method: impl Fn() -> KeyMethod + Sync,
) -> f64 {
    let login_id = LoginId::parse("bench0001").expect("a ログインID");
    let prepared = AtomicUsize::new(0);
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let method = method();
                while Instant::now() < until {
                    let now = Timestamp(chrono::Utc::now());
                    prepare(pki, &login_id, "A001", &method, now).expect("a certificate");
                    prepared.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    prepared.into_inner() as f64 / started.elapsed().as_secs_f64()
}
