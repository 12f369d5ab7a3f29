//! 電子証明書方式 (issue 12, SPEC 7.5): the login needs the user's own
//! current certificate, every request of the session checks it again, and a
//! revocation (screen, operator, renewal) ends the session at its next
//! request. Also the certificate a trusted proxy forwards. Both databases;
//! the certificate reaches the router as kanri's HTTPS listener hands it on.

mod common;

use axum::http::StatusCode;
use common::{Client, TestApp, CONFIRMATION_PASSWORD, LOGIN_PASSWORD};

on_both_databases!(
    with_and_without_caches:
    user02_logs_in_with_its_own_certificate,
    every_unusable_certificate_is_refused_at_login_with_its_reason,
    a_wrong_password_is_refused_before_the_certificate_is_looked_at,
    a_session_outlives_nothing_its_certificate_does_not,
    the_operator_revocation_and_a_renewal_end_the_session_too,
    a_session_is_bound_to_the_certificate_it_logged_in_with,
    contracts_without_the_certificate_login_need_no_certificate,
    a_trusted_proxys_forwarded_certificate_is_accepted,
);

async fn login(client: &mut Client, login_id: &str) -> String {
    client
        .login(login_id, LOGIN_PASSWORD)
        .await
        .location()
        .unwrap_or_default()
        .to_owned()
}

async fn user02_logs_in_with_its_own_certificate(app: TestApp) {
    let mut client = app.presenting("user02").await;
    assert_eq!(login(&mut client, "user02").await, "/");
    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("榛名 四郎"));
    assert_eq!(app.audit_count_of("user02", "login", "success").await, 1);
}

async fn every_unusable_certificate_is_refused_at_login_with_its_reason(app: TestApp) {
    let foreign = {
        let subject = kanri_pki::CaSubject {
            organization: "Other".into(),
            common_name: "Other CA".into(),
        };
        let now = chrono::Utc::now();
        let ca = kanri_pki::Ca::generate(&subject, now - chrono::Duration::days(1)).unwrap();
        let client_subject = kanri_pki::ClientSubject {
            organization: "(9999)KENSHINYO DEMO".into(),
            organizational_unit: "(9999)KANRI DEMO CA".into(),
            common_name: "user02.B002.20260101000000000000".into(),
        };
        let validity = kanri_pki::Validity {
            not_before: now - chrono::Duration::days(1),
            not_after: now + chrono::Duration::days(30),
        };
        let urls = kanri_pki::PublicUrls::new("https://other.example").unwrap();
        ca.issue_with_new_key(&client_subject, &validity, &urls)
            .unwrap()
            .0
            .der()
            .to_vec()
    };
    let master02 = app.certificate_der("master02").await;
    let sachikodt = app.certificate_der("sachikodt").await;
    let cases: [(Option<Vec<u8>>, &str, &str); 4] = [
        (
            None,
            "cert_missing",
            "電子証明書方式でご利用いただいています",
        ),
        (
            Some(master02),
            "cert_other_user",
            "ご本人のものではありません",
        ),
        (
            Some(sachikodt),
            "cert_other_user",
            "ご本人のものではありません",
        ),
        (
            Some(foreign),
            "cert_foreign_ca",
            "当組合が発行したものではありません",
        ),
    ];
    for (presented, code, message) in cases {
        let mut client = app.client();
        client.presented = presented;
        let to = login(&mut client, "user02").await;
        assert_eq!(to, format!("/login?notice=certificate.{code}.user"));
        let page = client.get(&to).await;
        assert!(page.body.contains(message), "{code}: {}", page.body);
        assert!(
            page.body.contains("電子証明書発行"),
            "what to do: the 取得手順"
        );
    }
    // The master is told about the 申込書 instead.
    let mut master = app.client();
    let to = login(&mut master, "master02").await;
    assert_eq!(to, "/login?notice=certificate.cert_missing.master");
    assert!(master.get(&to).await.body.contains("機能申込書"));
    // Expired: the clock past user02's 有効期限 (90 days).
    app.state.clock.advance(chrono::Duration::days(91));
    let mut client = app.presenting("user02").await;
    assert_eq!(
        login(&mut client, "user02").await,
        "/login?notice=certificate.cert_expired.user"
    );
    for code in [
        "cert_missing",
        "cert_other_user",
        "cert_foreign_ca",
        "cert_expired",
    ] {
        assert!(
            app.audit_count("login", "failure", Some(code)).await >= 1,
            "{code}"
        );
    }
    assert_eq!(app.audit_count("login", "success", None).await, 0);
}

