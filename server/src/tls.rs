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
//! `PresentedCertificate`, beside `ConnectInfo` (the accept loop, shared
//! with the plain listener, is `listener.rs`).

use kanri_app::request::PresentedCertificate;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use std::sync::Arc;

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
    /// kanri's issuing CAs: browsers offer only certificates they issued.
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
/// optional, hinted to kanri's issuing CAs (`client_ca_subjects`, DER of
/// their Names: the current one and those a `ca-rollover` replaced).
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_ca_subjects: &[&[u8]],
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = OptionalClientCertificate {
        hints: client_ca_subjects
            .iter()
            .map(|subject| DistinguishedName::from(subject.to_vec()))
            .collect(),
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

/// The certificate a TLS connection's client presented (the first of its
/// chain), for every request the connection carries (`listener.rs`).
pub fn presented_by(
    tls: &tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
) -> Option<PresentedCertificate> {
    tls.get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|cert| PresentedCertificate(Arc::new(cert.to_vec())))
}

/// The provider kanri's TLS uses; also what tests build clients with.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}
