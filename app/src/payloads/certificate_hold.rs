//! 証明書一時停止・再開: the list, the confirmation and the result.

use super::Viewer;
use crate::domain::suspension::{HoldCandidate, HoldConfirmation, HoldResult};
use crate::domain::{RevokeRefusal, Role};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldList {
    pub viewer: Viewer,
    pub candidates: Vec<HoldCandidate>,
}

/// The confirmation: the target, or why it cannot be shown.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldConfirmationPage {
    pub viewer: Viewer,
    pub confirmation: Result<HoldConfirmation, RevokeRefusal>,
}

impl HoldConfirmationPage {
    /// Who can release the viewer's stopped 確認用パスワード.
    pub fn releaser(&self) -> &'static str {
        Role::password_releaser(self.viewer.role)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldResultPage {
    pub viewer: Viewer,
    pub result: HoldResult,
}
