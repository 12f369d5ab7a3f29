//! The CRL at 100,000 revoked, unexpired certificates, in this process on a
//! fresh demo database: `publication::make_crl` as a revocation triggers it
//! (the counter, the entries, signing, storing), the first time after the
//! 100,000 revocations (this process reads them all) and then after each
//! single revocation (it reads the new one: `infra::cache::crl_entries`); and its
//! parts alone: reading every entry (`crls::revoked_since`), signing them
//! (`Ca::build_crl`) and storing the CRL.

use crate::server::in_process;
use kanri_app::db::crls::{self, StoredCrl};
use kanri_app::infra::pki::to_pki;
use kanri_app::use_cases::publication::{make_crl, CRL_VALIDITY_HOURS};
use kanri_pki::{CrlSpec, RevokedCertificate};
use sqlx::Executor;
use std::path::Path;
use std::time::Instant;

/// Revoked certificates in the CRL.
pub const ENTRIES: i64 = 100_000;
/// Runs of each timing; the median is reported.
pub const RUNS: usize = 5;

#[derive(Clone, Copy, Debug)]
pub struct Crl {
    /// Entries in the signed CRL (the demo's revoked01 besides [`ENTRIES`]).
    pub entries: usize,
    /// `make_crl` after one more revocation, median of [`RUNS`], in seconds.
    pub make_seconds: f64,
    /// The first `make_crl` after the [`ENTRIES`] revocations: it reads
    /// every one of them.
    pub first_make_seconds: f64,
    /// Reading every entry alone (`crls::revoked_since`), median.
    pub read_seconds: f64,
    /// Signing alone (`Ca::build_crl`) on the same entries, median.
    pub sign_seconds: f64,
    /// Storing the CRL alone (`crls::insert` and its commit), median.
    pub store_seconds: f64,
    /// Bytes of the CRL (DER).
    pub der_bytes: usize,
}

pub async fn measure(dir: &Path) -> Crl {
    std::fs::create_dir_all(dir).unwrap();
    let state = in_process(dir).await;
    // The demo's revoked01 is in this process's entries already.
    make_crl(&state, 1).await.unwrap();
    add_revoked(&state, ENTRIES).await;
    let started = Instant::now();
    make_crl(&state, 1).await.unwrap();
    let first_make_seconds = started.elapsed().as_secs_f64();
    let (make_seconds, crl) = median_of_runs(async || {
        add_revoked(&state, 1).await;
        let started = Instant::now();
        let crl = make_crl(&state, 1).await.unwrap();
        (started.elapsed().as_secs_f64(), crl)
    })
    .await;
    let now = state.clock.now();
    let (read_seconds, entries) = median_of_runs(async || {
        let started = Instant::now();
        let entries = crls::revoked_since(&state.db, -1, now).await.unwrap();
        (started.elapsed().as_secs_f64(), entries)
    })
    .await;
    let entries: Vec<RevokedCertificate> = entries.iter().filter_map(to_pki).collect();
    let spec = CrlSpec {
        number: crl.number as u64 + 1,
        this_update: now.0,
        next_update: now.0 + chrono::Duration::hours(CRL_VALIDITY_HOURS),
    };
    let (sign_seconds, _) = median_of_runs(async || {
        let started = Instant::now();
        state.pki.ca.build_crl(&spec, &entries).unwrap();
        (started.elapsed().as_secs_f64(), ())
    })
    .await;
    let mut number = crl.number;
    let (store_seconds, _) = median_of_runs(async || {
        number += 1;
        let copy = StoredCrl {
            number,
            ..crl.clone()
        };
        let started = Instant::now();
        let mut tx = state.db.begin_write().await.unwrap();
        crls::insert(&mut tx, &copy).await.unwrap();
        tx.commit().await.unwrap();
        (started.elapsed().as_secs_f64(), ())
    })
    .await;
    state.db.close().await;
    Crl {
        entries: entries.len(),
        make_seconds,
        first_make_seconds,
        read_seconds,
        sign_seconds,
        store_seconds,
        der_bytes: crl.der.len(),
    }
}

/// `run` [`RUNS`] times, each timing itself (what it does before its clock
/// starts is preparation): the median of its times in seconds, and its last
/// output.
async fn median_of_runs<T>(mut run: impl AsyncFnMut() -> (f64, T)) -> (f64, T) {
    let mut seconds = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let (took, output) = run().await;
        seconds.push(took);
        last = Some(output);
    }
    seconds.sort_by(f64::total_cmp);
    (seconds[RUNS / 2], last.expect("at least one run"))
}

/// `count` revoked (keyCompromise), unexpired certificates of master01,
/// without DER, counted and numbered as the revocation trigger numbers a
/// revocation (it fires on updates only; kanri never inserts a revoked row).
async fn add_revoked(state: &kanri_app::state::AppState, count: i64) {
    let mut tx = state.db.pool().begin().await.unwrap();
    // 32 hex digits; the first byte never zero, as in kanri's serials.
    let insert = format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {count}) \
         INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, not_after, \
                                   state, revoked_at, revoked_by, revocation_reason, der, revocation_seq) \
         SELECT u.id, printf('%02x%014x%016x', 1 + n.i % 255, n.i, abs(random())), 'o', 'ou', 'revoked' || n.i, \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-100 days'), \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '+265 days'), 'revoked', \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-' || (n.i % 90) || ' days'), \
                'bench', 'keyCompromise', NULL, c.revocations + 1 + n.i \
         FROM n JOIN users u ON u.login_id = 'master01' JOIN crl_counter c ON c.id = 1"
    );
    (&mut *tx).execute(insert.as_str()).await.unwrap();
    let bump = format!("UPDATE crl_counter SET revocations = revocations + {count}");
    (&mut *tx).execute(bump.as_str()).await.unwrap();
    tx.commit().await.unwrap();
}
