//! The minimal Leptos page that `bench/` measures beside 利用者一覧: the
//! same shell and layout, no session, no database; and the same page after
//! one database round trip, loaded the way every screen loads its data
//! (`Loaded`): the floor of a page that reads the database once per
//! request. Compiled only with the `bench` feature (`bench/run`).

use crate::components::{Layout, Loaded, ScreenHeading};
use crate::functions::bench::bench_one_read;
use leptos::prelude::*;

#[component]
pub fn BenchMinimalPage() -> impl IntoView {
    view! {
        <Layout>
            <ScreenHeading title="ベンチマーク"/>
            <p>"最小のページです。"</p>
        </Layout>
    }
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
