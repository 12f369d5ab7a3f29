//! The command line; `bench/run` passes every flag.

use clap::Parser;
use std::path::PathBuf;

/// kanri's benchmarks: speed, size and scale side by side; writes
/// BENCHMARKS.md. Run it through `bash bench/run` (release builds).
#[derive(Debug, Parser)]
#[command(name = "kanri-bench")]
pub struct Args {
    /// The kanri-server binary to measure (a release build).
    #[arg(long, default_value = "target/release/kanri-server")]
    pub server: PathBuf,

    /// The built site; its `pkg/` holds kanri.js, kanri.wasm and kanri.css.
    #[arg(long, default_value = "target/site")]
    pub site_root: PathBuf,

    /// Seconds per load measure.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,

    /// Where to write the report.
    #[arg(long, default_value = "BENCHMARKS.md")]
    pub out: PathBuf,

    /// A PostgreSQL server where the bench may create (and drop) a database
    /// of its own for the PostgreSQL rows of the page matrix.
    #[arg(
        long,
        env = "KANRI_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres_url: String,

    /// Only the page matrix (SQLite and PostgreSQL, HTTP and HTTPS), printed
    /// and not written to the report: for profiling one change at a time.
    #[arg(long)]
    pub matrix_only: bool,

    /// Only the measures through nginx (one instance on SQLite, one and
    /// three on PostgreSQL), printed and not written to the report.
    #[arg(long)]
    pub nginx_only: bool,

    /// Only the CRL at 100,000 revoked certificates (in process, SQLite),
    /// printed and not written to the report.
    #[arg(long)]
    pub crl_only: bool,

    /// Only issue 24's figures (取得 with the CA key in SoftHSM2 beside
    /// the sealed key, OCSP without a nonce beside `openssl ocsp -multi 2`)
    /// with the argon2 bound, printed and not written to the report.
    #[arg(long)]
    pub hsm_only: bool,

    /// Only 利用者一覧 on the small database and then on the scale one (the
    /// scale budget's two figures), printed and not written to the report.
    #[arg(long)]
    pub scale_only: bool,

    /// No measure: the small database on SQLite, the server started on it
    /// and master01 logged in; prints the server's pid, address and session
    /// cookie, then keeps the server running this many seconds. For
    /// profiling a page with `perf` and `wrk` on the data the measures use.
    #[arg(long, value_name = "SECONDS")]
    pub hold: Option<u64>,

    /// With `--hold`: A001's 100 users on a PostgreSQL database of the
    /// bench's own (`--postgres-url`) instead of SQLite, as in the matrix.
    #[arg(long, requires = "hold")]
    pub on_postgres: bool,
}
