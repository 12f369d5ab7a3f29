//! 証明書失効確認 (BRSK019).

use super::Viewer;
use crate::domain::{
    CertificateSerial, CertificateStatus, LoginId, RevokeRefusal, Role, Timestamp,
};
use serde::{Deserialize, Serialize};

/// What the confirmation screen shows: the target, or why it cannot be shown.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConfirmationPage {
    pub viewer: Viewer,
    pub confirmation: Result<RevocationConfirmation, RevokeRefusal>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RevocationConfirmation {
    pub login_id: LoginId,
    pub name: String,
    pub status: CertificateStatus,
    pub not_after: Timestamp,
    /// Carried back with 実行, so that the certificate revoked is the one shown.
    pub serial: CertificateSerial,
    /// The master is about to revoke their own certificate.
    pub own_certificate: bool,
    /// Wrong 確認用パスワード entries so far (shown after a failure).
    pub confirmation_failures: i64,
}

impl ConfirmationPage {
    /// Who can release the viewer's stopped 確認用パスワード.
    pub fn releaser(&self) -> &'static str {
        Role::password_releaser(self.viewer.role)
    }
}
