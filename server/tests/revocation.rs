//! 証明書失効 (issue 3): each rule of SPEC section 4 as its own test, on both
//! databases.

mod common;

use axum::http::StatusCode;
use common::{input_value, TestApp, CONFIRMATION_PASSWORD};

on_both_databases!(
    master_revokes_a_general_users_certificate_end_to_end,
    list_marks_who_can_be_selected,
    nothing_selected_gets_a_message,
    admin_is_refused_the_masters_certificate,
    general_user_is_refused,
    other_contracts_user_is_not_found,
    stale_serial_is_refused,
    wrong_confirmation_password_is_counted,
    sixth_wrong_confirmation_password_stops_it,
    stopped_confirmation_password_is_refused_unchecked,
    success_resets_the_failure_count,
    twenty_simultaneous_executes_revoke_once,
    target_users_sessions_end,
    master_sees_a_warning_before_revoking_their_own,
    expired_certificate_can_be_revoked,
    result_page_reload_changes_nothing,
);

/// Opens the confirmation screen for `target` and returns the serial it carries.
async fn confirm(client: &mut common::Client, target: &str) -> String {
    let page = client
        .get(&format!("/kanri/users/revoke/confirm?login_id={target}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("証明書失効確認") && page.body.contains("BRSK019"));
    input_value(&page.body, "serial").expect("serial on the confirmation screen")
}

async fn master_revokes_a_general_users_certificate_end_to_end(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    let menu = client.get("/kanri/users").await;
    assert!(menu.body.contains("作業内容選択") && menu.body.contains("証明書失効"));
    let list = client.get("/kanri/users/revoke").await;
    assert!(list.body.contains("BRSK018") && list.body.contains("データ専子"));

    let serial = confirm(&mut client, "sachikodt").await;
    assert_eq!(serial, app.certificate_serial("sachikodt").await);
    let res = client
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/revoke/result?login_id=sachikodt")
    );

    let result = client.get(res.location().unwrap()).await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(result.body.contains("証明書失効結果"));
    assert!(result.body.contains("失効済み"));
    assert!(result
        .body
        .contains("ID・パスワードによるログイン方式へは変更になりません"));
    assert_eq!(app.certificate_state("sachikodt").await, "revoked");
    let revoked_by = app
        .scalar_string(
            "SELECT c.revoked_by FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1 AND c.state = 'revoked'",
            "sachikodt",
        )
        .await;
    assert_eq!(revoked_by.as_deref(), Some("master01"));
    // The bank's demo revocation of revoked01 is one success row; this is the other.
    assert_eq!(
        app.audit_count("certificate_revoke", "success", None).await,
        2
    );

    let list = client.get("/kanri/users/revoke").await;
    let row = &list.body[list.body.find("データ専子").unwrap()..];
    assert!(row[..row.find("</tr>").unwrap()].contains("失効済み"));
}

async fn list_marks_who_can_be_selected(app: TestApp) {
    let mut admin = app.logged_in("admin01").await;
    let list = admin.get("/kanri/users/revoke").await;
    for selectable in ["sachikodt", "logid031", "expired01", "admin01"] {
        assert!(
            list.body.contains(&format!("value=\"{selectable}\"")),
            "{selectable} selectable"
        );
    }
    for not_selectable in ["master01", "revoked01", "noissue01"] {
        assert!(
            !list.body.contains(&format!("value=\"{not_selectable}\"")),
            "{not_selectable} not selectable"
        );
    }
    assert!(list.body.contains("マスターユーザの証明書は失効できません"));
    assert!(list.body.contains("証明書が発行されていません"));
    assert!(list.body.contains("期限間近"));
    assert!(
        !list.body.contains("master02") && !list.body.contains("榛名"),
        "no other contract"
    );
}

async fn nothing_selected_gets_a_message(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    let res = client.get("/kanri/users/revoke/confirm").await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/revoke?error=not_selected")
    );
    let list = client.get(res.location().unwrap()).await;
    assert!(list
        .body
        .contains("証明書を失効する利用者を選択してください。"));
}

async fn admin_is_refused_the_masters_certificate(app: TestApp) {
    let mut admin = app.logged_in("admin01").await;
    let res = admin
        .get("/kanri/users/revoke/confirm?login_id=master01")
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/revoke?error=not_permitted")
    );
    let serial = app.certificate_serial("master01").await;
    let res = admin
        .execute_revocation("master01", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/revoke?error=not_permitted")
    );
    assert_eq!(app.certificate_state("master01").await, "issued");
    assert_eq!(
        app.audit_count("certificate_revoke", "failure", Some("not_permitted"))
            .await,
        2
    );
}

async fn general_user_is_refused(app: TestApp) {
    let mut user = app.logged_in("logid031").await;
    let serial = app.certificate_serial("sachikodt").await;
    let res = user
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.certificate_state("sachikodt").await, "issued");
}

