//! 実行 per second: revoking certificates through the server, as the
//! confirmation screen's form posts it.

use crate::fixtures::{CONFIRMATION, REVOCATION_MASTER};
use crate::server::{http, login};
use kanri_server::harness::Server;
use std::time::{Duration, Instant};

/// Sessions of the revoking master, each revoking its own share of targets.
pub const SESSIONS: usize = 8;

#[derive(Clone, Copy, Debug)]
pub struct Revocations {
    /// 実行 answered with the result page, per second.
    pub per_second: f64,
    /// 実行 answered otherwise.
    pub failures: usize,
}

/// `targets` are (ログインID, serial) pairs, the serial read from the
/// database as the confirmation screen would carry it. Each session posts
/// its share one after the other until `seconds` have passed.
pub async fn measure(server: &Server, targets: Vec<(String, String)>, seconds: u64) -> Revocations {
    let mut cookies = Vec::new();
    for _ in 0..SESSIONS {
        cookies.push(login(server, REVOCATION_MASTER).await);
    }
    let per_session = targets.len() / SESSIONS;
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let sessions: Vec<_> = cookies
        .into_iter()
        .zip(targets.chunks_exact(per_session))
        .map(|(cookie, share)| {
            let url = server.url("/api/revoke_certificate");
            tokio::spawn(revoke_share(url, cookie, share.to_vec(), until))
        })
        .collect();
    let (mut revoked, mut failures) = (0, 0);
    for session in sessions {
        let (r, f) = session.await.unwrap();
        revoked += r;
        failures += f;
    }
    Revocations {
        per_second: revoked as f64 / started.elapsed().as_secs_f64(),
        failures,
    }
}

/// One session's 実行 of its share, until `until`: (revoked, not revoked).
async fn revoke_share(
    url: String,
    cookie: String,
    share: Vec<(String, String)>,
    until: Instant,
) -> (usize, usize) {
    let http = http();
    let (mut revoked, mut failures) = (0, 0);
    for (login_id, serial) in share {
        if Instant::now() >= until {
            break;
        }
        let res = http
            .post(&url)
            .header("accept", "text/html")
            .header("cookie", &cookie)
            .form(&[
                ("login_id", login_id.as_str()),
                ("serial", serial.as_str()),
                ("confirmation_password", CONFIRMATION),
            ])
            .send()
            .await
            .unwrap();
        let to_result = res
            .headers()
            .get("location")
            .is_some_and(|l| l.to_str().unwrap().contains("/result"));
        *if to_result {
            &mut revoked
        } else {
            &mut failures
        } += 1;
    }
    (revoked, failures)
}
