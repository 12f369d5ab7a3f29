//! 証明書発行履歴 (issue 26): every certificate ever issued to the
//! contract's users, its CSV, and nothing of another contract's.

mod common;

use axum::http::StatusCode;
use common::TestApp;

on_both_databases!(
    the_register_lists_the_contracts_certificates_and_no_others,
    the_register_csv_is_the_same_rows_for_a_spreadsheet,
);

async fn the_register_lists_the_contracts_certificates_and_no_others(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let menu = master.get("/kanri").await;
    assert!(
        menu.body.contains("/kanri/certificates"),
        "linked from 業務選択"
    );
    let page = master.get("/kanri/certificates").await;
    assert_eq!(page.status, StatusCode::OK);
    // A001's demo certificates, made by the bank's demo load.
    for login_id in ["admin01", "sachikodt", "expired01", "revoked01"] {
        assert!(
            page.body.contains(&format!(">{login_id}</a>")),
            "{login_id}"
        );
    }
    assert!(page.body.contains("お取引店"), "how it was made");
    assert!(page.body.contains("有効期限切れ") && page.body.contains("失効済み"));
    // Each row opens the user's 操作履歴.
    assert!(page
        .body
        .contains("/kanri/history?from=&amp;to=&amp;user=admin01"));
    let serial = app.certificate_serial("admin01").await;
    assert!(page.body.contains(&serial));
    // Another contract's users and certificates: never, not even by name.
    let theirs = app.certificate_serial("master02").await;
    assert!(!page.body.contains("master02") && !page.body.contains(&theirs));
    let asked = master.get("/kanri/certificates?user=master02").await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(!asked.body.contains(&theirs));
    assert!(asked.body.contains("この契約にいません"));

    // One user's certificates.
    let one = master.get("/kanri/certificates?user=admin01").await;
    assert!(one.body.contains(&serial));
    assert!(!one.body.contains(">sachikodt</a>"));

    // A general user sees no register.
    let mut general = app.logged_in("sachikodt").await;
    let refused = general.get("/kanri/certificates.csv").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = general.get("/kanri/certificates").await;
    assert!(!refused.body.contains(&serial));
}

async fn the_register_csv_is_the_same_rows_for_a_spreadsheet(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let csv = master.get("/kanri/certificates.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with(
        "\u{FEFF}ログインID,Common Name,シリアル番号,発行日時,有効期限,発行方法,状態\r\n"
    ));
    let serial = app.certificate_serial("admin01").await;
    assert!(csv.body.contains("\"admin01\",\"admin01.A001."));
    assert!(csv.body.contains(&format!("\"{serial}\"")));
    assert!(csv.body.contains("\"お取引店\""));
    assert!(!csv.body.contains("master02"));
    let rows = csv.body.matches("\r\n").count() - 1;
    let page = master.get("/kanri/certificates").await;
    assert!(
        page.body.contains(&format!("発行した証明書（{rows}件）")),
        "the same rows as the screen"
    );
    let one = master.get("/kanri/certificates.csv?user=admin01").await;
    assert!(one.body.contains(&serial) && !one.body.contains("sachikodt"));
}
