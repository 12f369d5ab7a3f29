//! 証明書失効 — 利用者一覧 / 対象者の選択 (BRSK018).

use super::Viewer;
use crate::domain::revocation::RevocationCandidate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CandidateList {
    pub viewer: Viewer,
    pub candidates: Vec<RevocationCandidate>,
}
