//! 発行用コード発行 (利用者管理, the master user) and its result.

use super::Viewer;
use crate::domain::LoginId;
use serde::{Deserialize, Serialize};

/// The grant form: the contract's users a code may be granted to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeGrantForm {
    pub viewer: Viewer,
    pub users: Vec<(LoginId, String)>,
}

/// A code just granted, shown once on the result screen.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GrantedCode {
    pub login_id: LoginId,
    pub name: String,
    /// `XXXX-XXXX-XXXX`.
    pub code: String,
    /// 有効期限, in Japan time.
    pub expires_at: String,
}

/// The result screen: the code, or nothing when it was shown already.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeGrantResult {
    pub viewer: Viewer,
    pub granted: Option<GrantedCode>,
}
