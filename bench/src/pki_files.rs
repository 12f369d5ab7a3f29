//! What the certificate measures present to the server, made once per run:
//! kanri's CA certificate as the server publishes it, master02's demo
//! certificate and key (B002 has 電子証明書方式 on), and a CSR and an OCSP
//! request made by openssl, a client kanri did not write.

use crate::measures::load::ClientCertificate;
use crate::server::http;
use kanri_pki::{encode_pem, parse_pkcs12, Passphrase};
use kanri_testkit::Server;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The demo master whose certificate the measures present.
pub const CERTIFICATE_MASTER: &str = "master02";
/// Its contract, the demo's one with 電子証明書方式.
pub const CERTIFICATE_CONTRACT: &str = "B002";
/// The import password of every demo `.p12` (SPEC 7.7).
pub const DEMO_P12_PASSWORD: &str = "Demo-P12-01";

/// The CA and master02's certificate, as files in `dir` and in memory.
pub struct PkiFiles {
    dir: PathBuf,
    /// kanri's root certificate (DER), the last of `GET /pki/chain.pem`:
    /// it signed the demo's HTTPS certificate.
    pub root_der: Vec<u8>,
    /// master02's certificate and key, from its demo `.p12`.
    pub master: ClientCertificate,
}

impl PkiFiles {
    /// `ca.pem` from the server and `master02.pem` from the `.p12` in the
    /// server's data directory, written to `dir`.
    pub async fn fetch(server: &Server, dir: &Path) -> PkiFiles {
        std::fs::create_dir_all(dir).unwrap();
        let (ca_pem, root_der) = ca_certificate(server).await;
        std::fs::write(dir.join("ca.pem"), &ca_pem).unwrap();
        let master = demo_client(server, CERTIFICATE_MASTER);
        let pem = encode_pem("CERTIFICATE", &master.certificate_der);
        std::fs::write(dir.join(format!("{CERTIFICATE_MASTER}.pem")), pem).unwrap();
        PkiFiles {
            dir: dir.to_owned(),
            root_der,
            master,
        }
    }

    /// A file in the directory, as an argument for openssl.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// An OCSP request (DER, with a nonce) for master02's certificate, made
    /// by `openssl ocsp`.
    pub fn ocsp_request(&self) -> Vec<u8> {
        self.openssl_ocsp_request("ocsp-request.der", &[])
    }

    /// The same request without a nonce: the kind of request whose signed
    /// answer kanri gives again until the certificate's status changes
    /// (RFC 5019's clients send it so).
    pub fn ocsp_request_without_nonce(&self) -> Vec<u8> {
        self.openssl_ocsp_request("ocsp-request-no-nonce.der", &["-no_nonce"])
    }

    fn openssl_ocsp_request(&self, name: &str, extra: &[&str]) -> Vec<u8> {
        let (ca, cert, out) = (
            self.path("ca.pem"),
            self.path(&format!("{CERTIFICATE_MASTER}.pem")),
            self.path(name),
        );
        let mut args = vec!["ocsp", "-issuer", &ca, "-cert", &cert, "-reqout", &out];
        args.extend_from_slice(extra);
        openssl(&args);
        std::fs::read(out).unwrap()
    }
}

/// kanri's CA chain as the server publishes it at `/pki/chain.pem` (the
/// issuing CA, then the certificates above it up to the root: what openssl
/// and nginx trust, and whose first certificate `openssl ocsp -issuer`
/// reads), and the root's DER (what an HTTPS client of the demo trusts).
pub async fn ca_certificate(server: &Server) -> (String, Vec<u8>) {
    let pem = http()
        .get(server.url("/pki/chain.pem"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The last: the root, which signed the demo's HTTPS certificate.
    let root = CertificateDer::pem_slice_iter(pem.as_bytes())
        .filter_map(Result::ok)
        .last()
        .expect("/pki/chain.pem is PEM certificates")
        .to_vec();
    (pem, root)
}

/// A demo user's certificate and key, from the `.p12` that demo mode wrote
/// into the server's data directory (SPEC 7.7).
pub fn demo_client(server: &Server, login_id: &str) -> ClientCertificate {
    let p12_file = server
        .spec()
        .data_dir()
        .join(format!("demo-certificates/{login_id}.p12"));
    let p12 = std::fs::read(&p12_file).unwrap_or_else(|e| panic!("{}: {e}", p12_file.display()));
    let contents = parse_pkcs12(&p12, &Passphrase::new(DEMO_P12_PASSWORD)).unwrap();
    ClientCertificate {
        certificate_der: contents.certificate_der,
        key_der: contents.key.pkcs8_der().to_vec(),
    }
}

/// A P-256 CSR (PEM) made by openssl in `dir`; its key stays there.
pub fn csr(dir: &Path) -> Vec<u8> {
    std::fs::create_dir_all(dir).unwrap();
    let (key, csr) = (dir.join("csr.key"), dir.join("csr.pem"));
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=x",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        csr.to_str().unwrap(),
    ]);
    std::fs::read(csr).unwrap()
}

/// Runs openssl; what it printed (stdout and stderr). Panics if it fails.
pub fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl (apt-get install openssl)");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {}: {said}", args.join(" "));
    said
}
