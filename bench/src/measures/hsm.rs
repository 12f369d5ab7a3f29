//! Issue 24's figures. 取得 with the issuing CA's key in a SoftHSM2 token,
//! beside the same with the key sealed in the database, each on a fresh
//! demo database; and OCSP for a request without a nonce (an answer kanri
//! gives again until the status changes) beside OpenSSL's own responder
//! (`openssl ocsp -index … -multi 2`): the same CA, the same request bytes,
//! the same load generator. OpenSSL's responder closes the connection after
//! each answer, so both are also loaded with one connection per request.

use super::issuance::{self, Issuance};
use super::load::{self, Loaded, Request, Target, CONNECTIONS};
use crate::args::Args;
use crate::fixtures;
use crate::pki_files::{openssl, PkiFiles, CERTIFICATE_MASTER};
use crate::server;
use kanri_testkit::{free_port, new_softhsm_token, SOFTHSM_MODULE};
use sqlx::Row;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN_LABEL: &str = "kanri-bench";
/// The token's user PIN, kanri's CA passphrase (16 characters or more).
const TOKEN_PIN: &str = "kanri-bench-token-pin";
/// The demo CA's published passphrase: OpenSSL's responder opens the same
/// CA's key with it.
const DEMO_CA_PASSPHRASE: &str = "kanri-demo-ca-passphrase";

#[derive(Clone, Copy, Debug)]
pub struct Hsm {
    pub sealed: Issuance,
    pub token: Issuance,
    pub ocsp: OcspBeside,
}

#[derive(Clone, Copy, Debug)]
pub struct OcspBeside {
    /// kanri, keep-alive connections (as a relying party's client keeps them).
    pub kanri_keep_alive: Loaded,
    /// kanri, one connection per request.
    pub kanri_one_per_request: Loaded,
    /// `openssl ocsp -multi 2`, one connection per request (it closes).
    pub openssl: Loaded,
}

/// 取得 on a sealed-key server and on a token server (each on its own
/// fresh demo database under `work`), then OCSP beside OpenSSL on the
/// sealed one.
pub async fn measure(args: &Args, work: &Path, csr: &[u8]) -> Hsm {
    let sealed_dir = work.join("hsm-sealed");
    std::fs::create_dir_all(&sealed_dir).unwrap();
    let sealed_server = server::start(args, &sealed_dir, None).await;
    eprintln!("      取得 with the sealed key");
    let sealed = issuance::measure(&sealed_server, &sealed_dir, csr, args.seconds).await;
    eprintln!("      OCSP without a nonce, kanri beside openssl ocsp -multi 2");
    let ocsp = ocsp_beside_openssl(
        &sealed_server,
        &sealed_dir,
        &work.join("hsm-ocsp"),
        args.seconds,
    )
    .await;
    server::stop(sealed_server).await;

    let token_dir = work.join("hsm-token");
    std::fs::create_dir_all(&token_dir).unwrap();
    let conf = new_softhsm_token(&work.join("softhsm"), TOKEN_LABEL, TOKEN_PIN);
    let conf = conf.display().to_string();
    let token_server = server::start_with_token(
        args,
        &token_dir,
        &[
            ("SOFTHSM2_CONF", conf.as_str()),
            ("KANRI_CA_PKCS11_MODULE", SOFTHSM_MODULE),
            ("KANRI_CA_PKCS11_TOKEN", TOKEN_LABEL),
            ("KANRI_CA_PASSPHRASE", TOKEN_PIN),
        ],
    )
    .await;
    eprintln!("      取得 with the key in SoftHSM2");
    let token = issuance::measure(&token_server, &token_dir, csr, args.seconds).await;
    server::stop(token_server).await;
    Hsm {
        sealed,
        token,
        ocsp,
    }
}

