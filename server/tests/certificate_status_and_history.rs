//! 証明書状態照会 and 操作履歴照会 (issue 4), on both databases.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, CONFIRMATION_PASSWORD};

on_both_databases!(
    overview_counts_match_the_demo_data,
    overview_sorts_by_each_column,
    overview_pages_a_large_contract,
    history_shows_the_contract_newest_first_and_filters,
    history_keeps_to_the_last_hundred_days,
    history_pages,
    history_csv_is_utf8_with_bom_and_filtered,
    revocation_reasons_are_shown_in_japanese,
);

fn cell_after<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).unwrap();
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest.find('<').unwrap();
    &rest[start..end]
}

/// The order in which login IDs appear in a page.
fn order_of(html: &str, ids: &[&str]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = ids
        .iter()
        .filter_map(|id| {
            html.find(&format!("<td>{id}</td>"))
                .map(|at| (at, id.to_string()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, id)| id).collect()
}

async fn overview_counts_match_the_demo_data(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let page = master.get("/kanri/users/status").await;
    assert_eq!(page.status, StatusCode::OK);
    // A001: master01, admin01 (期限間近), sachikodt, logid031 issued; expired01; revoked01; noissue01.
    assert_eq!(cell_after(&page.body, "count-issued"), "4");
    assert_eq!(cell_after(&page.body, "count-expiring"), "1");
    assert_eq!(cell_after(&page.body, "count-expired"), "1");
    assert_eq!(cell_after(&page.body, "count-revoked"), "1");
    assert_eq!(cell_after(&page.body, "count-not-issued"), "1");
    assert!(
        page.body.contains("⚠ 発行済み（期限間近）"),
        "期限間近 marked in words"
    );
    assert!(page.body.contains("✕ 有効期限切れ"));
    assert!(page.body.contains("残り24日") || page.body.contains("残り25日"));
    assert!(!page.body.contains("master02"), "only the own contract");
}

/// Issue 26: 期限間近 and ホーム's notice open with the bank's first
/// reminder (KANRI_EXPIRY_REMINDER_DAYS), not at a fixed 40 days. admin01's
/// certificate has 24 or 25 days left: inside 40, outside 20, inside 30.
#[tokio::test]
async fn the_expiring_window_follows_the_first_reminder() {
    for (reminders, expiring) in [(vec![20, 5], false), (vec![10, 30], true)] {
        let first = *reminders.iter().max().unwrap();
        let app = TestApp::start(Backend::Sqlite, |c| c.expiry_reminder_days = reminders)
            .await
            .unwrap();
        let mut master = app.logged_in("master01").await;
        let page = master.get("/kanri/users/status").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            cell_after(&page.body, "count-expiring"),
            if expiring { "1" } else { "0" },
            "reminders at {first}"
        );
        assert!(
            page.body
                .contains(&format!("有効期限まで{first}日以内です")),
            "the hint says {first} days"
        );
        let mut admin = app.logged_in("admin01").await;
        let home = admin.get("/").await;
        assert_eq!(
            home.body.contains("有効期限が切れる前に"),
            expiring,
            "ホーム's notice with reminders at {first}"
        );
    }
}

async fn overview_sorts_by_each_column(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let ids = [
        "admin01",
        "expired01",
        "logid031",
        "master01",
        "noissue01",
        "revoked01",
        "sachikodt",
    ];
    let by_id = master
        .get("/kanri/users/status?sort=login_id&dir=asc")
        .await;
    assert_eq!(order_of(&by_id.body, &ids), ids);
    let by_id_desc = master
        .get("/kanri/users/status?sort=login_id&dir=desc")
        .await;
    let mut reversed = ids.to_vec();
    reversed.reverse();
    assert_eq!(order_of(&by_id_desc.body, &ids), reversed);
    // Default: by 有効期限, soonest first; no live certificate last.
    let by_expiry = master.get("/kanri/users/status").await;
    assert_eq!(
        order_of(&by_expiry.body, &ids),
        [
            "expired01",
            "admin01",
            "logid031",
            "master01",
            "sachikodt",
            "noissue01",
            "revoked01"
        ]
    );
    assert!(by_expiry.body.contains("aria-sort=\"ascending\""));
    let by_status = master.get("/kanri/users/status?sort=status").await;
    let order = order_of(&by_status.body, &ids);
    assert_eq!(&order[..2], ["expired01", "admin01"]);
    assert_eq!(&order[5..], ["revoked01", "noissue01"]);
    let by_role = master.get("/kanri/users/status?sort=role&dir=asc").await;
    assert_eq!(
        order_of(&by_role.body, &ids)[0],
        "master01",
        "マスターユーザ sorts first by its label"
    );
    for sort in ["name", "bogus"] {
        assert_eq!(
            master
                .get(&format!("/kanri/users/status?sort={sort}&page=-3"))
                .await
                .status,
            StatusCode::OK
        );
    }
}

async fn overview_pages_a_large_contract(app: TestApp) {
    // 120 more users in A001: three pages of 50.
    let contract_id = app
        .scalar_i64("SELECT id FROM contracts WHERE code = $1", "A001")
        .await;
    for i in 0..120 {
        sqlx::query(
            "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
             VALUES ($1, $2, $3, 'general', 'x@example.jp', 'h', 'h2', '2026-01-01T00:00:00.000000Z')",
        )
        .bind(contract_id)
        .bind(format!("bulk{i:04}"))
        .bind(format!("一括 {i}"))
        .execute(app.state.db.pool())
        .await
        .unwrap();
    }
    let mut master = app.logged_in("master01").await;
    let first = master.get("/kanri/users/status?sort=login_id").await;
    assert!(first.body.contains("1 / 3 ページ"));
    assert_eq!(cell_after(&first.body, "count-not-issued"), "121");
    let third = master.get("/kanri/users/status?sort=login_id&page=3").await;
    assert!(third.body.contains("3 / 3 ページ"));
    // Three <tr> are headers (two of the counts table, one of the list).
    assert_eq!(
        third.body.matches("<tr").count() - 3,
        127 - 100,
        "the rest on the last page"
    );
    assert!(third.body.contains("<td>bulk0119</td>") && !third.body.contains("<td>bulk0098</td>"));
}

async fn history_shows_the_contract_newest_first_and_filters(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let serial = app.certificate_serial("sachikodt").await;
    master
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    let mut other = app.logged_in("master02").await;
    other.get("/").await;

    let page = master.get("/kanri/history").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("証明書失効") && page.body.contains("sachikodt"));
    assert!(
        !page.body.contains("master02"),
        "another contract's history is not shown"
    );
    // Newest first: the revocation comes before master01's login.
    let revoke_at = page.body.find("<td>証明書失効</td>").unwrap();
    let login_at = page.body.find("<td>ログイン</td>").unwrap();
    assert!(revoke_at < login_at);

    let only_revocations = master.get("/kanri/history?action=certificate_revoke").await;
    assert!(!only_revocations.body.contains("<td>ログイン</td>"));
    assert!(only_revocations.body.contains("<td>証明書失効</td>"));
    let only_admin = master.get("/kanri/history?user=admin01").await;
    assert!(only_admin.body.contains("該当する操作履歴はありません。"));
    let bad = master
        .get("/kanri/history?from=yesterday&to=2026/01/01")
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("YYYY-MM-DD の形式で入力してください"));
}

