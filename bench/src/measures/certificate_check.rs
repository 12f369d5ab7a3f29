//! 電子証明書方式's price: 作業内容選択 over kanri's HTTPS listener, every
//! connection presenting master02's certificate, with the check on every
//! request (the certificate against the session's serial, the CA and the
//! status database; SPEC 7.5) and with 電子証明書方式 turned off for B002
//! (read per request, no restart), in turns. Last, the same page over plain
//! HTTP: what TLS itself costs.

use super::load::{self, Loaded, Request, Sample, Target, CONNECTIONS};
use super::pages::MENU_PAGE;
use crate::fixtures::{self, Database};
use crate::pki_files::{PkiFiles, CERTIFICATE_CONTRACT, CERTIFICATE_MASTER};
use kanri_testkit::Server;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

/// 電子証明書方式 on or off in each turn, each turn an equal share of the
/// measure's seconds for either: in an order whose mirror halves cancel a
/// drift of the shared machine's load over the run (steady or not), the
/// last leaving it off for the plain HTTP load.
pub const TURNS: [bool; 8] = [true, false, false, true, false, true, true, false];

#[derive(Clone, Copy, Debug)]
pub struct CertificateCheck {
    /// HTTPS with the certificate, 電子証明書方式 on.
    pub checked: Loaded,
    /// HTTPS with the certificate, 電子証明書方式 off.
    pub unchecked: Loaded,
    /// Plain HTTP, 電子証明書方式 off.
    pub plain: Loaded,
}

/// With and without the check, `seconds` each over [`TURNS`], then plain
/// HTTP for `seconds`, on the server whose data is in `dir`. Leaves
/// 電子証明書方式 off for B002.
pub async fn measure(
    server: &Server,
    dir: &Path,
    files: &PkiFiles,
    seconds: u64,
) -> CertificateCheck {
    let at = |port| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let https = Target::https(at(server.tls_port()), &files.root_der, Some(&files.master));
    let db = Database::Sqlite(dir.to_owned());
    let turn = Duration::from_secs(seconds) * 2 / TURNS.len() as u32;
    let (mut checked, mut unchecked) = (Sample::default(), Sample::default());
    let mut cookie = String::new();
    for on in TURNS {
        fixtures::set_certificate_login(&db, CERTIFICATE_CONTRACT, on).await;
        // A session is bound to the certificate when it logs in with the
        // check on, and not otherwise: a new one for every turn.
        cookie = https.login(CERTIFICATE_MASTER).await;
        let sample = load_menu(&https, &cookie, turn).await;
        let sum = if on { &mut checked } else { &mut unchecked };
        *sum = std::mem::take(sum).merge(sample);
    }
    let plain = Duration::from_secs(seconds);
    let plain = load_menu(&Target::http(at(server.port())), &cookie, plain).await;
    CertificateCheck {
        checked: checked.figures(),
        unchecked: unchecked.figures(),
        plain: plain.figures(),
    }
}

/// Checks that the menu page answers 200, then loads it for `duration`.
async fn load_menu(target: &Target, cookie: &str, duration: Duration) -> Sample {
    let request = Request::get(MENU_PAGE).header("cookie", cookie);
    let answer = target.once(&request).await;
    assert!(
        answer.status == 200 && String::from_utf8_lossy(&answer.body).contains("作業内容選択"),
        "{MENU_PAGE} with {CERTIFICATE_MASTER}'s session: {}",
        answer.status
    );
    load::sample(target, &request, CONNECTIONS, duration).await
}
