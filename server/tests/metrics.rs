//! `/metrics` (issue 27 item 2): absent without a token, refused without
//! the right one, and after a scripted session each counter moved by
//! exactly what the session did, read by a real Prometheus text parser
//! (Python's `prometheus_client`, OpenMetrics). Both databases.

mod common;

use axum::http::StatusCode;
use common::{openssl, scratch_dir, TestApp, CONFIRMATION_PASSWORD};
use std::collections::HashMap;

const TOKEN: &str = "metrics-token-for-the-tests-0123456789";

on_both_databases!(metrics_need_their_token_and_count_exactly_what_happened,);

/// Each sample as `name{label="value",…}` (labels sorted) → value, read
/// by prometheus_client's OpenMetrics parser.
fn parse(text: &str) -> HashMap<String, f64> {
    let script = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        out[f"{s.name}{{{labels}}}"] = s.value
print(json.dumps(out))
"#;
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client refused the text: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let mut client = app.client();
    let bearer = format!("Bearer {TOKEN}");
    let res = client
        .get_with_header("/metrics", ("authorization", &bearer))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    parse(&res.body)
}

fn event(action: &str, outcome: &str, reason: &str) -> String {
    format!("kanri_events_total{{action=\"{action}\",outcome=\"{outcome}\",reason=\"{reason}\"}}")
}

async fn metrics_need_their_token_and_count_exactly_what_happened(plain: TestApp) {
    // Without a token configured there is no such address.
    assert_eq!(
        plain.client().get("/metrics").await.status,
        StatusCode::NOT_FOUND
    );
    let backend = plain.backend;
    drop(plain);
    let app = TestApp::start(backend, |c| c.metrics_token = Some(TOKEN.into()))
        .await
        .unwrap();
    // With one, only its bearer gets in.
    assert_eq!(
        app.client().get("/metrics").await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong = app
        .client()
        .get_with_header("/metrics", ("authorization", "Bearer nope"))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let before = scrape(&app).await;
    // The session: a login, a wrong password, a revocation on the screen,
    // the CRL and an OCSP question about the revoked certificate.
    let mut master = app.logged_in("master01").await;
    let mut stranger = app.client();
    let refused = stranger.login("logid031", "not-the-password").await;
    assert_eq!(refused.location(), Some("/login?notice=invalid"));
    let confirm = master
        .get("/kanri/users/revoke/confirm?login_id=logid031")
        .await;
    let serial = common::input_value(&confirm.body, "serial").unwrap();
    let res = master
        .execute_revocation("logid031", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert!(res
        .location()
        .unwrap()
        .starts_with("/kanri/users/revoke/result"));
    assert_eq!(app.client().get("/pki/crl").await.status, StatusCode::OK);
    let dir = scratch_dir();
    let chain = app.client().get("/pki/chain.pem").await.body;
    std::fs::write(dir.join("chain.pem"), chain).unwrap();
    let pem = kanri_pki::encode_pem("CERTIFICATE", &app.certificate_der("logid031").await);
    std::fs::write(dir.join("user.pem"), pem).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    openssl(&[
        "x509",
        "-in",
        &path("chain.pem"),
        "-out",
        &path("issuer.pem"),
    ]);
    openssl(&[
        "ocsp",
        "-issuer",
        &path("issuer.pem"),
        "-cert",
        &path("user.pem"),
        "-no_nonce",
        "-reqout",
        &path("req.der"),
    ]);
    let request = std::fs::read(dir.join("req.der")).unwrap();
    let answer = app
        .client()
        .post_bytes("/pki/ocsp", "application/ocsp-request", request)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let _ = std::fs::remove_dir_all(&dir);

    let after = scrape(&app).await;
    let moved = |key: &str| {
        after.get(key).copied().unwrap_or(0.0) - before.get(key).copied().unwrap_or(0.0)
    };
    let expected: HashMap<String, f64> = [
        (event("login", "success", ""), 1.0),
        (event("login", "failure", "wrong_password"), 1.0),
        (event("certificate_revoke", "success", ""), 1.0),
        (
            "kanri_ocsp_answers_total{status=\"revoked\"}".to_owned(),
            1.0,
        ),
    ]
    .into_iter()
    .collect();
    for (key, by) in &expected {
        assert_eq!(moved(key), *by, "{key}");
    }
    // Nothing else was counted.
    for key in after.keys() {
        if (key.starts_with("kanri_events_total") || key.starts_with("kanri_ocsp_answers_total"))
            && !expected.contains_key(key)
        {
            assert_eq!(moved(key), 0.0, "{key}");
        }
    }
    // Latency by route group; the state of the outbox, the CRL and the
    // certificates operators alert on.
    assert!(moved("kanri_request_duration_seconds_count{group=\"actions\"}") >= 3.0);
    assert!(moved("kanri_request_duration_seconds_count{group=\"ocsp\"}") >= 1.0);
    assert!(after.contains_key("kanri_mail_outbox{state=\"waiting\"}"));
    let crl_age = after["kanri_crl_age_seconds{issuer_generation=\"1\"}"];
    assert!((0.0..600.0).contains(&crl_age), "{crl_age}");
    let ca_days =
        after["kanri_certificate_expiry_days{certificate=\"issuing_ca\",issuer_generation=\"1\"}"];
    assert!(ca_days > 365.0, "{ca_days}");
    let responder_days = after
        ["kanri_certificate_expiry_days{certificate=\"ocsp_responder\",issuer_generation=\"1\"}"];
    assert!((2.0..=4.0).contains(&responder_days), "{responder_days}");
}
