//! Issue 22, written as the attacker: a phished password alone never gets a
//! certificate on a 電子証明書方式 contract, a revocation holds until someone
//! entitled grants a 発行用コード, the ワンタイムパスワード is the user's own
//! (shared PCs, parallel guessing), everyone concerned hears of a new
//! certificate, and nothing tells an anonymous client who exists.

mod common;

use axum::http::StatusCode;
use common::issuance_authenticate as authenticate;
use common::{register_otp, Backend, Client, TestApp, CONFIRMATION_PASSWORD, LOGIN_PASSWORD};
use kanri_app::use_cases::operator;

on_both_databases!(
    password_alone_gets_nothing_on_a_certificate_contract,
    a_revocation_holds_even_with_the_password_and_the_token,
    a_code_granted_by_the_master_works_once_for_its_user_only,
    an_expired_code_is_refused_and_its_expiry_recorded,
    revoking_with_reobtain_mails_the_user_a_code_that_works,
    twenty_parallel_wrong_otp_codes_count_at_most_six,
    a_shared_browser_never_shows_the_previous_users_secret,
    registering_a_token_needs_the_login_password,
    the_master_resets_a_token_and_the_bank_the_masters,
    each_event_mails_the_user_and_the_master_once,
    anonymous_clients_learn_nothing_about_login_ids,
    a_token_registered_with_the_password_alone_proves_nothing,
);

const IMPORT_PASSWORD: &str = "Import-Pass-01";

/// The key step with a `.p12`; where it sends the browser.
async fn submit_p12(client: &mut Client) -> String {
    let fields: &[(&str, &[u8], Option<&str>)] = &[
        ("flow", b"Issuance", None),
        ("method", b"p12", None),
        ("import_password", IMPORT_PASSWORD.as_bytes(), None),
        ("import_password_repeat", IMPORT_PASSWORD.as_bytes(), None),
    ];
    let res = client.post_multipart("/certificate/submit", fields).await;
    res.location().unwrap_or_default().to_owned()
}

async fn otp_step(client: &mut Client, code: &str) -> String {
    let res = client
        .post_form(
            "/api/certificate_otp",
            &[("flow", "Issuance"), ("code", code)],
        )
        .await;
    res.location().unwrap_or_default().to_owned()
}

/// Every route to a certificate with the password alone ends before the key step.
async fn assert_password_alone_fails(app: &TestApp, login_id: &str) {
    let before = app.certificates_of(login_id).await;
    let mut client = app.client();
    let to = authenticate(&mut client, login_id, LOGIN_PASSWORD, "").await;
    assert_eq!(to, "/certificate/issue?error=code_required", "{login_id}");
    // Skipping ahead to the key step finds no authentication.
    let to = submit_p12(&mut client).await;
    assert!(to.starts_with("/certificate/issue?error="), "{to}");
    let page = client.get("/certificate/issue/method").await;
    assert!(page.body.contains("最初からやり直す"), "{login_id}");
    assert_eq!(app.certificates_of(login_id).await, before, "{login_id}");
}

