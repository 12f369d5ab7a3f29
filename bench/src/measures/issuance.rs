//! 取得 per second through the server, as a browser with JavaScript off
//! posts it: 証明書取得認証 (`POST /api/issuance_authenticate`, one argon2id
//! verification of the ログインパスワード) and then the key-method form
//! (`POST /certificate/submit`, multipart), each time for a fresh user
//! without a certificate. Once with a key made on the server (.p12) and once
//! with a CSR. argon2 bounds both: everything else must fit beside it.

use crate::fixtures::{self, PASSWORD};
use crate::repeat::Repeat;
use crate::server::http;
use kanri_testkit::Server;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Clients obtaining certificates at once.
pub const CLIENTS: usize = 8;
/// Users made per method and per second of the run: above any rate argon2
/// allows (about 45/s on the bench machine), so no client runs out.
const USERS_PER_SECOND: u64 = 200;
/// The contract of the users who obtain certificates.
const CONTRACT: &str = "I001";
/// The import password typed (twice) on the .p12 form.
const IMPORT_PASSWORD: &str = "Import-Pass-01";
const MULTIPART_BOUNDARY: &str = "kanri-bench-7d1f3a";

#[derive(Clone, Copy, Debug)]
pub struct Issuance {
    pub p12: Obtained,
    pub csr: Obtained,
}

#[derive(Clone, Copy, Debug)]
pub struct Obtained {
    /// 取得 that reached 証明書発行結果, per second.
    pub per_second: f64,
    /// 取得 answered otherwise.
    pub failures: usize,
}

/// Adds the users to the database in `dir` (the server's), then runs each
/// method for `seconds`.
pub async fn measure(server: &Server, dir: &Path, csr_pem: &[u8], seconds: u64) -> Issuance {
    let per_method = (USERS_PER_SECOND * seconds) as i64;
    let mut db = fixtures::open(dir).await;
    fixtures::add_contract_with_master(&mut db, CONTRACT, "benchm03").await;
    fixtures::add_users_without_certificates(&mut db, CONTRACT, "isp", per_method).await;
    fixtures::add_users_without_certificates(&mut db, CONTRACT, "isc", per_method).await;
    let users = |prefix: &str| (0..per_method).map(|i| format!("{prefix}{i:06}")).collect();
    let p12 = multipart(&[
        ("flow", "Issuance"),
        ("method", "p12"),
        ("import_password", IMPORT_PASSWORD),
        ("import_password_repeat", IMPORT_PASSWORD),
    ]);
    let csr = multipart(&[
        ("flow", "Issuance"),
        ("method", "csr"),
        ("csr_text", std::str::from_utf8(csr_pem).expect("a PEM CSR")),
    ]);
    Issuance {
        p12: obtain(server, users("isp"), p12, seconds).await,
        csr: obtain(server, users("isc"), csr, seconds).await,
    }
}

/// A `multipart/form-data` body of text fields, as a browser sends the form.
fn multipart(fields: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        write!(
            body,
            "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .unwrap();
    }
    body + &format!("--{MULTIPART_BOUNDARY}--\r\n")
}

/// [`CLIENTS`] clients, each taking the next user of `users` and obtaining
/// its certificate with the key-method form `form`, until `seconds` pass.
async fn obtain(server: &Server, users: Vec<String>, form: String, seconds: u64) -> Obtained {
    let (users, next) = (Arc::new(users), Arc::new(AtomicUsize::new(0)));
    let failures = Arc::new(AtomicUsize::new(0));
    let urls = (
        server.url("/api/issuance_authenticate"),
        server.url("/certificate/submit"),
    );
    let (http, form) = (http(), bytes::Bytes::from(form));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let counting = failures.clone();
    let obtained = Repeat::spawn(CLIENTS, until, move |_| {
        let (http, urls, form) = (http.clone(), urls.clone(), form.clone());
        let (users, next, failures) = (users.clone(), next.clone(), counting.clone());
        async move {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let login_id = users.get(at).expect("enough users for the run");
            let done = obtain_one(&http, &urls, login_id, form).await;
            if !done {
                failures.fetch_add(1, Ordering::Relaxed);
            }
            done
        }
    })
    .join()
    .await;
    Obtained {
        per_second: obtained as f64 / started.elapsed().as_secs_f64(),
        failures: failures.load(Ordering::Relaxed),
    }
}

/// 証明書取得認証 and the key-method form for one user; whether it reached
/// 証明書発行結果.
async fn obtain_one(
    http: &reqwest::Client,
    (authenticate, submit): &(String, String),
    login_id: &str,
    form: bytes::Bytes,
) -> bool {
    let res = http
        .post(authenticate)
        .header("accept", "text/html")
        .form(&[("login_id", login_id), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let to_method = res.status() == 302 && location(&res) == Some("/certificate/issue/method");
    // The session is made (and its ID rotated) by this step: its cookie.
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok());
    let (true, Some(cookie)) = (to_method, cookie.and_then(|c| c.split(';').next())) else {
        return false;
    };
    let res = http
        .post(submit)
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"),
        )
        .body(form)
        .send()
        .await
        .unwrap();
    res.status() == 303 && location(&res) == Some("/certificate/issue/result")
}

fn location(res: &reqwest::Response) -> Option<&str> {
    res.headers().get("location")?.to_str().ok()
}
