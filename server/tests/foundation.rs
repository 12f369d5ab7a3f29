//! Login, sessions, roles and schema rules (issue 2), on both databases.

mod common;

use axum::http::{Method, StatusCode};
use chrono::Duration as ChronoDuration;
use common::{assert_refused_by, Backend, TestApp, LOGIN_PASSWORD};

on_both_databases!(
    login_succeeds_and_home_shows_name_and_previous_login,
    wrong_password_and_unknown_id_get_the_same_answer,
    sixth_wrong_login_password_stops_it,
    session_id_is_rotated_at_login,
    logout_ends_the_session_on_the_server,
    general_user_is_refused_every_admin_route,
    general_user_is_refused_every_admin_server_function,
    anonymous_user_is_sent_to_login,
    a_session_ended_on_the_server_is_told_so,
    idle_timeout_ends_the_session,
    absolute_lifetime_ends_an_active_session,
    activity_moves_the_idle_deadline_without_a_write_per_request,
    a_wrong_login_password_is_labelled_as_one_in_the_history,
    demo_data_is_loaded_once_and_as_specified,
    schema_refuses_a_second_master,
    schema_refuses_a_second_issued_certificate,
    schema_refuses_update_and_delete_of_audit_rows,
    cross_origin_post_is_refused,
    bad_form_input_gets_400_not_500,
);

async fn login_succeeds_and_home_shows_name_and_previous_login(app: TestApp) {
    let mut client = app.client();
    let res = client.login("master01", LOGIN_PASSWORD).await;
    assert_eq!(res.status, StatusCode::FOUND);
    assert_eq!(res.location(), Some("/"));
    let cookie = res
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("群馬 太郎"));
    assert!(home.body.contains("初めてのログインです"));
    assert!(home.body.contains("href=\"/kanri\""), "master sees 管理");
    assert!(home.body.contains("デモモード"));
    assert_eq!(app.audit_count("login", "success", None).await, 1);

    // Second login: 前回ログイン日時 is the first one, in Japan time.
    let mut again = app.client();
    again.login("master01", LOGIN_PASSWORD).await;
    let home = again.get("/").await;
    assert!(
        home.body.contains("時")
            && home.body.contains("秒")
            && !home.body.contains("初めてのログインです")
    );
}

async fn wrong_password_and_unknown_id_get_the_same_answer(app: TestApp) {
    let mut client = app.client();
    let wrong_password = client.login("master01", "Wrong-Pass-99").await;
    let unknown_id = client.login("nobody99", LOGIN_PASSWORD).await;
    let malformed = client.login("<script>", LOGIN_PASSWORD).await;
    assert_eq!(wrong_password.location(), Some("/login?notice=invalid"));
    assert_eq!(unknown_id.location(), wrong_password.location());
    assert_eq!(malformed.location(), wrong_password.location());
    assert!(client.cookie.is_none(), "no session after failed logins");
    let page = client.get("/login?notice=invalid").await;
    assert!(page
        .body
        .contains("ログインIDまたはログインパスワードが正しくありません。"));
    assert_eq!(app.audit_count("login", "failure", None).await, 3);
}

async fn sixth_wrong_login_password_stops_it(app: TestApp) {
    let mut client = app.client();
    for attempt in 1..=5 {
        let res = client.login("sachikodt", "Wrong-Pass-99").await;
        assert_eq!(
            res.location(),
            Some("/login?notice=invalid"),
            "attempt {attempt}"
        );
    }
    let sixth = client.login("sachikodt", "Wrong-Pass-99").await;
    assert_eq!(sixth.location(), Some("/login?notice=stopped"));
    // Now even the right password is refused, unchecked.
    let right = client.login("sachikodt", LOGIN_PASSWORD).await;
    assert_eq!(right.location(), Some("/login?notice=stopped"));
    assert!(client.cookie.is_none());
    assert_eq!(
        app.scalar_i64(
            "SELECT login_stopped FROM users WHERE login_id = $1",
            "sachikodt"
        )
        .await,
        1
    );
    assert_eq!(
        app.audit_count("login", "failure", Some("login_password_stopped"))
            .await,
        1
    );

    // The bank releases it; the right password works again.
    kanri_app::use_cases::operator::release_password(
        &app.state,
        &common::id("sachikodt"),
        kanri_app::domain::PasswordKind::Login,
    )
    .await
    .unwrap();
    assert_eq!(
        client.login("sachikodt", LOGIN_PASSWORD).await.location(),
        Some("/")
    );
}

