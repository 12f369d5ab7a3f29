//! The user lists an instance keeps in memory (issue 14) are never older
//! than the database: a write on one instance is visible on the next list
//! read of another, on both databases.

mod common;

use common::TestApp;

on_both_databases!(a_write_on_one_instance_shows_on_the_next_list_read_of_another);

async fn a_write_on_one_instance_shows_on_the_next_list_read_of_another(app: TestApp) {
    let other = app.other_instance().await;
    let mut on_other = other.client();
    let res = on_other.login("master01", common::LOGIN_PASSWORD).await;
    assert_eq!(res.location(), Some("/"));
    // The other instance reads (and keeps) the list.
    let status = "/kanri/users/status?sort=login_id";
    let before = on_other.get(status).await.body;
    let row = |body: &str, login_id: &str| {
        let at = body.find(&format!(">{login_id}<")).unwrap();
        body[at..at + body[at..].find("</tr>").unwrap()].to_owned()
    };
    assert!(row(&before, "sachikodt").contains("発行済み"));
    let main =
        |body: &str| body[body.find("<main").unwrap()..body.find("</main>").unwrap()].to_owned();
    assert_eq!(
        main(&on_other.get(status).await.body),
        main(&before),
        "unchanged without a write"
    );

    // This instance revokes sachikodt's certificate...
    let mut here = app.logged_in("master01").await;
    let confirm = here
        .get("/kanri/users/revoke/confirm?login_id=sachikodt")
        .await;
    let serial = common::input_value(&confirm.body, "serial").unwrap();
    here.revoke("sachikodt", &serial).await;
    // ...and the other's very next read shows it.
    let after = on_other.get(status).await.body;
    assert!(
        row(&after, "sachikodt").contains("失効済み"),
        "{}",
        row(&after, "sachikodt")
    );
    let list = on_other.get("/kanri/users/revoke").await.body;
    assert!(row(&list, "sachikodt").contains("失効済み"));

    // A user added through this instance's operator command: the same.
    use kanri_app::domain::Role;
    use kanri_app::infra::password::Password;
    use kanri_app::use_cases::operator::{self, NewUserInput};
    let input = NewUserInput {
        login_id: "newuser01".into(),
        name: "新規 利用者".into(),
        role: Role::General,
        email: "new@example.jp".into(),
        login_password: Password::new("Login-Pass-09".into()),
        confirmation_password: Password::new("Kakunin-Pass-09".into()),
    };
    operator::add_user(&app.state, "A001", input).await.unwrap();
    assert!(on_other.get(status).await.body.contains("newuser01"));
}
