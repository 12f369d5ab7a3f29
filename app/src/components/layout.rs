//! The frame of every screen: bank header, demo banner, menu, heading.

use crate::error::AppError;
use crate::models::Viewer;
use leptos::prelude::*;

/// Whether the server runs in demo mode (read from the server's state; the
/// layout is only ever rendered on the server).
fn demo_mode() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::server::AppState>().is_some_and(|s| s.config.demo)
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
                <p class="who">{v.contract_name.clone()} " " {v.name.clone()} " 様（" {v.role_label.clone()} "）"</p>
            })}
        </header>
        {demo.then(|| view! {
            <p class="demo-banner" role="note">"デモモードで動作しています。表示される契約・利用者・証明書はすべて架空のデモデータです。"</p>
        })}
        {viewer.as_ref().map(|v| {
            let may_administer = v.may_administer;
            view! {
                <nav class="menu" aria-label="メニュー">
                    <ul>
                        <li><a href="/">"ホーム"</a></li>
                        {may_administer.then(|| view! { <li><a href="/kanri">"管理"</a></li> })}
                        <li>
                            <form method="post" action="/api/logout" class="logout">
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
    title: &'static str,
    #[prop(optional)] screen_id: Option<&'static str>,
) -> impl IntoView {
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
    view! { <p class=class role=role id=id>{message}</p> }
}

/// 前へ / n / m ページ / 次へ under a paged list; `href` gives a page's address.
#[component]
pub fn Pager(page: crate::models::Page, href: impl Fn(usize) -> String + 'static) -> impl IntoView {
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

/// What a screen shows when its data cannot be had: the login screen for
/// a missing session, a Japanese message with the right status otherwise.
#[component]
pub fn PageError(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        crate::server::context::set_error_status(&error);
        if error == AppError::NotLoggedIn {
            leptos_axum::redirect("/login?notice=session_ended");
        }
    }
    let heading = match error {
        AppError::Forbidden => "権限がありません",
        AppError::NotFound | AppError::NoSuchPage => "見つかりません",
        AppError::NotLoggedIn => "ログインしてください",
        _ => "エラー",
    };
    view! {
        <Layout>
            <ScreenHeading title=heading/>
            <Notice message=error.to_string() error=true/>
            <p><a href="/">"ホームへ戻る"</a></p>
        </Layout>
    }
}

/// Runs a screen's data loader once and renders `body` with its result, or
/// [`PageError`]. The loader's future is shared: the view closure may run
/// more than once while rendering, the loader (which may write 操作履歴)
/// must not.
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
    let data = load().boxed().shared();
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
}