async fn session_id_is_rotated_at_login(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    let first = client.cookie.clone().unwrap();
    let res = client.login("master01", LOGIN_PASSWORD).await;
    assert_eq!(res.location(), Some("/"));
    let second = client.cookie.clone().unwrap();
    assert_ne!(first, second, "a login must issue a new session ID");
    // The old ID is dead on the server.
    let mut old = app.client();
    old.cookie = Some(first);
    assert_eq!(
        old.get("/").await.location(),
        Some("/login?notice=session_ended")
    );
}

async fn logout_ends_the_session_on_the_server(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    let cookie = client.cookie.clone();
    let res = client.post_form("/api/logout", &[]).await;
    assert_eq!(res.location(), Some("/login?notice=logged_out"));
    assert_eq!(app.audit_count("logout", "success", None).await, 1);
    // Replaying the old cookie does not bring the session back.
    let mut replay = app.client();
    replay.cookie = cookie;
    assert_eq!(
        replay.get("/").await.location(),
        Some("/login?notice=session_ended")
    );
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM sessions WHERE data <> $1", "")
            .await,
        0
    );
}

const ADMIN_ROUTES: [&str; 8] = [
    "/kanri",
    "/kanri/users",
    "/kanri/users/status",
    "/kanri/history",
    "/kanri/history.csv",
    "/kanri/users/revoke",
    "/kanri/users/revoke/confirm?login_id=logid031",
    "/kanri/users/revoke/result?login_id=logid031",
];

async fn general_user_is_refused_every_admin_route(app: TestApp) {
    let mut client = app.logged_in("sachikodt").await;
    let home = client.get("/").await;
    assert!(
        !home.body.contains("href=\"/kanri\""),
        "no 管理 menu for a general user"
    );
    for route in ADMIN_ROUTES {
        let res = client.get(route).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{route}");
        assert!(
            res.body.contains("この画面を利用する権限がありません。"),
            "{route}"
        );
    }
    // Admin and master reach them.
    let mut admin = app.logged_in("admin01").await;
    assert_eq!(
        admin.get("/kanri/users/revoke").await.status,
        StatusCode::OK
    );
}

async fn general_user_is_refused_every_admin_server_function(app: TestApp) {
    let mut client = app.logged_in("sachikodt").await;
    let serial = app.certificate_serial("logid031").await;
    let no_filter = vec![
        ("from", ""),
        ("to", ""),
        ("user", ""),
        ("action", ""),
        ("page", ""),
    ];
    let calls: [(&str, Vec<(&str, &str)>); 7] = [
        ("/api/administrator", vec![]),
        (
            "/api/certificate_overview",
            vec![("sort", ""), ("dir", ""), ("page", "")],
        ),
        ("/api/audit_history", no_filter),
        ("/api/revocation_candidates", vec![]),
        (
            "/api/revocation_confirmation",
            vec![("login_id", "logid031")],
        ),
        ("/api/revocation_result", vec![("login_id", "logid031")]),
        (
            "/api/revoke_certificate",
            vec![
                ("login_id", "logid031"),
                ("serial", serial.as_str()),
                ("confirmation_password", common::CONFIRMATION_PASSWORD),
            ],
        ),
    ];
    for (path, fields) in calls {
        let json = client
            .send(Method::POST, path, Some(&fields), "application/json")
            .await;
        assert_eq!(json.status, StatusCode::FORBIDDEN, "{path} (fetch)");
        let form = client.post_form(path, &fields).await;
        assert_eq!(form.status, StatusCode::FORBIDDEN, "{path} (form)");
        assert!(form.body.contains("権限がありません"), "{path}");
    }
    assert_eq!(app.certificate_state("logid031").await, "issued");
}

async fn anonymous_user_is_sent_to_login(app: TestApp) {
    let mut client = app.client();
    for route in ["/"].into_iter().chain(ADMIN_ROUTES) {
        let res = client.get(route).await;
        // A visitor who never logged in is not told that a session ended,
        // and gets a redirect that browsers follow (not a 401).
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{route}");
        assert_eq!(res.location(), Some("/login"), "{route}");
    }
    let res = client
        .send(
            Method::POST,
            "/api/revocation_candidates",
            Some(&[]),
            "application/json",
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let login = client.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("ログインID") && login.body.contains("ログインパスワード"));
    assert!(!login.body.contains("セッションが終了"));
}

async fn a_session_ended_on_the_server_is_told_so(app: TestApp) {
    for route in ["/", "/kanri/history.csv"].into_iter().chain(ADMIN_ROUTES) {
        let mut client = app.logged_in("master01").await;
        sqlx::query("DELETE FROM sessions")
            .execute(app.state.db.pool())
            .await
            .unwrap();
        let res = client.get(route).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{route}");
        assert_eq!(
            res.location(),
            Some("/login?notice=session_ended"),
            "{route}"
        );
        // The cookie is gone with the session: the next request is a visitor's.
        assert_eq!(
            client.get(route).await.location(),
            Some("/login"),
            "{route}"
        );
    }
}