async fn history_keeps_to_the_last_hundred_days(app: TestApp) {
    for (days_ago, target) in [(99, "recent-row"), (101, "old-row")] {
        let at =
            kanri_app::domain::Timestamp(chrono::Utc::now() - chrono::Duration::days(days_ago));
        sqlx::query(
            "INSERT INTO audit_log (occurred_at, actor, contract_code, action, target, outcome) VALUES ($1, 'master01', 'A001', 'login', $2, 'success')",
        )
        .bind(at.to_db())
        .bind(target)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    }
    let mut master = app.logged_in("master01").await;
    let page = master.get("/kanri/history").await;
    assert!(page.body.contains("recent-row"));
    assert!(!page.body.contains("old-row"));
    let asked_older = master.get("/kanri/history?from=2000-01-01").await;
    assert!(!asked_older.body.contains("old-row"));
    assert!(asked_older.body.contains("過去100日分を表示します"));
}

async fn history_pages(app: TestApp) {
    for i in 0..60 {
        sqlx::query(
            "INSERT INTO audit_log (occurred_at, actor, contract_code, action, target, outcome) VALUES ($1, 'master01', 'A001', 'logout', $2, 'success')",
        )
        .bind(kanri_app::domain::Timestamp(chrono::Utc::now() - chrono::Duration::minutes(i)).to_db())
        .bind(format!("row-{i:03}"))
        .execute(app.state.db.pool())
        .await
        .unwrap();
    }
    let mut master = app.logged_in("master01").await;
    let first = master.get("/kanri/history?action=logout").await;
    assert!(first.body.contains("操作履歴（60件）") && first.body.contains("1 / 2 ページ"));
    assert!(first.body.contains("row-000") && !first.body.contains("row-055"));
    let second = master.get("/kanri/history?action=logout&page=2").await;
    assert!(second.body.contains("row-055") && !second.body.contains("row-000"));
}

async fn history_csv_is_utf8_with_bom_and_filtered(app: TestApp) {
    let mut master = app.logged_in("master01").await;
    let serial = app.certificate_serial("sachikodt").await;
    master
        .execute_revocation("sachikodt", &serial, "Wrong-Pass-99")
        .await;
    master
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    let res = master
        .get("/kanri/history.csv?action=certificate_revoke")
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(res
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert!(res
        .body
        .starts_with("\u{FEFF}日時,利用者,操作内容,対象,結果,連番,ハッシュ,検証用データ\r\n"));
    let lines: Vec<&str> = res.body.trim_end().split("\r\n").collect();
    // The bank's demo revocation is in A001's history as well.
    assert_eq!(lines.len(), 1 + 3, "{lines:?}");
    assert!(
        lines[1].contains("\"master01\",\"証明書失効\"") && lines[1].contains("\"成功\""),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("\"失敗（確認用パスワード誤り）\""),
        "{}",
        lines[2]
    );
    assert!(
        lines[1].contains("年") && lines[1].contains("秒"),
        "Japan time"
    );
    assert!(!res.body.contains("master02"));
    // A repeated or odd query is not an error.
    assert_eq!(
        master
            .get("/kanri/history.csv?action=login&action=logout&from=x")
            .await
            .status,
        StatusCode::OK
    );
}

async fn revocation_reasons_are_shown_in_japanese(app: TestApp) {
    kanri_app::use_cases::operator::revoke_certificate(
        &app.state,
        &common::id("logid031"),
        kanri_app::domain::RevocationReason::KeyCompromise,
    )
    .await
    .unwrap();
    let mut master = app.logged_in("master01").await;
    let overview = master.get("/kanri/users/status?sort=login_id").await;
    assert!(
        overview.body.contains("失効済み（鍵の危殆化）"),
        "{}",
        overview.body
    );
    assert!(
        overview.body.contains("失効済み（理由指定なし）"),
        "revoked01 of the demo"
    );
    let history = master.get("/kanri/history?action=certificate_revoke").await;
    assert!(
        history.body.contains("理由: 鍵の危殆化"),
        "{}",
        history.body
    );
}
