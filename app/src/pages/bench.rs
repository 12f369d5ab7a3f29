//! The minimal Leptos page that `bench/` measures beside 利用者一覧: the
//! same shell and layout, no session, no database. Answers 404 unless the
//! server runs with `KANRI_BENCH_ROUTES=1`.

use crate::components::{Layout, PageError, ScreenHeading};
use crate::error::AppError;
use leptos::prelude::*;

fn enabled() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::state::AppState>().is_some_and(|s| s.config.bench_routes)
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

#[component]
pub fn BenchMinimalPage() -> impl IntoView {
    if !enabled() {
        return view! { <PageError error=AppError::NoSuchPage/> }.into_any();
    }
    view! {
        <Layout>
            <ScreenHeading title="ベンチマーク"/>
            <p>"最小のページです。"</p>
        </Layout>
    }
    .into_any()
}