/// The 発行用コード the master user grants on the screen, as shown once.
async fn grant_on_screen(app: &TestApp, master: &str, login_id: &str) -> String {
    let mut client = app.logged_in(master).await;
    let res = client
        .post_form(
            "/api/code_grant",
            &[
                ("login_id", login_id),
                ("confirmation_password", CONFIRMATION_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/kanri/users/code/result"), "{res:?}");
    let page = client.get("/kanri/users/code/result").await;
    let code = between(&page.body, "id=\"issuance-code\">", "<");
    // Shown once.
    let again = client.get("/kanri/users/code/result").await;
    assert!(!again.body.contains(&code));
    assert!(again.body.contains("表示済み"));
    code
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {text}"))
        + start.len();
    let to = from + text[from..].find(end).unwrap();
    text[from..to].to_owned()
}

async fn obtain_with_code(app: &TestApp, login_id: &str, code: &str) -> Client {
    let mut client = app.client();
    assert_eq!(
        authenticate(&mut client, login_id, LOGIN_PASSWORD, code).await,
        "/certificate/issue/method"
    );
    assert_eq!(submit_p12(&mut client).await, "/certificate/issue/result");
    client
}

async fn password_alone_gets_nothing_on_a_certificate_contract(app: TestApp) {
    // B002 (電子証明書方式): a user who never had a certificate.
    add_user(&app, "B002", "newbie02").await;
    assert_password_alone_fails(&app, "newbie02").await;
    // A001 turned to 電子証明書方式: the never-issued and the expired one.
    operator::set_certificate_login(&app.state, "A001", true)
        .await
        .unwrap();
    assert_password_alone_fails(&app, "noissue01").await;
    assert_password_alone_fails(&app, "expired01").await;
    // A contract without 電子証明書方式 needs it only when the bank says so.
    operator::set_certificate_login(&app.state, "A001", false)
        .await
        .unwrap();
    let mut client = app.client();
    assert_eq!(
        authenticate(&mut client, "noissue01", LOGIN_PASSWORD, "").await,
        "/certificate/issue/method"
    );
    operator::set_issuance_code_required(&app.state, "A001", true)
        .await
        .unwrap();
    assert_password_alone_fails(&app, "noissue01").await;
    assert!(
        app.audit_count("issuance_auth", "failure", Some("code_required"))
            .await
            >= 4
    );
}

async fn a_revocation_holds_even_with_the_password_and_the_token(app: TestApp) {
    // sachikodt (A001) registers a token, then the master revokes her certificate.
    let secret = register_otp(&app, "sachikodt").await;
    let serial = app.certificate_serial("sachikodt").await;
    app.logged_in("master01")
        .await
        .revoke("sachikodt", &serial)
        .await;
    // Password and a right ワンタイムパスワード code: still no certificate.
    let mut client = app.client();
    assert_eq!(
        authenticate(&mut client, "sachikodt", LOGIN_PASSWORD, "").await,
        "/certificate/issue?error=code_required"
    );
    assert_eq!(
        otp_step(&mut client, &app.otp_code(&secret)).await,
        "/certificate/issue?error=not_authenticated"
    );
    assert_eq!(app.certificate_state("sachikodt").await, "revoked");
    // user02 (B002) revoked by master02: the same.
    let serial = app.certificate_serial("user02").await;
    app.logged_in("master02")
        .await
        .revoke("user02", &serial)
        .await;
    assert_password_alone_fails(&app, "user02").await;
    // A code granted before the revocation died with it.
    let code = app.grant_by_bank("logid031").await;
    let serial = app.certificate_serial("logid031").await;
    operator::revoke_certificate(
        &app.state,
        &common::id("logid031"),
        kanri_app::domain::RevocationReason::KeyCompromise,
    )
    .await
    .unwrap();
    let mut client = app.client();
    assert_eq!(
        authenticate(&mut client, "logid031", LOGIN_PASSWORD, &code).await,
        "/certificate/issue?error=code_invalid"
    );
    assert_eq!(app.certificate_serial("logid031").await, serial);
}

async fn a_code_granted_by_the_master_works_once_for_its_user_only(app: TestApp) {
    operator::set_certificate_login(&app.state, "A001", true)
        .await
        .unwrap();
    let code = grant_on_screen(&app, "master01", "noissue01").await;
    // Another user's code.
    let mut other = app.client();
    assert_eq!(
        authenticate(&mut other, "expired01", LOGIN_PASSWORD, &code).await,
        "/certificate/issue?error=code_invalid"
    );
    // Typed in lowercase without hyphens: still the code.
    let typed = code.replace('-', "").to_lowercase();
    let client = obtain_with_code(&app, "noissue01", &typed).await;
    drop(client);
    assert_eq!(app.certificate_state("noissue01").await, "issued");
    // Used: refused the second time, for whatever reason the user returns.
    let serial = app.certificate_serial("noissue01").await;
    app.logged_in("master01")
        .await
        .revoke("noissue01", &serial)
        .await;
    let mut again = app.client();
    assert_eq!(
        authenticate(&mut again, "noissue01", LOGIN_PASSWORD, &code).await,
        "/certificate/issue?error=code_invalid"
    );
    // Two codes: the newer voids the older.
    let first = app.grant_by_bank("noissue01").await;
    let second = app.grant_by_bank("noissue01").await;
    let mut client = app.client();
    assert_eq!(
        authenticate(&mut client, "noissue01", LOGIN_PASSWORD, &first).await,
        "/certificate/issue?error=code_invalid"
    );
    obtain_with_code(&app, "noissue01", &second).await;
    // The master's own code comes from the bank, not the screen.
    let mut master = app.logged_in("master01").await;
    let res = master
        .post_form(
            "/api/code_grant",
            &[
                ("login_id", "master01"),
                ("confirmation_password", CONFIRMATION_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/code?error=not_permitted")
    );
    // Another contract's user reads like one that does not exist.
    let res = master
        .post_form(
            "/api/code_grant",
            &[
                ("login_id", "user02"),
                ("confirmation_password", CONFIRMATION_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/kanri/users/code?error=not_found"));
    // A wrong 確認用パスワード counts like at 失効.
    let res = master
        .post_form(
            "/api/code_grant",
            &[
                ("login_id", "expired01"),
                ("confirmation_password", "Wrong-Pass-99"),
            ],
        )
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/code?error=wrong_password")
    );
    assert_eq!(app.confirmation_failures("master01").await, 1);
    // An admin may not grant.
    let mut admin = app.logged_in("admin01").await;
    let res = admin
        .post_form(
            "/api/code_grant",
            &[
                ("login_id", "expired01"),
                ("confirmation_password", CONFIRMATION_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.audit_count("issuance_code_grant", "success", None)
            .await,
        3
    );
    assert_eq!(
        app.audit_count("issuance_auth", "failure", Some("code_invalid"))
            .await,
        3
    );
}

async fn an_expired_code_is_refused_and_its_expiry_recorded(app: TestApp) {
    operator::set_certificate_login(&app.state, "A001", true)
        .await
        .unwrap();
    let code = app.grant_by_bank("noissue01").await;
    app.state.clock.advance(chrono::Duration::hours(25));
    let mut client = app.client();
    assert_eq!(
        authenticate(&mut client, "noissue01", LOGIN_PASSWORD, &code).await,
        "/certificate/issue?error=code_expired"
    );
    kanri_app::use_cases::mail_notices::run_once(&app.state)
        .await
        .unwrap();
    kanri_app::use_cases::mail_notices::run_once(&app.state)
        .await
        .unwrap();
    assert_eq!(
        app.audit_count("issuance_code_expiry", "success", None)
            .await,
        1,
        "recorded once"
    );
    assert_eq!(
        authenticate(&mut client, "noissue01", LOGIN_PASSWORD, &code).await,
        "/certificate/issue?error=code_invalid"
    );
}

async fn revoking_with_reobtain_mails_the_user_a_code_that_works(app: TestApp) {
    let serial = app.certificate_serial("user02").await;
    let mut master = app.logged_in("master02").await;
    let res = master
        .post_form(
            "/api/revoke_certificate",
            &[
                ("login_id", "user02"),
                ("serial", &serial),
                ("confirmation_password", CONFIRMATION_PASSWORD),
                ("reobtain", "1"),
            ],
        )
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/revoke/result?login_id=user02&reobtain=1")
    );
    let result = master
        .get("/kanri/users/revoke/result?login_id=user02&reobtain=1")
        .await;
    assert!(result.body.contains("失効済み") && result.body.contains("発行用コード"));
    let mails = app.delivered_to("user02").await;
    let body = mails
        .iter()
        .find(|b| b.contains("発行用コード："))
        .expect("the code mailed to user02");
    let code = between(body, "発行用コード：", "\n").trim().to_owned();
    assert_eq!(code.len(), 14, "{code}");
    // The master's copy does not carry it, and the outbox keeps it nowhere.
    assert!(app
        .delivered_to("master02")
        .await
        .iter()
        .all(|b| !b.contains(&code)));
    assert!(app
        .event_mails_to("user02")
        .await
        .iter()
        .all(|b| !b.contains(&code)));
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM mail_outbox WHERE secret IS NOT NULL OR body LIKE $1",
            &format!("%{code}%")
        )
        .await,
        0
    );
    assert_password_alone_fails(&app, "user02").await;
    obtain_with_code(&app, "user02", &code).await;
    assert_eq!(app.certificate_state("user02").await, "issued");
    assert_ne!(app.certificate_serial("user02").await, serial);
}

async fn twenty_parallel_wrong_otp_codes_count_at_most_six(app: TestApp) {
    let secret = register_otp(&app, "noissue01").await;
    let right = app.otp_code(&secret);
    let wrong: String = right
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    let mut clients = Vec::new();
    for _ in 0..20 {
        let mut client = app.client();
        assert_eq!(
            authenticate(&mut client, "noissue01", LOGIN_PASSWORD, "").await,
            "/certificate/issue/otp"
        );
        clients.push(client);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients.len()));
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            let (barrier, wrong) = (barrier.clone(), wrong.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                otp_step(&mut client, &wrong).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let counted = app
        .scalar_i64(
            "SELECT otp_failures FROM users WHERE login_id = $1",
            "noissue01",
        )
        .await;
    let stopped = app
        .scalar_i64(
            "SELECT otp_stopped FROM users WHERE login_id = $1",
            "noissue01",
        )
        .await;
    let wrong_rows = app
        .audit_count("issuance_auth", "failure", Some("otp_wrong"))
        .await
        + app
            .audit_count("issuance_auth", "failure", Some("otp_now_stopped"))
            .await;
    println!("20 parallel wrong codes: {counted} counted, {wrong_rows} checked as wrong");
    assert_eq!(counted, 6, "{answers:?}");
    assert_eq!(stopped, 1);
    assert_eq!(wrong_rows, 6, "{answers:?}");
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.ends_with("error=otp_stopped"))
            .count(),
        14
    );
    // The right code is refused unchecked now.
    let mut client = app.client();
    authenticate(&mut client, "noissue01", LOGIN_PASSWORD, "").await;
    app.state.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(
        otp_step(&mut client, &app.otp_code(&secret)).await,
        "/certificate/issue/otp?error=otp_stopped"
    );
}

async fn a_shared_browser_never_shows_the_previous_users_secret(app: TestApp) {
    // User A starts a registration and walks away.
    let mut browser = app.logged_in("noissue01").await;
    let page = browser.get("/otp/register").await;
    let a_secret = between(&page.body, "id=\"otp-secret\">", "<");
    // User B logs in on the same browser (the same cookie jar).
    let res = browser.login("logid031", LOGIN_PASSWORD).await;
    assert_eq!(res.location(), Some("/"));
    // B's completion of a registration B never saw finds nothing.
    let a_code = app.otp_code(&a_secret.replace(' ', ""));
    let res = browser
        .post_form(
            "/api/otp_register",
            &[("code", &a_code), ("password", LOGIN_PASSWORD)],
        )
        .await;
    assert_eq!(res.location(), Some("/otp/register"));
    let page = browser.get("/otp/register").await;
    assert!(!page.body.contains(&a_secret), "A's secret shown to B");
    for who in ["noissue01", "logid031"] {
        assert!(app
            .scalar_string("SELECT otp_secret FROM users WHERE login_id = $1", who)
            .await
            .is_none());
    }
    // After a logout nothing of the session is left either.
    browser.post_form("/api/logout", &[]).await;
    let res = browser.login("noissue01", LOGIN_PASSWORD).await;
    assert_eq!(res.location(), Some("/"));
    let page = browser.get("/otp/register").await;
    assert!(!page.body.contains(&a_secret));
}

async fn registering_a_token_needs_the_login_password(app: TestApp) {
    let mut client = app.logged_in("noissue01").await;
    let page = client.get("/otp/register").await;
    assert!(page.body.contains("name=\"password\""));
    let secret: String = between(&page.body, "id=\"otp-secret\">", "<")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for password in ["", "Wrong-Pass-99"] {
        let res = client
            .post_form(
                "/api/otp_register",
                &[("code", &app.otp_code(&secret)), ("password", password)],
            )
            .await;
        assert_eq!(
            res.location(),
            Some("/otp/register?error=invalid_credentials")
        );
    }
    assert!(app
        .scalar_string(
            "SELECT otp_secret FROM users WHERE login_id = $1",
            "noissue01"
        )
        .await
        .is_none());
    assert_eq!(
        app.scalar_i64(
            "SELECT login_failures FROM users WHERE login_id = $1",
            "noissue01"
        )
        .await,
        1,
        "the wrong password counts toward the login stop"
    );
}

async fn the_master_resets_a_token_and_the_bank_the_masters(app: TestApp) {
    register_otp(&app, "logid031").await;
    register_otp(&app, "master01").await;
    let mut master = app.logged_in("master01").await;
    let page = master.get("/kanri/users/otp").await;
    assert!(page.body.contains("logid031") && page.body.contains("登録解除"));
    let reset = |login_id: &'static str, password: &'static str| {
        [("login_id", login_id), ("confirmation_password", password)]
    };
    let res = master
        .post_form("/api/otp_reset", &reset("logid031", "Wrong-Pass-99"))
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/otp?error=wrong_password")
    );
    let res = master
        .post_form("/api/otp_reset", &reset("master01", CONFIRMATION_PASSWORD))
        .await;
    assert_eq!(res.location(), Some("/kanri/users/otp?error=not_permitted"));
    let res = master
        .post_form("/api/otp_reset", &reset("logid031", CONFIRMATION_PASSWORD))
        .await;
    assert_eq!(res.location(), Some("/kanri/users/otp?reset=logid031"));
    assert!(app
        .scalar_string(
            "SELECT otp_secret FROM users WHERE login_id = $1",
            "logid031"
        )
        .await
        .is_none());
    operator::reset_otp(&app.state, &common::id("master01"))
        .await
        .unwrap();
    assert!(operator::reset_otp(&app.state, &common::id("master01"))
        .await
        .is_err());
    assert_eq!(app.audit_count("otp_reset", "success", None).await, 2);
    assert!(app
        .delivered_to("logid031")
        .await
        .iter()
        .any(|b| b.contains("登録解除")));
    // The user may register anew.
    register_otp(&app, "logid031").await;
}

async fn each_event_mails_the_user_and_the_master_once(app: TestApp) {
    let count = |app: &TestApp, who: &'static str| {
        let app_state = app.state.clone();
        async move {
            let email = common::email_of(&app_state, who).await;
            let row = sqlx::query(
                "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'event_notice' AND recipient = $1",
            )
            .bind(email)
            .fetch_one(app_state.db.pool())
            .await
            .unwrap();
            sqlx::Row::try_get::<i64, _>(&row, 0).unwrap()
        }
    };
    // 取得 by noissue01 (A001: no second proof needed).
    let mut client = app.client();
    authenticate(&mut client, "noissue01", LOGIN_PASSWORD, "").await;
    assert_eq!(submit_p12(&mut client).await, "/certificate/issue/result");
    assert_eq!(count(&app, "noissue01").await, 1);
    assert_eq!(count(&app, "master01").await, 1);
    // ワンタイムパスワード registration.
    register_otp(&app, "noissue01").await;
    assert_eq!(count(&app, "noissue01").await, 2);
    assert_eq!(count(&app, "master01").await, 2);
    // A code granted to the master by the bank: one message, to the master.
    app.grant_by_bank("master01").await;
    assert_eq!(count(&app, "master01").await, 3);
    // A code granted on the screen: the user and the master.
    grant_on_screen(&app, "master01", "expired01").await;
    assert_eq!(count(&app, "expired01").await, 1);
    assert_eq!(count(&app, "master01").await, 4);
    // 更新 by logid031 with its certificate: the user and the master.
    let mut renewing = app.presenting("logid031").await;
    let res = renewing
        .post_form("/api/renewal_authenticate", &[("password", LOGIN_PASSWORD)])
        .await;
    assert_eq!(res.location(), Some("/certificate/renew/method"));
    let fields: &[(&str, &[u8], Option<&str>)] = &[
        ("flow", b"Renewal", None),
        ("method", b"p12", None),
        ("import_password", IMPORT_PASSWORD.as_bytes(), None),
        ("import_password_repeat", IMPORT_PASSWORD.as_bytes(), None),
    ];
    let res = renewing.post_multipart("/certificate/submit", fields).await;
    assert_eq!(res.location(), Some("/certificate/renew/result"));
    assert_eq!(count(&app, "logid031").await, 1);
    assert_eq!(count(&app, "master01").await, 5);
    // ワンタイムパスワード登録解除 by the master: the user, and the master once.
    let mut master = app.logged_in("master01").await;
    let res = master
        .post_form(
            "/api/otp_reset",
            &[
                ("login_id", "noissue01"),
                ("confirmation_password", CONFIRMATION_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/kanri/users/otp?reset=noissue01"));
    assert_eq!(count(&app, "noissue01").await, 3);
    assert_eq!(count(&app, "master01").await, 6);
    // Delivered once each (the files transport of the tests).
    let delivered = kanri_app::use_cases::mail_notices::deliver_pending(&app.state)
        .await
        .unwrap();
    assert_eq!(delivered.failed, 0);
    let again = kanri_app::use_cases::mail_notices::deliver_pending(&app.state)
        .await
        .unwrap();
    assert_eq!(again.sent, 0, "nothing twice");
    let body = app
        .event_mails_to("noissue01")
        .await
        .into_iter()
        .find(|b| b.contains("電子証明書の取得"))
        .unwrap();
    for expected in [
        "日時：",
        "操作元IPアドレス：",
        "お心当たりのない場合",
        "お取引店",
    ] {
        assert!(body.contains(expected), "{expected} in {body}");
    }
}

async fn anonymous_clients_learn_nothing_about_login_ids(app: TestApp) {
    let mut client = app.client();
    let unknown = authenticate(&mut client, "nobody99", LOGIN_PASSWORD, "").await;
    let wrong = authenticate(&mut client, "noissue01", "Wrong-Pass-99", "").await;
    let malformed = authenticate(&mut client, "<x>", "Wrong-Pass-99", "").await;
    assert_eq!(unknown, "/certificate/issue?error=invalid_credentials");
    assert_eq!(wrong, unknown);
    assert_eq!(malformed, unknown);
    let unknown_page = client.get(&unknown).await;
    let wrong_page = client.get(&wrong).await;
    assert_eq!(unknown_page.body.len(), wrong_page.body.len());
    // 更新 (CCHK002): the certificate's owner with a wrong password reads the same.
    let mut renewing = app.presenting("logid031").await;
    let res = renewing
        .post_form(
            "/api/renewal_authenticate",
            &[("password", "Wrong-Pass-99")],
        )
        .await;
    assert_eq!(
        res.location(),
        Some("/certificate/renew?error=invalid_credentials")
    );
    // No certificate by serial, to anyone.
    let serial = app.certificate_serial("logid031").await;
    for path in [
        format!("/pki/certificates/{serial}.cer"),
        "/certificate/download.cer".to_owned(),
    ] {
        let res = app.client().get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!res.body.contains("logid031"));
    }
}

/// A user of a contract, added by the bank, without a certificate.
async fn add_user(app: &TestApp, contract: &str, login_id: &str) {
    use kanri_app::domain::secret::Password;
    let input = operator::NewUserInput {
        login_id: login_id.into(),
        name: "新規 利用者".into(),
        role: kanri_app::domain::Role::General,
        email: format!("{login_id}@example.jp"),
        login_password: Password::new(LOGIN_PASSWORD.into()),
        confirmation_password: Password::new(CONFIRMATION_PASSWORD.into()),
    };
    operator::add_user(&app.state, contract, input)
        .await
        .unwrap();
}

/// The OTP step has an attempt limit per account, like the passwords.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_otp_step_has_an_attempt_limit_per_account() {
    let app = TestApp::start(Backend::Sqlite, |config| {
        config.attempts_per_account_per_minute = 3;
    })
    .await
    .unwrap();
    register_otp(&app, "noissue01").await;
    // A new minute: the limit counts codes of this account in it.
    app.state.clock.advance(chrono::Duration::minutes(1));
    let mut client = app.client();
    authenticate(&mut client, "noissue01", LOGIN_PASSWORD, "").await;
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(otp_step(&mut client, "000000").await);
    }
    assert!(
        answers[..3].iter().all(|a| a.ends_with("error=otp_wrong")),
        "{answers:?}"
    );
    let last = &answers[3];
    assert_eq!(last, "/certificate/issue/otp?error=otp_throttled");
}

/// A thief who logs in with the stolen password (a contract without
/// 電子証明書方式) and registers a token of their own has still no second
/// proof; a token registered from a session that presented the user's own
/// certificate is one.
async fn a_token_registered_with_the_password_alone_proves_nothing(app: TestApp) {
    operator::set_issuance_code_required(&app.state, "A001", true)
        .await
        .unwrap();
    let secret = register_otp(&app, "noissue01").await;
    let mut client = app.client();
    assert_eq!(
        authenticate(&mut client, "noissue01", LOGIN_PASSWORD, "").await,
        "/certificate/issue?error=code_required"
    );
    let _ = secret;
    // The same holds when the bank turns 電子証明書方式 on after the token was
    // registered with the password alone.
    operator::set_issuance_code_required(&app.state, "A001", false)
        .await
        .unwrap();
    operator::set_certificate_login(&app.state, "A001", true)
        .await
        .unwrap();
    assert_eq!(
        authenticate(&mut client, "noissue01", LOGIN_PASSWORD, "").await,
        "/certificate/issue?error=code_required"
    );
    // user02 (B002) registers with its certificate presented: once its
    // certificate has expired, the token is the second proof.
    register_otp(&app, "user02").await;
    assert_eq!(
        app.scalar_i64(
            "SELECT otp_with_certificate FROM users WHERE login_id = $1",
            "user02"
        )
        .await,
        1
    );
    sqlx::query(
        "UPDATE certificates SET not_after = $1 WHERE user_id = (SELECT id FROM users WHERE login_id = 'user02')",
    )
    .bind("2000-01-01T00:00:00.000000Z")
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let mut client = app.client();
    assert_eq!(
        authenticate(&mut client, "user02", LOGIN_PASSWORD, "").await,
        "/certificate/issue/otp"
    );
}
