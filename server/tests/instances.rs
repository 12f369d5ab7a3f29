//! Several instances on one PostgreSQL behind nginx, under load and faults
//! (issue 13, SPEC section 8). Three kanri-server processes start at once
//! on an empty database; nginx (the repository's configuration,
//! `ssl_verify_client optional`) fronts them; 50 clients with real client
//! certificates of a 電子証明書方式 contract log in, list, revoke, obtain
//! (取得) and renew (更新) for a bounded time while each instance in turn
//! is SIGKILLed and restarted. Then: nothing lost, duplicated or half done,
//! and a revocation on one instance stops the very next request on another.
//!
//! Needs PostgreSQL (`KANRI_TEST_POSTGRES_URL`, which `.ci/run` always
//! sets); without it the test is ignored (counted as such).

mod common;

use common::peers::{run, scratch};
use kanri_app::infra::config::Config;
use kanri_testkit::nginx::{per_upstream, Nginx};
use kanri_testkit::{Server, ServerSpec};
use rand::seq::SliceRandom;
use rand::Rng;
use sqlx::{Connection, Row};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const INSTANCES: usize = 3;
const ADMINS: usize = 10;
const GENERALS: usize = 40;
const LOAD_SECONDS: u64 = 24;
const PASSPHRASE: &str = "kanri-demo-ca-passphrase";
const LOGIN_PASSWORD: &str = "Login-Pass-01";
const CONFIRMATION_PASSWORD: &str = "Kakunin-Pass-01";
const IMPORT_PASSWORD: &str = "Import-Pass-01";

/// What the clients saw, counted as it happened.
#[derive(Default)]
struct Figures {
    requests: AtomicUsize,
    server_errors: AtomicUsize,
    connection_errors: AtomicUsize,
    logins: AtomicUsize,
    revocations: AtomicUsize,
    already_revoked: AtomicUsize,
    issuances: AtomicUsize,
    renewals: AtomicUsize,
    refused_requests: AtomicUsize,
}

/// A session whose certificate may have been revoked since: afterwards it
/// must be refused on every instance.
#[derive(Clone)]
struct UsedSession {
    cookie: String,
    certificate_der: Vec<u8>,
}

struct Shared {
    nginx_url: String,
    site_ca: reqwest::Certificate,
    figures: Figures,
    used: Mutex<Vec<UsedSession>>,
    generals: Vec<String>,
    /// The bank's side (operator use cases on the same database): after a
    /// revocation only a 発行用コード from it lets a user obtain again.
    bank: kanri_app::state::AppState,
}

fn escape(der: &[u8]) -> String {
    common::nginx_escaped_pem(der)
}

/// One browser: a user, its current certificate and key, its session.
struct Browser {
    login_id: String,
    certificate_der: Vec<u8>,
    identity_pem: Vec<u8>,
    http: reqwest::Client,
    cookie: Option<String>,
}

enum Outcome {
    Answered(u16, Option<String>, Vec<u8>),
    ConnectionError,
}

impl Browser {
    fn new(shared: &Shared, login_id: &str, certificate_der: Vec<u8>, key_pem: &str) -> Browser {
        let mut identity_pem = kanri_pki::encode_pem("CERTIFICATE", &certificate_der).into_bytes();
        identity_pem.extend_from_slice(key_pem.as_bytes());
        let http = client(shared, &identity_pem);
        Browser {
            login_id: login_id.to_owned(),
            certificate_der,
            identity_pem,
            http,
            cookie: None,
        }
    }

    fn take_certificate(&mut self, shared: &Shared, p12: &[u8]) {
        let contents =
            kanri_pki::parse_pkcs12(p12, &kanri_pki::Passphrase::new(IMPORT_PASSWORD)).unwrap();
        let mut identity_pem =
            kanri_pki::encode_pem("CERTIFICATE", &contents.certificate_der).into_bytes();
        identity_pem.extend_from_slice(contents.key.to_pem().as_bytes());
        self.certificate_der = contents.certificate_der;
        self.http = client(shared, &identity_pem);
        self.identity_pem = identity_pem;
        self.cookie = None;
    }

