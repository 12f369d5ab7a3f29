//! Building blocks shared by the screens.

mod confirmed_form;
mod layout;
mod once_form;

pub use confirmed_form::ConfirmedUserForm;
pub use layout::{Layout, Loaded, Notice, PageError, Pager, ScreenHeading};
pub use once_form::OnceForm;
