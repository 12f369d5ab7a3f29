//! The router of every screen: which page renders each address of
//! [`crate::routes`]. `path!` needs its address as a literal, so each is
//! spelled here a second time; `every_screen_is_routed` (below) fails if
//! the two lists ever differ.

use crate::pages::*;
use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::{path, SsrMode};

/// The router of every screen plus `$extra` routes (the bench build's
/// baselines), so that the list is written once.
macro_rules! screen_routes {
    ($($extra:tt)*) => {
        view! {
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri") view=BusinessSelectPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users") view=UserAdminMenuPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/status") view=CertificateStatusPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/history") view=OperationHistoryPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/certificates") view=CertificateRegisterPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/revoke") view=RevokeListPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/revoke/confirm") view=RevokeConfirmPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/revoke/result") view=RevokeResultPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/hold") view=HoldListPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/hold/confirm") view=HoldConfirmPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/hold/result") view=HoldResultPage ssr=SsrMode::Async/>
                <Route path=path!("/certificate/issue") view=IssuanceAuthPage ssr=SsrMode::Async/>
                <Route path=path!("/certificate/issue/otp") view=IssuanceOtpPage ssr=SsrMode::Async/>
                <Route path=path!("/certificate/issue/method") view=IssuanceMethodPage ssr=SsrMode::Async/>
                <Route path=path!("/certificate/issue/result") view=IssuanceResultPage ssr=SsrMode::Async/>
                <Route path=path!("/certificate/renew") view=RenewalAuthPage ssr=SsrMode::Async/>
                <Route path=path!("/certificate/renew/otp") view=RenewalOtpPage ssr=SsrMode::Async/>
                <Route path=path!("/certificate/renew/method") view=RenewalMethodPage ssr=SsrMode::Async/>
                <Route path=path!("/certificate/renew/result") view=RenewalResultPage ssr=SsrMode::Async/>
                <Route path=path!("/otp/register") view=OtpRegistrationPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/otp") view=OtpReleasePage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/code") view=IssuanceCodeGrantPage ssr=SsrMode::Async/>
                <Route path=path!("/kanri/users/code/result") view=IssuanceCodeResultPage ssr=SsrMode::Async/>
                $($extra)*
            </Routes>
        }
    };
}

/// Every screen, rendered on the server with `SsrMode::Async` so that a
/// screen can still set its status or redirect. Only a `bench` build
/// (`bench/run`) adds the benchmarks' baselines.
#[component]
pub fn ScreenRoutes() -> impl IntoView {
    #[cfg(not(feature = "bench"))]
    let routes = screen_routes!();
    #[cfg(feature = "bench")]
    let routes = screen_routes!(
        <Route path=path!("/bench/minimal") view=BenchMinimalPage ssr=SsrMode::Async/>
        <Route path=path!("/bench/one-read") view=BenchOneReadPage ssr=SsrMode::Async/>
    );
    routes
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn every_screen_is_routed() {
        let owner = leptos::prelude::Owner::new();
        owner.set();
        let mut routed: Vec<String> = leptos_axum::generate_route_list(crate::App)
            .into_iter()
            .map(|route| route.path().to_owned())
            .filter(|path| !path.starts_with("/bench/"))
            .collect();
        let mut screens: Vec<String> = crate::routes::SCREENS
            .iter()
            .map(|s| s.to_string())
            .collect();
        routed.sort();
        screens.sort();
        assert_eq!(routed, screens);
    }
}
