//! The CRL at 100,000 revoked, unexpired certificates, in this process on a
//! fresh demo database: `publication::make_crl` as a revocation or a stale
//! CRL triggers it (the counter, reading every entry, signing, storing), and
//! its two big parts alone: reading the entries (`crls::revoked_unexpired`)
//! and signing them (`Ca::build_crl`).

use crate::server::in_process;
use kanri_app::db::crls::{self, RevokedEntry};
use kanri_app::use_cases::publication::{make_crl, CRL_VALIDITY_HOURS};
use kanri_pki::{CrlSpec, RevokedCertificate, Serial};
use sqlx::Executor;
use std::path::Path;
use std::time::Instant;

/// Revoked certificates in the CRL.
pub const ENTRIES: i64 = 100_000;
/// Runs of each timing; the median is reported.
pub const RUNS: usize = 3;

#[derive(Clone, Copy, Debug)]
pub struct Crl {
    /// Entries in the signed CRL (the demo's revoked01 besides [`ENTRIES`]).
    pub entries: usize,
    /// `make_crl`, median of [`RUNS`], in seconds.
    pub make_seconds: f64,
    /// Reading the entries alone (`crls::revoked_unexpired`), median.
    pub read_seconds: f64,
    /// Signing alone (`Ca::build_crl`) on the same entries, median.
    pub sign_seconds: f64,
    /// Bytes of the CRL (DER).
    pub der_bytes: usize,
}

pub async fn measure(dir: &Path) -> Crl {
    std::fs::create_dir_all(dir).unwrap();
    let state = in_process(dir).await;
    add_revoked(&state).await;
    let (make_seconds, crl) = median_of_runs(async || make_crl(&state).await.unwrap()).await;
    let now = state.clock.now();
    let read = async || crls::revoked_unexpired(&state.db, now).await.unwrap();
    let (read_seconds, entries) = median_of_runs(read).await;
    let entries: Vec<RevokedCertificate> = entries.iter().map(to_pki).collect();
    let spec = CrlSpec {
        number: crl.number as u64 + 1,
        this_update: now.0,
        next_update: now.0 + chrono::Duration::hours(CRL_VALIDITY_HOURS),
    };
    let sign = async || state.pki.ca.build_crl(&spec, &entries).unwrap();
    let (sign_seconds, _) = median_of_runs(sign).await;
    state.db.close().await;
    Crl {
        entries: entries.len(),
        make_seconds,
        read_seconds,
        sign_seconds,
        der_bytes: crl.der.len(),
    }
}

/// `run` [`RUNS`] times: the median of its times in seconds, and its last
/// output.
async fn median_of_runs<T>(mut run: impl AsyncFnMut() -> T) -> (f64, T) {
    let mut seconds = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        last = Some(run().await);
        seconds.push(started.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    (seconds[RUNS / 2], last.expect("at least one run"))
}

/// [`ENTRIES`] revoked (keyCompromise), unexpired certificates of master01,
/// without DER, and the revocation counter bumped as each revocation would.
async fn add_revoked(state: &kanri_app::state::AppState) {
    let mut tx = state.db.pool().begin().await.unwrap();
    // 32 hex digits; the first byte never zero, as in kanri's serials.
    let insert = format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {ENTRIES}) \
         INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, not_after, \
                                   state, revoked_at, revoked_by, revocation_reason, der) \
         SELECT u.id, printf('%02x%014x%016x', 1 + n.i % 255, n.i, abs(random())), 'o', 'ou', 'revoked' || n.i, \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-100 days'), \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '+265 days'), 'revoked', \
                strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now', '-' || (n.i % 90) || ' days'), \
                'bench', 'keyCompromise', NULL \
         FROM n JOIN users u ON u.login_id = 'master01'"
    );
    (&mut *tx).execute(insert.as_str()).await.unwrap();
    let bump = format!("UPDATE crl_counter SET revocations = revocations + {ENTRIES}");
    (&mut *tx).execute(bump.as_str()).await.unwrap();
    tx.commit().await.unwrap();
}

/// A CRL entry as `make_crl` writes it.
fn to_pki(entry: &RevokedEntry) -> RevokedCertificate {
    RevokedCertificate {
        serial: Serial::from_bytes(entry.serial.to_bytes()).expect("a kanri serial"),
        revoked_at: entry.revoked_at.0,
        reason: kanri_pki::RevocationReason::from_code(entry.reason.code()).unwrap(),
    }
}
