//! 一時停止 and 再開 (issue 26 item 1, SPEC 9.3), played by the people who
//! live with it: master02 holds user02's certificate on the screens, user02's
//! open session and a new login are refused on this instance and another,
//! openssl reads certificateHold in the CRL and in OCSP, 更新 and 取得 are
//! refused; 再開 lets the same certificate in again and takes it off the
//! CRL. The bank's contract-wide hold of 1,000 certificates, timed. Both
//! databases.

mod common;

use axum::http::StatusCode;
use common::{openssl, scratch_dir, Client, TestApp, CONFIRMATION_PASSWORD, LOGIN_PASSWORD};
use kanri_app::domain::suspension::HoldAction;
use kanri_app::domain::{CertificateRefusal, IssueRefusal};
use kanri_app::use_cases::{client_certificate, operator};
use std::path::PathBuf;

on_both_databases!(
    with_and_without_caches:
    a_hold_stops_the_certificate_everywhere_and_a_release_lets_it_in_again,
);
on_both_databases!(
    who_may_hold_whom_and_what_changes_nothing,
    a_renewal_under_way_when_the_hold_lands_is_refused,
    the_banks_hold_is_the_banks_to_release,
    the_bank_holds_and_releases_a_contract_of_a_thousand_certificates,
);

/// openssl's files: the chain, one certificate, the CRL.
struct Files {
    dir: PathBuf,
}

