//! Each measure as a function returning its figures, and [`Results`], all
//! the figures of one run, from which the report is written.

pub mod argon2;
pub mod behind_nginx;
pub mod bytes;
pub mod certificate_check;
pub mod crl;
pub mod expiry;
pub mod flood;
pub mod hsm;
pub mod issuance;
pub mod issuance_cpu;
pub mod load;
pub mod machine;
pub mod matrix;
pub mod ocsp;
pub mod pages;
pub mod reads;
pub mod revocations;
pub mod scale;
pub mod wrk;

use chrono::{DateTime, Utc};

/// Everything one run measured.
#[derive(Debug)]
pub struct Results {
    pub started: DateTime<Utc>,
    /// Seconds per load measure.
    pub seconds: u64,
    pub machine: String,
    pub bytes: bytes::BrowserBytes,
    pub argon2_per_second: f64,
    pub idle_rss: IdleRss,
    /// Bytes of the list page's HTML.
    pub list_page_bytes: usize,
    pub pages: pages::Pages,
    pub flood: flood::Flood,
    pub revocations: revocations::Revocations,
    pub reads: reads::DatabaseReads,
    pub scale: scale::Scale,
    /// 取得 through the server, both key methods.
    pub issuance: issuance::Issuance,
    /// `issuance::prepare` alone, in process.
    pub issuance_cpu: issuance_cpu::IssuanceCpu,
    /// 作業内容選択 over HTTPS with and without 電子証明書方式, and over HTTP.
    pub certificate_check: certificate_check::CertificateCheck,
    pub ocsp: ocsp::Ocsp,
    pub crl: crl::Crl,
    /// 利用者一覧 and 作業内容選択 beside the minimal page: SQLite and
    /// PostgreSQL, each over HTTP and over HTTPS with a certificate.
    pub matrix: Vec<matrix::MatrixRow>,
    /// nginx in front of one instance on SQLite, one and three on PostgreSQL.
    pub behind_nginx: Vec<behind_nginx::NginxRow>,
    /// Issue 24: 取得 with the CA key in SoftHSM2, OCSP beside OpenSSL's.
    pub hsm: hsm::Hsm,
}

/// The server's resident memory at rest on the small database, in KiB (the
/// peaks under load are taken by the measures that make the load).
#[derive(Clone, Copy, Debug)]
pub struct IdleRss {
    /// Right after start, with the demo data loaded.
    pub after_start_kib: u64,
    /// A second after a login, before any load.
    pub after_login_kib: u64,
}
