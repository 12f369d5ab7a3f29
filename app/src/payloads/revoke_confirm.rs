//! 証明書失効確認 (BRSK019).

use super::Viewer;
use crate::domain::revocation::RevocationConfirmation;
use crate::domain::{RevokeRefusal, Role};
use serde::{Deserialize, Serialize};

/// What the confirmation screen shows: the target, or why it cannot be shown.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConfirmationPage {
    pub viewer: Viewer,
    pub confirmation: Result<RevocationConfirmation, RevokeRefusal>,
}

impl ConfirmationPage {
    /// Who can release the viewer's stopped 確認用パスワード.
    pub fn releaser(&self) -> &'static str {
        Role::password_releaser(self.viewer.role)
    }
}
