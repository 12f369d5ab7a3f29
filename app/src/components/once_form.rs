//! The one island of kanri: a form that submits once.
//!
//! Without JavaScript it is a plain `<form method="post">`. With it, a
//! second submit (double click, Enter pressed twice) is swallowed in the
//! browser; the server's compare-and-set still guards against any that get
//! through, so this is comfort, not safety.

use leptos::prelude::*;

#[island]
pub fn OnceForm(
    /// Where the form posts.
    action: String,
    children: Children,
) -> impl IntoView {
    let submitted = RwSignal::new(false);
    view! {
        <form
            method="post"
            action=action
            aria-busy=move || submitted.get().to_string()
            on:submit=move |ev| {
                if submitted.get_untracked() {
                    ev.prevent_default();
                } else {
                    submitted.set(true);
                }
            }
        >
            {children()}
        </form>
    }
}
