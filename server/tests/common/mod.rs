//! Test harness: a fresh database with the demo data per test, on SQLite
//! always and on PostgreSQL when `KANRI_TEST_POSTGRES_URL` is set (CI sets
//! it, so there a missing PostgreSQL fails instead of skipping), and an HTTP
//! client that drives the real router with `oneshot` and keeps its cookie.

#![allow(dead_code)]

pub mod peers;
pub mod smtp;

use axum::body::{to_bytes, Body};
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use kanri_app::infra::config::Config;
use kanri_app::infra::password::HashCost;
use kanri_app::state::AppState;
use leptos::config::LeptosOptions;
use sqlx::{Connection, Executor, Row};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tower::ServiceExt;

pub const LOGIN_PASSWORD: &str = "Login-Pass-01";
pub const CONFIRMATION_PASSWORD: &str = "Kakunin-Pass-01";

/// A ログインID the test names (the operator's commands take parsed IDs).
pub fn id(login_id: &str) -> kanri_app::domain::LoginId {
    kanri_app::domain::LoginId::parse(login_id).expect("a valid ログインID")
}

/// Declares one test body run against each backend: `name::sqlite` and
/// `name::postgres`; with `with_and_without_caches:` also each with every
/// memory cache off (`KANRI_CACHES=off`, `infra::cache`), so that the same
/// test proves the cached path and the plain one alike.
#[macro_export]
macro_rules! on_both_databases {
    (with_and_without_caches: $($name:ident),+ $(,)?) => {$(
        mod $name {
            $crate::on_both_databases!(@backends $name, kanri_app::infra::cache::CacheMode::Keep);
            mod without_caches {
                $crate::on_both_databases!(@backends $name, kanri_app::infra::cache::CacheMode::Off);
            }
        }
    )+};
    (@backends $name:ident, $caches:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn sqlite() {
            let app = $crate::common::TestApp::start($crate::common::Backend::Sqlite, |c| c.caches = $caches);
            $crate::$name(app.await.unwrap()).await
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        #[cfg_attr(not(kanri_postgres), ignore = "KANRI_TEST_POSTGRES_URL is not set")]
        async fn postgres() {
            let app = $crate::common::TestApp::start($crate::common::Backend::Postgres, |c| c.caches = $caches);
            $crate::$name(app.await.expect("KANRI_TEST_POSTGRES_URL is not set")).await
        }
    };
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::common::TestApp::start($crate::common::Backend::Sqlite, |_| {}).await.unwrap()).await
            }
            // Without KANRI_TEST_POSTGRES_URL at build time (server/build.rs)
            // the variant is ignored: counted as such, never passed unrun.
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[cfg_attr(not(kanri_postgres), ignore = "KANRI_TEST_POSTGRES_URL is not set")]
            async fn postgres() {
                let app = $crate::common::TestApp::start($crate::common::Backend::Postgres, |_| {})
                    .await
                    .expect("KANRI_TEST_POSTGRES_URL is not set");
                super::$name(app).await
            }
        }
    )+};
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub backend: Backend,
    pub state: AppState,
    pub router: Router,
    /// This app's data folder (the demo's .p12 files are under it).
    pub data_dir: PathBuf,
    cleanup: Cleanup,
    _data_dir_cleanup: Cleanup,
}

/// A second kanri on the same database: its own state, pool and caches, as
/// another instance has (the database belongs to the first).
pub struct OtherInstance {
    pub state: AppState,
    pub router: Router,
}

impl OtherInstance {
    pub fn client(&self) -> Client {
        Client::new(self.router.clone())
    }
}

/// What a test made and removes when dropped.
pub enum Cleanup {
    File(PathBuf),
    Folder(PathBuf),
    Database { admin_url: String, name: String },
}

