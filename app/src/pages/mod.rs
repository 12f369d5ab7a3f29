//! One file per screen. Screens render on the server only (islands mode);
//! they show what their server function returns and nothing more.

mod bench;
mod history;
mod home;
mod kanri;
mod login;
mod not_found;
mod revoke_confirm;
mod revoke_list;
mod revoke_result;
mod status_overview;
mod users_menu;

pub use bench::BenchMinimalPage;
pub use history::HistoryPage;
pub use home::HomePage;
pub use kanri::BusinessSelectPage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use revoke_confirm::RevokeConfirmPage;
pub use revoke_list::RevokeListPage;
pub use revoke_result::RevokeResultPage;
pub use status_overview::StatusOverviewPage;
pub use users_menu::UserAdminMenuPage;

use leptos_router::hooks::use_query_map;

/// A query parameter of the current request, if present.
fn query(name: &str) -> Option<String> {
    use leptos::prelude::*;
    use_query_map().with_untracked(|q| q.get(name))
}
