//! Security and reliability checks (issue 5) that drive the router directly:
//! headers, throttling, client addresses, and generated hostile input.
//! The real-server checks (load with SIGKILL, logs, SIGTERM) are in `load.rs`.

mod common;

use axum::http::{Method, StatusCode};
use common::{Backend, TestApp, CONFIRMATION_PASSWORD, LOGIN_PASSWORD};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

on_both_databases!(
    screens_carry_a_nonce_csp_that_matches_their_scripts,
    hostile_input_never_gets_a_5xx_or_changes_data,
    a_history_date_in_the_far_future_is_a_message_not_a_panic,
);

/// Regression (issue 25): chrono reads the year +262142, and the day after
/// it overflowed in the filter, a panic on a client's input.
async fn a_history_date_in_the_far_future_is_a_message_not_a_panic(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    for query in [
        "from=%2B262142-12-31",
        "to=%2B262142-12-31",
        "from=%2B262142-12-31&to=%2B262142-12-31",
        "from=-262143-01-01",
    ] {
        let page = client.get(&format!("/kanri/history?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        let csv = client.get(&format!("/kanri/history.csv?{query}")).await;
        assert!(csv.status.is_success(), "{query}: {}", csv.status);
    }
}

async fn screens_carry_a_nonce_csp_that_matches_their_scripts(app: TestApp) {
    let mut client = app.logged_in("master01").await;
    for path in ["/login", "/", "/kanri/users/revoke", "/kanri/history"] {
        let res = client.get(path).await;
        let csp = res
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|s| s.split('\'').next())
            .expect("a nonce in the CSP");
        assert!(nonce.len() >= 16, "{csp}");
        assert!(
            res.body.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: scripts carry the header's nonce"
        );
        for directive in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive}");
        }
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(
            res.headers.get("x-content-type-options").unwrap(),
            "nosniff"
        );
        assert_eq!(res.headers.get("referrer-policy").unwrap(), "no-referrer");
        assert_eq!(
            res.headers.get("cache-control").unwrap(),
            "no-store",
            "{path}"
        );
        assert!(
            res.headers.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
    }
    // Each response has its own nonce.
    let a = client
        .get("/")
        .await
        .headers
        .get("content-security-policy")
        .unwrap()
        .clone();
    let b = client
        .get("/")
        .await
        .headers
        .get("content-security-policy")
        .unwrap()
        .clone();
    assert_ne!(a, b);
    // Server functions and error pages: no-store and a CSP without scripts.
    let api = client
        .send(
            Method::POST,
            "/api/revocation_candidates",
            Some(&[]),
            "application/json",
        )
        .await;
    assert_eq!(api.headers.get("cache-control").unwrap(), "no-store");
    assert!(api
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("script-src 'none'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hsts_and_host_cookie_over_https() {
    let app = TestApp::start(Backend::Sqlite, |c| c.secure_cookies = true)
        .await
        .unwrap();
    let mut client = app.client();
    let res = client.login("master01", LOGIN_PASSWORD).await;
    let cookie = res.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.starts_with("__Host-kanri_session=")
            && cookie.contains("Secure")
            && cookie.contains("Path=/")
    );
    assert!(res
        .headers
        .get("strict-transport-security")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("max-age="));
}

/// Issue 25: SQLite overwrites what it deletes (a downloaded `.p12`, a
/// session), so a copy of the file does not give it back from free pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_overwrites_what_it_deletes() {
    use sqlx::Row;
    let app = TestApp::start(Backend::Sqlite, |_| {}).await.unwrap();
    let on: i64 = sqlx::query("PRAGMA secure_delete")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(on, 1);
}