async fn other_contracts_user_is_not_found(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    let res = client
        .get("/kanri/users/revoke/confirm?login_id=user02")
        .await;
    assert_eq!(res.location(), Some("/kanri/users/revoke?error=not_found"));
    // The same answer as an ID that does not exist at all.
    let unknown = client
        .get("/kanri/users/revoke/confirm?login_id=nobody99")
        .await;
    assert_eq!(unknown.location(), res.location());
    let serial = app.certificate_serial("user02").await;
    let res = client
        .execute_revocation("user02", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert_eq!(res.location(), Some("/kanri/users/revoke?error=not_found"));
    // Another contract's serial against an own user is a changed certificate.
    let res = client
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/revoke?error=certificate_changed")
    );
    let result = client
        .get("/kanri/users/revoke/result?login_id=user02")
        .await;
    assert_eq!(result.status, StatusCode::NOT_FOUND);
    assert_eq!(app.certificate_state("user02").await, "issued");
    assert_eq!(app.certificate_state("sachikodt").await, "issued");
    assert_eq!(
        app.audit_count("certificate_revoke", "failure", Some("not_found"))
            .await,
        3
    );
}

async fn stale_serial_is_refused(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    let shown = confirm(&mut client, "logid031").await;
    // The bank revokes and re-issues the certificate meanwhile.
    use kanri_app::use_cases::{issuance::KeyMethod, operator};
    operator::revoke_certificate(
        &app.state,
        &common::id("logid031"),
        kanri_app::domain::RevocationReason::Unspecified,
    )
    .await
    .unwrap();
    let method = KeyMethod::ServerKey(kanri_pki::Passphrase::new("Import-Pass-01"));
    operator::issue_certificate(
        &app.state,
        &common::id("logid031"),
        method,
        app.state.clock.now(),
    )
    .await
    .unwrap();
    let res = client
        .execute_revocation("logid031", &shown, CONFIRMATION_PASSWORD)
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/revoke?error=certificate_changed")
    );
    let list = client.get(res.location().unwrap()).await;
    assert!(list.body.contains("最初からやり直してください"));
    assert_eq!(app.certificate_state("logid031").await, "issued");
    assert_eq!(
        app.audit_count("certificate_revoke", "failure", Some("certificate_changed"))
            .await,
        1
    );
}

async fn wrong_confirmation_password_is_counted(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    let serial = confirm(&mut client, "sachikodt").await;
    let res = client
        .execute_revocation("sachikodt", &serial, "Wrong-Pass-99")
        .await;
    assert_eq!(
        res.location(),
        Some("/kanri/users/revoke/confirm?login_id=sachikodt&error=wrong_password")
    );
    assert_eq!(app.confirmation_failures("master01").await, 1);
    let page = client.get(res.location().unwrap()).await;
    assert!(page.body.contains("確認用パスワードが正しくありません。"));
    assert!(page.body.contains("あと5回"));
    assert!(page
        .body
        .contains("aria-describedby=\"confirm-message attempts-left\""));
    assert_eq!(app.certificate_state("sachikodt").await, "issued");
    assert_eq!(
        app.audit_count("certificate_revoke", "failure", Some("wrong_password"))
            .await,
        1
    );
}

async fn sixth_wrong_confirmation_password_stops_it(app: TestApp) {
    let mut client = app.logged_in("admin01").await;
    let serial = confirm(&mut client, "sachikodt").await;
    for _ in 0..5 {
        let res = client
            .execute_revocation("sachikodt", &serial, "Wrong-Pass-99")
            .await;
        assert!(res.location().unwrap().ends_with("error=wrong_password"));
    }
    let sixth = client
        .execute_revocation("sachikodt", &serial, "Wrong-Pass-99")
        .await;
    assert!(
        sixth
            .location()
            .unwrap()
            .ends_with("error=password_now_stopped"),
        "{sixth:?}"
    );
    assert_eq!(
        app.scalar_i64(
            "SELECT confirmation_stopped FROM users WHERE login_id = $1",
            "admin01"
        )
        .await,
        1
    );
    let page = client.get(sixth.location().unwrap()).await;
    assert!(
        page.body.contains("利用停止")
            && page
                .body
                .contains("マスターユーザに利用停止の解除を依頼してください")
    );
}

async fn stopped_confirmation_password_is_refused_unchecked(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    let serial = confirm(&mut client, "sachikodt").await;
    for _ in 0..6 {
        client
            .execute_revocation("sachikodt", &serial, "Wrong-Pass-99")
            .await;
    }
    let failures = app.confirmation_failures("master01").await;
    // The right password is refused without being checked (the count does not move).
    let res = client
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert!(
        res.location().unwrap().ends_with("error=password_stopped"),
        "{res:?}"
    );
    assert_eq!(app.confirmation_failures("master01").await, failures);
    assert_eq!(app.certificate_state("sachikodt").await, "issued");
    let page = client.get(res.location().unwrap()).await;
    assert!(
        page.body
            .contains("お取引店に利用停止の解除を依頼してください"),
        "master's releaser is the bank"
    );
    assert_eq!(
        app.audit_count("certificate_revoke", "failure", Some("password_stopped"))
            .await,
        1
    );
}

