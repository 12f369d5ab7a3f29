//! The list page while 32 clients flood the login with wrong passwords (each
//! an argon2id verification; the attempt limits are off for the bench, so
//! every one reaches argon2): logins must queue behind the hash cap without
//! starving the pages or growing the memory.

use super::pages::LIST_PAGE;
use super::wrk::{self, Load};
use crate::repeat::Repeat;
use crate::server::{http, rss};
use kanri_testkit::Server;
use std::time::{Duration, Instant};

/// Clients posting wrong passwords at once.
pub const CLIENTS: usize = 32;

#[derive(Clone, Copy, Debug)]
pub struct Flood {
    /// Failed logins answered per second while wrk loaded the list page.
    pub logins_per_second: f64,
    /// The list page meanwhile.
    pub list: Load,
    /// The server's peak RSS after the flood, in KiB.
    pub peak_rss_kib: u64,
}

/// The flood starts a second before wrk's `seconds` on the list page and
/// ends about a second after; logins are counted over wrk's run only.
pub async fn measure(server: &Server, cookie: &str, seconds: u64) -> Flood {
    let (http, url) = (http(), server.url("/api/login"));
    let flood_until = Instant::now() + Duration::from_secs(seconds + 2);
    let flood = Repeat::spawn(CLIENTS, flood_until, move |client| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let login_id = format!("flood{client:04}");
            http.post(&url)
                .header("accept", "text/html")
                .form(&[
                    ("login_id", login_id.as_str()),
                    ("password", "Wrong-Pass-99"),
                ])
                .send()
                .await
                .is_ok()
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let answered_before = flood.so_far();
    let list = wrk::run(&server.url(LIST_PAGE), Some(cookie), seconds);
    let logins_per_second =
        (flood.so_far() - answered_before) as f64 / started.elapsed().as_secs_f64();
    flood.join().await;
    Flood {
        logins_per_second,
        list,
        peak_rss_kib: rss(server).peak_kib,
    }
}
