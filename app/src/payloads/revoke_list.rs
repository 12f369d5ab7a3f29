//! 証明書失効 — 利用者一覧 / 対象者の選択 (BRSK018).

use super::Viewer;
use crate::domain::revocation::NotSelectable;
use crate::domain::{CertificateStatus, LoginId, Role, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CandidateList {
    pub viewer: Viewer,
    pub candidates: Vec<RevocationCandidate>,
}

/// One row of 利用者一覧.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevocationCandidate {
    pub login_id: LoginId,
    pub name: String,
    pub role: Role,
    pub status: CertificateStatus,
    pub not_after: Option<Timestamp>,
    /// Why the row cannot be selected; `None` when it can.
    pub not_selectable: Option<NotSelectable>,
}
