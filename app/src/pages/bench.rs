//! The minimal Leptos page that `bench/` measures beside 利用者一覧: the
//! same shell and layout, no session, no database; and the same page after
//! one database round trip, loaded the way every screen loads its data
//! (`Loaded`): the floor of a page that reads the database once per
//! request. Both answer 404 unless the server runs with
//! `KANRI_BENCH_ROUTES=1`.

use crate::components::{Layout, Loaded, PageError, ScreenHeading};
use crate::error::AppError;
use crate::functions::bench::bench_one_read;
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

#[component]
pub fn BenchOneReadPage() -> impl IntoView {
    view! {
        <Loaded load=bench_one_read body=|()| view! {
            <Layout>
                <ScreenHeading title="ベンチマーク"/>
                <p>"データベースを一度読むページです。"</p>
            </Layout>
        }/>
    }
}