async fn demo_data_is_loaded_once_and_as_specified(app: TestApp) {
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM users WHERE login_id <> $1", "")
            .await,
        9
    );
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM contracts WHERE code <> $1", "")
            .await,
        2
    );
    assert!(
        !kanri_app::use_cases::demo::load(&app.state).await.unwrap(),
        "second load does nothing"
    );
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM users WHERE login_id <> $1", "")
            .await,
        9
    );
    for (login, state) in [
        ("master01", "issued"),
        ("admin01", "issued"),
        ("expired01", "issued"),
        ("revoked01", "revoked"),
    ] {
        assert_eq!(app.certificate_state(login).await, state, "{login}");
    }
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1", "noissue01").await,
        0
    );
    let cn = app
        .scalar_string("SELECT subject_cn FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1", "logid031")
        .await
        .unwrap();
    assert!(
        cn.starts_with("logid031.A001.") && cn.len() == "logid031.A001.".len() + 20,
        "{cn}"
    );
    // admin01's certificate shows as 期限間近 on their home page.
    let mut admin = app.logged_in("admin01").await;
    let home = admin.get("/").await;
    assert!(home.body.contains("電子証明書の有効期限のお知らせ"));
    assert!(
        home.body.contains("残り24日") || home.body.contains("残り25日"),
        "{}",
        home.body
    );
}

async fn schema_refuses_a_second_master(app: TestApp) {
    let pool = app.state.db.pool();
    let contract_id = app
        .scalar_i64("SELECT id FROM contracts WHERE code = $1", "A001")
        .await;
    let res = sqlx::query(
        "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
         VALUES ($1, 'master99', 'x', 'master', 'x@example.jp', 'h', 'h2', '2026-01-01T00:00:00.000000Z')",
    )
    .bind(contract_id)
    .execute(pool)
    .await;
    assert_refused_by(
        &app,
        res,
        "users_one_master_per_contract",
        "UNIQUE constraint failed: users.contract_id",
    );
    // Demoting or deleting the master is refused too.
    let demote = sqlx::query("UPDATE users SET role = 'admin' WHERE login_id = 'master01'")
        .execute(pool)
        .await;
    assert_refused_by(&app, demote, "users_keep_master", "users_keep_master");
    let delete = sqlx::query("DELETE FROM users WHERE login_id = 'master01'")
        .execute(pool)
        .await;
    assert_refused_by(&app, delete, "users_keep_master", "users_keep_master");
}

async fn schema_refuses_a_second_issued_certificate(app: TestApp) {
    let user_id = app
        .scalar_i64("SELECT id FROM users WHERE login_id = $1", "logid031")
        .await;
    let res = sqlx::query(
        "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, not_after, state) \
         VALUES ($1, '0123456789abcdef0123456789abcdef', 'o', 'ou', 'cn', '2026-01-01T00:00:00.000000Z', '2027-01-01T00:00:00.000000Z', 'issued')",
    )
    .bind(user_id)
    .execute(app.state.db.pool())
    .await;
    assert_refused_by(
        &app,
        res,
        "certificates_one_issued_per_user",
        "UNIQUE constraint failed: certificates.user_id",
    );
    // A revoked row without its time and operator is refused as well.
    let half = sqlx::query("UPDATE certificates SET state = 'revoked' WHERE user_id = $1")
        .bind(user_id)
        .execute(app.state.db.pool())
        .await;
    assert_refused_by(
        &app,
        half,
        "certificates_revocation_complete",
        "CHECK constraint failed: certificates_revocation_complete",
    );
}

async fn schema_refuses_update_and_delete_of_audit_rows(app: TestApp) {
    let pool = app.state.db.pool();
    let before = app
        .scalar_i64("SELECT COUNT(*) FROM audit_log WHERE actor <> $1", "")
        .await;
    assert!(before > 0);
    let update = sqlx::query("UPDATE audit_log SET outcome = 'success'")
        .execute(pool)
        .await;
    assert_refused_by(
        &app,
        update,
        "audit_log_append_only",
        "audit_log_append_only",
    );
    let delete = sqlx::query("DELETE FROM audit_log").execute(pool).await;
    assert_refused_by(
        &app,
        delete,
        "audit_log_append_only",
        "audit_log_append_only",
    );
    assert_eq!(
        app.scalar_i64("SELECT COUNT(*) FROM audit_log WHERE actor <> $1", "")
            .await,
        before
    );
}

