//! `/metrics` (issue 27 item 2): this process's counters (`infra::metrics`)
//! brought up to date from 操作履歴, and what the database and the CA say
//! now (mail outbox, CRL age, days to expiry), in the Prometheus
//! (OpenMetrics) text format. README "Watching kanri" has example alerts.

use crate::db::{audit_log, crls, mail_outbox, ocsp_responders};
use crate::domain::certificate::days_left;
use crate::domain::Timestamp;
use crate::error::AppError;
use crate::infra::metrics::EventLabels;
use crate::state::AppState;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MailLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IssuerLabels {
    issuer_generation: i64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CertificateLabels {
    /// issuing_ca, ocsp_responder or tls.
    certificate: String,
    /// The issuing CA's generation (0 for the TLS certificate).
    issuer_generation: i64,
}

/// Adds to the event counters the 操作履歴 rows written since the last
/// scrape, chain by chain (`infra::metrics` says why this is exact).
pub async fn count_new_events(state: &AppState) -> Result<(), AppError> {
    let pool = state.db.pool();
    let mut counted = state.metrics.counted().await;
    for (chain, end, _) in audit_log::chain_ends(pool).await? {
        let from = counted.get(&chain).copied().unwrap_or(0);
        if end <= from {
            continue;
        }
        for (action, outcome, reason, n) in audit_log::event_counts(pool, &chain, from, end).await?
        {
            let labels = EventLabels {
                action,
                outcome,
                reason,
            };
            state
                .metrics
                .events
                .get_or_create(&labels)
                .inc_by(n.max(0) as u64);
        }
        counted.insert(chain, end);
    }
    Ok(())
}

/// The whole `/metrics` answer.
pub async fn scrape(state: &AppState) -> Result<String, AppError> {
    count_new_events(state).await?;
    let pool = state.db.pool();
    let now = state.clock.now();
    let metrics = &state.metrics;
    let mut registry = Registry::default();
    registry.register(
        "kanri_events",
        "操作履歴 rows since this process started, by action, outcome and refusal reason (every instance's)",
        metrics.events.clone(),
    );
    registry.register(
        "kanri_ocsp_answers",
        "OCSP answers given by this process, by certificate status (error: not signed)",
        metrics.ocsp_answers.clone(),
    );
    registry.register(
        "kanri_request_duration_seconds",
        "Time to the head of the answer to a request, by route group",
        metrics.request_seconds.clone(),
    );

    let mail = Family::<MailLabels, Gauge>::default();
    let (waiting, retrying) = mail_outbox::counts(pool).await?;
    for (label, n) in [("waiting", waiting), ("retrying", retrying)] {
        mail.get_or_create(&MailLabels {
            state: label.into(),
        })
        .set(n);
    }
    registry.register(
        "kanri_mail_outbox",
        "Unsent messages in the mail outbox: waiting for a first attempt, or again after one (the backlog is their sum)",
        mail,
    );

    let crl_age = Family::<IssuerLabels, Gauge>::default();
    let expiry = Family::<CertificateLabels, Gauge>::default();
    let days = |not_after: Timestamp| days_left(not_after, now);
    for (generation, ca) in state.pki.issuers() {
        let issuer = IssuerLabels {
            issuer_generation: generation,
        };
        if let Some(crl) = crls::latest(pool, generation).await? {
            crl_age
                .get_or_create(&issuer)
                .set((now.0 - crl.this_update.0).num_seconds());
        }
        let certificate = |kind: &str| CertificateLabels {
            certificate: kind.into(),
            issuer_generation: generation,
        };
        expiry
            .get_or_create(&certificate("issuing_ca"))
            .set(days(Timestamp(ca.not_after())));
        if let Some(responder) = ocsp_responders::latest(pool, generation).await?.responder {
            expiry
                .get_or_create(&certificate("ocsp_responder"))
                .set(days(responder.not_after));
        }
    }
    if let Some(not_after) = metrics
        .tls_not_after()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
    {
        let tls = CertificateLabels {
            certificate: "tls".into(),
            issuer_generation: 0,
        };
        expiry.get_or_create(&tls).set(days(Timestamp(not_after)));
    }
    registry.register(
        "kanri_crl_age_seconds",
        "Seconds since the newest CRL of each issuing CA was signed",
        crl_age,
    );
    registry.register(
        "kanri_certificate_expiry_days",
        "Whole days until the issuing CAs', OCSP responders' and TLS listener's certificates expire",
        expiry,
    );

    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)
        .map_err(|_| AppError::Internal)?;
    Ok(text)
}