/// A new PostgreSQL database beside `admin_url`'s: its URL, and the guard
/// that drops it.
pub async fn fresh_postgres(admin_url: &str, prefix: &str) -> (String, Cleanup) {
    let name = random_name(prefix);
    let mut conn = sqlx::AnyConnection::connect(admin_url)
        .await
        .expect("KANRI_TEST_POSTGRES_URL is set but PostgreSQL cannot be reached");
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .expect("URL with a database name");
    let cleanup = Cleanup::Database {
        admin_url: admin_url.to_owned(),
        name: name.clone(),
    };
    (format!("{base}/{name}"), cleanup)
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Folder(path) => {
                let _ = std::fs::remove_dir_all(path);
            }
            Cleanup::Database { admin_url, name } => {
                // Drop runs outside async; a small runtime of its own drops the database.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin_url).await {
                            let _ = conn
                                .execute(
                                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                                )
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

fn random_name(prefix: &str) -> String {
    format!("{prefix}{:016x}", rand::random::<u64>())
}

/// The root's key as `ca-init` hands it to the bank, and its passphrase.
pub struct RootKey {
    pub sealed: kanri_pki::SealedKey,
    pub passphrase: kanri_pki::Passphrase,
}

/// `ca-init` on `config`'s (new) database, with the demo's names.
async fn ca_init(config: &Config) -> RootKey {
    use kanri_app::use_cases::certificate_authority::{self as ca, CaNames};
    let db = kanri_server::startup::connect(config)
        .await
        .expect("database");
    let names = CaNames {
        organization: ca::DEMO_ORGANIZATION.into(),
        common_name: "KANRI CA 1".into(),
        root_common_name: "KANRI ROOT CA".into(),
        unit: ca::DEMO_UNIT.into(),
    };
    let passphrase = kanri_pki::Passphrase::new("the-roots-passphrase-in-the-vault");
    let mut sealed = None;
    let keep = |key: &kanri_pki::SealedKey| {
        sealed = Some(key.clone());
        Ok(())
    };
    let now = kanri_app::infra::clock::Clock::system().now();
    ca::create(&db, config, &names, &passphrase, keep, now)
        .await
        .expect("ca-init");
    db.close().await;
    RootKey {
        sealed: sealed.expect("the root's key was handed over"),
        passphrase,
    }
}

/// The SoftHSM2 token `.ci/softhsm` prepared, when it did
/// (`kanri_testkit::test_token`), and its PIN: every test app then keeps
/// its CA's key in it, so CI runs the certificate tests against a PKCS#11
/// token too.
pub fn test_token() -> Option<(kanri_pki::TokenConfig, String)> {
    let (module, token_label, pin) = kanri_testkit::test_token()?;
    Some((
        kanri_pki::TokenConfig {
            module,
            token_label,
        },
        pin,
    ))
}

pub fn test_config(database_url: String, data_dir: PathBuf) -> Config {
    Config {
        database_url,
        data_dir,
        demo: true,
        session_idle: Duration::from_secs(15 * 60),
        session_absolute: Duration::from_secs(8 * 3600),
        secure_cookies: false,
        // Cheap hashes keep the suite fast; production refuses them (see
        // `HashCost::meets_owasp_minimum` and its unit test).
        hash_cost: HashCost::TESTING,
        hash_concurrency: 4,
        max_db_connections: 8,
        mail: kanri_app::infra::config::MailConfig {
            from: "kanri <noreply@kanri.invalid>".into(),
            transport: kanri_app::infra::config::MailTransport::Files(
                std::env::temp_dir().join(random_name("kanri-mail-")),
            ),
            interval: Duration::from_secs(24 * 3600),
        },
        expiry_reminder_days: vec![40, 10],
        renewal_grace_days: 30,
        metrics_token: None,
        // Tests fire many attempts from one address; the throttle has its own tests.
        attempts_per_client_per_minute: 100_000,
        attempts_per_account_per_minute: 100_000,
        trusted_proxies: Vec::new(),
        json_logs: false,
        caches: kanri_app::infra::cache::CacheMode::Keep,
        max_connections: 512,
        max_connections_per_client: 128,
        header_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(30),
        bench_bare_file: None,
        // Demo mode opens the demo CA with the demo passphrase, or, when
        // `.ci/softhsm` has made a SoftHSM2 token, keeps the CA's key there
        // with the token's PIN.
        ca_passphrase: test_token().map(|(_, pin)| kanri_pki::Passphrase::new(pin)),
        ca_token: test_token().map(|(token, _)| token),
        public_url: "http://127.0.0.1:3000".into(),
        tls: None,
        https_url: None,
    }
}

impl TestApp {
    /// Another instance on this app's database.
    pub async fn other_instance(&self) -> OtherInstance {
        self.instance_with(|_| {}).await
    }

    async fn instance_with(&self, adjust: impl FnOnce(&mut Config)) -> OtherInstance {
        let mut config = test_config(
            self.state.config.database_url.clone(),
            self.data_dir.clone(),
        );
        config.mail = self.state.config.mail.clone();
        config.caches = self.state.config.caches;
        adjust(&mut config);
        let options = LeptosOptions::builder().output_name("kanri").build();
        // Instances share the time, as real ones share the real clock.
        let clock = self.state.clock.clone();
        let state = kanri_server::startup::build_state_with_clock(config, options, clock)
            .await
            .expect("start another instance");
        let router = kanri_server::app(state.clone());
        OtherInstance { state, router }
    }

    /// A new database with the demo data; `None` for PostgreSQL when no URL is given.
    pub async fn start(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        Self::start_keeping(backend, adjust, None).await
    }

    /// [`TestApp::start`] with its demo CA made the way `ca-init` makes a
    /// bank's: the root's sealed key comes back, as the bank's vault keeps
    /// it (`ca-rollover` needs it), with its passphrase.
    pub async fn start_with_root(backend: Backend) -> Option<(TestApp, RootKey)> {
        let mut root = None;
        let app = Self::start_keeping(backend, |_| {}, Some(&mut root)).await?;
        Some((app, root.expect("the root's key")))
    }

    /// The same instance started again on its database (a restart after
    /// `ca-rollover`) with its configuration changed by `adjust`: a new
    /// state, pool and caches.
    pub async fn restart_with(&mut self, adjust: impl FnOnce(&mut Config)) {
        let OtherInstance { state, router } = self.instance_with(adjust).await;
        self.state = state;
        self.router = router;
    }

    async fn start_keeping(
        backend: Backend,
        adjust: impl FnOnce(&mut Config),
        keep_root: Option<&mut Option<RootKey>>,
    ) -> Option<TestApp> {
        sqlx::any::install_default_drivers();
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.db", random_name("kanri-test-")));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Backend::Postgres => {
                let admin_url = std::env::var("KANRI_TEST_POSTGRES_URL")
                    .ok()
                    .filter(|u| !u.is_empty())?;
                fresh_postgres(&admin_url, "kanri_t_").await
            }
        };
        let data_dir = std::env::temp_dir().join(random_name("kanri-data-"));
        let mut config = test_config(url, data_dir.clone());
        adjust(&mut config);
        if let Some(keep_root) = keep_root {
            *keep_root = Some(ca_init(&config).await);
        }
        let options = LeptosOptions::builder().output_name("kanri").build();
        let state = kanri_server::build_state(config, options)
            .await
            .expect("start kanri");
        let router = kanri_server::app(state.clone());
        Some(TestApp {
            backend,
            state,
            router,
            _data_dir_cleanup: Cleanup::Folder(data_dir.clone()),
            data_dir,
            cleanup,
        })
    }

    pub fn client(&self) -> Client {
        Client::new(self.router.clone())
    }

    /// A client already logged in as `login_id`, presenting the user's
    /// certificate if they have one (as their browser would: 電子証明書方式
    /// contracts need it).
    pub async fn logged_in(&self, login_id: &str) -> Client {
        let mut client = self.client();
        client.presented = self.newest_der(login_id).await;
        let res = client.login(login_id, LOGIN_PASSWORD).await;
        assert_eq!(
            res.location(),
            Some("/"),
            "login of {login_id} failed: {res:?}"
        );
        client
    }

    pub async fn scalar_i64(&self, sql: &str, bind: &str) -> i64 {
        let row = sqlx::query(sql)
            .bind(bind)
            .fetch_one(self.state.db.pool())
            .await
            .unwrap();
        row.try_get::<i64, _>(0).unwrap()
    }

    pub async fn scalar_string(&self, sql: &str, bind: &str) -> Option<String> {
        let row = sqlx::query(sql)
            .bind(bind)
            .fetch_optional(self.state.db.pool())
            .await
            .unwrap();
        row.and_then(|r| r.try_get::<Option<String>, _>(0).unwrap())
    }

    /// A column of a user's newest certificate.
    async fn newest_certificate(&self, column: &str, login_id: &str) -> String {
        let sql = format!(
            "SELECT c.{column} FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1 \
             ORDER BY c.not_before DESC, c.id DESC LIMIT 1"
        );
        self.scalar_string(&sql, login_id).await.unwrap()
    }

    /// The DER of a user's newest certificate, if they have one.
    pub async fn newest_der(&self, login_id: &str) -> Option<Vec<u8>> {
        let row = sqlx::query(
            "SELECT c.der FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1 \
             ORDER BY c.not_before DESC, c.id DESC LIMIT 1",
        )
        .bind(login_id)
        .fetch_optional(self.state.db.pool())
        .await
        .unwrap();
        row.and_then(|r| r.try_get::<Option<Vec<u8>>, _>(0).unwrap())
    }

    /// The DER of a user's newest certificate.
    pub async fn certificate_der(&self, login_id: &str) -> Vec<u8> {
        let row = sqlx::query(
            "SELECT c.der FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1 \
             ORDER BY c.not_before DESC, c.id DESC LIMIT 1",
        )
        .bind(login_id)
        .fetch_one(self.state.db.pool())
        .await
        .unwrap();
        row.try_get::<Vec<u8>, _>(0).unwrap()
    }

    /// Certificates of a user in a state.
    pub async fn certificates_in_state(&self, login_id: &str, state: &str) -> i64 {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1 AND c.state = $2",
        )
        .bind(login_id)
        .bind(state)
        .fetch_one(self.state.db.pool())
        .await
        .unwrap();
        row.try_get::<i64, _>(0).unwrap()
    }

    /// A client presenting `login_id`'s newest certificate, as a browser
    /// does over kanri's HTTPS listener.
    pub async fn presenting(&self, login_id: &str) -> Client {
        let mut client = self.client();
        client.presented = Some(self.certificate_der(login_id).await);
        client
    }

    /// The current ワンタイムパスワード of a secret, at this app's clock.
    pub fn otp_code(&self, secret_base32: &str) -> String {
        let secret = kanri_pki::TotpSecret::from_base32(secret_base32).unwrap();
        kanri_pki::totp_code(&secret, kanri_pki::time_step(self.state.clock.now().0))
    }

    /// State of a user's newest certificate (`issued`, `revoked`, …).
    pub async fn certificate_state(&self, login_id: &str) -> String {
        self.newest_certificate("state", login_id).await
    }

    pub async fn certificate_serial(&self, login_id: &str) -> String {
        self.newest_certificate("serial", login_id).await
    }

    pub async fn confirmation_failures(&self, login_id: &str) -> i64 {
        self.scalar_i64(
            "SELECT confirmation_failures FROM users WHERE login_id = $1",
            login_id,
        )
        .await
    }

    /// How many certificates a user has ever had.
    pub async fn certificates_of(&self, login_id: &str) -> i64 {
        self.scalar_i64(
            "SELECT COUNT(*) FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.login_id = $1",
            login_id,
        )
        .await
    }

    /// A 発行用コード granted by the bank (the operator command's use case).
    pub async fn grant_by_bank(&self, login_id: &str) -> String {
        kanri_app::use_cases::operator::grant_issuance_code(&self.state, &id(login_id))
            .await
            .unwrap()
            .code
            .display()
    }

    /// The bodies of the event notices queued for a user's address, as
    /// they are stored (a secret they carry is not in them).
    pub async fn event_mails_to(&self, login_id: &str) -> Vec<String> {
        let email = email_of(&self.state, login_id).await;
        let rows = sqlx::query(
            "SELECT body FROM mail_outbox WHERE kind = 'event_notice' AND recipient = $1 ORDER BY id",
        )
        .bind(email)
        .fetch_all(self.state.db.pool())
        .await
        .unwrap();
        rows.iter().map(|r| r.try_get("body").unwrap()).collect()
    }

    /// Delivers the outbox (the tests' files transport) and returns the
    /// decoded bodies of every message a user's address has received.
    pub async fn delivered_to(&self, login_id: &str) -> Vec<String> {
        // A background delivery (started by the event) may hold some
        // messages: wait until every one is sent, by it or by this call.
        for _ in 0..250 {
            kanri_app::use_cases::mail_notices::deliver_pending(&self.state)
                .await
                .unwrap();
            let unsent: i64 = sqlx::query("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
                .fetch_one(self.state.db.pool())
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            if unsent == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let email = email_of(&self.state, login_id).await;
        let kanri_app::infra::config::MailTransport::Files(dir) = &self.state.config.mail.transport
        else {
            panic!("the tests write mail to files");
        };
        let mut bodies = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let eml = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if !eml.contains(&format!("To: {email}")) {
                continue;
            }
            bodies.push(decode_message(&eml).1);
        }
        bodies
    }

    /// 操作履歴 rows of one actor's action with an outcome.
    pub async fn audit_count_of(&self, actor: &str, action: &str, outcome: &str) -> i64 {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM audit_log WHERE actor = $1 AND action = $2 AND outcome = $3",
        )
        .bind(actor)
        .bind(action)
        .bind(outcome)
        .fetch_one(self.state.db.pool())
        .await
        .unwrap();
        row.try_get::<i64, _>(0).unwrap()
    }

    /// 操作履歴 rows of an action with an outcome and (optional) reason.
    pub async fn audit_count(&self, action: &str, outcome: &str, reason: Option<&str>) -> i64 {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND outcome = $2 AND ($3 = '' OR reason = $3)",
        )
        .bind(action)
        .bind(outcome)
        .bind(reason.unwrap_or(""))
        .fetch_one(self.state.db.pool())
        .await
        .unwrap();
        row.try_get::<i64, _>(0).unwrap()
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub body_bytes: Vec<u8>,
}

