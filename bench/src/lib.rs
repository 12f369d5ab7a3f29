//! kanri's benchmarks: every measure of the benchmark issue in one process
//! run, so that ratios are taken side by side on the same machine at the same
//! time. The binary (`main.rs`) runs them and writes BENCHMARKS.md; the
//! examples reuse the measuring loops. Run it through `bench/run` (release
//! builds).
//!
//! Load comes from wrk (a separate process, 2 threads, 32 connections), and
//! where a TLS client certificate is needed, which wrk cannot present, from
//! the bench's own generator (`measures::load`, which also posts the OCSP
//! requests); memory from /proc; compression from the flate2 and brotli
//! crates; the CSR and the OCSP request from openssl.

#![forbid(unsafe_code)]

pub mod args;
pub mod fixtures;
pub mod measures;
pub mod pki_files;
pub mod repeat;
pub mod report;
pub mod server;
