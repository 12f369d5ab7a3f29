//! 証明書状態照会: counts per 証明書状態, then one page of the contract's users.

use super::Viewer;
use crate::domain::overview::{OverviewRow, OverviewSort, StatusCounts};
use crate::domain::Page;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CertificateOverview {
    pub viewer: Viewer,
    pub counts: StatusCounts,
    pub rows: Vec<OverviewRow>,
    pub sort: OverviewSort,
    pub descending: bool,
    pub page: Page,
    /// Days before 有効期限 from which a certificate is 期限間近.
    pub notice_days: i64,
}