async fn cross_origin_post_is_refused(app: TestApp) {
    let client = app.client();
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/login")
        .header("origin", "https://evil.example")
        .header("host", "127.0.0.1:3000")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(
            "login_id=master01&password=Login-Pass-01",
        ))
        .unwrap();
    use tower::ServiceExt;
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    drop(client);
    assert_eq!(app.audit_count("login", "success", None).await, 0);
}

async fn bad_form_input_gets_400_not_500(app: TestApp) {
    let mut client = app.client();
    // Missing field, repeated field, NUL, control characters, a long value.
    let long = "x".repeat(10_000);
    let cases: [Vec<(&str, &str)>; 4] = [
        vec![("login_id", "master01")],
        vec![
            ("login_id", "master01"),
            ("login_id", "master02"),
            ("password", "x"),
        ],
        vec![("login_id", "mas\0ter01"), ("password", "\u{1}\n")],
        vec![("login_id", long.as_str()), ("password", long.as_str())],
    ];
    for fields in cases {
        let res = client.post_form("/api/login", &fields).await;
        assert!(!res.status.is_server_error(), "{fields:?}: {}", res.status);
    }
    let huge = "y".repeat(200_000);
    let res = client
        .post_form(
            "/api/login",
            &[("login_id", "master01"), ("password", huge.as_str())],
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.body.contains("送信された内容が大きすぎます"));
    assert_eq!(app.audit_count("login", "success", None).await, 0);
}

const ENDED: Option<&str> = Some("/login?notice=session_ended");

async fn idle_timeout_ends_the_session(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    app.state.clock.advance(ChronoDuration::minutes(14));
    assert_eq!(client.get("/").await.status, StatusCode::OK);
    app.state.clock.advance(ChronoDuration::minutes(16));
    assert_eq!(client.get("/").await.location(), ENDED);
}

async fn absolute_lifetime_ends_an_active_session(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    // Activity every 10 minutes for 7 h 50 min does not extend the 8 hours.
    for _ in 0..47 {
        app.state.clock.advance(ChronoDuration::minutes(10));
        assert_eq!(client.get("/").await.status, StatusCode::OK);
    }
    app.state.clock.advance(ChronoDuration::minutes(11));
    assert_eq!(client.get("/").await.location(), ENDED);
}

#[tokio::test]
async fn browser_fetch_metadata_decides_cross_origin_writes() {
    use tower::ServiceExt;
    let app = TestApp::start(Backend::Sqlite, |_| {}).await.unwrap();
    let post = |site: Option<&str>, origin: Option<&str>| {
        let mut req = axum::http::Request::builder()
            .method(Method::POST)
            .uri("/api/logout")
            .header("host", "127.0.0.1:3000")
            .header("accept", "text/html");
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
        }
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        req.body(axum::body::Body::empty()).unwrap()
    };
    // Chromium's own form post under Referrer-Policy: no-referrer.
    for (site, origin, allowed) in [
        (Some("same-origin"), Some("null"), true),
        (Some("none"), None, true),
        (Some("cross-site"), Some("https://evil.example"), false),
        (
            Some("same-site"),
            Some("http://other.127.0.0.1:3000"),
            false,
        ),
        (None, Some("http://127.0.0.1:3000"), true),
        (None, Some("null"), false),
        (None, None, true),
    ] {
        let res = app
            .router
            .clone()
            .oneshot(post(site, origin))
            .await
            .unwrap();
        assert_eq!(
            res.status() != StatusCode::FORBIDDEN,
            allowed,
            "{site:?} {origin:?}"
        );
    }
}

async fn activity_moves_the_idle_deadline_without_a_write_per_request(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    // Active for twice the idle timeout: still logged in.
    for _ in 0..6 {
        app.state.clock.advance(ChronoDuration::minutes(5));
        assert_eq!(client.get("/").await.status, StatusCode::OK);
    }
    // Two requests in quick succession: the second does not write the session.
    let before = app
        .scalar_string("SELECT expires_at FROM sessions WHERE id <> $1", "")
        .await;
    client.get("/").await;
    let after = app
        .scalar_string("SELECT expires_at FROM sessions WHERE id <> $1", "")
        .await;
    assert_eq!(before, after);
    app.state.clock.advance(ChronoDuration::minutes(16));
    assert_eq!(client.get("/").await.location(), ENDED);
}

async fn a_wrong_login_password_is_labelled_as_one_in_the_history(app: TestApp) {
    let mut client = app.client();
    let res = client.login("admin01", "Wrong-Pass-99").await;
    assert_eq!(res.location(), Some("/login?notice=invalid"));
    let mut master = app.logged_in("master01").await;
    let history = master.get("/kanri/history?user=admin01&action=login").await;
    assert!(
        history.body.contains("失敗（ログインパスワード誤り）"),
        "{}",
        history.body
    );
    assert!(!history.body.contains("確認用パスワード誤り"));
}
