//! OCSP responses per second (`POST /pki/ocsp`): each a lookup of the
//! serial in the status database and an ECDSA signature. One request made
//! by openssl, sent again and again (its nonce repeats, which kanri echoes
//! all the same); its first answer read back by openssl.

use super::load::{self, Loaded, Request, Target, CONNECTIONS};
use crate::pki_files::{openssl, PkiFiles};
use kanri_testkit::Server;
use std::net::{Ipv4Addr, SocketAddr};

/// What EJBCA, a widely used open-source CA, documents for its OCSP
/// responder, printed beside kanri's.
pub const EJBCA_DOCUMENTED: &str = "hundreds of responses per second";

#[derive(Clone, Copy, Debug)]
pub struct Ocsp {
    /// Answers with 200 per second; `load.non_2xx` counts the others.
    pub per_second: f64,
    pub loaded: Loaded,
    /// Bytes of one response.
    pub response_bytes: usize,
}

/// Checks one answer with openssl, then loads `/pki/ocsp` for `seconds`.
pub async fn measure(server: &Server, files: &PkiFiles, seconds: u64) -> Ocsp {
    let target = Target::http(SocketAddr::from((Ipv4Addr::LOCALHOST, server.port())));
    let request = Request::post(
        "/pki/ocsp",
        "application/ocsp-request",
        files.ocsp_request(),
    );
    let response_bytes = check_first_answer(&target, &request, files).await;
    let loaded = load::run(&target, &request, CONNECTIONS, seconds).await;
    Ocsp {
        per_second: loaded.ok_per_second(),
        loaded,
        response_bytes,
    }
}

/// Sends the request once and has openssl read the answer: a successful
/// OCSPResponse, signed by the CA, its nonce the request's, saying
/// master02's certificate is good.
async fn check_first_answer(target: &Target, request: &Request, files: &PkiFiles) -> usize {
    let answer = target.once(request).await;
    assert_eq!(answer.status, 200, "POST /pki/ocsp");
    let response = files.path("ocsp-response.der");
    std::fs::write(&response, &answer.body).unwrap();
    // With the request given, openssl also checks the nonce's echo; the
    // issuer is named because the CA signs without sending its certificate.
    let ca = files.path("ca.pem");
    let said = openssl(&[
        "ocsp",
        "-reqin",
        &files.path("ocsp-request.der"),
        "-respin",
        &response,
        "-issuer",
        &ca,
        "-CAfile",
        &ca,
        "-resp_text",
    ]);
    assert!(
        [
            "Response Status: successful",
            "Response verify OK",
            "Cert Status: good"
        ]
        .iter()
        .all(|line| said.contains(line)),
        "openssl reads the OCSP answer: {said}"
    );
    answer.body.len()
}
