//! What pages show: plain data prepared by the server (labels and Japan-time
//! strings already resolved), and the outcomes of actions as codes that
//! travel in a redirect's query string and map back to fixed sentences.

use serde::{Deserialize, Serialize};

/// The logged-in user as the layout and ホーム show them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Viewer {
    pub login_id: String,
    pub name: String,
    pub role_label: String,
    pub may_administer: bool,
    pub contract_name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HomeData {
    pub viewer: Viewer,
    pub previous_login_jst: Option<String>,
    /// Present when the own certificate is 期限間近 or 有効期限切れ.
    pub expiry_notice: Option<ExpiryNotice>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExpiryNotice {
    pub expired: bool,
    pub not_after_jst: String,
    pub days_left: i64,
}

/// One row of 利用者一覧 (BRSK018).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RevocationCandidate {
    pub login_id: String,
    pub name: String,
    pub role_label: String,
    pub status_label: String,
    pub expiring_soon: bool,
    pub not_after_jst: Option<String>,
    /// Why the row cannot be selected; `None` when it can.
    pub not_selectable_because: Option<String>,
}

/// 証明書失効確認 (BRSK019).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RevocationConfirmation {
    pub login_id: String,
    pub name: String,
    pub status_label: String,
    pub not_after_jst: String,
    pub serial: String,
    /// The master is about to revoke their own certificate.
    pub own_certificate: bool,
    /// Wrong 確認用パスワード entries so far (shown after a failure).
    pub confirmation_failures: i64,
}

/// 証明書失効結果.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RevocationResult {
    pub login_id: String,
    pub name: String,
    pub status_label: String,
    pub revoked_at_jst: Option<String>,
}

/// Why a revocation step was refused. Each has a stable code for the
/// redirect back to the screen and one sentence for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RevokeRefusal {
    NotSelected,
    NotFound,
    NotPermitted,
    NotRevocable,
    AlreadyRevoked,
    CertificateChanged,
    PasswordMissing,
    WrongPassword,
    PasswordNowStopped,
    PasswordStopped,
    Throttled,
}

impl RevokeRefusal {
    const ALL: [RevokeRefusal; 11] = [
        RevokeRefusal::NotSelected,
        RevokeRefusal::NotFound,
        RevokeRefusal::NotPermitted,
        RevokeRefusal::NotRevocable,
        RevokeRefusal::AlreadyRevoked,
        RevokeRefusal::CertificateChanged,
        RevokeRefusal::PasswordMissing,
        RevokeRefusal::WrongPassword,
        RevokeRefusal::PasswordNowStopped,
        RevokeRefusal::PasswordStopped,
        RevokeRefusal::Throttled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RevokeRefusal::NotSelected => "not_selected",
            RevokeRefusal::NotFound => "not_found",
            RevokeRefusal::NotPermitted => "not_permitted",
            RevokeRefusal::NotRevocable => "not_revocable",
            RevokeRefusal::AlreadyRevoked => "already_revoked",
            RevokeRefusal::CertificateChanged => "certificate_changed",
            RevokeRefusal::PasswordMissing => "password_missing",
            RevokeRefusal::WrongPassword => "wrong_password",
            RevokeRefusal::PasswordNowStopped => "password_now_stopped",
            RevokeRefusal::PasswordStopped => "password_stopped",
            RevokeRefusal::Throttled => "throttled",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The sentence on screen. `releaser` is who can release the actor's
    /// stopped 確認用パスワード (マスターユーザ or お取引店).
    pub fn message(self, releaser: &str) -> String {
        match self {
            RevokeRefusal::NotSelected => "証明書を失効する利用者を選択してください。".into(),
            RevokeRefusal::NotFound => "指定された利用者は見つかりません。".into(),
            RevokeRefusal::NotPermitted => "この利用者の証明書を失効する権限がありません。".into(),
            RevokeRefusal::NotRevocable => "この利用者の証明書は失効できません（発行済みまたは有効期限切れの証明書のみ失効できます）。".into(),
            RevokeRefusal::AlreadyRevoked => "この証明書は既に失効済みです。".into(),
            RevokeRefusal::CertificateChanged => "証明書の状態が変更されています。お手数ですが、最初からやり直してください。".into(),
            RevokeRefusal::PasswordMissing => "確認用パスワードを入力してください。".into(),
            RevokeRefusal::WrongPassword => "確認用パスワードが正しくありません。".into(),
            RevokeRefusal::PasswordNowStopped => format!(
                "確認用パスワードを6回連続で誤ったため、確認用パスワードが利用停止となりました。{releaser}に利用停止の解除を依頼してください。"
            ),
            RevokeRefusal::Throttled => "短時間に多くの実行が試みられたため、受け付けを一時停止しています。しばらくしてから再度お試しください。".into(),
            RevokeRefusal::PasswordStopped => format!(
                "確認用パスワードが利用停止となっているため、実行できません。{releaser}に利用停止の解除を依頼してください。"
            ),
        }
    }

    /// Whether the refusal concerns the password field (for `aria-describedby`).
    pub fn is_about_password(self) -> bool {
        matches!(
            self,
            RevokeRefusal::PasswordMissing | RevokeRefusal::WrongPassword
        )
    }
}

/// Outcomes of a login attempt shown on the ログイン screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginNotice {
    Invalid,
    Stopped,
    LoggedOut,
    SessionEnded,
    Throttled,
}