impl TestResponse {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn is_redirect(&self) -> bool {
        self.status.is_redirection()
    }
}

/// A browser stand-in: one cookie, `Accept: text/html` like a real form post,
/// and (like a browser over kanri's HTTPS listener) the client certificate
/// its connection presented, if any.
#[derive(Clone)]
pub struct Client {
    router: Router,
    pub cookie: Option<String>,
    pub presented: Option<Vec<u8>>,
    extra_header: Option<(String, String)>,
}

impl Client {
    /// A browser without a cookie or a certificate.
    fn new(router: Router) -> Self {
        Client {
            router,
            cookie: None,
            presented: None,
            extra_header: None,
        }
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
        accept: &str,
    ) -> TestResponse {
        let body = form.map(|fields| {
            (
                "application/x-www-form-urlencoded".to_owned(),
                encode_form(fields).into_bytes(),
            )
        });
        self.send_body(method, path, body, accept).await
    }

    /// Posts raw bytes with a content type (an OCSP request, say).
    pub async fn post_bytes(
        &mut self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        self.send_body(
            Method::POST,
            path,
            Some((content_type.to_owned(), body)),
            "*/*",
        )
        .await
    }

    /// Posts a form with one more request header (a proxy's, say).
    pub async fn send_with_header(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        header: (&str, &str),
    ) -> TestResponse {
        self.extra_header = Some((header.0.to_owned(), header.1.to_owned()));
        let res = self.post_form(path, fields).await;
        self.extra_header = None;
        res
    }

