//! 証明書発行履歴: the filter as understood, and one page of rows.

use super::Viewer;
use crate::domain::register::RegisterRow;
use crate::domain::{LoginId, Page};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CertificateRegister {
    pub viewer: Viewer,
    /// The 利用者 filter as applied: empty for every user.
    pub user: String,
    /// Why the filter was ignored, if it was.
    pub filter_message: Option<String>,
    /// The contract's users (the filter's choices).
    pub users: Vec<(LoginId, String)>,
    pub rows: Vec<RegisterRow>,
    pub page: Page,
}
