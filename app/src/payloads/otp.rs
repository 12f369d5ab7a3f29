//! ワンタイムパスワード: registration (from ホーム) and release (利用者管理).

use super::Viewer;
use crate::domain::LoginId;
use serde::{Deserialize, Serialize};

/// ワンタイムパスワード登録: a new secret as a QR code and as text.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OtpRegistration {
    pub viewer: Viewer,
    /// Already registered: nothing to show but that.
    pub registered: bool,
    /// An SVG drawn by the server (no script), or empty when registered.
    pub qr_svg: String,
    /// The secret, in groups of four, for typing into the app by hand.
    pub secret_text: String,
}

/// ワンタイムパスワード管理: the contract's users who registered one, and
/// whether it is stopped (利用停止解除) — each may be reset (登録解除).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OtpHolders {
    pub viewer: Viewer,
    pub users: Vec<(LoginId, String, bool)>,
}