    /// GET with one more request header (an `Authorization`, say).
    pub async fn get_with_header(&mut self, path: &str, header: (&str, &str)) -> TestResponse {
        self.extra_header = Some((header.0.to_owned(), header.1.to_owned()));
        let res = self.get(path).await;
        self.extra_header = None;
        res
    }

    /// Posts a `multipart/form-data` form: `(name, value, file name)`.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &[u8], Option<&str>)],
    ) -> TestResponse {
        let boundary = "kanri-test-boundary-7d1a";
        let mut body = Vec::new();
        for (name, value, file) in fields {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let disposition = match file {
                Some(file) => format!("form-data; name=\"{name}\"; filename=\"{file}\""),
                None => format!("form-data; name=\"{name}\""),
            };
            body.extend_from_slice(
                format!("Content-Disposition: {disposition}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.send_body(Method::POST, path, Some((content_type, body)), "text/html")
            .await
    }

    async fn send_body(
        &mut self,
        method: Method,
        path: &str,
        body: Option<(String, Vec<u8>)>,
        accept: &str,
    ) -> TestResponse {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::ACCEPT, accept)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::USER_AGENT, "kanri-test");
        if let Some(cookie) = &self.cookie {
            req = req.header(header::COOKIE, cookie.as_str());
        }
        if let Some((name, value)) = &self.extra_header {
            req = req.header(name.as_str(), value.as_str());
        }
        let body = match body {
            Some((content_type, bytes)) => {
                // Browsers send the length of a form post; so do we.
                req = req
                    .header(header::CONTENT_TYPE, content_type)
                    .header(header::CONTENT_LENGTH, bytes.len());
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let mut req = req.body(body).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50000))));
        if let Some(der) = &self.presented {
            req.extensions_mut()
                .insert(kanri_app::request::PresentedCertificate(
                    std::sync::Arc::new(der.clone()),
                ));
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        for set_cookie in res.headers().get_all(header::SET_COOKIE) {
            let value = set_cookie.to_str().unwrap();
            let pair = value.split(';').next().unwrap().trim();
            let removed = value.contains("Max-Age=0") || pair.ends_with('=');
            self.cookie = if removed { None } else { Some(pair.to_owned()) };
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = to_bytes(res.into_body(), 16 * 1024 * 1024).await.unwrap();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            body_bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Method::GET, path, None, "text/html").await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.send(Method::POST, path, Some(fields), "text/html")
            .await
    }

    pub async fn login(&mut self, login_id: &str, password: &str) -> TestResponse {
        self.post_form(
            "/api/login",
            &[("login_id", login_id), ("password", password)],
        )
        .await
    }

    /// Posts 実行 on the confirmation screen.
    pub async fn execute_revocation(
        &mut self,
        login_id: &str,
        serial: &str,
        password: &str,
    ) -> TestResponse {
        self.post_form(
            "/api/revoke_certificate",
            &[
                ("login_id", login_id),
                ("serial", serial),
                ("confirmation_password", password),
            ],
        )
        .await
    }

    /// 実行 with the right 確認用パスワード, which must end on the result
    /// screen: its address.
    pub async fn revoke(&mut self, login_id: &str, serial: &str) -> String {
        let res = self
            .execute_revocation(login_id, serial, CONFIRMATION_PASSWORD)
            .await;
        let location = res.location().unwrap_or_default().to_owned();
        assert!(
            location.starts_with("/kanri/users/revoke/result"),
            "{location}: {res:?}"
        );
        location
    }
}

