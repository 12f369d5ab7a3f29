//! 実行 per second: revoking certificates through the server, as the
//! confirmation screen's form posts it, straight to an instance or through
//! nginx (any [`Target`]).

use super::load::{Connection, Request, Target};
use crate::fixtures::{CONFIRMATION, REVOCATION_MASTER};
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
/// its share one after the other on its own connection until `seconds`
/// have passed.
pub async fn measure(target: &Target, targets: Vec<(String, String)>, seconds: u64) -> Revocations {
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        let cookie = target.login(REVOCATION_MASTER).await;
        let connection = target.connect().await.expect("a connection for 実行");
        sessions.push((cookie, connection));
    }
    let per_session = targets.len() / SESSIONS;
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let sessions: Vec<_> = sessions
        .into_iter()
        .zip(targets.chunks_exact(per_session))
        .map(|((cookie, connection), share)| {
            tokio::spawn(revoke_share(connection, cookie, share.to_vec(), until))
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
    mut connection: Connection,
    cookie: String,
    share: Vec<(String, String)>,
    until: Instant,
) -> (usize, usize) {
    let (mut revoked, mut failures) = (0, 0);
    for (login_id, serial) in share {
        if Instant::now() >= until {
            break;
        }
        let form =
            format!("login_id={login_id}&serial={serial}&confirmation_password={CONFIRMATION}");
        let request = Request::post(
            "/api/revoke_certificate",
            "application/x-www-form-urlencoded",
            form,
        )
        .header("accept", "text/html")
        .header("cookie", cookie.clone());
        let answer = connection.send(&request).await.expect("an answer to 実行");
        let to_result = answer
            .header("location")
            .is_some_and(|l| l.contains("/result"));
        *if to_result {
            &mut revoked
        } else {
            &mut failures
        } += 1;
    }
    (revoked, failures)
}
