//! Any address kanri does not know.

use crate::components::PageError;
use crate::error::AppError;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! { <PageError error=AppError::NoSuchPage/> }
}
