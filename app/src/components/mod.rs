//! Building blocks shared by the screens.

mod layout;
mod once_form;

pub use layout::{Layout, Loaded, Notice, PageError, Pager, ScreenHeading};
pub use once_form::OnceForm;