impl LoginNotice {
    pub fn code(self) -> &'static str {
        match self {
            LoginNotice::Invalid => "invalid",
            LoginNotice::Stopped => "stopped",
            LoginNotice::LoggedOut => "logged_out",
            LoginNotice::SessionEnded => "session_ended",
            LoginNotice::Throttled => "throttled",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            LoginNotice::Invalid,
            LoginNotice::Stopped,
            LoginNotice::LoggedOut,
            LoginNotice::SessionEnded,
            LoginNotice::Throttled,
        ]
        .into_iter()
        .find(|n| n.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            LoginNotice::Invalid => "ログインIDまたはログインパスワードが正しくありません。",
            LoginNotice::Stopped => "ログインパスワードが利用停止となっています。マスターユーザ（マスターユーザの方はお取引店）に利用停止の解除を依頼してください。",
            LoginNotice::LoggedOut => "ログアウトしました。",
            LoginNotice::SessionEnded => "一定時間操作がなかったため、またはセッションが終了したため、再度ログインしてください。",
            LoginNotice::Throttled => "短時間に多くのログインが試みられたため、受け付けを一時停止しています。しばらくしてから再度お試しください。",
        }
    }

    pub fn is_error(self) -> bool {
        matches!(
            self,
            LoginNotice::Invalid | LoginNotice::Stopped | LoginNotice::Throttled
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_codes_round_trip_and_unknown_codes_are_ignored() {
        for r in RevokeRefusal::ALL {
            assert_eq!(RevokeRefusal::from_code(r.code()), Some(r));
        }
        assert_eq!(RevokeRefusal::from_code("<script>"), None);
        assert!(RevokeRefusal::PasswordStopped
            .message("お取引店")
            .contains("お取引店"));
    }

    #[test]
    fn login_notice_codes_round_trip() {
        for n in [
            LoginNotice::Invalid,
            LoginNotice::Stopped,
            LoginNotice::LoggedOut,
            LoginNotice::SessionEnded,
        ] {
            assert_eq!(LoginNotice::from_code(n.code()), Some(n));
        }
    }
}

/// 証明書状態照会: counts and one page of the contract's users.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CertificateOverview {
    pub viewer: Viewer,
    pub not_issued: usize,
    pub issued: usize,
    pub expiring_soon: usize,
    pub expired: usize,
    pub revoked: usize,
    pub rows: Vec<OverviewRow>,
    pub sort: OverviewSort,
    pub descending: bool,
    pub page: Page,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OverviewRow {
    pub login_id: String,
    pub name: String,
    pub role_label: String,
    pub status_label: String,
    pub expiring_soon: bool,
    pub expired: bool,
    pub not_after_jst: Option<String>,
    /// Whole days left; negative once expired; `None` without a live certificate.
    pub days_left: Option<i64>,
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

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
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

/// Where a paged list stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// 1-based.
    pub number: usize,
    pub count: usize,
    pub total_rows: usize,
}

/// 操作履歴照会: the filter as understood, and one page of rows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditHistory {
    pub viewer: Viewer,
    pub filter: AuditFilterForm,
    /// Why part of the filter was ignored, if it was.
    pub filter_message: Option<String>,
    pub users: Vec<(String, String)>,
    pub actions: Vec<(String, String)>,
    pub rows: Vec<AuditRow>,
    pub page: Page,
    /// The earliest day that can be asked for (100 days back), `YYYY-MM-DD`.
    pub window_start: String,
}

/// The filter fields as typed (dates `YYYY-MM-DD`, Japan time).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilterForm {
    pub from: String,
    pub to: String,
    pub user: String,
    pub action: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditRow {
    pub occurred_jst: String,
    pub actor: String,
    pub action_label: String,
    pub target: String,
    pub outcome_label: String,
}
