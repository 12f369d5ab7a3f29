//! 利用者 and 契約 rules that do not need the database: the password stop,
//! and what a new contract or user must look like (SPEC section 1).

use super::{LoginId, Role};
use serde::{Deserialize, Serialize};

/// Consecutive wrong passwords after which a password is stopped (利用停止).
pub const MAX_PASSWORD_FAILURES: i64 = 6;

/// Which of a user's secrets: the two passwords, or the ワンタイムパスワード.
/// Each counts consecutive failures and stops at the sixth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordKind {
    Login,
    Confirmation,
    Otp,
}

impl PasswordKind {
    pub fn label(self) -> &'static str {
        match self {
            PasswordKind::Login => "ログインパスワード",
            PasswordKind::Confirmation => "確認用パスワード",
            PasswordKind::Otp => "ワンタイムパスワード",
        }
    }
}

/// Whether a master user may act on a user (発行用コード発行,
/// ワンタイムパスワード登録解除, 利用停止解除): only the master, only on
/// the contract's other users. The master's own is the bank's (the
/// 申込書); another contract's user reads like one that does not exist.
pub fn master_may_act_on(
    actor_role: Role,
    same_contract: bool,
    same_user: bool,
) -> Result<(), super::AdminRefusal> {
    use super::AdminRefusal;
    if actor_role != Role::Master {
        Err(AdminRefusal::NotPermitted)
    } else if !same_contract {
        Err(AdminRefusal::NotFound)
    } else if same_user {
        Err(AdminRefusal::NotPermitted)
    } else {
        Ok(())
    }
}

/// Why a new contract or user was not accepted. Each says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    #[error("{0}")]
    LoginId(#[from] super::login_id::LoginIdError),
    #[error("利用者名は1〜30文字で入力してください")]
    Name,
    #[error("メールアドレスが正しくありません")]
    Email,
    #[error("{0}は8〜64文字で入力してください")]
    PasswordLength(&'static str),
    #[error("ログインパスワードと確認用パスワードには別の値を設定してください")]
    SamePasswords,
    #[error("契約コードは1〜8桁の半角英数字で入力してください")]
    ContractCode,
    #[error("契約者名とお取引店を入力してください")]
    ContractNames,
    #[error("契約の最初の利用者はマスターユーザです")]
    FirstUserNotMaster,
}

/// A new user's fields as typed by the operator.
pub struct UserFields<'a> {
    pub login_id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub login_password: &'a str,
    pub confirmation_password: &'a str,
}

/// Checks a new user's fields and returns the parsed ログインID.
pub fn validate_user(fields: &UserFields<'_>) -> Result<LoginId, InvalidInput> {
    let login_id = LoginId::parse(fields.login_id)?;
    let name_len = fields.name.trim().chars().count();
    if !(1..=30).contains(&name_len) || fields.name.chars().any(char::is_control) {
        return Err(InvalidInput::Name);
    }
    if !fields.email.contains('@')
        || fields
            .email
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(InvalidInput::Email);
    }
    for (kind, password) in [
        (PasswordKind::Login, fields.login_password),
        (PasswordKind::Confirmation, fields.confirmation_password),
    ] {
        if !(8..=64).contains(&password.chars().count()) {
            return Err(InvalidInput::PasswordLength(kind.label()));
        }
    }
    if fields.login_password == fields.confirmation_password {
        return Err(InvalidInput::SamePasswords);
    }
    Ok(login_id)
}

/// Checks a new contract: code, name and branch, and that its first user is
/// the マスターユーザ.
pub fn validate_contract(
    code: &str,
    name: &str,
    branch: &str,
    first_user: Role,
) -> Result<(), InvalidInput> {
    if code.is_empty() || code.len() > 8 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(InvalidInput::ContractCode);
    }
    if name.trim().is_empty() || branch.trim().is_empty() {
        return Err(InvalidInput::ContractNames);
    }
    if first_user != Role::Master {
        return Err(InvalidInput::FirstUserNotMaster);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(
        login_id: &'a str,
        name: &'a str,
        email: &'a str,
        login: &'a str,
        confirmation: &'a str,
    ) -> UserFields<'a> {
        UserFields {
            login_id,
            name,
            email,
            login_password: login,
            confirmation_password: confirmation,
        }
    }

    #[test]
    fn each_user_rule_refuses_with_its_own_reason() {
        let long_name = "あ".repeat(31);
        let cases: [(UserFields, Result<(), InvalidInput>); 8] = [
            (
                fields(
                    "user0301",
                    "例 花子",
                    "u@example.jp",
                    "Login-Pass-01",
                    "Kakunin-Pass-01",
                ),
                Ok(()),
            ),
            (
                fields(
                    "u-1",
                    "例 花子",
                    "u@example.jp",
                    "Login-Pass-01",
                    "Kakunin-Pass-01",
                ),
                Err(InvalidInput::LoginId(
                    super::super::login_id::LoginIdError::Invalid,
                )),
            ),
            (
                fields(
                    "user0301",
                    " ",
                    "u@example.jp",
                    "Login-Pass-01",
                    "Kakunin-Pass-01",
                ),
                Err(InvalidInput::Name),
            ),
            (
                fields(
                    "user0301",
                    &long_name,
                    "u@example.jp",
                    "Login-Pass-01",
                    "Kakunin-Pass-01",
                ),
                Err(InvalidInput::Name),
            ),
            (
                fields(
                    "user0301",
                    "例 花子",
                    "u example.jp",
                    "Login-Pass-01",
                    "Kakunin-Pass-01",
                ),
                Err(InvalidInput::Email),
            ),
            (
                fields(
                    "user0301",
                    "例 花子",
                    "u@example.jp",
                    "short",
                    "Kakunin-Pass-01",
                ),
                Err(InvalidInput::PasswordLength("ログインパスワード")),
            ),
            (
                fields(
                    "user0301",
                    "例 花子",
                    "u@example.jp",
                    "Login-Pass-01",
                    "x".repeat(65).leak(),
                ),
                Err(InvalidInput::PasswordLength("確認用パスワード")),
            ),
            (
                fields(
                    "user0301",
                    "例 花子",
                    "u@example.jp",
                    "Same-Pass-01",
                    "Same-Pass-01",
                ),
                Err(InvalidInput::SamePasswords),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                validate_user(&input).map(|_| ()),
                expected,
                "{}",
                input.login_id
            );
        }
    }

    #[test]
    fn contracts_need_a_short_code_names_and_a_master_first() {
        assert_eq!(
            validate_contract("C003", "株式会社例", "本店", Role::Master),
            Ok(())
        );
        assert_eq!(
            validate_contract("C-03", "株式会社例", "本店", Role::Master),
            Err(InvalidInput::ContractCode)
        );
        assert_eq!(
            validate_contract("C0030000X", "株式会社例", "本店", Role::Master),
            Err(InvalidInput::ContractCode)
        );
        assert_eq!(
            validate_contract("C003", " ", "本店", Role::Master),
            Err(InvalidInput::ContractNames)
        );
        assert_eq!(
            validate_contract("C003", "株式会社例", "本店", Role::Admin),
            Err(InvalidInput::FirstUserNotMaster)
        );
    }
}
