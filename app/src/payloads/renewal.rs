//! 証明書取得 認証 (CCHK002) of 更新: the certificate the browser presented.

use crate::domain::{CertificateRefusal, CertificateSerial, LoginId, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RenewalStart {
    /// The presented certificate, or why it cannot be renewed.
    pub presented: Result<PresentedCertificate, CertificateRefusal>,
    /// The HTTPS address where a browser can present its certificate.
    pub https_url: String,
}

/// The manual's 証明書一覧 entry the user picked.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PresentedCertificate {
    pub login_id: LoginId,
    pub name: String,
    pub common_name: String,
    pub serial: CertificateSerial,
    pub not_after: Timestamp,
    /// Expired, where 取得 would ask for a 発行用コード: CCHK002 asks for it.
    pub needs_code: bool,
}
