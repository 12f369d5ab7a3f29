//! The deployment of SPEC section 8 under load (issue 13): Debian's nginx
//! with the repository's configuration (`server/deploy/nginx.conf`, TLS
//! ending at nginx, the client certificate forwarded in `X-SSL-Client-Cert`)
//! in front of one instance on SQLite, one on PostgreSQL, and three on the
//! same PostgreSQL. Through it, 利用者一覧 with master01's certificate
//! (電子証明書方式 on for A001, so every request's forwarded certificate is
//! checked), and 実行 as in the direct measure.
//!
//! On one machine of two cores, nginx, the instances, PostgreSQL and the
//! load generator share the same two cores: three instances cannot be
//! faster than one here; what the rows show is what a second and third
//! process cost, and what nginx's TLS and extra hop cost against the
//! direct figures of the page matrix.

use super::load::{Loaded, Target};
use super::machine::{children, CpuTicks};
use super::matrix;
use super::revocations::{self, Revocations};
use crate::fixtures::{self, Database, LIST_CONTRACT, LIST_MASTER};
use crate::pki_files::{ca_certificate, demo_client};
use kanri_pki::{encode_pem, Ca, CaSubject};
use kanri_testkit::nginx::{per_upstream, Nginx};
use kanri_testkit::Server;
use std::net::{Ipv4Addr, SocketAddr};

/// One setup behind nginx.
#[derive(Clone, Debug)]
pub struct NginxRow {
    pub backend: &'static str,
    pub instances: usize,
    /// 利用者一覧, 作業内容選択 and the minimal page, as in the page matrix.
    pub list: Loaded,
    pub menu: Loaded,
    pub minimal: Loaded,
    pub revocations: Revocations,
    /// Who used the cores while the three pages were loaded.
    pub cpu: CpuSplit,
    /// Requests each instance answered (nginx's access log), in start order.
    pub per_instance: Vec<usize>,
}

/// nginx in front of `servers` (sharing the data in `db`): the three pages
/// for `seconds` each, then 実行 for `seconds`.
pub async fn measure(servers: &[Server], db: &Database, seconds: u64) -> NginxRow {
    let first = &servers[0];
    let (kanri_ca_pem, _) = ca_certificate(first).await;
    let kanri_ca = first.spec().data_dir().join("kanri-ca.pem");
    std::fs::write(&kanri_ca, kanri_ca_pem).unwrap();
    let (site_ca_der, site_cert, site_key) = site_certificate();
    let ports: Vec<u16> = servers.iter().map(Server::port).collect();
    let nginx = Nginx::start_with_site(&kanri_ca, &ports, Some((&site_cert, &site_key)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let at = SocketAddr::from((Ipv4Addr::LOCALHOST, nginx.port));

    let master = demo_client(first, LIST_MASTER);
    let with_certificate = Target::https(at, &site_ca_der, Some(&master));
    fixtures::set_certificate_login(db, LIST_CONTRACT, true).await;
    let mut pids: Vec<u32> = servers.iter().map(Server::pid).collect();
    pids.push(nginx.pid());
    pids.extend(children(nginx.pid()));
    pids.push(std::process::id());
    let before = CpuTicks::now(&pids);
    let [list, menu, minimal] = matrix::pages(&with_certificate, seconds).await;
    let used = CpuTicks::now(&pids).since(&before);
    let cpu = CpuSplit::from_ticks(&used, servers.len());
    fixtures::set_certificate_login(db, LIST_CONTRACT, false).await;

    let targets = fixtures::revocation_targets(db).await;
    let without_certificate = Target::https(at, &site_ca_der, None);
    let revocations = revocations::measure(&without_certificate, targets, seconds).await;

    let counts = per_upstream(&nginx.access_log().unwrap());
    let per_instance = ports
        .iter()
        .map(|port| {
            counts
                .get(&format!("127.0.0.1:{port}"))
                .copied()
                .unwrap_or(0)
        })
        .collect();
    NginxRow {
        backend: db.label(),
        instances: servers.len(),
        list,
        menu,
        minimal,
        revocations,
        cpu,
        per_instance,
    }
}

/// Shares of the machine's busy CPU time under the pages' load.
#[derive(Clone, Copy, Debug)]
pub struct CpuSplit {
    /// Cores busy on average (of the machine's).
    pub cores_busy: f64,
    /// The kanri instances together.
    pub kanri: f64,
    /// nginx, master and workers.
    pub nginx: f64,
    /// kanri-bench itself: the load generator's TLS and HTTP.
    pub load_generator: f64,
    /// Everything else: PostgreSQL's backends (on PostgreSQL), the kernel's
    /// own work, other processes.
    pub rest: f64,
}

impl CpuSplit {
    /// From ticks of [the instances…, nginx and its workers…, this process],
    /// the first `instances` being kanri.
    fn from_ticks(used: &CpuTicks, instances: usize) -> CpuSplit {
        let last = used.processes.len() - 1;
        let kanri: f64 = (0..instances).map(|i| used.share(i)).sum();
        let nginx: f64 = (instances..last).map(|i| used.share(i)).sum();
        let load_generator = used.share(last);
        CpuSplit {
            cores_busy: used.cores_busy(),
            kanri,
            nginx,
            load_generator,
            rest: (1.0 - kanri - nginx - load_generator).max(0.0),
        }
    }
}

/// nginx's certificate for 127.0.0.1 from a throwaway CA of the bench's
/// own, as a bank's site certificate comes from a public CA, not kanri's:
/// (that CA's certificate DER, the site's certificate PEM, its key PEM).
fn site_certificate() -> (Vec<u8>, String, String) {
    let now = chrono::Utc::now();
    let subject = CaSubject {
        organization: "kanri-bench".into(),
        common_name: "kanri-bench site CA".into(),
    };
    let ca = Ca::generate(&subject, now).expect("a site CA");
    let site = ca
        .issue_server_certificate(&["127.0.0.1"], now, 2)
        .expect("a site certificate");
    (
        ca.certificate_der().to_vec(),
        encode_pem("CERTIFICATE", &site.certificate_der),
        site.key.to_pem().to_string(),
    )
}
