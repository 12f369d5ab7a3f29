//! One file per screen. Screens render on the server only (islands mode);
//! they show what their server function returns and nothing more. Their
//! addresses are in `crate::routes`.

#[cfg(feature = "bench")]
mod bench;
mod business_select;
mod certificate_flow;
mod certificate_hold;
mod certificate_register;
mod certificate_status;
mod home;
mod issuance_code;
mod login;
mod not_found;
mod operation_history;
mod otp;
mod revoke_confirm;
mod revoke_list;
mod revoke_result;
mod users_menu;

#[cfg(feature = "bench")]
pub use bench::{BenchMinimalPage, BenchOneReadPage};
pub use business_select::BusinessSelectPage;
pub use certificate_flow::{
    IssuanceAuthPage, IssuanceMethodPage, IssuanceOtpPage, IssuanceResultPage, RenewalAuthPage,
    RenewalMethodPage, RenewalOtpPage, RenewalResultPage,
};
pub use certificate_hold::{HoldConfirmPage, HoldListPage, HoldResultPage};
pub use certificate_register::CertificateRegisterPage;
pub use certificate_status::CertificateStatusPage;
pub use home::HomePage;
pub use issuance_code::{IssuanceCodeGrantPage, IssuanceCodeResultPage};
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use operation_history::OperationHistoryPage;
pub use otp::{OtpRegistrationPage, OtpReleasePage};
pub use revoke_confirm::RevokeConfirmPage;
pub use revoke_list::RevokeListPage;
pub use revoke_result::RevokeResultPage;
pub use users_menu::UserAdminMenuPage;

use leptos_router::hooks::use_query_map;

/// A query parameter of the current request, if present.
fn query(name: &str) -> Option<String> {
    use leptos::prelude::*;
    use_query_map().with_untracked(|q| q.get(name))
}