async fn a_wrong_password_is_refused_before_the_certificate_is_looked_at(app: TestApp) {
    // Without the password nobody learns that user02 needs a certificate.
    let mut client = app.client();
    let res = client.login("user02", "Wrong-Pass-99").await;
    assert_eq!(res.location(), Some("/login?notice=invalid"));
    assert_eq!(
        app.audit_count("login", "failure", Some("wrong_password"))
            .await,
        1
    );
}

/// user02 logged in with its certificate, and a page that works.
async fn logged_in_user02(app: &TestApp) -> Client {
    let mut user02 = app.presenting("user02").await;
    assert_eq!(login(&mut user02, "user02").await, "/");
    assert_eq!(user02.get("/").await.status, StatusCode::OK);
    user02
}

/// The next request of a session whose certificate was revoked.
async fn assert_refused(user02: &mut Client, code_message: &str) {
    let page = user02.get("/").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("電子証明書を確認できません"));
    assert!(page.body.contains(code_message), "{}", page.body);
    // The session is over: the next request is a visitor's.
    assert_eq!(user02.get("/").await.location(), Some("/login"));
}

async fn a_session_outlives_nothing_its_certificate_does_not(app: TestApp) {
    let mut user02 = logged_in_user02(&app).await;
    // master02, in another browser, revokes user02's certificate on the screen.
    let mut master02 = app.logged_in("master02").await;
    let confirm = master02
        .get("/kanri/users/revoke/confirm?login_id=user02")
        .await;
    let serial = common::input_value(&confirm.body, "serial").unwrap();
    let res = master02
        .execute_revocation("user02", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/revoke/result?login_id=user02")
    );
    assert_refused(&mut user02, "失効しています").await;
    assert_eq!(
        app.audit_count("session_certificate", "failure", Some("cert_revoked"))
            .await,
        1
    );
    // A new login with the revoked certificate is refused as well.
    let mut again = app.presenting("user02").await;
    assert_eq!(
        login(&mut again, "user02").await,
        "/login?notice=certificate.cert_revoked.user"
    );
}

async fn the_operator_revocation_and_a_renewal_end_the_session_too(app: TestApp) {
    let mut user02 = logged_in_user02(&app).await;
    kanri_app::use_cases::operator::revoke_certificate(
        &app.state,
        &common::id("user02"),
        kanri_app::domain::RevocationReason::KeyCompromise,
    )
    .await
    .unwrap();
    assert_refused(&mut user02, "失効しています").await;

    // master02 renews from ホーム; the session bound to the old one ends.
    let mut master02 = app.logged_in("master02").await;
    let res = master02
        .post_form("/api/renewal_authenticate", &[("password", LOGIN_PASSWORD)])
        .await;
    assert_eq!(res.location(), Some("/certificate/renew/method"));
    let done = master02
        .post_multipart(
            "/certificate/submit",
            &[
                ("flow", b"Renewal", None),
                ("method", b"p12", None),
                ("import_password", b"Import-Pass-01", None),
                ("import_password_repeat", b"Import-Pass-01", None),
            ],
        )
        .await;
    assert_eq!(done.location(), Some("/certificate/renew/result"));
    // The browser still presents the old certificate on its connection.
    let page = master02.get("/kanri").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("更新済みの古い証明書"), "{}", page.body);
    assert!(
        page.body.contains("機能申込書"),
        "master02 is told about the 申込書"
    );
    // With the new certificate, master02 logs in again.
    let mut fresh = app.presenting("master02").await;
    assert_eq!(login(&mut fresh, "master02").await, "/");
}

