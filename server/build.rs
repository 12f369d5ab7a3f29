//! Tells the tests whether PostgreSQL is given (`KANRI_TEST_POSTGRES_URL`):
//! without it their PostgreSQL variants are compiled `#[ignore]`d, so that
//! `cargo test` counts them as ignored instead of passing them unrun.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(kanri_postgres)");
    println!("cargo::rerun-if-env-changed=KANRI_TEST_POSTGRES_URL");
    let given = std::env::var("KANRI_TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty());
    if given {
        println!("cargo::rustc-cfg=kanri_postgres");
    }
}