impl Files {
    async fn new(app: &TestApp, user: &str) -> Files {
        let dir = scratch_dir();
        let chain = app.client().get("/pki/chain.pem").await.body;
        std::fs::write(dir.join("chain.pem"), chain).unwrap();
        let pem = kanri_pki::encode_pem("CERTIFICATE", &app.certificate_der(user).await);
        std::fs::write(dir.join("user.pem"), pem).unwrap();
        Files { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// The CRL as `app` serves it now, as text; also kept as crl.pem.
    async fn crl(&self, app: &TestApp) -> String {
        self.crl_from(app.client()).await
    }

    /// The CRL as the instance of `client` serves it now.
    async fn crl_from(&self, mut client: Client) -> String {
        let res = client.get("/pki/crl").await;
        assert_eq!(res.status, StatusCode::OK);
        std::fs::write(self.dir.join("crl.der"), &res.body_bytes).unwrap();
        let (der, pem) = (self.path("crl.der"), self.path("crl.pem"));
        openssl(&["crl", "-inform", "DER", "-in", &der, "-out", &pem]);
        openssl(&["crl", "-in", &pem, "-noout", "-text"])
    }

    /// `openssl verify -crl_check` of the certificate with the CRL fetched
    /// last: what it printed, whether it accepted or not.
    fn verify(&self) -> String {
        let out = std::process::Command::new("openssl")
            .args([
                "verify",
                "-purpose",
                "sslclient",
                "-crl_check",
                "-CRLfile",
                &self.path("crl.pem"),
                "-CAfile",
                &self.path("chain.pem"),
                &self.path("user.pem"),
            ])
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// An OCSP request made by openssl, posted to kanri; openssl's reading.
    async fn ocsp(&self, app: &TestApp) -> String {
        let (chain, cert, req, resp) = (
            self.path("chain.pem"),
            self.path("user.pem"),
            self.path("req.der"),
            self.path("resp.der"),
        );
        // The issuing CA is the chain's first certificate.
        openssl(&["x509", "-in", &chain, "-out", &self.path("issuer.pem")]);
        let issuer = self.path("issuer.pem");
        openssl(&[
            "ocsp",
            "-issuer",
            &issuer,
            "-cert",
            &cert,
            "-no_nonce",
            "-reqout",
            &req,
        ]);
        let body = std::fs::read(&req).unwrap();
        let res = app
            .client()
            .post_bytes("/pki/ocsp", "application/ocsp-request", body)
            .await;
        assert_eq!(res.status, StatusCode::OK);
        std::fs::write(&resp, &res.body_bytes).unwrap();
        common::openssl_said(&[
            "ocsp",
            "-respin",
            &resp,
            "-issuer",
            &issuer,
            "-CAfile",
            &chain,
            "-cert",
            &cert,
            "-no_nonce",
            "-resp_text",
        ])
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The confirmation of `action` for `target`: its serial, or where it sent.
async fn confirm(client: &mut Client, target: &str, action: HoldAction) -> Result<String, String> {
    let page = client
        .get(&format!(
            "/kanri/users/hold/confirm?login_id={target}&action={}",
            action.code()
        ))
        .await;
    match common::input_value(&page.body, "serial") {
        Some(serial) => Ok(serial),
        None => Err(page.location().unwrap_or_default().to_owned()),
    }
}

/// 実行: where it sent.
async fn execute(
    client: &mut Client,
    target: &str,
    serial: &str,
    action: HoldAction,
    password: &str,
) -> String {
    let res = client
        .post_form(
            "/api/hold_certificate",
            &[
                ("login_id", target),
                ("serial", serial),
                ("action", action.code()),
                ("confirmation_password", password),
            ],
        )
        .await;
    res.location().unwrap_or_default().to_owned()
}

/// The whole flow by `actor`, which must end on the result screen.
async fn hold(client: &mut Client, target: &str, action: HoldAction) {
    let serial = confirm(client, target, action)
        .await
        .expect("a confirmation");
    let to = execute(client, target, &serial, action, CONFIRMATION_PASSWORD).await;
    assert_eq!(
        to,
        format!(
            "/kanri/users/hold/result?login_id={target}&action={}",
            action.code()
        )
    );
}

async fn login(app: &TestApp, router_of: Option<&common::OtherInstance>, user: &str) -> String {
    let mut client = match router_of {
        Some(other) => other.client(),
        None => app.client(),
    };
    client.presented = Some(app.certificate_der(user).await);
    let res = client.login(user, LOGIN_PASSWORD).await;
    res.location().unwrap_or_default().to_owned()
}

async fn a_hold_stops_the_certificate_everywhere_and_a_release_lets_it_in_again(app: TestApp) {
    let other = app.other_instance().await;
    let files = Files::new(&app, "user02").await;
    let serial = app.certificate_serial("user02").await;
    // user02 is at work in one browser; master02 in another.
    let mut user02 = app.presenting("user02").await;
    assert_eq!(
        user02.login("user02", LOGIN_PASSWORD).await.location(),
        Some("/")
    );
    assert_eq!(user02.get("/").await.status, StatusCode::OK);
    let mut master02 = app.logged_in("master02").await;

    // The list offers 一時停止 for user02.
    let list = master02.get("/kanri/users/hold").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("id=\"target-user02\""), "{}", list.body);

    // A wrong 確認用パスワード changes nothing but its counter.
    let shown = confirm(&mut master02, "user02", HoldAction::Suspend)
        .await
        .unwrap();
    assert_eq!(shown, serial);
    let to = execute(
        &mut master02,
        "user02",
        &shown,
        HoldAction::Suspend,
        "wrong-one",
    )
    .await;
    assert_eq!(
        to,
        "/kanri/users/hold/confirm?login_id=user02&action=suspend&error=wrong_password"
    );
    assert_eq!(app.confirmation_failures("master02").await, 1);
    assert_eq!(user02.get("/").await.status, StatusCode::OK);

    // What was published before the hold (each instance has signed its
    // answers): the hold must make both stale.
    let before = files.crl(&app).await;
    assert!(!before.contains(&serial.to_uppercase()), "{before}");
    assert!(files.verify().contains("user.pem: OK"));
    assert!(files.ocsp(&app).await.contains("user.pem: good"));
    assert!(!files
        .crl_from(other.client())
        .await
        .contains(&serial.to_uppercase()));

    hold(&mut master02, "user02", HoldAction::Suspend).await;
    let result = master02
        .get("/kanri/users/hold/result?login_id=user02&action=suspend")
        .await;
    assert!(result.body.contains("一時停止中"), "{}", result.body);
    assert_eq!(app.confirmation_failures("master02").await, 0);
    assert_eq!(app.certificate_state("user02").await, "issued");

    // user02's next request is refused, and so is a new login, here and on
    // the other instance.
    let page = user02.get("/").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("一時停止中です"), "{}", page.body);
    assert!(page.body.contains("再開を依頼"), "{}", page.body);
    let refused = "/login?notice=certificate.cert_suspended.user";
    assert_eq!(login(&app, None, "user02").await, refused);
    assert_eq!(login(&app, Some(&other), "user02").await, refused);

    // 更新 and 取得 are refused: a hold is not undone by another certificate.
    let der = app.certificate_der("user02").await;
    let renewal = client_certificate::identify_with_grace(&app.state, Some(&der), 30)
        .await
        .unwrap();
    assert_eq!(renewal.unwrap_err(), CertificateRefusal::Suspended);
    let code = app.grant_by_bank("user02").await;
    let mut obtain = app.client();
    let to = common::issuance_authenticate(&mut obtain, "user02", LOGIN_PASSWORD, &code).await;
    assert!(
        to.contains(&format!("error={}", IssueRefusal::Suspended.code())),
        "{to}"
    );
    assert_eq!(app.certificates_of("user02").await, 1);

    // Published: the CRL lists it as certificateHold, openssl says revoked,
    // and so does OCSP, on either instance's CRL.
    let crl = files.crl(&app).await;
    assert!(crl.contains(&serial.to_uppercase()), "{crl}");
    assert!(crl.contains("Certificate Hold"), "{crl}");
    let verified = files.verify();
    assert!(verified.contains("certificate revoked"), "{verified}");
    let ocsp = files.ocsp(&app).await;
    assert!(ocsp.contains("Response verify OK"), "{ocsp}");
    assert!(ocsp.contains("user.pem: revoked"), "{ocsp}");
    assert!(ocsp.contains("Reason: certificateHold"), "{ocsp}");
    let other_crl = files.crl_from(other.client()).await;
    assert!(other_crl.contains(&serial.to_uppercase()), "{other_crl}");

    // Mail to user02 and master02; 操作履歴 has both attempts.
    let mails = app.event_mails_to("user02").await;
    assert!(
        mails.iter().any(|s| s.contains("電子証明書の一時停止")),
        "{mails:?}"
    );
    let mails = app.event_mails_to("master02").await;
    assert!(
        mails.iter().any(|s| s.contains("電子証明書の一時停止")),
        "{mails:?}"
    );
    assert_eq!(
        app.audit_count("certificate_suspend", "success", None)
            .await,
        1
    );
    assert_eq!(
        app.audit_count("certificate_suspend", "failure", Some("wrong_password"))
            .await,
        1
    );
    // 証明書状態照会 counts it.
    let status = master02.get("/kanri/users/status").await;
    assert!(
        status.body.contains("id=\"count-suspended\">1<"),
        "{}",
        status.body
    );

    // 再開: the same certificate logs in again, off the CRL, OCSP good.
    hold(&mut master02, "user02", HoldAction::Resume).await;
    assert_eq!(login(&app, None, "user02").await, "/");
    assert_eq!(login(&app, Some(&other), "user02").await, "/");
    let crl = files.crl(&app).await;
    assert!(!crl.contains(&serial.to_uppercase()), "{crl}");
    let verified = files.verify();
    assert!(verified.contains("user.pem: OK"), "{verified}");
    let ocsp = files.ocsp(&app).await;
    assert!(ocsp.contains("user.pem: good"), "{ocsp}");
    assert_eq!(
        app.audit_count("certificate_resume", "success", None).await,
        1
    );
    let mails = app.event_mails_to("user02").await;
    assert!(
        mails.iter().any(|s| s.contains("電子証明書の再開")),
        "{mails:?}"
    );
}

async fn who_may_hold_whom_and_what_changes_nothing(app: TestApp) {
    // An admin may not hold the master's certificate; a master not their own.
    let mut admin = app.logged_in("admin01").await;
    let to = confirm(&mut admin, "master01", HoldAction::Suspend).await;
    assert_eq!(to, Err("/kanri/users/hold?error=not_permitted".into()));
    let mut master01 = app.logged_in("master01").await;
    let to = confirm(&mut master01, "master01", HoldAction::Suspend).await;
    assert_eq!(to, Err("/kanri/users/hold?error=not_permitted".into()));
    // Another contract's user reads as unknown; 再開 of an unheld one and
    // an unknown action are refused.
    let to = confirm(&mut master01, "user02", HoldAction::Suspend).await;
    assert_eq!(to, Err("/kanri/users/hold?error=not_found".into()));
    let to = confirm(&mut master01, "logid031", HoldAction::Resume).await;
    assert_eq!(to, Err("/kanri/users/hold?error=not_suspended".into()));
    let page = master01
        .get("/kanri/users/hold/confirm?login_id=logid031&action=explode")
        .await;
    assert_eq!(
        page.location(),
        Some("/kanri/users/hold?error=not_selected")
    );
    let serial = app.certificate_serial("logid031").await;
    let to = execute(
        &mut master01,
        "logid031",
        &serial,
        HoldAction::Resume,
        CONFIRMATION_PASSWORD,
    )
    .await;
    assert_eq!(to, "/kanri/users/hold?error=not_suspended");
    let res = master01
        .post_form(
            "/api/hold_certificate",
            &[
                ("login_id", "logid031"),
                ("serial", &serial),
                ("action", "<script>"),
                ("confirmation_password", CONFIRMATION_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/kanri/users/hold?error=not_selected"));
    // A serial other than the current one: start over, nothing held.
    let to = execute(
        &mut master01,
        "logid031",
        "00000000000000000000000000000001",
        HoldAction::Suspend,
        CONFIRMATION_PASSWORD,
    )
    .await;
    assert_eq!(to, "/kanri/users/hold?error=certificate_changed");
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM certificates WHERE suspended_at IS NOT NULL AND serial <> $1",
            ""
        )
        .await,
        0
    );

    // Two 実行 at once (two tabs): exactly one holds.
    let mut other_tab = app.logged_in("master01").await;
    let (a, b) = tokio::join!(
        execute(
            &mut master01,
            "logid031",
            &serial,
            HoldAction::Suspend,
            CONFIRMATION_PASSWORD
        ),
        execute(
            &mut other_tab,
            "logid031",
            &serial,
            HoldAction::Suspend,
            CONFIRMATION_PASSWORD
        ),
    );
    let done = [&a, &b]
        .iter()
        .filter(|to| to.starts_with("/kanri/users/hold/result"))
        .count();
    assert_eq!(done, 1, "{a} / {b}");
    assert!(
        [&a, &b]
            .iter()
            .any(|to| to.contains("error=already_suspended")
                || to.contains("error=certificate_changed")),
        "{a} / {b}"
    );
    assert_eq!(
        app.audit_count("certificate_suspend", "success", None)
            .await,
        1
    );

    // 失効 of a held certificate works; it then leaves the hold and the CRL
    // lists it as revoked, not held.
    let confirm_page = master01
        .get("/kanri/users/revoke/confirm?login_id=logid031")
        .await;
    assert_eq!(
        common::input_value(&confirm_page.body, "serial").as_deref(),
        Some(serial.as_str())
    );
    master01.revoke("logid031", &serial).await;
    assert_eq!(app.certificate_state("logid031").await, "revoked");
    let to = confirm(&mut master01, "logid031", HoldAction::Resume).await;
    assert_eq!(to, Err("/kanri/users/hold?error=already_revoked".into()));
    let files = Files::new(&app, "logid031").await;
    let crl = files.crl(&app).await;
    let entry = crl
        .split("Serial Number: ")
        .find(|e| e.starts_with(&serial.to_uppercase()))
        .expect("the revoked certificate in the CRL");
    assert!(!entry.contains("Certificate Hold"), "{entry}");
}

async fn the_bank_holds_and_releases_a_contract_of_a_thousand_certificates(app: TestApp) {
    use kanri_app::domain::Role;
    operator::create_contract(
        &app.state,
        "Z999",
        "株式会社一時停止テスト",
        "本店営業部",
        operator::NewUserInput {
            login_id: "zmaster".into(),
            name: "停止 太郎".into(),
            role: Role::Master,
            email: "zmaster@example.jp".into(),
            login_password: kanri_app::domain::secret::Password::new(LOGIN_PASSWORD.into()),
            confirmation_password: kanri_app::domain::secret::Password::new(
                CONFIRMATION_PASSWORD.into(),
            ),
        },
    )
    .await
    .unwrap();
    // 1,001 users with a 発行済み certificate each, written as rows: what
    // is timed is the hold, not the making of 1,000 keys.
    let pool = app.state.db.pool();
    let contract_id = app
        .scalar_i64("SELECT id FROM contracts WHERE code = $1", "Z999")
        .await;
    let hash = app
        .scalar_string(
            "SELECT login_password_hash FROM users WHERE login_id = $1",
            "zmaster",
        )
        .await
        .unwrap();
    let now = app.state.clock.now();
    let later = kanri_app::domain::Timestamp(now.0 + chrono::Duration::days(300));
    let mut tx = pool.begin().await.unwrap();
    for i in 0..1001 {
        let login_id = format!("zuser{i:04}");
        let user_id: i64 = sqlx::Row::get(
            &sqlx::query(
                "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, \
                 confirmation_password_hash, created_at) VALUES ($1, $2, $3, 'general', $4, $5, $5, $6) RETURNING id",
            )
            .bind(contract_id)
            .bind(&login_id)
            .bind(format!("利用者 {i}"))
            .bind(format!("{login_id}@example.jp"))
            .bind(&hash)
            .bind(now.to_db())
            .fetch_one(&mut *tx)
            .await
            .unwrap(),
            "id",
        );
        sqlx::query(
            "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, \
             not_after, state, issuer_generation) VALUES ($1, $2, 'Z', 'Z999', $3, $4, $5, 'issued', 1)",
        )
        .bind(user_id)
        .bind(format!("7a{i:030x}"))
        .bind(&login_id)
        .bind(now.to_db())
        .bind(later.to_db())
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // One of them is held by the master user beforehand (the bank takes
    // that hold over), one expired yesterday (it may still be renewed
    // within the grace, so it is held too).
    sqlx::query(
        "UPDATE certificates SET suspended_at = $1, suspended_by = 'zmaster' WHERE serial = $2",
    )
    .bind(now.to_db())
    .bind(format!("7a{:030x}", 7))
    .execute(pool)
    .await
    .unwrap();
    let yesterday = kanri_app::domain::Timestamp(now.0 - chrono::Duration::days(1));
    sqlx::query("UPDATE certificates SET not_after = $1 WHERE serial = $2")
        .bind(yesterday.to_db())
        .bind(format!("7a{:030x}", 8))
        .execute(pool)
        .await
        .unwrap();

    let started = std::time::Instant::now();
    let held = operator::hold_contract(&app.state, "Z999", HoldAction::Suspend)
        .await
        .unwrap();
    let took = started.elapsed();
    println!(
        "contract-suspend of {held} certificates ({:?}): {:.1} ms",
        app.backend,
        took.as_secs_f64() * 1000.0
    );
    assert_eq!(held, 1001);
    let in_hold = "SELECT COUNT(*) FROM certificates c JOIN users u ON u.id = c.user_id \
                   WHERE u.contract_id = $1 AND c.suspended_at IS NOT NULL";
    let count = |sql: &'static str| {
        let app = &app;
        async move {
            let row = sqlx::query(sql)
                .bind(contract_id)
                .fetch_one(app.state.db.pool())
                .await
                .unwrap();
            sqlx::Row::get::<i64, _>(&row, 0)
        }
    };
    assert_eq!(count(in_hold).await, 1001);
    // Other contracts untouched.
    assert_eq!(
        app.scalar_i64(
            "SELECT COUNT(*) FROM certificates WHERE suspended_at IS NOT NULL",
            ""
        )
        .await,
        1001
    );
    let by_bank = "SELECT COUNT(*) FROM certificates WHERE suspended_by = $1";
    assert_eq!(app.scalar_i64(by_bank, "bank-operator").await, 1001);
    // The CRL lists the unexpired ones as certificateHold.
    let files = Files::new(&app, "user02").await;
    let crl = files.crl(&app).await;
    assert_eq!(crl.matches("Certificate Hold").count(), 1000);
    assert_eq!(
        app.audit_count("certificate_suspend", "success", None)
            .await,
        1
    );

    let started = std::time::Instant::now();
    let released = operator::hold_contract(&app.state, "Z999", HoldAction::Resume)
        .await
        .unwrap();
    println!(
        "contract-resume of {released} certificates ({:?}): {:.1} ms",
        app.backend,
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(released, 1001);
    assert_eq!(count(in_hold).await, 0);
    let crl = files.crl(&app).await;
    assert_eq!(crl.matches("Certificate Hold").count(), 0);
    // An unknown contract changes nothing and says so.
    let err = operator::hold_contract(&app.state, "NONE", HoldAction::Suspend)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("見つかりません"), "{err}");
}

async fn a_renewal_under_way_when_the_hold_lands_is_refused(app: TestApp) {
    use kanri_app::domain::register::IssuedVia;
    use kanri_app::domain::CertificateSerial;
    use kanri_app::use_cases::{authority, issuance};
    // user02's 更新 passed its checks and its new key is made (a CSR)…
    let user = kanri_app::db::users::find_by_login_id(app.state.db.pool(), &common::id("user02"))
        .await
        .unwrap()
        .unwrap();
    let old = CertificateSerial::parse(&app.certificate_serial("user02").await).unwrap();
    let dir = scratch_dir();
    let csr = dir.join("req.der");
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &dir.join("key.pem").display().to_string(),
        "-subj",
        "/CN=user02",
        "-outform",
        "DER",
        "-out",
        &csr.display().to_string(),
    ]);
    let csr = std::fs::read(&csr).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let method = issuance::KeyMethodInput::Csr(&csr).validate().unwrap();
    let now = app.state.clock.now();
    let prepared = issuance::prepare_off_runtime(&app.state, &user, method, now)
        .await
        .unwrap();
    // …when master02's hold commits: the renewal must not end the held
    // certificate and leave the new one unheld.
    let mut master02 = app.logged_in("master02").await;
    hold(&mut master02, "user02", HoldAction::Suspend).await;
    let mut tx = app.state.db.begin_write().await.unwrap();
    let signed = authority::sign_in(
        &mut tx,
        &user,
        &prepared,
        Some(&old),
        now,
        None,
        IssuedVia::Renewal,
    )
    .await
    .unwrap();
    assert!(signed.is_none(), "a held certificate was superseded");
    tx.rollback().await.unwrap();
    assert_eq!(app.certificates_of("user02").await, 1);
    assert_eq!(app.certificate_state("user02").await, "issued");
    assert_eq!(
        login(&app, None, "user02").await,
        "/login?notice=certificate.cert_suspended.user"
    );
}

async fn the_banks_hold_is_the_banks_to_release(app: TestApp) {
    // Fraud response: the bank holds every certificate of A001.
    let held = operator::hold_contract(&app.state, "A001", HoldAction::Suspend)
        .await
        .unwrap();
    assert!(held >= 4, "{held}");
    // The master user, perhaps the fraudster, cannot release any of them.
    let mut master01 = app.client();
    master01.presented = None;
    assert_eq!(
        master01.login("master01", LOGIN_PASSWORD).await.location(),
        Some("/")
    );
    let list = master01.get("/kanri/users/hold").await;
    assert!(
        list.body.contains("お取引店による一時停止中です"),
        "{}",
        list.body
    );
    assert!(
        !list.body.contains("id=\"target-logid031\""),
        "{}",
        list.body
    );
    let to = confirm(&mut master01, "logid031", HoldAction::Resume).await;
    assert_eq!(to, Err("/kanri/users/hold?error=held_by_bank".into()));
    let serial = app.certificate_serial("logid031").await;
    let to = execute(
        &mut master01,
        "logid031",
        &serial,
        HoldAction::Resume,
        CONFIRMATION_PASSWORD,
    )
    .await;
    assert_eq!(to, "/kanri/users/hold?error=held_by_bank");
    assert_eq!(
        app.audit_count("certificate_resume", "failure", Some("held_by_bank"))
            .await,
        2
    );
    // The user cannot renew meanwhile, and the bank's 再開 lets it in again.
    let der = app.certificate_der("logid031").await;
    let renewal = client_certificate::identify_with_grace(&app.state, Some(&der), 30)
        .await
        .unwrap();
    assert_eq!(renewal.unwrap_err(), CertificateRefusal::Suspended);
    let released = operator::hold_contract(&app.state, "A001", HoldAction::Resume)
        .await
        .unwrap();
    assert_eq!(released, held);
    let renewal = client_certificate::identify_with_grace(&app.state, Some(&der), 30)
        .await
        .unwrap();
    assert!(renewal.is_ok());
}
