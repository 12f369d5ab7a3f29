//! A session's request is never answered from anything older than the
//! database: whatever ends or changes a session, its user or their contract
//! on one instance applies to the very next request of that session on
//! another, on both databases. Each request reads its session anew (issue
//! 23 took out the memory that issue 14 kept); these tests fail if a stale
//! copy ever comes back.

mod common;

use common::TestApp;
use http::StatusCode;

on_both_databases!(a_logout_on_one_instance_ends_the_session_at_the_next_request_of_another);
on_both_databases!(a_kept_session_follows_its_user_and_contract_written_elsewhere);
on_both_databases!(a_screen_kept_as_html_follows_its_viewer_written_elsewhere);

/// Two requests of the session on the other instance: the second is
/// answered from what the first kept.
async fn kept_on(client: &mut common::Client, path: &str) {
    for _ in 0..2 {
        assert_eq!(client.get(path).await.status, StatusCode::OK);
    }
}

async fn a_logout_on_one_instance_ends_the_session_at_the_next_request_of_another(app: TestApp) {
    let other = app.other_instance().await;
    let mut here = app.logged_in("master01").await;
    let mut there = other.client();
    there.cookie = here.cookie.clone();
    kept_on(&mut there, "/kanri/users").await;

    let res = here.post_form("/api/logout", &[]).await;
    assert_eq!(res.location(), Some("/login?notice=logged_out"));
    assert_eq!(
        there.get("/kanri/users").await.location(),
        Some("/login?notice=session_ended")
    );
}

async fn a_kept_session_follows_its_user_and_contract_written_elsewhere(app: TestApp) {
    let other = app.other_instance().await;
    let mut there = other.client();
    there.cookie = app.logged_in("sachikodt").await.cookie;
    assert!(
        there.get("/").await.body.contains("データ専子"),
        "the demo user's name"
    );
    kept_on(&mut there, "/").await;

    // The user's name, changed by another writer than the instance that
    // kept the session: its next page says the new one.
    sqlx::query("UPDATE users SET name = $1 WHERE login_id = $2")
        .bind("データ専子（改名）")
        .bind("sachikodt")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    assert!(there.get("/").await.body.contains("データ専子（改名）"));

    // The bank turns on 電子証明書方式 for the contract through this
    // instance: the session on the other, without a certificate, is
    // refused at its next request.
    kanri_app::use_cases::operator::set_certificate_login(&app.state, "A001", true)
        .await
        .unwrap();
    assert_eq!(there.get("/").await.status, StatusCode::FORBIDDEN);
}

/// 作業内容選択 and 業務選択 are kept as HTML per viewer
/// (`components::kept_for_viewer`): a name written by another writer is on
/// the next page of the instance that kept them, the old one is not.
async fn a_screen_kept_as_html_follows_its_viewer_written_elsewhere(app: TestApp) {
    let other = app.other_instance().await;
    let mut there = other.client();
    there.cookie = app.logged_in("master01").await.cookie;
    for path in ["/kanri/users", "/kanri"] {
        kept_on(&mut there, path).await;
        assert!(there.get(path).await.body.contains("群馬 太郎"), "{path}");
    }

    let pool = app.state.db.pool();
    sqlx::query("UPDATE users SET name = $1 WHERE login_id = $2")
        .bind("群馬 次郎")
        .bind("master01")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE contracts SET name = $1 WHERE code = $2")
        .bind("株式会社群馬改称商事")
        .bind("A001")
        .execute(pool)
        .await
        .unwrap();
    for path in ["/kanri/users", "/kanri"] {
        let page = there.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("群馬 次郎"), "{path}: the new name");
        assert!(!page.body.contains("群馬 太郎"), "{path}: not the old one");
        assert!(
            page.body.contains("株式会社群馬改称商事"),
            "{path}: the new contract name"
        );
    }
}
