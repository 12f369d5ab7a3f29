//! ワンタイムパスワード (issue 11, SPEC 7.4): registration from ホーム,
//! asked at 取得, no replay, six wrong codes stop it, the master releases it.

mod common;

use axum::http::StatusCode;
use common::{register_otp, Client, TestApp, LOGIN_PASSWORD};

on_both_databases!(
    registration_shows_a_qr_code_and_needs_one_right_code,
    issuance_asks_for_the_code_and_a_code_works_once,
    six_wrong_codes_stop_it_and_the_master_releases_it,
);

async fn otp_step(client: &mut Client, code: &str) -> String {
    let res = client
        .post_form(
            "/api/certificate_otp",
            &[("flow", "Issuance"), ("code", code)],
        )
        .await;
    res.location().unwrap_or_default().to_owned()
}

async fn start_issuance(app: &TestApp, login_id: &str) -> Client {
    let mut client = app.client();
    let res = client
        .post_form(
            "/api/issuance_authenticate",
            &[("login_id", login_id), ("password", LOGIN_PASSWORD)],
        )
        .await;
    assert_eq!(res.location(), Some("/certificate/issue/otp"));
    client
}

async fn registration_shows_a_qr_code_and_needs_one_right_code(app: TestApp) {
    let mut client = app.logged_in("noissue01").await;
    let home = client.get("/").await;
    assert!(home.body.contains("ワンタイムパスワードを登録する"));
    let page = client.get("/otp/register").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg"), "a QR code drawn by the server");
    assert!(page.body.contains("id=\"otp-secret\""));
    // A reload shows the same secret (it waits in the session).
    let again = client.get("/otp/register").await;
    let secret_of = |body: &str| {
        let at = body.find("id=\"otp-secret\">").unwrap();
        body[at..at + 60].to_owned()
    };
    assert_eq!(secret_of(&page.body), secret_of(&again.body));
    let wrong = client
        .post_form(
            "/api/otp_register",
            &[("code", "12345"), ("password", LOGIN_PASSWORD)],
        )
        .await;
    assert_eq!(wrong.location(), Some("/otp/register?error=otp_wrong"));
    let none: Option<String> = app
        .scalar_string(
            "SELECT otp_secret FROM users WHERE login_id = $1",
            "noissue01",
        )
        .await;
    assert!(none.is_none(), "nothing registered by a wrong code");
    drop(client);
    register_otp(&app, "noissue01").await;
    let mut client = app.logged_in("noissue01").await;
    assert!(client
        .get("/")
        .await
        .body
        .contains("ワンタイムパスワード：登録済み"));
    assert!(client
        .get("/otp/register")
        .await
        .body
        .contains("登録済みです"));
    assert_eq!(
        app.audit_count_of("noissue01", "otp_register", "success")
            .await,
        1
    );
    assert_eq!(
        app.audit_count_of("noissue01", "otp_register", "failure")
            .await,
        1
    );
}

async fn issuance_asks_for_the_code_and_a_code_works_once(app: TestApp) {
    let secret = register_otp(&app, "noissue01").await;
    let mut first = start_issuance(&app, "noissue01").await;
    let code = app.otp_code(&secret);
    assert_eq!(
        otp_step(&mut first, &code).await,
        "/certificate/issue/method"
    );
    // The same code again, in another session: a replay.
    let mut second = start_issuance(&app, "noissue01").await;
    assert_eq!(
        otp_step(&mut second, &code).await,
        "/certificate/issue/otp?error=otp_replayed"
    );
    let page = second
        .get("/certificate/issue/otp?error=otp_replayed")
        .await;
    assert!(page.body.contains("使用済み"));
    assert_eq!(
        otp_step(&mut second, "").await,
        "/certificate/issue/otp?error=otp_missing"
    );
    assert_eq!(
        app.audit_count("issuance_auth", "failure", Some("otp_replayed"))
            .await,
        1
    );
}

async fn six_wrong_codes_stop_it_and_the_master_releases_it(app: TestApp) {
    let secret = register_otp(&app, "noissue01").await;
    let mut client = start_issuance(&app, "noissue01").await;
    let right = app.otp_code(&secret);
    // A wrong code: the right one with its last digit changed.
    let wrong: String = right
        .char_indices()
        .map(|(i, c)| {
            if i == 5 {
                if c == '0' {
                    '1'
                } else {
                    '0'
                }
            } else {
                c
            }
        })
        .collect();
    for _ in 0..5 {
        assert_eq!(
            otp_step(&mut client, &wrong).await,
            "/certificate/issue/otp?error=otp_wrong"
        );
    }
    assert_eq!(
        otp_step(&mut client, &wrong).await,
        "/certificate/issue/otp?error=otp_now_stopped"
    );
    assert_eq!(
        otp_step(&mut client, &right).await,
        "/certificate/issue/otp?error=otp_stopped"
    );

    // An admin may not release it; the master of another contract does not see the user.
    let mut admin = app.logged_in("admin01").await;
    assert_eq!(
        admin.get("/kanri/users/otp").await.status,
        StatusCode::FORBIDDEN
    );
    let mut other = app.logged_in("master02").await;
    let res = other
        .post_form("/api/otp_release", &[("login_id", "noissue01")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let mut master = app.logged_in("master01").await;
    let list = master.get("/kanri/users/otp").await;
    assert!(list.body.contains("noissue01"), "{}", list.body);
    let released = master
        .post_form("/api/otp_release", &[("login_id", "noissue01")])
        .await;
    assert_eq!(
        released.location(),
        Some("/kanri/users/otp?released=noissue01")
    );
    assert_eq!(
        app.audit_count_of("master01", "otp_release", "success")
            .await,
        1
    );
    app.state.clock.advance(chrono::Duration::seconds(30));
    let code = app.otp_code(&secret);
    assert_eq!(
        otp_step(&mut client, &code).await,
        "/certificate/issue/method"
    );
}