async fn ocsp_beside_openssl(
    server: &kanri_testkit::Server,
    data: &Path,
    dir: &Path,
    seconds: u64,
) -> OcspBeside {
    let files = PkiFiles::fetch(server, dir).await;
    let request = Request::post(
        "/",
        "application/ocsp-request",
        files.ocsp_request_without_nonce(),
    );
    let kanri = Target::http(SocketAddr::from((Ipv4Addr::LOCALHOST, server.port())));
    let kanri_request = Request::post(
        "/pki/ocsp",
        "application/ocsp-request",
        files.ocsp_request_without_nonce(),
    );
    let kanri_keep_alive = load::run(&kanri, &kanri_request, CONNECTIONS, seconds).await;
    let kanri_one_per_request =
        load::run_one_per_request(&kanri, &kanri_request, CONNECTIONS, seconds).await;

    let mut responder = openssl_responder(data, &files).await;
    let openssl_target = Target::http(SocketAddr::from((Ipv4Addr::LOCALHOST, responder.1)));
    let answer = openssl_target.once(&request).await;
    assert_eq!(answer.status, 200, "openssl ocsp answers");
    let response = files.path("openssl-ocsp-response.der");
    std::fs::write(&response, &answer.body).unwrap();
    let ca = files.path("ca.pem");
    let said = openssl(&[
        "ocsp",
        "-respin",
        &response,
        "-issuer",
        &ca,
        "-CAfile",
        &ca,
        "-resp_text",
    ]);
    assert!(
        said.contains("Cert Status: good") && said.contains("Response verify OK"),
        "OpenSSL's responder answers for the same certificate: {said}"
    );
    let openssl_loaded =
        load::run_one_per_request(&openssl_target, &request, CONNECTIONS, seconds).await;
    let _ = responder.0.kill();
    let _ = responder.0.wait();
    OcspBeside {
        kanri_keep_alive,
        kanri_one_per_request,
        openssl: openssl_loaded,
    }
}

/// `openssl ocsp` answering for kanri's issuing CA, signing with the CA's
/// own key (taken from the demo database, sealed with the published demo
/// passphrase), from an index that lists master02's certificate as valid.
async fn openssl_responder(data: &Path, files: &PkiFiles) -> (Child, u16) {
    let mut db = fixtures::open(data).await;
    let sealed: String = sqlx::query("SELECT sealed_key_pem FROM certificate_authority")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    let key = files.path("ca-key.pem");
    std::fs::write(&key, sealed).unwrap();
    let cert = files.path(&format!("{CERTIFICATE_MASTER}.pem"));
    let serial = openssl(&["x509", "-in", &cert, "-noout", "-serial"]);
    let serial = serial.trim().trim_start_matches("serial=").to_owned();
    let end = openssl(&["x509", "-in", &cert, "-noout", "-enddate"]);
    let end = chrono::NaiveDateTime::parse_from_str(
        end.trim()
            .trim_start_matches("notAfter=")
            .trim_end_matches(" GMT"),
        "%b %e %H:%M:%S %Y",
    )
    .unwrap();
    let subject = openssl(&[
        "x509", "-in", &cert, "-noout", "-subject", "-nameopt", "compat",
    ]);
    let subject = subject.trim().trim_start_matches("subject=").to_owned();
    // OpenSSL's CA database: status, expiry, revocation, serial, file, subject.
    let index = files.path("index.txt");
    std::fs::write(
        &index,
        format!(
            "V\t{}\t\t{serial}\tunknown\t{subject}\n",
            end.format("%y%m%d%H%M%SZ")
        ),
    )
    .unwrap();
    let port = free_port().unwrap();
    let ca = files.path("ca.pem");
    let child = Command::new("openssl")
        .args(["ocsp", "-index", &index, "-port", &port.to_string()])
        .args(["-rsigner", &ca, "-rkey", &key, "-CA", &ca])
        .args(["-passin", &format!("pass:{DEMO_CA_PASSPHRASE}")])
        .args(["-multi", "2", "-ndays", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl ocsp");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(Instant::now() < deadline, "openssl ocsp did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}
