//! 利用者一覧 (A001's 100 users, logged in) under wrk beside its baselines:
//! the menu page (session and user reads), a minimal Leptos page with the
//! same shell, and a bare axum handler serving the list page's bytes.

use super::wrk::{self, Load};
use crate::fixtures::LIST_USERS;
use crate::server::{page, rss};
use kanri_testkit::Server;

/// 利用者一覧, the page the budget is about.
pub const LIST_PAGE: &str = "/kanri/users/revoke";
/// 作業内容選択: the session and user reads, no list.
pub const MENU_PAGE: &str = "/kanri/users";
/// A minimal Leptos SSR page with the same shell (a `bench` build only).
pub const MINIMAL_PAGE: &str = "/bench/minimal";
/// The minimal page after one database round trip (a `bench` build only).
pub const ONE_READ_PAGE: &str = "/bench/one-read";
/// A bare axum handler serving the list page's HTML (`KANRI_BENCH_BARE_FILE`).
pub const BARE_PAGE: &str = "/bench/bare";

#[derive(Clone, Copy, Debug)]
pub struct Pages {
    pub list: Load,
    pub menu: Load,
    pub minimal: Load,
    pub one_read: Load,
    pub bare: Load,
    /// The server's peak RSS right after the list page's load, in KiB.
    pub peak_rss_list_kib: u64,
    /// The server's peak RSS after all five loads, in KiB.
    pub peak_rss_all_kib: u64,
}

/// The list page's HTML, checked to show A001's 100 users.
pub async fn list_page_html(server: &Server, cookie: &str) -> String {
    let html = page(server, LIST_PAGE, cookie).await;
    assert_eq!(
        html.matches("<tr").count() - 1,
        LIST_USERS,
        "the list page shows 100 users"
    );
    html
}

/// The five pages one after the other, `seconds` each; `cookie` is a
/// session of A001's master (the bench pages need none).
pub fn measure(server: &Server, cookie: &str, seconds: u64) -> Pages {
    let list = wrk::run(&server.url(LIST_PAGE), Some(cookie), seconds);
    let peak_rss_list_kib = rss(server).peak_kib;
    let menu = wrk::run(&server.url(MENU_PAGE), Some(cookie), seconds);
    let minimal = wrk::run(&server.url(MINIMAL_PAGE), None, seconds);
    let one_read = wrk::run(&server.url(ONE_READ_PAGE), None, seconds);
    let bare = wrk::run(&server.url(BARE_PAGE), None, seconds);
    Pages {
        list,
        menu,
        minimal,
        one_read,
        bare,
        peak_rss_list_kib,
        peak_rss_all_kib: rss(server).peak_kib,
    }
}
