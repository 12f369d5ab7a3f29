//! The form of a master user's action on one user of the contract
//! (発行用コード発行, ワンタイムパスワード登録解除): the user, the
//! 確認用パスワード and the button. 証明書失効 has its own two screens.

use super::OnceForm;
use crate::domain::LoginId;
use leptos::prelude::*;

/// `users`: the contract's users the action may be done to. `message_id`:
/// the refusal notice about the password field, if there is one.
#[component]
pub fn ConfirmedUserForm(
    action: String,
    users: Vec<(LoginId, String)>,
    submit: &'static str,
    message_id: Option<&'static str>,
) -> impl IntoView {
    let options = users
        .into_iter()
        .map(|(login_id, name)| {
            let id = login_id.to_string();
            view! { <option value=id.clone()>{format!("{id}（{name}）")}</option> }
        })
        .collect_view();
    view! {
        <OnceForm action>
            <div class="field">
                <label for="login_id">"対象の利用者"</label>
                <select id="login_id" name="login_id" required>
                    <option value="">"選択してください"</option>
                    {options}
                </select>
            </div>
            <div class="field">
                <label for="confirmation_password">"確認用パスワード"</label>
                <input id="confirmation_password" name="confirmation_password" type="password"
                    required maxlength="128" autocomplete="off"
                    aria-invalid=message_id.is_some().to_string()
                    aria-describedby=message_id.unwrap_or_default()/>
            </div>
            <div class="actions">
                <button type="submit" class="primary">{submit}</button>
            </div>
        </OnceForm>
    }
}
