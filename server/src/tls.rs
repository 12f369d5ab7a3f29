//! kanri's own HTTPS listener, with optional client certificates (SPEC 7.3,
//! 7.5): ログイン, 取得 and 更新 must be reachable without a certificate, so
//! the TLS layer asks for one but never requires it, and accepts any that
//! proves possession of its key. Whether a certificate is worth anything is
//! decided per request (kanri's CA, validity, the status database), so a
//! foreign or revoked certificate gets a Japanese page rather than a TLS
//! alert, and a resumed session (which reuses its first handshake's
//! certificate without checking it again) gets the same check as a new one.
//!
//! Each connection's certificate goes into every request it carries, as
//! `PresentedCertificate`, beside `ConnectInfo` like the plain listener's.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use kanri_app::request::PresentedCertificate;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// A handshake that has not finished after this long is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// In-flight requests get this long after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    #[error("cannot read {0}: {1}")]
    File(String, std::io::Error),
    #[error("{0} holds no PEM certificate or key")]
    Pem(String),
}

/// Asks every client for a certificate of kanri's CA, requires none, and
/// accepts any whose key signed the handshake.
#[derive(Debug)]
struct OptionalClientCertificate {
    /// kanri's CA: browsers offer only certificates it issued.
    hints: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for OptionalClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    /// The chain is not judged here (see the module's doc): per request.
    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    /// Proof of possession: the handshake is signed with the certificate's key.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The TLS configuration: the server's chain and key, client certificates
/// optional, hinted to kanri's CA (`client_ca_subject`, DER of its Name).
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_ca_subject: &[u8],
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = OptionalClientCertificate {
        hints: vec![DistinguishedName::from(client_ca_subject.to_vec())],
        algorithms: provider.signature_verification_algorithms,
    };
    let config = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// Reads a PEM chain and key (KANRI_TLS_CERT, KANRI_TLS_KEY).
pub fn read_pem_files(
    chain: &std::path::Path,
    key: &std::path::Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    use rustls::pki_types::pem::PemObject;
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| TlsError::File(p.display().to_string(), e))
    };
    let chain_pem = read(chain)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&chain_pem)
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::Pem(chain.display().to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::Pem(chain.display().to_string()));
    }
    let key_pem = read(key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|_| TlsError::Pem(key.display().to_string()))?;
    Ok((certs, key))
}

/// Serves `router` over TLS on `listener` until `shutdown`, then lets the
/// requests in flight finish (at most [`DRAIN_TIMEOUT`]).
pub async fn serve(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    router: Router,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(config);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "TLS listener: accept failed");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let Ok(Ok(tls)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
            else {
                return; // a failed or stalled handshake: nothing to answer
            };
            let presented = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|cert| PresentedCertificate(Arc::new(cert.to_vec())));
            let service = hyper::service::service_fn(move |request| {
                handle(router.clone(), request, remote, presented.clone())
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HANDSHAKE_TIMEOUT)
                .serve_connection(TokioIo::new(tls), service);
            if let Err(err) = watcher.watch(connection).await {
                tracing::debug!(error = %err, "TLS connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("TLS listener: requests still in flight after the drain timeout");
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

/// The provider kanri's TLS uses; also what tests build clients with.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}