async fn success_resets_the_failure_count(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    let serial = confirm(&mut client, "sachikodt").await;
    for _ in 0..3 {
        client
            .execute_revocation("sachikodt", &serial, "Wrong-Pass-99")
            .await;
    }
    assert_eq!(app.confirmation_failures("master01").await, 3);
    client.revoke("sachikodt", &serial).await;
    assert_eq!(app.confirmation_failures("master01").await, 0);
}

async fn twenty_simultaneous_executes_revoke_once(app: TestApp) {
    let client = app.logged_in("master01").await;
    let serial = app.certificate_serial("logid031").await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let mut c = client.clone();
        let serial = serial.clone();
        tasks.push(tokio::spawn(async move {
            c.execute_revocation("logid031", &serial, CONFIRMATION_PASSWORD)
                .await
        }));
    }
    let mut successes = 0;
    let mut already = 0;
    for task in tasks {
        let res = task.await.unwrap();
        assert!(!res.status.is_server_error(), "{res:?}");
        match res.location() {
            Some(l) if l.starts_with("/kanri/users/revoke/result") => successes += 1,
            Some(l) if l.ends_with("error=already_revoked") => already += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(successes, 1, "exactly one execute revokes");
    assert_eq!(already, 19, "the others are told it is already 失効済み");
    let rows = app
        .scalar_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'certificate_revoke' AND outcome = 'success' AND target LIKE $1", "logid031%")
        .await;
    assert_eq!(rows, 1, "exactly one success row in 操作履歴");
}

async fn target_users_sessions_end(app: TestApp) {
    let mut target = app.logged_in("sachikodt").await;
    let mut target_other_tab = app.logged_in("sachikodt").await;
    assert_eq!(target.get("/").await.status, StatusCode::OK);
    let mut master = app.logged_in("master01").await;
    let serial = confirm(&mut master, "sachikodt").await;
    master
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert_eq!(
        target.get("/").await.location(),
        Some("/login?notice=session_ended")
    );
    assert_eq!(
        target_other_tab.get("/").await.location(),
        Some("/login?notice=session_ended")
    );
    assert_eq!(
        master.get("/").await.status,
        StatusCode::OK,
        "the actor stays logged in"
    );
}

async fn master_sees_a_warning_before_revoking_their_own(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let page = master
        .get("/kanri/users/revoke/confirm?login_id=master01")
        .await;
    assert!(page
        .body
        .contains("ご自身（マスターユーザ）の証明書を失効しようとしています"));
    let serial = input_value(&page.body, "serial").unwrap();
    let result = master.revoke("master01", &serial).await;
    // Their own session survives to show the result.
    assert_eq!(master.get(&result).await.status, StatusCode::OK);
    let other = master
        .get("/kanri/users/revoke/confirm?login_id=sachikodt")
        .await;
    assert!(
        !other.body.contains("ご自身（マスターユーザ）"),
        "no warning for others"
    );
}

async fn expired_certificate_can_be_revoked(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let serial = confirm(&mut master, "expired01").await;
    master.revoke("expired01", &serial).await;
    assert_eq!(app.certificate_state("expired01").await, "revoked");
    // A revoked or never-issued certificate cannot be selected.
    for login in ["revoked01", "noissue01"] {
        let res = master
            .get(&format!("/kanri/users/revoke/confirm?login_id={login}"))
            .await;
        assert!(res.location().unwrap().contains("error="), "{login}");
    }
}

async fn result_page_reload_changes_nothing(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let serial = confirm(&mut master, "sachikodt").await;
    let res = master
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    let rows_before = app
        .scalar_i64("SELECT COUNT(*) FROM audit_log WHERE actor <> $1", "")
        .await;
    for _ in 0..3 {
        let page = master.get(res.location().unwrap()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("失効済み"));
    }
    // Back to the confirmation screen: no error page, sent back to the list.
    let back = master
        .get("/kanri/users/revoke/confirm?login_id=sachikodt")
        .await;
    assert_eq!(
        back.location(),
        Some("/kanri/users/revoke?error=already_revoked")
    );
    // Re-posting the old form is told it is already 失効済み.
    let again = master
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert_eq!(
        again.location(),
        Some("/kanri/users/revoke?error=already_revoked")
    );
    assert_eq!(
        app.audit_count("certificate_revoke", "success", None).await,
        2
    );
    let rows_after = app
        .scalar_i64("SELECT COUNT(*) FROM audit_log WHERE actor <> $1", "")
        .await;
    assert_eq!(
        rows_after,
        rows_before + 2,
        "only the two refusals were recorded"
    );
}
