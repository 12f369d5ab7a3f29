//! The loader of `/bench/one-read`, a baseline of `bench/`: one database
//! round trip and nothing else. Refused as a page that does not exist
//! unless the server runs with `KANRI_BENCH_ROUTES=1`.

use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "bench_one_read")]
pub async fn bench_one_read() -> Result<(), AppError> {
    let state = crate::request::state()?;
    if !state.config.bench_routes {
        return Err(AppError::NoSuchPage);
    }
    if state.db.ping().await {
        Ok(())
    } else {
        Err(AppError::Internal)
    }
}
