//! A real kanri-server process under load, killed with SIGKILL and restarted
//! mid-run, then stopped with SIGTERM (issue 5). SQLite, as the embedded
//! default. Bounded in time (about 25 s) and only on 127.0.0.1.
//!
//! Prints its figures: requests, revocations, restarts, 5xx, connection
//! errors, and checks afterwards that the database is intact, no certificate
//! is half-revoked, every revocation has exactly one success row in 操作履歴,
//! and the server's log holds no password, hash, cookie or session ID.

use kanri_testkit::ServerSpec;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use sqlx::{Connection, Row, SqliteConnection};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const TARGETS: usize = 600;
const LOGIN_PASSWORD: &str = "Login-Pass-01";
const CONFIRMATION_PASSWORD: &str = "Kakunin-Pass-01";

/// The server under load: SQLite in `dir`, JSON logs at info level.
fn server_spec(dir: &Path) -> ServerSpec {
    ServerSpec::new(env!("CARGO_BIN_EXE_kanri-server"), dir)
        .env("KANRI_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        // Every client is 127.0.0.1 and half of them are master01.
        .env("KANRI_ATTEMPTS_PER_CLIENT_PER_MINUTE", "1000000")
        .env("KANRI_ATTEMPTS_PER_ACCOUNT_PER_MINUTE", "1000000")
}

#[derive(Default)]
struct Figures {
    requests: AtomicUsize,
    server_errors: AtomicUsize,
    connection_errors: AtomicUsize,
    revocations: AtomicUsize,
    already_revoked: AtomicUsize,
    logins: AtomicUsize,
}

struct Shared {
    base: String,
    targets: Mutex<Vec<String>>,
    revoked: Mutex<Vec<(String, String)>>,
    cookies_seen: Mutex<Vec<String>>,
    figures: Figures,
}

struct Client {
    http: reqwest::Client,
    cookie: Option<String>,
    actor: &'static str,
}

enum Fail {
    Connection,
}

impl Client {
    async fn send(
        &mut self,
        shared: &Shared,
        req: reqwest::RequestBuilder,
    ) -> Result<(u16, Option<String>, String), Fail> {
        let mut req = req
            .header("accept", "text/html")
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = &self.cookie {
            req = req.header(COOKIE, cookie);
        }
        shared.figures.requests.fetch_add(1, Ordering::Relaxed);
        let res = match req.send().await {
            Ok(res) => res,
            Err(_) => {
                shared
                    .figures
                    .connection_errors
                    .fetch_add(1, Ordering::Relaxed);
                return Err(Fail::Connection);
            }
        };
        let status = res.status().as_u16();
        if status >= 500 {
            shared.figures.server_errors.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(set) = res.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap().to_owned();
            shared
                .cookies_seen
                .lock()
                .unwrap()
                .push(pair.split('=').nth(1).unwrap_or_default().to_owned());
            self.cookie = if set.contains("Max-Age=0") {
                None
            } else {
                Some(pair)
            };
        }
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match res.text().await {
            Ok(body) => body,
            Err(_) => {
                shared
                    .figures
                    .connection_errors
                    .fetch_add(1, Ordering::Relaxed);
                return Err(Fail::Connection);
            }
        };
        Ok((status, location, body))
    }

    async fn login(&mut self, shared: &Shared) -> Result<(), Fail> {
        let req = self
            .http
            .post(format!("{}/api/login", shared.base))
            .form(&[("login_id", self.actor), ("password", LOGIN_PASSWORD)]);
        let (_, location, _) = self.send(shared, req).await?;
        if location.as_deref() == Some("/") {
            shared.figures.logins.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// One round: the list page, then (if a target is left) confirm and 実行.
    async fn round(&mut self, shared: &Shared) -> Result<(), Fail> {
        if self.cookie.is_none() {
            self.login(shared).await?;
        }
        let (_, location, _) = self
            .send(
                shared,
                self.http.get(format!("{}/kanri/users/revoke", shared.base)),
            )
            .await?;
        if location.is_some_and(|l| l.starts_with("/login")) {
            self.cookie = None;
            return Ok(());
        }
        let Some(target) = shared.targets.lock().unwrap().pop() else {
            return Ok(());
        };
        let confirm = self.http.get(format!(
            "{}/kanri/users/revoke/confirm?login_id={target}",
            shared.base
        ));
        let (status, _, body) = match self.send(shared, confirm).await {
            Ok(answer) => answer,
            Err(fail) => {
                shared.targets.lock().unwrap().push(target);
                return Err(fail);
            }
        };
        let Some(serial) = input_value(&body, "serial").filter(|_| status == 200) else {
            return Ok(());
        };
        let execute = self
            .http
            .post(format!("{}/api/revoke_certificate", shared.base))
            .form(&[
                ("login_id", target.as_str()),
                ("serial", serial.as_str()),
                ("confirmation_password", CONFIRMATION_PASSWORD),
            ]);
        let (_, location, _) = self.send(shared, execute).await?;
        match location.as_deref() {
            Some(l) if l.starts_with("/kanri/users/revoke/result") => {
                shared.figures.revocations.fetch_add(1, Ordering::Relaxed);
                shared.revoked.lock().unwrap().push((target, serial));
            }
            Some(l) if l.ends_with("error=already_revoked") => {
                shared
                    .figures
                    .already_revoked
                    .fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        Ok(())
    }
}

fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let rest = &html[at..];
    let start = rest.find("value=\"")? + 7;
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_owned())
}

async fn run_clients(shared: Arc<Shared>, until: Instant) {
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let shared = shared.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap();
            let actor = if i % 2 == 0 { "master01" } else { "admin01" };
            let mut client = Client {
                http,
                cookie: None,
                actor,
            };
            while Instant::now() < until {
                if client.round(&shared).await.is_err() {
                    // The server is down (killed): wait for it to come back.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

async fn open_db(dir: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", dir.join("kanri.db").display()))
        .await
        .unwrap()
}

/// 600 general users of A001 with issued certificates, as revocation targets.
async fn add_targets(dir: &Path) -> Vec<String> {
    let mut db = open_db(dir).await;
    let contract_id: i64 = sqlx::query("SELECT id FROM contracts WHERE code = 'A001'")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    let now = chrono::Utc::now();
    let mut ids = Vec::new();
    for i in 0..TARGETS {
        let login_id = format!("load{i:04}");
        let user_id: i64 = sqlx::query(
            "INSERT INTO users (contract_id, login_id, name, role, email, login_password_hash, confirmation_password_hash, created_at) \
             VALUES (?1, ?2, ?3, 'general', ?4, 'x', 'y', ?5) RETURNING id",
        )
        .bind(contract_id)
        .bind(&login_id)
        .bind(format!("負荷 {i}"))
        .bind(format!("{login_id}@example.jp"))
        .bind(now.to_rfc3339())
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
        let not_before = kanri_app::domain::Timestamp(now - chrono::Duration::days(10));
        let not_after = kanri_app::domain::Timestamp(now + chrono::Duration::days(355));
        sqlx::query(
            "INSERT INTO certificates (user_id, serial, subject_o, subject_ou, subject_cn, not_before, not_after, state) \
             VALUES (?1, ?2, 'o', 'ou', 'cn', ?3, ?4, 'issued')",
        )
        .bind(user_id)
        .bind(format!("{:032x}", rand::random::<u128>()))
        .bind(not_before.to_db())
        .bind(not_after.to_db())
        .execute(&mut db)
        .await
        .unwrap();
        ids.push(login_id);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn load_with_sigkill_loses_and_duplicates_nothing() {
    let dir = std::env::temp_dir().join(format!("kanri-load-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = server_spec(&dir).start().await.expect("start kanri-server");
    let targets = add_targets(&dir).await;
    let shared = Arc::new(Shared {
        base: server.base_url(),
        targets: Mutex::new(targets),
        revoked: Mutex::new(Vec::new()),
        cookies_seen: Mutex::new(Vec::new()),
        figures: Figures::default(),
    });
    let started = Instant::now();

    // Phase 1: steady load.
    run_clients(shared.clone(), Instant::now() + Duration::from_secs(6)).await;
    let steady_revocations = shared.figures.revocations.load(Ordering::Relaxed);
    let peak_rss_kib = server.rss().ok().map(|rss| rss.peak_kib);

    // Phase 2: the same load while the server is killed (SIGKILL) and restarted.
    let load = tokio::spawn(run_clients(
        shared.clone(),
        Instant::now() + Duration::from_secs(9),
    ));
    let mut restarts = 0;
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_secs(3)).await;
        server.kill().expect("SIGKILL kanri-server");
        server.restart().await.expect("restart kanri-server");
        restarts += 1;
    }
    load.await.unwrap();
    let elapsed = started.elapsed();

    // Graceful stop: SIGTERM while 20 logins (each an argon2 hash, two at a
    // time) are in flight; every one of them must still get its answer, and
    // the process must then exit by itself, cleanly. "In flight" is waited
    // for, not slept for: every request is written whole before the barrier
    // opens, and SIGTERM goes only once the server has answered the first of
    // them (the other 19 were read while that hash ran, and wait for theirs).
    let barrier = Arc::new(tokio::sync::Barrier::new(21));
    let (first_tx, mut first_rx) = tokio::sync::mpsc::channel::<()>(20);
    let mut in_flight = Vec::new();
    for _ in 0..20 {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.port()));
        let (barrier, first_tx) = (barrier.clone(), first_tx.clone());
        in_flight.push(tokio::spawn(async move {
            let answer = login_over_raw_http(addr, &barrier, &first_tx).await;
            answer.ok().and_then(|head| location_of(&head))
        }));
    }
    drop(first_tx);
    barrier.wait().await;
    first_rx.recv().await.expect("a first login answered");
    server.sigterm().expect("SIGTERM kanri-server");
    let mut finished_after_sigterm = 0;
    for request in in_flight {
        let answer = request.await.unwrap();
        assert_eq!(
            answer.as_deref(),
            Some("/"),
            "a login in flight at SIGTERM completes"
        );
        finished_after_sigterm += 1;
    }
    println!("SIGTERM: {finished_after_sigterm} of 20 logins in flight completed");
    let exit = server.wait_exit().await.expect("wait for kanri-server");
    assert!(
        exit.success(),
        "kanri-server exits cleanly on SIGTERM: {exit:?}"
    );

    let f = &shared.figures;
    let (requests, errors, conn_errors) = (
        f.requests.load(Ordering::Relaxed),
        f.server_errors.load(Ordering::Relaxed),
        f.connection_errors.load(Ordering::Relaxed),
    );
    let revocations = f.revocations.load(Ordering::Relaxed);

    // The database after all that.
    let mut db = open_db(&dir).await;
    let integrity: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    let revoked_in_db: i64 = sqlx::query(
        "SELECT COUNT(*) FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id LIKE 'load%' AND c.state = 'revoked'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get(0);
    let half_revoked: i64 = sqlx::query(
        "SELECT COUNT(*) FROM certificates WHERE (state = 'revoked') <> (revoked_at IS NOT NULL AND revoked_by IS NOT NULL)",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get(0);
    // Every revoked certificate has exactly one success row naming its serial, and vice versa.
    let without_one_row: i64 = sqlx::query(
        "SELECT COUNT(*) FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id LIKE 'load%' AND c.state = 'revoked' \
         AND (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'certificate_revoke' AND a.outcome = 'success' \
              AND a.target LIKE u.login_id || ' (' || c.serial || ')%') <> 1",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get(0);
    let rows_without_revocation: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log a WHERE a.action = 'certificate_revoke' AND a.outcome = 'success' AND a.target LIKE 'load%' \
         AND NOT EXISTS (SELECT 1 FROM certificates c JOIN users u ON u.id = c.user_id \
              WHERE c.state = 'revoked' AND a.target LIKE u.login_id || ' (' || c.serial || ')%')",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get(0);
    let seen_revoked = shared.revoked.lock().unwrap().clone();
    let mut missing_seen = 0;
    for (login_id, serial) in &seen_revoked {
        let state: String = sqlx::query("SELECT state FROM certificates WHERE serial = ?1")
            .bind(serial)
            .fetch_one(&mut db)
            .await
            .unwrap()
            .get(0);
        if state != "revoked" {
            missing_seen += 1;
            eprintln!("{login_id} {serial} answered as revoked but is {state}");
        }
    }

    // The server's log: structured, and without secrets.
    let log = std::fs::read_to_string(server.log_path()).unwrap();
    let json_lines = log
        .lines()
        .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
        .count();
    let other_lines: Vec<&str> = log
        .lines()
        .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_err())
        .collect();
    let mut leaks: Vec<String> = Vec::new();
    for secret in [
        LOGIN_PASSWORD,
        CONFIRMATION_PASSWORD,
        "$argon2",
        "kanri_session=",
        "cookie",
    ] {
        if log.contains(secret) {
            leaks.push(secret.to_owned());
        }
    }
    for session_id in shared
        .cookies_seen
        .lock()
        .unwrap()
        .iter()
        .filter(|v| v.len() > 8)
    {
        if log.contains(session_id.as_str()) {
            leaks.push(format!("session id {session_id}"));
        }
    }
    let locked = log.matches("database is locked").count();

    println!(
        "load: {CLIENTS} clients, {:.1} s, {requests} requests ({:.0}/s), {} logins, {revocations} revocations \
         ({steady_revocations} before the kills), {} already-revoked answers, {restarts} SIGKILL restarts, \
         {errors} 5xx, {conn_errors} connection errors while down, peak RSS {} KiB before the kills, \
         {json_lines} JSON log lines",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64(),
        f.logins.load(Ordering::Relaxed),
        f.already_revoked.load(Ordering::Relaxed),
        peak_rss_kib.unwrap_or(0),
    );
    println!(
        "after: integrity_check={integrity}, revoked in db={revoked_in_db}, half-revoked={half_revoked}, \
         revocations without exactly one audit row={without_one_row}, audit rows without a revocation={rows_without_revocation}, \
         answered-revoked but not revoked={missing_seen}, secrets in log={leaks:?}, 'database is locked'={locked}"
    );

    assert_eq!(errors, 0, "no 5xx");
    assert!(
        revocations > 50,
        "the load revoked something ({revocations})"
    );
    assert_eq!(restarts, 2);
    assert_eq!(integrity, "ok");
    assert_eq!(half_revoked, 0);
    assert_eq!(
        without_one_row, 0,
        "every revoked certificate has exactly one success row"
    );
    assert_eq!(
        rows_without_revocation, 0,
        "no success row without its revocation"
    );
    assert!(
        revoked_in_db as usize >= revocations,
        "nothing answered as revoked was lost"
    );
    assert_eq!(missing_seen, 0);
    assert!(leaks.is_empty(), "secrets in the server log: {leaks:?}");
    assert_eq!(locked, 0, "no 'database is locked'");
    assert!(
        json_lines > 0 && other_lines.iter().all(|l| !l.contains("INFO")),
        "log lines are JSON: {other_lines:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// One ログイン as a browser would post it, on its own connection, written
/// whole before `barrier`; then the answer's head. `first` hears of each
/// answer as it arrives.
async fn login_over_raw_http(
    addr: std::net::SocketAddr,
    barrier: &tokio::sync::Barrier,
    first: &tokio::sync::mpsc::Sender<()>,
) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = format!("login_id=master01&password={LOGIN_PASSWORD}");
    let request = format!(
        "POST /api/login HTTP/1.1\r\nHost: {addr}\r\nAccept: text/html\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await;
    if let Ok(stream) = stream.as_mut() {
        let written = stream.write_all(request.as_bytes()).await;
        barrier.wait().await;
        written?;
    } else {
        barrier.wait().await;
    }
    let mut stream = stream?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    // The channel has room for all 20 and is read once: never waits.
    let _ = first.try_send(());
    let answer = String::from_utf8_lossy(&answer);
    Ok(answer
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_owned())
}

/// The Location of an answer's head.
fn location_of(head: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_owned())
    })
}
