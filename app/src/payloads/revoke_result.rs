//! 証明書失効結果.

use super::Viewer;
use crate::domain::revocation::RevocationResult;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResultPage {
    pub viewer: Viewer,
    pub result: RevocationResult,
}