pub fn encode_form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                kanri_app::routes::query_value(k),
                kanri_app::routes::query_value(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Asserts that a statement was refused by one schema rule, not merely
/// refused (a misspelt column fails too). PostgreSQL names the constraint
/// (or the trigger's message); SQLite names the columns of a unique index
/// and the name of a CHECK constraint or trigger message, so the test says
/// what SQLite prints for the same rule.
pub fn assert_refused_by<T: std::fmt::Debug>(
    app: &TestApp,
    result: Result<T, sqlx::Error>,
    rule: &str,
    sqlite_says: &str,
) {
    let err = result.expect_err(&format!("{rule} must refuse this"));
    let db = err
        .as_database_error()
        .unwrap_or_else(|| panic!("{rule}: not a database error: {err}"));
    let message = db.message();
    let by_rule = match app.state.db.backend() {
        kanri_app::db::Backend::Postgres => db.constraint() == Some(rule) || message.contains(rule),
        kanri_app::db::Backend::Sqlite => message.contains(sqlite_says),
    };
    assert!(by_rule, "expected {rule} to refuse, got: {message}");
}

/// 更新 of `user`'s certificate (presented), a key made on the server.
pub async fn renew_with_p12(app: &TestApp, user: &str) {
    let mut client = app.presenting(user).await;
    let res = client
        .post_form("/api/renewal_authenticate", &[("password", LOGIN_PASSWORD)])
        .await;
    assert_eq!(res.location(), Some("/certificate/renew/method"));
    let p12 = b"Import-Pass-01";
    let fields: [(&str, &[u8], Option<&str>); 4] = [
        ("flow", b"Renewal", None),
        ("method", b"p12", None),
        ("import_password", p12, None),
        ("import_password_repeat", p12, None),
    ];
    let done = client.post_multipart("/certificate/submit", &fields).await;
    assert_eq!(done.location(), Some("/certificate/renew/result"));
}

/// The value of `<input … name="NAME" value="…">` in a page.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let rest = &html[at..];
    let start = rest.find("value=\"")? + 7;
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_owned())
}

