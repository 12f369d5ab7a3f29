//! 証明書状態照会's read model: the contract's users with their 証明書状態,
//! the counts per state, and the columns a master user may sort by.

use super::{CertificateStatus, LoginId, RevocationReason, Role, Timestamp};
use serde::{Deserialize, Serialize};

/// How many users of the contract are in each 証明書状態.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub not_issued: usize,
    pub issued: usize,
    /// Of `issued`, those 期限間近.
    pub expiring_soon: usize,
    pub expired: usize,
    /// 一時停止中 (on hold until 再開).
    pub suspended: usize,
    pub revoked: usize,
}

impl StatusCounts {
    pub fn count(&mut self, status: CertificateStatus) {
        match status {
            CertificateStatus::NotIssued => self.not_issued += 1,
            CertificateStatus::Issued { expiring_soon } => {
                self.issued += 1;
                self.expiring_soon += usize::from(expiring_soon);
            }
            CertificateStatus::Expired => self.expired += 1,
            CertificateStatus::Suspended => self.suspended += 1,
            CertificateStatus::Revoked => self.revoked += 1,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OverviewRow {
    pub login_id: LoginId,
    pub name: String,
    pub role: Role,
    pub status: CertificateStatus,
    /// 有効期限 of a live (発行済み or 有効期限切れ) certificate.
    pub not_after: Option<Timestamp>,
    /// Whole days left; negative once expired; `None` without a live certificate.
    pub days_left: Option<i64>,
    /// 失効理由 of a revoked certificate.
    pub revocation_reason: Option<RevocationReason>,
}

/// Columns 証明書状態照会 sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OverviewSort {
    LoginId,
    Name,
    Role,
    Status,
    NotAfter,
}

impl OverviewSort {
    pub const ALL: [OverviewSort; 5] = [
        OverviewSort::LoginId,
        OverviewSort::Name,
        OverviewSort::Role,
        OverviewSort::Status,
        OverviewSort::NotAfter,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OverviewSort::LoginId => "login_id",
            OverviewSort::Name => "name",
            OverviewSort::Role => "role",
            OverviewSort::Status => "status",
            OverviewSort::NotAfter => "not_after",
        }
    }

    /// The sort a `sort` query value asks for; 有効期限 by default.
    pub fn from_code(code: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .unwrap_or(OverviewSort::NotAfter)
    }

    pub fn label(self) -> &'static str {
        match self {
            OverviewSort::LoginId => "ログインID",
            OverviewSort::Name => "利用者名",
            OverviewSort::Role => "利用者区分",
            OverviewSort::Status => "証明書状態",
            OverviewSort::NotAfter => "有効期限（残り日数）",
        }
    }
}
