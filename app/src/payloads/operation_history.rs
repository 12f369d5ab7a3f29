//! 操作履歴照会: the filter as understood, and one page of rows.

use super::Viewer;
use crate::domain::history::AuditRow;
use crate::domain::history::HistoryFilterForm;
use crate::domain::{LoginId, Page};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditHistory {
    pub viewer: Viewer,
    pub filter: HistoryFilterForm,
    /// Why part of the filter was ignored, if it was.
    pub filter_message: Option<String>,
    /// The contract's users (the 利用者 filter's choices).
    pub users: Vec<(LoginId, String)>,
    pub rows: Vec<AuditRow>,
    pub page: Page,
    /// The earliest day that can be asked for (100 days back), `YYYY-MM-DD`.
    pub window_start: String,
}
