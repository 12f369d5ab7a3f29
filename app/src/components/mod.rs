//! Building blocks shared by the screens.

mod confirmed_form;
mod layout;
mod once_form;

pub use confirmed_form::ConfirmedUserForm;
pub use layout::{kept_for_viewer, Layout, Loaded, Notice, PageError, Pager, ScreenHeading};
pub use once_form::OnceForm;
