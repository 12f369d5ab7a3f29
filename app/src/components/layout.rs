//! The frame of every screen: bank header, demo banner, menu, heading.

use crate::error::AppError;
use crate::payloads::Viewer;
use crate::routes;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Whether the server runs in demo mode (read from the server's state; the
/// layout is only ever rendered on the server).
fn demo_mode() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::state::AppState>().is_some_and(|s| s.config.demo)
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

#[component]
pub fn Layout(
    /// The logged-in user; `None` on ログイン and error pages.
    #[prop(optional)]
    viewer: Option<Viewer>,
    children: Children,
) -> impl IntoView {
    let demo = demo_mode();
    view! {
        <header class="site-header">
            <p class="bank-name">"群馬県信用組合 法人向けインターネットバンキング"</p>
            {viewer.as_ref().map(|v| view! {
                <p class="who">{v.contract_name.clone()} " " {v.name.clone()} " 様（" {v.role.label()} "）"</p>
            })}
        </header>
        {demo.then(|| view! {
            <p class="demo-banner" role="note">"デモモードで動作しています。表示される契約・利用者・証明書はすべて架空のデモデータです。"</p>
        })}
        {viewer.as_ref().map(|v| {
            let may_administer = v.role.may_administer();
            view! {
                <nav class="menu" aria-label="メニュー">
                    <ul>
                        <li><a href=routes::HOME>"ホーム"</a></li>
                        {may_administer.then(|| view! { <li><a href=routes::BUSINESS_SELECT>"管理"</a></li> })}
                        <li>
                            <form method="post" action=crate::functions::auth::Logout::url() class="logout">
                                <button type="submit">"ログアウト"</button>
                            </form>
                        </li>
                    </ul>
                </nav>
            }
        })}
        <main id="main">{children()}</main>
    }
}

/// A screen's heading with its screen ID in small print, as in the manual.
#[component]
pub fn ScreenHeading(
    #[prop(into)] title: String,
    /// The manual's screen ID, e.g. `BRSK019`; none when empty.
    #[prop(optional)]
    screen_id: Option<&'static str>,
) -> impl IntoView {
    let screen_id = screen_id.filter(|id| !id.is_empty());
    view! {
        <div class="screen-heading">
            <h1>{title}</h1>
            {screen_id.map(|id| view! { <small class="screen-id">{id}</small> })}
        </div>
    }
}

/// A message box; errors are announced to screen readers at once.
#[component]
pub fn Notice(
    message: String,
    #[prop(optional)] error: bool,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    let class = if error {
        "notice notice-error"
    } else {
        "notice notice-info"
    };
    let role = if error { "alert" } else { "status" };
    // A refusal takes the focus when the page opens (WCAG 3.3.1): the
    // first `autofocus` of a page wins, and the notice comes before the form.
    view! {
        <p class=class role=role id=id tabindex=error.then_some("-1") autofocus=error>{message}</p>
    }
}

/// 前へ / n / m ページ / 次へ under a paged list; `href` gives a page's address.
#[component]
pub fn Pager(page: crate::domain::Page, href: impl Fn(usize) -> String + 'static) -> impl IntoView {
    let previous = (page.number > 1).then(|| view! { <a href=href(page.number - 1)>"前へ"</a> });
    let next =
        (page.number < page.count).then(|| view! { <a href=href(page.number + 1)>"次へ"</a> });
    view! {
        <nav class="pager" aria-label="ページ">
            {previous}
            <span>{format!("{} / {} ページ", page.number, page.count)}</span>
            {next}
        </nav>
    }
}

/// What a screen shows when its data cannot be had: ログイン for a
/// visitor without a (live) session, a Japanese page with the error's
/// status otherwise (the mapping is `AppError`'s, shared with the server).
#[component]
pub fn PageError(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Some(to) = error.login_redirect() {
            leptos_axum::redirect(&to);
            response.set_status(http::StatusCode::SEE_OTHER);
        } else if let Ok(status) = http::StatusCode::from_u16(error.status()) {
            response.set_status(status);
        }
    }
    view! {
        <Layout>
            <ScreenHeading title=error.heading()/>
            <Notice message=error.to_string() error=true/>
            <p><a href=routes::HOME>"ホームへ戻る"</a></p>
        </Layout>
    }
}

/// Runs a screen's data loader once and renders `body` with its result, or
/// [`PageError`]. The loader's future is shared: the view closure may run
/// more than once while rendering, the loader (which may write 操作履歴)
/// must not. Data at hand at the first poll (the session read on the
/// request's thread, a list kept in memory) renders at once, without
/// `Suspense`'s asynchronous rendering; polling once here and again under
/// `Suspend` is allowed, a future may be polled with another waker each time.
#[component]
pub fn Loaded<T, Fut, F, B, V>(load: F, body: B) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
    F: FnOnce() -> Fut + Send + Sync + 'static,
    B: Fn(T) -> V + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    use futures::FutureExt;
    let mut load = load().boxed();
    if let Some(data) = (&mut load).now_or_never() {
        return match data {
            Ok(data) => body(data).into_any(),
            Err(error) => view! { <PageError error/> }.into_any(),
        };
    }
    let data = load.shared();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let data = data.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(data) => body(data).into_any(),
                        Err(error) => view! { <PageError error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}
