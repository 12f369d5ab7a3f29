//! What each screen receives from its server function: one module per
//! screen, plain data in domain types (`LoginId`, `CertificateStatus`,
//! `Timestamp`); the components render their labels.

pub mod certificate_flow;
pub mod certificate_hold;
pub mod certificate_register;
pub mod certificate_status;
pub mod home;
pub mod issuance_code;
pub mod login;
pub mod operation_history;
pub mod otp;
pub mod renewal;
pub mod revoke_confirm;
pub mod revoke_list;
pub mod revoke_result;

use crate::domain::{LoginId, Role};
use serde::{Deserialize, Serialize};

/// The logged-in user as the layout shows them on every screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    pub login_id: LoginId,
    pub name: String,
    pub role: Role,
    pub contract_name: String,
}
