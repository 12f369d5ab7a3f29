//! The scale database (100,000 users, 1,000,000 certificate rows): the list
//! page on it, to compare with the small database's, and the expiry scan.

use super::expiry::{self, ExpiryScan};
use super::pages::LIST_PAGE;
use super::wrk::{self, Load};
use crate::args::Args;
use crate::fixtures::{self, LIST_MASTER};
use crate::server;
use std::path::Path;
use std::time::Instant;

#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub users: i64,
    pub certificates: i64,
    /// How long writing the scale data took.
    pub build_seconds: f64,
    pub expiry: ExpiryScan,
    /// How long the server took to deliver the expiry notices the scan
    /// queued (before the list is measured), if it finished in time.
    pub delivery_seconds: Option<f64>,
    /// 利用者一覧 (A001's same 100 users) on the scale database.
    pub list: Load,
}

/// Builds the scale database in `dir` and measures on it.
pub async fn measure(args: &Args, dir: &Path) -> Scale {
    std::fs::create_dir_all(dir).unwrap();
    // A first start creates the schema and the demo data.
    server::stop(server::start(args, dir, None).await).await;
    let build_started = Instant::now();
    fixtures::fill_scale(dir).await;
    let build_seconds = build_started.elapsed().as_secs_f64();
    let (users, certificates) = fixtures::count_rows(dir).await;
    let expiry = expiry::measure(dir).await;
    let server = server::start(args, dir, None).await;
    // The scan just queued 10,000 notices, which the server starts to
    // deliver at once (a commit per notice). The budget compares the list on
    // a large database with the small one, not with a mail burst beside it:
    // the list is measured once they are out (a 40-day scan runs daily).
    let delivery_seconds = fixtures::mail_delivered_within(dir, 300).await;
    let cookie = server::login(&server, LIST_MASTER).await;
    let list = wrk::run(&server.url(LIST_PAGE), Some(&cookie), args.seconds);
    server::stop(server).await;
    Scale {
        users,
        certificates,
        build_seconds,
        expiry,
        delivery_seconds,
        list,
    }
}
