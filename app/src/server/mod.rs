//! Server-only code: configuration, database, password hashing, sessions and
//! the domain operations that server functions call. None of it reaches the
//! WASM bundle (the whole module is behind the `ssr` feature).

pub mod audit;
pub mod auth;
pub mod config;
pub mod context;
pub mod db;
pub mod demo;
pub mod mail;
pub mod operator;
pub mod password;
pub mod reports;
pub mod revocation;
pub mod session_store;
pub mod state;
pub mod throttle;

pub use state::AppState;