/// Issue 25: opening a page writes nothing to 操作履歴, and a flood of
/// refusals that name nobody adds a bounded number of rows, an IPv6 client
/// counted by its /64 (one line holds 2^64 addresses); another client's
/// refusals are still recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn anonymous_floods_add_a_bounded_number_of_rows() {
    const LIMIT: i64 = 5;
    let app = TestApp::start(Backend::Sqlite, |c| {
        c.attempts_per_client_per_minute = LIMIT as u32;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
    .unwrap();
    let rows = async || {
        app.scalar_i64("SELECT COUNT(*) FROM audit_log WHERE $1 = '1'", "1")
            .await
    };
    let mut client = app.client();
    let before = rows().await;
    for _ in 0..50 {
        assert_eq!(
            client.get("/certificate/renew").await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        rows().await,
        before,
        "looking at 更新 without a certificate writes nothing"
    );

    // 60 logins with IDs that name nobody, each from another address of one
    // /64, then 30 sends of 更新 without a certificate from it.
    let mut last = None;
    for i in 0..60 {
        let res = client
            .send_with_header(
                "/api/login",
                &[("login_id", &format!("nobody{i:03}")), ("password", "x")],
                ("x-forwarded-for", &format!("2001:db8:0:1:{i:x}::1")),
            )
            .await;
        last = res.location().map(str::to_owned);
    }
    assert_eq!(
        last.as_deref(),
        Some("/login?notice=throttled"),
        "one /64, one limit"
    );
    for i in 0..30 {
        client
            .send_with_header(
                "/api/renewal_authenticate",
                &[("password", "x")],
                ("x-forwarded-for", &format!("2001:db8:0:1::{i:x}")),
            )
            .await;
    }
    let added = rows().await - before;
    println!("anonymous flood: 50 looks at 更新 added 0 rows; 90 refusals from one /64 added {added} rows (limit {LIMIT} per minute)");
    // The budget is per minute: two windows at most if the flood straddles one.
    assert!(
        (1..=2 * LIMIT).contains(&added),
        "90 anonymous refusals from one /64 added {added} rows"
    );
    let res = client
        .send_with_header(
            "/api/login",
            &[("login_id", "nobody999"), ("password", "x")],
            ("x-forwarded-for", "2001:db8:0:2::1"),
        )
        .await;
    assert_eq!(res.location(), Some("/login?notice=invalid"));
    assert_eq!(rows().await - before, added + 1, "another /64 is recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn login_is_throttled_per_account_and_per_client() {
    let app = TestApp::start(Backend::Sqlite, |c| {
        c.attempts_per_client_per_minute = 8;
        c.attempts_per_account_per_minute = 3;
    })
    .await
    .unwrap();
    let mut client = app.client();
    for _ in 0..3 {
        assert_eq!(
            client.login("logid031", "Wrong-Pass-99").await.location(),
            Some("/login?notice=invalid")
        );
    }
    // The 4th try on the account is refused before the password is checked:
    // even the right password, and the failure counter does not move.
    assert_eq!(
        client.login("logid031", LOGIN_PASSWORD).await.location(),
        Some("/login?notice=throttled")
    );
    assert_eq!(
        app.scalar_i64(
            "SELECT login_failures FROM users WHERE login_id = $1",
            "logid031"
        )
        .await,
        3
    );
    // Other accounts from the same address: up to the per-client limit (8 in all).
    for id in ["nobody01", "nobody02", "nobody03", "nobody04"] {
        assert_eq!(
            client.login(id, "x").await.location(),
            Some("/login?notice=invalid"),
            "{id}"
        );
    }
    assert_eq!(
        client.login("master01", LOGIN_PASSWORD).await.location(),
        Some("/login?notice=throttled")
    );
    let page = client.get("/login?notice=throttled").await;
    assert!(page.body.contains("しばらくしてから再度お試しください"));
    assert_eq!(
        app.audit_count("login", "failure", Some("throttled")).await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revocation_execute_is_throttled_per_account() {
    let app = TestApp::start(Backend::Sqlite, |c| c.attempts_per_account_per_minute = 2)
        .await
        .unwrap();
    let mut master = app.logged_in("master01").await;
    let serial = app.certificate_serial("sachikodt").await;
    for _ in 0..2 {
        master
            .execute_revocation("sachikodt", &serial, "Wrong-Pass-99")
            .await;
    }
    let res = master
        .execute_revocation("sachikodt", &serial, CONFIRMATION_PASSWORD)
        .await;
    assert!(
        res.location().unwrap().ends_with("error=throttled"),
        "{res:?}"
    );
    assert_eq!(app.certificate_state("sachikodt").await, "issued");
    assert_eq!(
        app.confirmation_failures("master01").await,
        2,
        "no password was checked"
    );
}

// ---------------------------------------------------------------------------
// Generated hostile input.

const NASTY: &[&str] = &[
    "",
    " ",
    "\0",
    "master01\0",
    "\u{202E}txt.exe",
    "' OR '1'='1",
    "'; DROP TABLE audit_log; --",
    "\" onmouseover=\"alert(1)",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "%zz",
    "\r\nSet-Cookie: x=1",
    "\u{FEFF}\u{200B}",
    "𠮷野家",
    "ｍａｓｔｅｒ０１",
    "null",
    "true",
    "-1",
    "99999999999999999999999999",
    "[]",
    "{}",
];

fn random_text(rng: &mut StdRng) -> String {
    match rng.gen_range(0..6) {
        0 => NASTY[rng.gen_range(0..NASTY.len())].to_owned(),
        1 => (0..rng.gen_range(0..40))
            .map(|_| char::from_u32(rng.gen_range(0..0x11_0000)).unwrap_or('\u{FFFD}'))
            .collect(),
        2 => (0..rng.gen_range(0..40))
            .map(|_| char::from(rng.gen_range(0u8..0x20)))
            .collect(),
        3 => "A".repeat(rng.gen_range(1000..60_000)),
        4 => format!("{:032x}", rng.gen::<u128>()),
        _ => ["master01", "sachikodt", "user02", "admin01", "revoked01"][rng.gen_range(0..5)]
            .to_owned(),
    }
}

/// Every form and server function with its field names.
const ENDPOINTS: &[(&str, &[&str])] = &[
    ("/api/login", &["login_id", "password"]),
    ("/api/logout", &[]),
    ("/api/home", &[]),
    ("/api/administrator", &[]),
    ("/api/revocation_candidates", &[]),
    ("/api/revocation_confirmation", &["login_id"]),
    (
        "/api/revoke_certificate",
        &["login_id", "serial", "confirmation_password"],
    ),
    ("/api/revocation_result", &["login_id"]),
    ("/api/certificate_overview", &["sort", "dir", "page"]),
    (
        "/api/audit_history",
        &["from", "to", "user", "action", "page"],
    ),
];

const PAGES: &[(&str, &[&str])] = &[
    ("/login", &["notice"]),
    ("/kanri/users/revoke", &["error"]),
    ("/kanri/users/revoke/confirm", &["login_id", "error"]),
    ("/kanri/users/revoke/result", &["login_id"]),
    ("/kanri/users/status", &["sort", "dir", "page"]),
    ("/kanri/history", &["from", "to", "user", "action", "page"]),
    ("/kanri/history.csv", &["from", "to", "user", "action"]),
];

async fn snapshot(app: &TestApp) -> Vec<String> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT u.login_id, u.role, u.login_stopped, u.confirmation_failures, u.confirmation_stopped, \
         COALESCE(c.serial, ''), COALESCE(c.state, ''), COALESCE(c.revoked_at, '') \
         FROM users u LEFT JOIN certificates c ON c.user_id = u.id ORDER BY u.login_id, c.serial",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}",
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<i64, _>(2),
                r.get::<i64, _>(3),
                r.get::<i64, _>(4),
                r.get::<String, _>(5),
                r.get::<String, _>(6),
                r.get::<String, _>(7)
            )
        })
        .collect()
}

async fn hostile_input_never_gets_a_5xx_or_changes_data(app: TestApp) {
    let mut rng = StdRng::seed_from_u64(0x006b_616e_7269);
    let before = snapshot(&app).await;
    let anonymous = app.client();
    let master = app.logged_in("master01").await;
    let general = app.logged_in("sachikodt").await;
    let mut tried = 0usize;
    let mut server_errors = Vec::new();
    for round in 0..40 {
        for (client_name, base) in [
            ("anonymous", &anonymous),
            ("master01", &master),
            ("sachikodt", &general),
        ] {
            for (path, fields) in ENDPOINTS.iter().chain(PAGES.iter()) {
                let mut client = base.clone();
                // Some fields, none, extra or repeated ones, in any order.
                let mut pairs: Vec<(String, String)> = Vec::new();
                for field in fields.iter() {
                    let copies = match rng.gen_range(0..10) {
                        0 => 0,
                        1 => 2,
                        _ => 1,
                    };
                    for _ in 0..copies {
                        pairs.push((field.to_string(), random_text(&mut rng)));
                    }
                }
                if rng.gen_bool(0.2) {
                    pairs.push((random_text(&mut rng), random_text(&mut rng)));
                }
                let borrowed: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let res = if path.starts_with("/api/") {
                    let accept = if rng.gen_bool(0.5) {
                        "text/html"
                    } else {
                        "application/json"
                    };
                    client
                        .send(Method::POST, path, Some(&borrowed), accept)
                        .await
                } else {
                    // Addresses are bounded by the HTTP layer (hyper answers 414
                    // long before us), so page queries stay under 8 KB.
                    let short: Vec<(String, String)> = pairs
                        .iter()
                        .map(|(k, v)| {
                            (k.chars().take(200).collect(), v.chars().take(400).collect())
                        })
                        .collect();
                    let short: Vec<(&str, &str)> = short
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let query = common::encode_form(&short);
                    client.get(&format!("{path}?{query}")).await
                };
                tried += 1;
                if res.status.is_server_error() {
                    server_errors.push(format!("{client_name} {path} {pairs:?} -> {}", res.status));
                }
            }
        }
        // Wrong content types and bodies, once per round.
        if round % 10 == 0 {
            for (content_type, body) in [
                ("application/json", "{\"login_id\": [1,2,3]}"),
                ("text/plain", "login_id=master01&password=x"),
                ("application/x-www-form-urlencoded", "%%%&&&==="),
                ("multipart/form-data; boundary=x", "--x\r\n"),
            ] {
                let req = axum::http::Request::builder()
                    .method(Method::POST)
                    .uri("/api/revoke_certificate")
                    .header("content-type", content_type)
                    .header("cookie", master.cookie.clone().unwrap())
                    .body(axum::body::Body::from(body))
                    .unwrap();
                use tower::ServiceExt;
                let res = app.router.clone().oneshot(req).await.unwrap();
                tried += 1;
                if res.status().is_server_error() {
                    server_errors.push(format!("{content_type} {body:?} -> {}", res.status()));
                }
            }
        }
    }
    // A 1 MB field: refused by size, not by a crash.
    let mut client = master.clone();
    let huge = "x".repeat(1 << 20);
    let res = client
        .post_form(
            "/api/revoke_certificate",
            &[
                ("login_id", &huge),
                ("serial", "s"),
                ("confirmation_password", "p"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    tried += 1;

    println!(
        "hostile inputs tried: {tried}, 5xx answers: {}",
        server_errors.len()
    );
    assert!(
        server_errors.is_empty(),
        "5xx answers:\n{}",
        server_errors.join("\n")
    );
    assert_eq!(
        snapshot(&app).await,
        before,
        "users and certificates unchanged"
    );
}

/// The benchmarks' baseline pages are compiled only into `bench/run`'s
/// build: the product answers 404 for every `/bench/` address, even when
/// the bench's setting is present in its environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_product_has_no_bench_pages() {
    let bare = std::env::temp_dir().join(format!("kanri-bare-{}.html", std::process::id()));
    std::fs::write(&bare, "<p>bare</p>").unwrap();
    let app = TestApp::start(Backend::Sqlite, |c| c.bench_bare_file = Some(bare.clone()))
        .await
        .unwrap();
    let mut client = app.client();
    for path in [
        "/bench/minimal",
        "/bench/bare",
        "/bench/one-read",
        "/api/bench_one_read",
    ] {
        assert_eq!(
            client.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let _ = std::fs::remove_file(bare);
}