async fn a_session_is_bound_to_the_certificate_it_logged_in_with(app: TestApp) {
    let mut user02 = logged_in_user02(&app).await;
    // The same session cookie from a connection without a certificate, or
    // with another user's: refused, and the session is over.
    let mut thief = user02.clone();
    thief.presented = None;
    let page = thief.get("/").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("電子証明書方式でご利用いただいています"),
        "{}",
        page.body
    );
    assert_eq!(
        user02.get("/").await.location(),
        Some("/login?notice=session_ended"),
        "the session ended for its owner too"
    );
    let mut user02 = logged_in_user02(&app).await;
    user02.presented = Some(app.certificate_der("master02").await);
    assert_eq!(user02.get("/").await.status, StatusCode::FORBIDDEN);
}

async fn contracts_without_the_certificate_login_need_no_certificate(app: TestApp) {
    let mut client = app.client();
    assert_eq!(login(&mut client, "sachikodt").await, "/");
    assert_eq!(client.get("/").await.status, StatusCode::OK);
    // The bank turns it on for A001: open sessions follow at their next request.
    kanri_app::use_cases::operator::set_certificate_login(&app.state, "A001", true)
        .await
        .unwrap();
    assert_eq!(client.get("/").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.audit_count("contract_set", "success", None).await,
        2,
        "demo B002 and now A001"
    );
}

async fn a_trusted_proxys_forwarded_certificate_is_accepted(app: TestApp) {
    let login_form = [("login_id", "user02"), ("password", LOGIN_PASSWORD)];
    let escaped = common::nginx_escaped_pem(&app.certificate_der("user02").await);
    // The test client's peer is 127.0.0.1, and this app trusts no proxy.
    let header = ("x-ssl-client-cert", escaped.as_str());
    let res = app
        .client()
        .send_with_header("/api/login", &login_form, header)
        .await;
    assert_eq!(
        res.location(),
        Some("/login?notice=certificate.cert_missing.user"),
        "a forged header is ignored"
    );
    // An app that trusts 127.0.0.1 as its TLS proxy takes it.
    let trust_loopback = |c: &mut kanri_app::infra::config::Config| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
    };
    let proxied = TestApp::start(app.backend, trust_loopback).await.unwrap();
    let escaped = common::nginx_escaped_pem(&proxied.certificate_der("user02").await);
    let header = ("x-ssl-client-cert", escaped.as_str());
    let res = proxied
        .client()
        .send_with_header("/api/login", &login_form, header)
        .await;
    assert_eq!(res.location(), Some("/"));
    // A header cut short after whole lines of base64 (which decode to the
    // first part of the certificate) is no certificate, not a damaged one
    // (tests/parsers.rs; issue 25).
    let pem = kanri_pki::encode_pem("CERTIFICATE", &proxied.certificate_der("user02").await);
    let cut: String = pem
        .lines()
        .take(4)
        .map(|line| format!("{line}\n"))
        .collect();
    let cut =
        percent_encoding::utf8_percent_encode(&cut, percent_encoding::NON_ALPHANUMERIC).to_string();
    let res = proxied
        .client()
        .send_with_header("/api/login", &login_form, ("x-ssl-client-cert", &cut))
        .await;
    assert_eq!(
        res.location(),
        Some("/login?notice=certificate.cert_missing.user")
    );
    // An empty header (nginx's when the client sent no certificate) is none.
    let res = proxied
        .client()
        .send_with_header("/api/login", &login_form, ("x-ssl-client-cert", ""))
        .await;
    assert_eq!(
        res.location(),
        Some("/login?notice=certificate.cert_missing.user")
    );
}
