//! `kanri-server serve`: the HTTP listener, the HTTPS listener when
//! configured, the background jobs, and a graceful stop on Ctrl-C or SIGTERM
//! (requests in flight finish, then the pool closes).

use crate::app;
use kanri_app::state::AppState;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_sessions::ExpiredDeletion;

/// Serves until stopped. Errors are what to tell the operator.
pub async fn serve(state: AppState) -> Result<(), String> {
    // bench/run's binary carries /bench/* (answered without a login); it is
    // built where the product's is, so it refuses to be the product.
    if cfg!(feature = "bench") && !state.config.demo {
        return Err(
            "この kanri-server はベンチマーク用（feature bench）です。デモモードでのみ起動します"
                .into(),
        );
    }
    let addr = state.leptos_options.site_addr;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let tls = https_listener(&state)
        .await
        .map_err(|e| format!("kanri-server could not start its HTTPS listener: {e}"))?;
    println!("kanri: http://{addr}");
    if let Some(Ok(tls_addr)) = tls.as_ref().map(|(l, _)| l.local_addr()) {
        println!("kanri: https://{tls_addr} (電子証明書でのログインと更新)");
    }
    if state.config.demo {
        println!(
            "demo mode: log in as master01 / Login-Pass-01 (確認用パスワード Kakunin-Pass-01)"
        );
    }
    spawn_jobs(&state);

    let db = state.db.clone();
    let limits = crate::listener::Limits::of(&state.config);
    let router = app(state);
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let https = tls.map(|(listener, config)| {
        tokio::spawn(crate::listener::serve(
            listener,
            Some(tokio_rustls::TlsAcceptor::from(config)),
            router.clone(),
            limits.clone(),
            until_stopped(stopped.clone()),
        ))
    });
    crate::listener::serve(listener, None, router, limits, until_stopped(stopped)).await;
    if let Some(https) = https {
        let _ = https.await;
    }
    db.close().await;
    Ok(())
}

/// The HTTPS listener, when configured: bound, with its TLS configuration
/// (the server certificate from files; only in demo mode issued now by
/// kanri's own CA, which must not vouch for servers in a bank's use).
async fn https_listener(
    state: &AppState,
) -> Result<Option<(TcpListener, Arc<rustls::ServerConfig>)>, String> {
    let Some(tls) = &state.config.tls else {
        return Ok(None);
    };
    let (chain, key) = match &tls.certificate {
        Some(files) => crate::tls::read_pem_files(&files.certificate_chain, &files.private_key)
            .map_err(|e| e.to_string())?,
        None if !state.config.demo => {
            return Err(
                "KANRI_TLS_ADDR にはサーバ証明書が必要です（KANRI_TLS_CERT と KANRI_TLS_KEY）。\
                 kanri の認証局がサーバ証明書を発行するのはデモモードだけです"
                    .into(),
            )
        }
        None => {
            // The demo's, made with the demo CA by its root. A one-tier
            // demo CA from before the two tiers signs one itself (it has
            // no extended key usage); the issuing CA of two tiers may
            // sign client certificates only.
            let (certificate, key) = match &state.pki.demo_tls {
                    Some(server) => (
                        server.certificate_der.clone(),
                        server.key.pkcs8_der().to_vec(),
                    ),
                    None if state.pki.chain.is_empty() => {
                        let host = tls.addr.ip().to_string();
                        let issued = state
                            .pki
                            .ca
                            .issue_server_certificate(&["localhost", &host], state.clock.now().0, 365)
                            .map_err(|e| e.to_string())?;
                        (issued.certificate_der, issued.key.pkcs8_der().to_vec())
                    }
                    None => {
                        return Err(
                            "この認証局にはデモのサーバ証明書がありません。KANRI_TLS_CERT と KANRI_TLS_KEY を指定してください"
                                .into(),
                        )
                    }
                };
            let chain = vec![
                CertificateDer::from(certificate),
                CertificateDer::from(state.pki.root_der().to_vec()),
            ];
            (chain, PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)))
        }
    };
    // Operators watch its days to expiry (`/metrics`).
    if let Ok(not_after) = kanri_pki::not_after_of(&chain[0]) {
        state.metrics.set_tls_not_after(not_after.timestamp());
    }
    let config = crate::tls::server_config(chain, key, &state.pki.client_ca_subjects())
        .map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(tls.addr)
        .await
        .map_err(|e| format!("{}: {e}", tls.addr))?;
    Ok(Some((listener, config)))
}

/// The periodic jobs. Each is safe to run on every instance at once: the
/// database decides who does a piece of work.
fn spawn_jobs(state: &AppState) {
    tokio::spawn(cleanup_job(state.clone()));
    tokio::spawn(crl_job(state.clone()));
    tokio::spawn(mail_job(state.clone()));
}

/// Every five minutes: expired sessions, old attempt counters, .p12 files
/// nobody came for.
async fn cleanup_job(state: AppState) {
    let store =
        kanri_app::infra::session_store::DbSessionStore::new(state.db.clone(), state.clock.clone());
    let mut every = tokio::time::interval(Duration::from_secs(300));
    loop {
        every.tick().await;
        if let Err(err) = store.delete_expired().await {
            tracing::warn!(error = %err, "deleting expired sessions failed");
        }
        let now = state.clock.now();
        if let Err(err) = state.throttles.forget_old(now).await {
            tracing::warn!(error = %err, "deleting old attempt counters failed");
        }
        let pool = state.db.pool();
        if let Err(err) = kanri_app::db::pending_downloads::delete_expired(pool, now).await {
            tracing::warn!(error = %err, "deleting expired downloads failed");
        }
    }
}

/// The CRL: signed at start if stale, then checked hourly so that a CRL is
/// never older than its refresh age even without revocations (SPEC 7.6: at
/// least daily). Revocations refresh it themselves. And 操作履歴's daily
/// signed checkpoint.
async fn crl_job(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        if let Err(err) = kanri_app::use_cases::publication::refresh_crls(&state).await {
            tracing::warn!(?err, "CRL job failed");
        }
        // The same hourly tick signs 操作履歴's checkpoint once a day.
        if let Err(err) = kanri_app::use_cases::audit_evidence::checkpoint_if_due(&state).await {
            tracing::warn!(?err, "操作履歴 checkpoint failed");
        }
    }
}

/// The e-mail job: at start, then every KANRI_MAIL_INTERVAL_MINUTES.
async fn mail_job(state: AppState) {
    let mut every = tokio::time::interval(state.config.mail.interval);
    loop {
        every.tick().await;
        match kanri_app::use_cases::mail_notices::run_once(&state).await {
            Ok((queued, delivery)) => tracing::info!(
                queued,
                sent = delivery.sent,
                failed = delivery.failed,
                "mail job"
            ),
            Err(err) => tracing::warn!(error = %err, "mail job failed"),
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, let requests in flight finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
