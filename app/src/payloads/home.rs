//! ホーム: who is logged in, the previous login, the expiry notice.

use super::Viewer;
use crate::domain::certificate::ExpiryNotice;
use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HomeData {
    pub viewer: Viewer,
    pub previous_login: Option<Timestamp>,
    /// Present when the own certificate is 期限間近 or 有効期限切れ.
    pub expiry_notice: Option<ExpiryNotice>,
    /// A ワンタイムパスワード is registered (else ホーム offers to register one).
    pub otp_registered: bool,
    /// Where 更新 starts (HTTPS, with the certificate).
    pub renewal_url: String,
}