    async fn send(&mut self, shared: &Shared, request: reqwest::RequestBuilder) -> Outcome {
        let mut request = request.header("accept", "text/html");
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        shared.figures.requests.fetch_add(1, Ordering::Relaxed);
        let res = match request.send().await {
            Ok(res) => res,
            Err(err) => {
                if shared.figures.connection_errors.load(Ordering::Relaxed) == 0 {
                    eprintln!("first connection error: {err:?}");
                }
                shared
                    .figures
                    .connection_errors
                    .fetch_add(1, Ordering::Relaxed);
                return Outcome::ConnectionError;
            }
        };
        let status = res.status().as_u16();
        if status >= 500 {
            shared.figures.server_errors.fetch_add(1, Ordering::Relaxed);
            if shared.figures.server_errors.load(Ordering::Relaxed) < 5 {
                eprintln!("5xx: {status} for {}", res.url());
            }
        }
        for set in res.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = (!pair.ends_with('=') && !set.to_str().unwrap().contains("Max-Age=0"))
                .then_some(pair);
        }
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let body = res.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        Outcome::Answered(status, location, body)
    }

    async fn get(&mut self, shared: &Shared, path: &str) -> Outcome {
        let request = self.http.get(format!("{}{path}", shared.nginx_url));
        self.send(shared, request).await
    }

    async fn post(&mut self, shared: &Shared, path: &str, form: &[(&str, &str)]) -> Outcome {
        let request = self
            .http
            .post(format!("{}{path}", shared.nginx_url))
            .form(form);
        self.send(shared, request).await
    }

    async fn login(&mut self, shared: &Shared) -> bool {
        self.cookie = None;
        let login_id = self.login_id.clone();
        let form = [
            ("login_id", login_id.as_str()),
            ("password", LOGIN_PASSWORD),
        ];
        let ok = matches!(self.post(shared, "/api/login", &form).await, Outcome::Answered(_, Some(l), _) if l == "/");
        if ok {
            shared.figures.logins.fetch_add(1, Ordering::Relaxed);
            shared.used.lock().unwrap().push(UsedSession {
                cookie: self.cookie.clone().unwrap_or_default(),
                certificate_der: self.certificate_der.clone(),
            });
        }
        ok
    }

    /// 取得 (after a revocation) or 更新: the key-method form, the result,
    /// the one download; the new certificate becomes this browser's.
    async fn finish_issuance(&mut self, shared: &Shared, flow: &str) -> bool {
        let form = reqwest::multipart::Form::new()
            .text("flow", flow.to_owned())
            .text("method", "p12")
            .text("import_password", IMPORT_PASSWORD)
            .text("import_password_repeat", IMPORT_PASSWORD);
        let request = self
            .http
            .post(format!("{}/certificate/submit", shared.nginx_url))
            .multipart(form);
        let Outcome::Answered(_, Some(to), _) = self.send(shared, request).await else {
            return false;
        };
        if !to.ends_with("/result") {
            return false;
        }
        let Outcome::Answered(200, _, p12) = self.get(shared, "/certificate/download").await else {
            return false;
        };
        self.take_certificate(shared, &p12);
        true
    }

    async fn obtain(&mut self, shared: &Shared) {
        self.cookie = None;
        let login_id = self.login_id.clone();
        // A revocation holds: the bank grants the code (SPEC 9.1).
        let Ok(granted) = kanri_app::use_cases::operator::grant_issuance_code(
            &shared.bank,
            &common::id(&login_id),
        )
        .await
        else {
            return;
        };
        let code = granted.code.display();
        let form = [
            ("login_id", login_id.as_str()),
            ("password", LOGIN_PASSWORD),
            ("issuance_code", code.as_str()),
        ];
        let auth = self.post(shared, "/api/issuance_authenticate", &form).await;
        if matches!(auth, Outcome::Answered(_, Some(ref l), _) if l.ends_with("/certificate/issue/method"))
            && self.finish_issuance(shared, "Issuance").await
        {
            shared.figures.issuances.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn renew(&mut self, shared: &Shared) {
        let auth = self
            .post(
                shared,
                "/api/renewal_authenticate",
                &[("password", LOGIN_PASSWORD)],
            )
            .await;
        if matches!(auth, Outcome::Answered(_, Some(ref l), _) if l.ends_with("/certificate/renew/method"))
            && self.finish_issuance(shared, "Renewal").await
        {
            shared.figures.renewals.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn client(shared: &Shared, identity_pem: &[u8]) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(shared.site_ca.clone())
        .identity(reqwest::Identity::from_pem(identity_pem).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A general user: ホーム; when refused (revoked), 取得 again; now and
/// then 更新.
async fn general_round(browser: &mut Browser, shared: &Shared) {
    if browser.cookie.is_none() && !browser.login(shared).await {
        browser.obtain(shared).await;
        return;
    }
    match browser.get(shared, "/").await {
        Outcome::Answered(200, _, _) => {
            if rand::thread_rng().gen_ratio(1, 12) {
                browser.renew(shared).await;
            }
        }
        Outcome::Answered(403, _, _) => {
            shared
                .figures
                .refused_requests
                .fetch_add(1, Ordering::Relaxed);
            browser.cookie = None;
        }
        Outcome::Answered(..) => browser.cookie = None,
        Outcome::ConnectionError => {}
    }
}

/// An admin user: 利用者一覧, then 証明書失効 of a random general user.
async fn admin_round(browser: &mut Browser, shared: &Shared) {
    if browser.cookie.is_none() && !browser.login(shared).await {
        return;
    }
    let target = shared
        .generals
        .choose(&mut rand::thread_rng())
        .unwrap()
        .clone();
    let Outcome::Answered(200, _, _) = browser.get(shared, "/kanri/users/revoke").await else {
        browser.cookie = None;
        return;
    };
    let path = format!("/kanri/users/revoke/confirm?login_id={target}");
    let Outcome::Answered(200, _, page) = browser.get(shared, &path).await else {
        return;
    };
    let Some(serial) = common::input_value(&String::from_utf8_lossy(&page), "serial") else {
        return;
    };
    let form = [
        ("login_id", target.as_str()),
        ("serial", serial.as_str()),
        ("confirmation_password", CONFIRMATION_PASSWORD),
    ];
    match browser.post(shared, "/api/revoke_certificate", &form).await {
        Outcome::Answered(_, Some(to), _) if to.contains("/revoke/result") => {
            shared.figures.revocations.fetch_add(1, Ordering::Relaxed);
        }
        Outcome::Answered(_, Some(to), _) if to.contains("error=") => {
            shared
                .figures
                .already_revoked
                .fetch_add(1, Ordering::Relaxed);
        }
        _ => {}
    }
}

/// Users of contract C050 (電子証明書方式) with real certificates,
/// created in this process on the instances' database.
struct Population {
    admins: Vec<(String, Vec<u8>, String)>,
    generals: Vec<(String, Vec<u8>, String)>,
    /// nginx's certificate for 127.0.0.1 and its key (PEM), from kanri's CA.
    site_cert: String,
    site_key: String,
    /// Kept open for the bank's operations during the load.
    bank: kanri_app::state::AppState,
}

async fn populate(database_url: &str, data_dir: &Path) -> Population {
    use kanri_app::domain::secret::Password;
    use kanri_app::domain::Role;
    use kanri_app::use_cases::issuance::KeyMethod;
    use kanri_app::use_cases::operator::{self, NewUserInput};
    let mut config: Config = common::test_config(database_url.to_owned(), data_dir.to_owned());
    // The demo CA, whose passphrase the instances use too; the bank's mails
    // go where the instances' go.
    config.demo = true;
    config.mail.transport = kanri_app::infra::config::MailTransport::Files(mail_folder(data_dir));
    let options = leptos::config::LeptosOptions::builder()
        .output_name("kanri")
        .build();
    let state = kanri_server::build_state(config, options).await.unwrap();
    let input = |login_id: String, role| NewUserInput {
        login_id,
        name: "負荷 試験".into(),
        role,
        email: "load@example.jp".into(),
        login_password: Password::new(LOGIN_PASSWORD.into()),
        confirmation_password: Password::new(CONFIRMATION_PASSWORD.into()),
    };
    operator::create_contract(
        &state,
        "C050",
        "株式会社負荷試験",
        "本店",
        input("mst05000".into(), Role::Master),
    )
    .await
    .unwrap();
    operator::set_certificate_login(&state, "C050", true)
        .await
        .unwrap();
    // The demo's own HTTPS certificate, from its root (the issuing CA may
    // sign client certificates only).
    let site = state
        .pki
        .demo_tls
        .as_ref()
        .expect("the demo's server certificate");
    let mut population = Population {
        admins: Vec::new(),
        generals: Vec::new(),
        site_cert: kanri_pki::encode_pem("CERTIFICATE", &site.certificate_der),
        site_key: site.key.to_pem().to_string(),
        bank: state.clone(),
    };
    for (count, role, prefix) in [
        (ADMINS, Role::Admin, "adm"),
        (GENERALS, Role::General, "gen"),
    ] {
        for i in 0..count {
            let login_id = format!("{prefix}05{i:03}");
            operator::add_user(&state, "C050", input(login_id.clone(), role))
                .await
                .unwrap();
            let method = KeyMethod::ServerKey(kanri_pki::Passphrase::new(IMPORT_PASSWORD));
            let prepared = operator::issue_certificate(
                &state,
                &common::id(&login_id),
                method,
                state.clock.now(),
            )
            .await
            .unwrap();
            let contents = kanri_pki::parse_pkcs12(
                &prepared.pkcs12.unwrap(),
                &kanri_pki::Passphrase::new(IMPORT_PASSWORD),
            )
            .unwrap();
            let entry = (
                login_id,
                contents.certificate_der,
                contents.key.to_pem().to_string(),
            );
            match role {
                Role::Admin => population.admins.push(entry),
                _ => population.generals.push(entry),
            }
        }
    }
    population
}

/// The mail folder every instance writes to, beside their own folders: one
/// pickup folder, as a deployment with files instead of SMTP would share.
fn mail_folder(dir: &Path) -> PathBuf {
    dir.parent().unwrap().join("mail")
}

fn spec(database_url: &str, dir: &Path, load: bool) -> ServerSpec {
    let mut spec = ServerSpec::new(env!("CARGO_BIN_EXE_kanri-server"), dir)
        .ready_within(Duration::from_secs(60))
        .env("DATABASE_URL", database_url)
        .env("KANRI_CA_PASSPHRASE", PASSPHRASE)
        .env("KANRI_TRUSTED_PROXIES", "127.0.0.1")
        .env("KANRI_DB_MAX_CONNECTIONS", "6")
        .env("KANRI_MAIL_DIR", mail_folder(dir))
        .env("RUST_LOG", "warn");
    if load {
        // Every client comes through nginx from one address.
        spec = spec
            .env("KANRI_ATTEMPTS_PER_CLIENT_PER_MINUTE", "10000000")
            .env("KANRI_ATTEMPTS_PER_ACCOUNT_PER_MINUTE", "10000000");
    }
    spec
}

/// Three instances started at the same moment on the empty database.
async fn start_together(database_url: &str, dirs: &[PathBuf], load: bool) -> Vec<Server> {
    let starts = dirs.iter().map(|dir| {
        let spec = spec(database_url, dir, load);
        async move { spec.start().await }
    });
    futures::future::join_all(starts)
        .await
        .into_iter()
        .map(|s| s.expect("every instance starts"))
        .collect()
}

/// A form post straight to one instance, as nginx would forward it.
async fn direct(
    server: &Server,
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
    der: Option<&[u8]>,
) -> (u16, Option<String>, Option<String>) {
    let mut request = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(server.url(path))
        .header("accept", "text/html")
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(der) = der {
        request = request.header("x-ssl-client-cert", escape(der));
    }
    let res = request.send().await.unwrap();
    let set_cookie = res
        .headers()
        .get("set-cookie")
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned());
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (res.status().as_u16(), location, set_cookie)
}

async fn direct_get(server: &Server, path: &str, cookie: &str, der: &[u8]) -> u16 {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(server.url(path))
        .header("accept", "text/html")
        .header("cookie", cookie)
        .header("x-ssl-client-cert", escape(der))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(not(kanri_postgres), ignore = "KANRI_TEST_POSTGRES_URL is not set")]
async fn three_instances_behind_nginx_under_load_and_kills() {
    let admin_url = std::env::var("KANRI_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("KANRI_TEST_POSTGRES_URL is not set");
    sqlx::any::install_default_drivers();
    let (database_url, _drop) = common::fresh_postgres(&admin_url, "kanri_i_").await;
    let work = scratch("instances");
    let dirs: Vec<PathBuf> = (0..INSTANCES)
        .map(|i| work.join(format!("instance{i}")))
        .collect();
    for dir in &dirs {
        std::fs::create_dir_all(dir).unwrap();
    }

    // 1. Three instances start at once on the empty database: it is
    // migrated once, the demo set and the CA made once.
    let started = start_together(&database_url, &dirs, false).await;
    let mut db = sqlx::AnyConnection::connect(&database_url).await.unwrap();
    let scalar = |sql: &'static str| sqlx::query(sql);
    let migrations: i64 = scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    let files = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations/postgres"
    ))
    .unwrap()
    .count() as i64;
    assert_eq!(migrations, files, "each migration applied once");
    let contracts: i64 = scalar("SELECT COUNT(*) FROM contracts")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(contracts, 2, "the demo set loaded once");
    let cas: i64 = scalar("SELECT COUNT(*) FROM certificate_authority")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(cas, 1);

    // The attempt limit of an account holds across instances (10 a minute):
    // ten attempts spread over two instances, and the eleventh is refused.
    let form = [("login_id", "nobody001"), ("password", "Wrong-Pass-99")];
    for i in 0..10 {
        let (_, to, _) = direct(&started[i % 2], "/api/login", &form, None, None).await;
        assert_eq!(to.as_deref(), Some("/login?notice=invalid"), "attempt {i}");
    }
    let (_, to, _) = direct(&started[2], "/api/login", &form, None, None).await;
    assert_eq!(
        to.as_deref(),
        Some("/login?notice=throttled"),
        "the limit is shared"
    );
    for mut server in started {
        server.terminate().await.unwrap();
    }

    // 2. The load: 50 users with real certificates of C050.
    let population = populate(&database_url, &work.join("setup")).await;
    let mut servers = start_together(&database_url, &dirs, true).await;
    let ca_pem = reqwest::get(servers[0].url("/pki/chain.pem"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let ca_path = work.join("ca.pem");
    std::fs::write(&ca_path, &ca_pem).unwrap();
    let ports: Vec<u16> = servers.iter().map(Server::port).collect();
    // The site's certificate from kanri's own CA: the clients trust that CA.
    let site = Some((population.site_cert.as_str(), population.site_key.as_str()));
    let nginx = Nginx::start_with_site(&ca_path, &ports, site)
        .await
        .unwrap();
    let site_ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap();
    let shared = Arc::new(Shared {
        nginx_url: nginx.url(),
        site_ca,
        figures: Figures::default(),
        used: Mutex::new(Vec::new()),
        generals: population
            .generals
            .iter()
            .map(|(id, _, _)| id.clone())
            .collect(),
        bank: population.bank.clone(),
    });
    let until = Instant::now() + Duration::from_secs(LOAD_SECONDS);
    let mut tasks = Vec::new();
    for (admin, users) in [(true, &population.admins), (false, &population.generals)] {
        for (login_id, der, key) in users.iter().cloned() {
            let shared = shared.clone();
            tasks.push(tokio::spawn(async move {
                let mut browser = Browser::new(&shared, &login_id, der, &key);
                while Instant::now() < until {
                    if admin {
                        admin_round(&mut browser, &shared).await;
                    } else {
                        general_round(&mut browser, &shared).await;
                    }
                }
            }));
        }
    }
    // Meanwhile each instance in turn: SIGKILL, restart; one at a time.
    let mut kills = 0;
    for server in servers.iter_mut() {
        tokio::time::sleep(Duration::from_secs(LOAD_SECONDS / (INSTANCES as u64 + 1))).await;
        server.kill().unwrap();
        kills += 1;
        server
            .restart()
            .await
            .expect("the killed instance comes back");
    }
    for task in tasks {
        task.await.unwrap();
    }
    let f = &shared.figures;
    // The bank's mails of the last grants are out before the mail is checked.
    kanri_app::use_cases::mail_notices::deliver_pending(&shared.bank)
        .await
        .unwrap();
    shared.bank.db.close().await;

    // 3. Afterwards.
    let access_log = nginx.access_log().unwrap();
    let per_instance = per_upstream(&access_log);
    let nginx_5xx = access_log.lines().filter(|l| l.contains("\" 5")).count();
    println!(
        "multi-instance: {} requests through nginx in {LOAD_SECONDS} s ({} connection errors), per upstream {per_instance:?}, \
         {kills} kills, {} logins, {} revocations ({} refused as already revoked or changed), {} issuances (取得), {} renewals (更新), \
         {} requests refused by their certificate, 5xx seen by clients {} / in nginx's log {nginx_5xx}",
        f.requests.load(Ordering::Relaxed),
        f.connection_errors.load(Ordering::Relaxed),
        f.logins.load(Ordering::Relaxed),
        f.revocations.load(Ordering::Relaxed),
        f.already_revoked.load(Ordering::Relaxed),
        f.issuances.load(Ordering::Relaxed),
        f.renewals.load(Ordering::Relaxed),
        f.refused_requests.load(Ordering::Relaxed),
        f.server_errors.load(Ordering::Relaxed),
    );
    if nginx_5xx > 0 {
        let errors = std::fs::read_to_string(nginx.prefix.join("error.log")).unwrap_or_default();
        let tail: Vec<&str> = errors.lines().rev().take(10).collect();
        eprintln!("nginx's error log ends with:\n{}", tail.join("\n"));
    }
    assert_eq!(f.server_errors.load(Ordering::Relaxed), 0, "no 5xx");
    assert_eq!(nginx_5xx, 0, "no 5xx in nginx's log either");
    assert!(f.revocations.load(Ordering::Relaxed) > 0 && f.issuances.load(Ordering::Relaxed) > 0);

    check_database(&mut db).await;
    check_publications(&servers, &nginx, &work, &mut db).await;
    check_sessions(&servers, &shared, &mut db).await;
    check_mail(&database_url, &work.join("mail"), &mut db).await;
    check_logs(&servers);
    measure_propagation(&servers, &population, &mut db).await;

    drop(nginx);
    for server in &mut servers {
        server.terminate().await.unwrap();
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// No half-done or duplicated operation in the database.
async fn check_database(db: &mut sqlx::AnyConnection) {
    let two_issued: i64 = sqlx::query("SELECT COUNT(*) FROM (SELECT user_id FROM certificates WHERE state = 'issued' GROUP BY user_id HAVING COUNT(*) > 1) t")
        .fetch_one(&mut *db).await.unwrap().get(0);
    assert_eq!(two_issued, 0, "no user has two 発行済み certificates");
    // Every revocation on the screen has exactly one success row; every
    // renewal's old certificate exactly one renewal row.
    let rows = sqlx::query(
        "SELECT c.serial, c.revocation_reason, \
           (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'certificate_revoke' AND a.outcome = 'success' AND a.target LIKE '%' || c.serial || '%') AS revokes, \
           (SELECT COUNT(*) FROM audit_log a WHERE a.action = 'certificate_renew' AND a.outcome = 'success' AND a.target LIKE '%(' || c.serial || ' →%') AS renews \
         FROM certificates c JOIN users u ON u.id = c.user_id JOIN contracts k ON k.id = u.contract_id \
         WHERE k.code = 'C050' AND c.state = 'revoked'",
    )
    .fetch_all(&mut *db)
    .await
    .unwrap();
    for row in &rows {
        let (serial, reason): (String, String) = (row.get(0), row.get(1));
        let (revokes, renews): (i64, i64) = (row.get(2), row.get(3));
        match reason.as_str() {
            "unspecified" => assert_eq!((revokes, renews), (1, 0), "{serial}"),
            "superseded" => assert_eq!((revokes, renews), (0, 1), "{serial}"),
            other => panic!("{serial}: unexpected reason {other}"),
        }
    }
    println!(
        "multi-instance: {} revoked certificates, each with exactly one success row",
        rows.len()
    );
}

/// Every revoked certificate is in the latest CRL and revoked by OCSP on
/// every instance.
async fn check_publications(
    servers: &[Server],
    nginx: &Nginx,
    work: &Path,
    db: &mut sqlx::AnyConnection,
) {
    let revoked: Vec<String> =
        sqlx::query("SELECT serial FROM certificates WHERE state = 'revoked' AND not_after > $1")
            .bind(kanri_app::domain::Timestamp(chrono::Utc::now()).to_db())
            .fetch_all(&mut *db)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    let crl = reqwest::get(servers[0].url("/pki/crl"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(work.join("crl.der"), &crl).unwrap();
    let text = run(
        "openssl",
        &[
            "crl",
            "-inform",
            "DER",
            "-noout",
            "-text",
            "-in",
            work.join("crl.der").to_str().unwrap(),
        ],
        None,
    );
    for serial in &revoked {
        assert!(text.contains(&serial.to_uppercase()), "{serial} in the CRL");
    }
    let ca = work.join("ca.pem");
    for server in servers {
        for batch in revoked.chunks(30) {
            let mut args = vec![
                "ocsp".to_owned(),
                "-issuer".into(),
                ca.display().to_string(),
                "-no_nonce".into(),
            ];
            for serial in batch {
                args.extend(["-serial".into(), format!("0x{serial}")]);
            }
            args.extend([
                "-url".into(),
                server.url("/pki/ocsp"),
                "-CAfile".into(),
                ca.display().to_string(),
            ]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let said = run("openssl", &args, None);
            assert_eq!(
                said.matches(": revoked").count(),
                batch.len(),
                "OCSP of {} on port {}: {said}",
                batch.len(),
                server.port()
            );
        }
    }
    let _ = nginx;
    println!("multi-instance: {} revoked certificates in the CRL and revoked by OCSP on each of {} instances", revoked.len(), servers.len());
}

/// No session is usable after its certificate's revocation, on any instance.
async fn check_sessions(servers: &[Server], shared: &Shared, db: &mut sqlx::AnyConnection) {
    let revoked: HashSet<Vec<u8>> =
        sqlx::query("SELECT der FROM certificates WHERE state = 'revoked' AND der IS NOT NULL")
            .fetch_all(&mut *db)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    let used = shared.used.lock().unwrap().clone();
    let stale: Vec<UsedSession> = used
        .into_iter()
        .filter(|s| revoked.contains(&s.certificate_der))
        .take(40)
        .collect();
    for session in &stale {
        for server in servers {
            let status = direct_get(server, "/", &session.cookie, &session.certificate_der).await;
            assert_ne!(
                status,
                200,
                "a session whose certificate is revoked opened ホーム on port {}",
                server.port()
            );
        }
    }
    println!(
        "multi-instance: {} sessions of revoked certificates refused on every instance",
        stale.len()
    );
}

/// No instance's log holds a secret: the CA passphrase or key, an import
/// password, a .p12, a password or its hash.
fn check_logs(servers: &[Server]) {
    for server in servers {
        let log = std::fs::read_to_string(server.log_path()).unwrap();
        for secret in [
            PASSPHRASE,
            IMPORT_PASSWORD,
            LOGIN_PASSWORD,
            CONFIRMATION_PASSWORD,
            "PRIVATE KEY",
            "$argon2",
        ] {
            assert!(
                !log.contains(secret),
                "{secret} in {}",
                server.log_path().display()
            );
        }
    }
}

/// The expiry notice (admin01 of the demo, 25 days) is queued once and each
/// queued message written once, whatever the restarts.
async fn check_mail(database_url: &str, folder: &Path, db: &mut sqlx::AnyConnection) {
    let queued: i64 = sqlx::query("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'expiry_notice'")
        .fetch_one(&mut *db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(queued, 1, "one expiry notice");
    // A kill between the hand-off and `sent_at` leaves a claimed row: let
    // its lease run out (as ten minutes later) and run the mail job once, as
    // the next periodic run would.
    let stranded = sqlx::query(
        "UPDATE mail_outbox SET claimed_at = '2000-01-01T00:00:00.000000Z' WHERE sent_at IS NULL AND claimed_at IS NOT NULL",
    )
    .execute(&mut *db)
    .await
    .unwrap()
    .rows_affected();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_kanri-server"))
        .arg("mail-run")
        // The instances run the demo (its CA serves nowhere else).
        .env("KANRI_DEMO", "1")
        .env("DATABASE_URL", database_url)
        .env("KANRI_CA_PASSPHRASE", PASSPHRASE)
        .env("KANRI_MAIL_DIR", folder)
        .env("KANRI_DATA_DIR", folder.parent().unwrap())
        .envs(kanri_testkit::token_env())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "mail-run: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ids: Vec<i64> =
        sqlx::query("SELECT id FROM mail_outbox WHERE sent_at IS NOT NULL ORDER BY id")
            .fetch_all(&mut *db)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    let total: i64 = sqlx::query("SELECT COUNT(*) FROM mail_outbox")
        .fetch_one(&mut *db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(ids.len() as i64, total, "every queued message sent");
    let mut files: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".eml"))
        .collect();
    files.sort();
    let mut expected: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                "{}.eml",
                kanri_app::use_cases::mail_notices::message_key(*id)
            )
        })
        .collect();
    expected.sort();
    assert_eq!(files, expected, "each message in the folder exactly once");
    println!(
        "multi-instance: {total} messages sent, each once ({stranded} left claimed by a killed instance and sent by the next run)"
    );
}

/// A revocation answered by instance A stops the very next request on B.
async fn measure_propagation(
    servers: &[Server],
    population: &Population,
    db: &mut sqlx::AnyConnection,
) {
    let (a, b) = (&servers[0], &servers[1]);
    // A general user's current certificate (it may have been renewed).
    let (login_id, der): (String, Vec<u8>) = {
        let row = sqlx::query(
            "SELECT u.login_id, c.der FROM certificates c JOIN users u ON u.id = c.user_id \
             WHERE u.login_id LIKE 'gen05%' AND c.state = 'issued' AND c.der IS NOT NULL ORDER BY u.login_id LIMIT 1",
        )
        .fetch_one(&mut *db)
        .await
        .unwrap();
        (row.get(0), row.get(1))
    };
    let _ = population;
    let login = [
        ("login_id", login_id.as_str()),
        ("password", LOGIN_PASSWORD),
    ];
    let (_, to, cookie) = direct(b, "/api/login", &login, None, Some(&der)).await;
    assert_eq!(to.as_deref(), Some("/"));
    let cookie = cookie.unwrap();
    assert_eq!(direct_get(b, "/", &cookie, &der).await, 200);
    // An admin of C050 revokes it through instance A.
    let admin_der: Vec<u8> = sqlx::query("SELECT c.der FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = 'adm05000' AND c.state = 'issued'")
        .fetch_one(&mut *db)
        .await
        .unwrap()
        .get(0);
    let (_, _, admin_cookie) = direct(
        a,
        "/api/login",
        &[("login_id", "adm05000"), ("password", LOGIN_PASSWORD)],
        None,
        Some(&admin_der),
    )
    .await;
    let admin_cookie = admin_cookie.unwrap();
    let serial: String = sqlx::query("SELECT c.serial FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1 AND c.state = 'issued'")
        .bind(&login_id)
        .fetch_one(&mut *db)
        .await
        .unwrap()
        .get(0);
    let form = [
        ("login_id", login_id.as_str()),
        ("serial", serial.as_str()),
        ("confirmation_password", CONFIRMATION_PASSWORD),
    ];
    let (_, to, _) = direct(
        a,
        "/api/revoke_certificate",
        &form,
        Some(&admin_cookie),
        Some(&admin_der),
    )
    .await;
    let answered = Instant::now();
    assert!(to.unwrap().contains("/revoke/result"));
    let next = direct_get(b, "/", &cookie, &der).await;
    let refused_after = answered.elapsed();
    assert_eq!(
        next, 403,
        "the very next request on the other instance is refused"
    );
    println!(
        "multi-instance: revocation answered by instance A (port {}) → the next request on instance B (port {}) refused {:.1} ms later",
        a.port(),
        b.port(),
        refused_after.as_secs_f64() * 1000.0
    );
}
