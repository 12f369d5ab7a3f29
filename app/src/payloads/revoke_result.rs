//! 証明書失効結果.

use super::Viewer;
use crate::domain::{CertificateStatus, LoginId, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResultPage {
    pub viewer: Viewer,
    pub login_id: LoginId,
    pub name: String,
    pub status: CertificateStatus,
    pub revoked_at: Option<Timestamp>,
}
