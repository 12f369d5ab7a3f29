//! What operators watch (issue 27 item 2), kept by this process and
//! written out by `use_cases::metrics` at `/metrics` in the Prometheus
//! (OpenMetrics) text format.
//!
//! The business events (取得, 更新, 失効, 一時停止, logins, every refusal
//! with its reason) are not counted where they happen but read from
//! 操作履歴, which records each of them exactly once: every scrape adds the
//! rows each contract's chain gained since the last one. A chain's rows
//! are numbered in commit order under its lock (`db::audit_log`), so a
//! row numbered at or below the end just read is committed and none is
//! counted twice or missed, whichever instance wrote it. Each instance's
//! counters therefore count the events of every instance since it started;
//! an alert takes the `max` over instances, not the sum.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};

/// A kind of 操作履歴 row.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    pub action: String,
    pub outcome: String,
    /// The refusal's code; empty for a success.
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OcspLabels {
    /// good, revoked, unknown (per certificate asked about), or error.
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub group: String,
}

type Durations = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn durations() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

#[derive(Debug)]
pub struct Metrics {
    pub events: Family<EventLabels, Counter>,
    pub ocsp_answers: Family<OcspLabels, Counter>,
    pub request_seconds: Durations,
    /// Each chain's number up to which its rows are counted.
    counted: tokio::sync::Mutex<HashMap<String, i64>>,
    /// The TLS listener's certificate's 有効期限 (Unix seconds), once served.
    tls_not_after: AtomicI64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            events: Family::default(),
            ocsp_answers: Family::default(),
            request_seconds: Family::new_with_constructor(durations as fn() -> Histogram),
            counted: tokio::sync::Mutex::new(HashMap::new()),
            tls_not_after: AtomicI64::new(0),
        }
    }
}

impl Metrics {
    /// Where counting starts: the chains' ends at start (counters start at 0).
    pub async fn start_at(&self, ends: impl IntoIterator<Item = (String, i64)>) {
        self.counted.lock().await.extend(ends);
    }

    /// The chains' counted positions, locked for one scrape at a time.
    pub async fn counted(&self) -> tokio::sync::MutexGuard<'_, HashMap<String, i64>> {
        self.counted.lock().await
    }

    pub fn ocsp_answer(&self, status: &str) {
        self.ocsp_answers
            .get_or_create(&OcspLabels {
                status: status.to_owned(),
            })
            .inc();
    }

    pub fn request_took(&self, group: &'static str, seconds: f64) {
        self.request_seconds
            .get_or_create(&RouteLabels {
                group: group.to_owned(),
            })
            .observe(seconds);
    }

    pub fn set_tls_not_after(&self, unix_seconds: i64) {
        self.tls_not_after.store(unix_seconds, Ordering::Relaxed);
    }

    pub fn tls_not_after(&self) -> Option<i64> {
        Some(self.tls_not_after.load(Ordering::Relaxed)).filter(|s| *s > 0)
    }
}

/// The route group a request's path belongs to, for the latency histograms.
pub fn route_group(path: &str) -> &'static str {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/pki/ocsp") {
        "ocsp"
    } else if under("/pki") {
        "pki"
    } else if under("/api") {
        "actions"
    } else if under("/certificate") {
        "certificate"
    } else if under("/kanri") {
        "admin"
    } else if under("/pkg") || path.starts_with("/style") || path == "/favicon.ico" {
        "assets"
    } else if path == "/healthz" || path == "/readyz" || path == "/metrics" {
        "operations"
    } else {
        "screens"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_into_their_groups() {
        for (path, group) in [
            ("/pki/ocsp/MEow", "ocsp"),
            ("/pki/ocsp", "ocsp"),
            ("/pki/crl", "pki"),
            ("/api/login", "actions"),
            ("/certificate/renew", "certificate"),
            ("/kanri/users/hold", "admin"),
            ("/kanri", "admin"),
            ("/kanrix", "screens"),
            ("/", "screens"),
            ("/login", "screens"),
            ("/healthz", "operations"),
            ("/pkg/kanri.wasm", "assets"),
        ] {
            assert_eq!(route_group(path), group, "{path}");
        }
    }
}
