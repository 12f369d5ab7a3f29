//! The accept loop of both listeners (plain HTTP and kanri's own HTTPS), so
//! that hostile clients meet the same limits on each (issue 25):
//! - at most `max_connections` connections at once; the next waits in the
//!   kernel's backlog until one ends (a flood cannot exhaust the process);
//! - a TLS handshake, and the head of every request, must arrive within
//!   `header_timeout` (a client sending a byte a second is closed).
//!
//! A whole request, its body included, has `KANRI_REQUEST_TIMEOUT_SECONDS`
//! (the router's own layer, `router.rs`: a body that never ends gets 408).
//!
//! After the shutdown signal no connection is accepted and the requests in
//! flight get [`DRAIN_TIMEOUT`] to finish.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use kanri_app::request::PresentedCertificate;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// In-flight requests get this long after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// What a listener allows (`KANRI_MAX_CONNECTIONS`,
/// `KANRI_HEADER_TIMEOUT_SECONDS`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

impl Limits {
    pub fn of(config: &kanri_app::infra::config::Config) -> Self {
        Self {
            max_connections: config.max_connections,
            header_timeout: config.header_timeout,
        }
    }
}

/// Serves `router` on `listener` (over TLS when `tls` is given) until
/// `shutdown`, then drains.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let name = if tls.is_some() { "HTTPS" } else { "HTTP" };
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        // A permit first: at the cap, new connections wait in the backlog.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, listener = name, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (tls, router, watcher) = (tls.clone(), router.clone(), graceful.watcher());
        tokio::spawn(async move {
            let _permit = permit;
            let builder = {
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout);
                builder
            };
            let ended = match tls {
                None => {
                    let service = hyper::service::service_fn(move |request| {
                        handle(router.clone(), request, remote, None)
                    });
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    watcher.watch(connection).await
                }
                Some(acceptor) => {
                    let handshake = acceptor.accept(stream);
                    let Ok(Ok(tls)) = tokio::time::timeout(limits.header_timeout, handshake).await
                    else {
                        return; // a failed or stalled handshake: nothing to answer
                    };
                    let presented = crate::tls::presented_by(&tls);
                    let service = hyper::service::service_fn(move |request| {
                        handle(router.clone(), request, remote, presented.clone())
                    });
                    let connection = builder.serve_connection(TokioIo::new(tls), service);
                    watcher.watch(connection).await
                }
            };
            if let Err(err) = ended {
                tracing::debug!(error = %err, listener = name, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            listener = name,
            "requests still in flight after the drain timeout"
        );
    }
}

async fn handle(
    router: Router,
    mut request: hyper::Request<Incoming>,
    remote: SocketAddr,
    presented: Option<PresentedCertificate>,
) -> Result<axum::response::Response, std::convert::Infallible> {
    let extensions = request.extensions_mut();
    extensions.insert(ConnectInfo(remote));
    if let Some(presented) = presented {
        extensions.insert(presented);
    }
    router.oneshot(request.map(axum::body::Body::new)).await
}
