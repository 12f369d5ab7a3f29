//! The screens of 取得 and 更新 after their first step: ワンタイムパスワード
//! (CCHK003), the key method, and the result (証明書発行結果 / CCHK007).
//! Both flows show the same screens; `Flow` says which heading, screen ID
//! and addresses.

use crate::domain::{CertificateSerial, LoginId, Timestamp};
use serde::{Deserialize, Serialize};

/// Which of the two ways to a new certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flow {
    /// 取得: by ログインID and ログインパスワード.
    Issuance,
    /// 更新: by the current certificate and the ログインパスワード.
    Renewal,
}

impl Flow {
    /// The heading prefix of the flow's screens.
    pub fn title(self) -> &'static str {
        match self {
            Flow::Issuance => "証明書取得",
            Flow::Renewal => "証明書更新",
        }
    }
}

/// What the ワンタイムパスワード and key-method screens need to know.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StepPage {
    pub flow: Flow,
    pub login_id: LoginId,
    pub name: String,
}

/// 証明書発行結果 / CCHK007: the manual's 証明書情報.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssuedCertificate {
    pub flow: Flow,
    pub organization: String,
    pub organizational_unit: String,
    pub common_name: String,
    pub serial: CertificateSerial,
    pub not_after: Timestamp,
    /// The CSR route: the certificate in PEM.
    pub pem: Option<String>,
    /// The `.p12` route: whether its one download is still to come.
    pub download_pending: bool,
    /// Days before 有効期限 when ホーム and the first mail give notice
    /// (a result kept in a session from before this field: SPEC's 40).
    #[serde(default = "forty")]
    pub notice_days: i64,
}

fn forty() -> i64 {
    crate::domain::NoticeWindow::DEFAULT.days()
}
