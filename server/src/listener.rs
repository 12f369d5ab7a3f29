//! The accept loop of both listeners (plain HTTP and kanri's own HTTPS), so
//! that hostile clients meet the same limits on each (issue 25):
//! - at most `max_connections` connections at once; the next waits in the
//!   kernel's backlog until one ends (a flood cannot exhaust the process);
//! - at most `max_per_client` of them from one client (an IPv4 address, an
//!   IPv6 /64, as the attempt limits count them): a connection beyond that
//!   is closed at once, so one address holding slow connections cannot
//!   take the places of everyone else. The trusted proxies carry many
//!   clients and are not counted (nginx meets slow clients itself);
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
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// In-flight requests get this long after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// What a listener allows (`KANRI_MAX_CONNECTIONS`,
/// `KANRI_MAX_CONNECTIONS_PER_CLIENT`, `KANRI_HEADER_TIMEOUT_SECONDS`).
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub max_per_client: usize,
    /// Not counted per client: each carries many clients.
    pub trusted_proxies: Vec<IpAddr>,
    pub header_timeout: Duration,
}

impl Limits {
    pub fn of(config: &kanri_app::infra::config::Config) -> Self {
        Self {
            max_connections: config.max_connections,
            max_per_client: config.max_connections_per_client,
            trusted_proxies: config.trusted_proxies.clone(),
            header_timeout: config.header_timeout,
        }
    }
}

/// The connections open per client, for `max_per_client`.
struct PerClient {
    limit: usize,
    trusted: Vec<IpAddr>,
    open: Mutex<HashMap<String, usize>>,
}

/// One counted connection; dropping it (the connection ended) frees its place.
struct ClientPlace {
    counter: Arc<PerClient>,
    key: Option<String>,
}

impl PerClient {
    /// A place for a connection from `ip`, or `None` when that client has
    /// `limit` open already.
    fn enter(counter: &Arc<Self>, ip: IpAddr) -> Option<ClientPlace> {
        // An IPv4 client of a listener on [::] arrives as ::ffff:a.b.c.d.
        let ip = ip.to_canonical();
        if counter.trusted.contains(&ip) {
            let counter = counter.clone();
            return Some(ClientPlace { counter, key: None });
        }
        let key = kanri_app::infra::throttle::client_key_of(ip);
        let mut open = counter.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key.clone()).or_insert(0);
        if *count >= counter.limit {
            return None;
        }
        *count += 1;
        let counter = counter.clone();
        Some(ClientPlace {
            counter,
            key: Some(key),
        })
    }
}

impl Drop for ClientPlace {
    fn drop(&mut self) {
        let Some(key) = &self.key else { return };
        let mut open = self.counter.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(key) {
            *count -= 1;
            if *count == 0 {
                open.remove(key);
            }
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
    let per_client = Arc::new(PerClient {
        limit: limits.max_per_client.max(1),
        trusted: limits.trusted_proxies.clone(),
        open: Mutex::new(HashMap::new()),
    });
    let graceful = GracefulShutdown::new();
    // Refusals are logged at most every ten seconds, with how many since.
    let mut refused = (0u64, None::<std::time::Instant>);
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
        let Some(place) = PerClient::enter(&per_client, remote.ip()) else {
            refused.0 += 1;
            if refused
                .1
                .is_none_or(|at| at.elapsed() >= Duration::from_secs(10))
            {
                tracing::warn!(
                    listener = name,
                    client = %remote.ip(),
                    refused = refused.0,
                    "connections refused: too many from one client (KANRI_MAX_CONNECTIONS_PER_CLIENT)"
                );
                refused = (0, Some(std::time::Instant::now()));
            }
            continue; // `stream` and `permit` dropped: closed, the place free
        };
        let (tls, router, watcher) = (tls.clone(), router.clone(), graceful.watcher());
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let _held = (permit, place);
            let builder = {
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(header_timeout);
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
                    let Ok(Ok(tls)) = tokio::time::timeout(header_timeout, handshake).await else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_client_gets_its_share_and_a_closed_connection_frees_its_place() {
        let proxy: IpAddr = "10.0.0.9".parse().unwrap();
        let counter = Arc::new(PerClient {
            limit: 2,
            trusted: vec![proxy],
            open: Mutex::new(HashMap::new()),
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let first = PerClient::enter(&counter, a).expect("first");
        let _second = PerClient::enter(&counter, a).expect("second");
        assert!(
            PerClient::enter(&counter, a).is_none(),
            "a third is refused"
        );
        // Another address of the same IPv6 /64 is the same client.
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let v6_other: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        let _v6 = (
            PerClient::enter(&counter, v6).unwrap(),
            PerClient::enter(&counter, v6_other).unwrap(),
        );
        assert!(PerClient::enter(&counter, "2001:db8::3".parse().unwrap()).is_none());
        assert!(PerClient::enter(&counter, "192.0.2.2".parse().unwrap()).is_some());
        drop(first);
        assert!(PerClient::enter(&counter, a).is_some(), "a place was freed");
        let mapped: IpAddr = "::ffff:10.0.0.9".parse().unwrap();
        assert!(
            (0..10).all(|_| PerClient::enter(&counter, mapped).is_some_and(|p| p.key.is_none()))
        );
        let proxied: Vec<_> = (0..10)
            .map(|_| PerClient::enter(&counter, proxy).expect("a proxy is not counted"))
            .collect();
        assert_eq!(proxied.len(), 10);
    }
}
