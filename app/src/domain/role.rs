//! 利用者区分 and what each may do (SPEC section 2).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Master,
    Admin,
    General,
}

impl Role {
    /// The value stored in the `users.role` column.
    pub fn as_db(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Admin => "admin",
            Role::General => "general",
        }
    }

    pub fn from_db(value: &str) -> Option<Self> {
        match value {
            "master" => Some(Role::Master),
            "admin" => Some(Role::Admin),
            "general" => Some(Role::General),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Master => "マスターユーザ",
            Role::Admin => "管理者ユーザ",
            Role::General => "一般ユーザ",
        }
    }

    /// Whether the 管理 menu, its pages and its actions are open to this role.
    pub fn may_administer(self) -> bool {
        matches!(self, Role::Master | Role::Admin)
    }

    /// Whether an actor of this role may revoke a certificate of a user with
    /// `target` role in the same contract. The master's own certificate is
    /// only the master's to revoke (with a warning on screen).
    pub fn may_revoke_certificate_of(self, target: Role) -> bool {
        matches!(
            (self, target),
            (Role::Master, _) | (Role::Admin, Role::Admin | Role::General)
        )
    }

    /// Who can release this role's stopped password, as told on screen.
    pub fn password_releaser(self) -> &'static str {
        match self {
            Role::Master => "お取引店",
            Role::Admin | Role::General => "マスターユーザ",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_master_and_admin_administer() {
        assert!(Role::Master.may_administer());
        assert!(Role::Admin.may_administer());
        assert!(!Role::General.may_administer());
    }

    #[test]
    fn revocation_matrix_follows_spec_section_2() {
        use Role::*;
        assert!(Master.may_revoke_certificate_of(Master));
        assert!(Master.may_revoke_certificate_of(Admin));
        assert!(Master.may_revoke_certificate_of(General));
        assert!(!Admin.may_revoke_certificate_of(Master));
        assert!(Admin.may_revoke_certificate_of(Admin));
        assert!(Admin.may_revoke_certificate_of(General));
        for target in [Master, Admin, General] {
            assert!(!General.may_revoke_certificate_of(target));
        }
    }

    #[test]
    fn db_round_trip_and_labels() {
        for role in [Role::Master, Role::Admin, Role::General] {
            assert_eq!(Role::from_db(role.as_db()), Some(role));
        }
        assert_eq!(Role::from_db("root"), None);
        assert_eq!(Role::Master.label(), "マスターユーザ");
        assert_eq!(Role::Master.password_releaser(), "お取引店");
        assert_eq!(Role::General.password_releaser(), "マスターユーザ");
    }
}
