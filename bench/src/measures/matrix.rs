//! The page matrix: 利用者一覧 (A001's 100 users) and 作業内容選択 beside the
//! minimal Leptos page of the same server, on each backend, over plain HTTP
//! (A001 with ID and password) and over kanri's HTTPS listener presenting
//! master01's certificate with 電子証明書方式 on for A001 (the certificate
//! checked on every request). Every load comes from kanri-bench's own
//! generator (wrk cannot present a certificate), the three pages in turns so
//! that a drift of the shared machine's load falls on all three alike.

use super::load::{self, Loaded, Request, Sample, Target, CONNECTIONS};
use super::pages::{LIST_PAGE, MENU_PAGE, MINIMAL_PAGE};
use crate::fixtures::{self, Database, LIST_CONTRACT, LIST_MASTER, LIST_USERS};
use crate::pki_files::{ca_certificate, demo_client};
use kanri_testkit::Server;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// Rounds of the three pages; each page gets `seconds / ROUNDS` per round.
const ROUNDS: u32 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Http,
    HttpsWithCertificate,
}

impl Transport {
    pub fn label(self) -> &'static str {
        match self {
            Transport::Http => "HTTP",
            Transport::HttpsWithCertificate => "HTTPS + client certificate (電子証明書方式)",
        }
    }
}

/// One backend over one transport.
#[derive(Clone, Copy, Debug)]
pub struct MatrixRow {
    pub backend: &'static str,
    pub transport: Transport,
    pub list: Loaded,
    pub menu: Loaded,
    pub minimal: Loaded,
}

impl MatrixRow {
    pub fn list_ratio(&self) -> f64 {
        self.list.ok_per_second() / self.minimal.ok_per_second()
    }

    pub fn menu_ratio(&self) -> f64 {
        self.menu.ok_per_second() / self.minimal.ok_per_second()
    }
}

/// Both transports on `server`, whose data is in `db`: `seconds` of load per
/// page and transport. Leaves 電子証明書方式 off for A001.
pub async fn measure(server: &Server, db: &Database, seconds: u64) -> [MatrixRow; 2] {
    let at = |port| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let (_, root_der) = ca_certificate(server).await;
    let master = demo_client(server, LIST_MASTER);
    let http = Target::http(at(server.port()));
    let https = Target::https(at(server.tls_port()), &root_der, Some(&master));

    fixtures::set_certificate_login(db, LIST_CONTRACT, false).await;
    let plain = pages(&http, seconds).await;
    // A session is bound to the certificate only when it logs in with
    // 電子証明書方式 on: it logs in again after the switch.
    fixtures::set_certificate_login(db, LIST_CONTRACT, true).await;
    let checked = pages(&https, seconds).await;
    fixtures::set_certificate_login(db, LIST_CONTRACT, false).await;

    let row = |transport, [list, menu, minimal]: [Loaded; 3]| MatrixRow {
        backend: db.label(),
        transport,
        list,
        menu,
        minimal,
    };
    [
        row(Transport::Http, plain),
        row(Transport::HttpsWithCertificate, checked),
    ]
}

/// master01 logs in through `target`, then the list, the menu and the
/// minimal page are loaded in [`ROUNDS`] rounds, each round in another
/// order: [list, menu, minimal].
pub async fn pages(target: &Target, seconds: u64) -> [Loaded; 3] {
    let cookie = target.login(LIST_MASTER).await;
    let requests = [
        Request::get(LIST_PAGE).header("cookie", cookie.clone()),
        Request::get(MENU_PAGE).header("cookie", cookie),
        Request::get(MINIMAL_PAGE),
    ];
    check_list(target, &requests[0]).await;
    let turn = Duration::from_secs(seconds) / ROUNDS;
    let mut samples: [Sample; 3] = Default::default();
    for round in 0..ROUNDS as usize {
        for k in 0..3 {
            let page = (round + k) % 3;
            let sample = load::sample(target, &requests[page], CONNECTIONS, turn).await;
            samples[page] = std::mem::take(&mut samples[page]).merge(sample);
        }
    }
    samples.map(Sample::figures)
}

/// The list page answers with A001's 100 users, not a refusal.
async fn check_list(target: &Target, request: &Request) {
    let answer = target.once(request).await;
    let html = String::from_utf8_lossy(&answer.body);
    assert_eq!(answer.status, 200, "{LIST_PAGE}: {html}");
    assert_eq!(
        html.matches("<tr").count() - 1,
        LIST_USERS,
        "the list page shows 100 users"
    );
}
