//! The loader of `/bench/one-read`, a baseline of `bench/`: one database
//! round trip and nothing else. Compiled only with the `bench` feature.

use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "bench_one_read")]
pub async fn bench_one_read() -> Result<(), AppError> {
    let state = crate::request::state()?;
    if state.db.ping().await {
        Ok(())
    } else {
        Err(AppError::Internal)
    }
}