/// Runs `openssl` with arguments and panics with its stderr if it fails.
fn run_openssl(args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `openssl` with arguments; its stdout.
pub fn openssl(args: &[&str]) -> String {
    String::from_utf8_lossy(&run_openssl(args).stdout).into_owned()
}

/// [`openssl`] with what it says on stderr too (its verdicts: "Response
/// verify OK").
pub fn openssl_said(args: &[&str]) -> String {
    let out = run_openssl(args);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A scratch folder for files handed to openssl.
/// A message as sent (CRLF, maybe base64): its headers and its decoded
/// body, with plain newlines.
pub fn decode_message(data: &str) -> (String, String) {
    use base64::Engine;
    let (headers, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    let base64 = headers
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64");
    let body = if base64 {
        let compact: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .unwrap();
        String::from_utf8(bytes).unwrap().replace("\r\n", "\n")
    } else {
        body.replace("\r\n", "\n")
    };
    (headers.replace("\r\n", "\n"), body)
}

/// A user's registered e-mail address.
pub async fn email_of(state: &AppState, login_id: &str) -> String {
    let row = sqlx::query("SELECT email FROM users WHERE login_id = $1")
        .bind(login_id)
        .fetch_one(state.db.pool())
        .await
        .unwrap();
    row.try_get("email").unwrap()
}

pub fn scratch_dir() -> PathBuf {
    peers::scratch("files")
}

/// Registers a ワンタイムパスワード for `login_id` through ホーム's screens;
/// returns its secret (base32). The clock then moves a step on, so that the
/// next code is a new one.
pub async fn register_otp(app: &TestApp, login_id: &str) -> String {
    let mut client = app.logged_in(login_id).await;
    let page = client.get("/otp/register").await;
    let start =
        page.body.find("id=\"otp-secret\">").expect("secret shown") + "id=\"otp-secret\">".len();
    let end = start + page.body[start..].find('<').unwrap();
    let secret: String = page.body[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let code = app.otp_code(&secret);
    let res = client
        .post_form(
            "/api/otp_register",
            &[("code", &code), ("password", LOGIN_PASSWORD)],
        )
        .await;
    assert_eq!(res.location(), Some("/?notice=otp_registered"), "{res:?}");
    app.state.clock.advance(chrono::Duration::seconds(30));
    secret
}

/// A certificate as nginx forwards it (`$ssl_client_escaped_cert`): PEM, URL-encoded.
pub fn nginx_escaped_pem(der: &[u8]) -> String {
    kanri_pki::encode_pem("CERTIFICATE", der)
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// 証明書取得認証 with an optional 発行用コード; where it sends the browser.
pub async fn issuance_authenticate(
    client: &mut Client,
    login_id: &str,
    password: &str,
    code: &str,
) -> String {
    let res = client
        .post_form(
            "/api/issuance_authenticate",
            &[
                ("login_id", login_id),
                ("password", password),
                ("issuance_code", code),
            ],
        )
        .await;
    res.location().unwrap_or_default().to_owned()
}
