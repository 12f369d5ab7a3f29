//! kanri-bench: runs every measure in one process run, in a fixed order, and
//! writes BENCHMARKS.md (see the library's documentation, `lib.rs`).

#![forbid(unsafe_code)]

use clap::Parser;
use kanri_bench::args::Args;
use kanri_bench::fixtures::{self, Database, PostgresDatabase, LIST_MASTER};
use kanri_bench::measures::load::Target;
use kanri_bench::measures::{
    argon2, behind_nginx, bytes, certificate_check, crl, flood, hsm, issuance, issuance_cpu,
    machine, matrix, ocsp, pages, reads, revocations, scale, wrk, IdleRss, Results,
};
use kanri_bench::pki_files::{self, PkiFiles};
use kanri_bench::{report, server};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

/// The hand-written analysis appended to every report.
const NOTES: &str = "bench/NOTES.md";

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let work = std::env::temp_dir().join(format!("kanri-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    eprintln!(
        "kanri-bench: {} s per load measure, working in {}",
        args.seconds,
        work.display()
    );
    if args.matrix_only {
        let rows = matrix_only(&args, &work).await;
        println!("{}", report::matrix_table(&rows, args.seconds));
        let _ = std::fs::remove_dir_all(&work);
        return;
    }
    if args.crl_only {
        let crl = crl::measure(&work.join("crl")).await;
        println!("{}", report::crl_table(&crl));
        let _ = std::fs::remove_dir_all(&work);
        return;
    }
    if args.hsm_only {
        let argon2_per_second = argon2::verifications_per_second(args.seconds).await;
        let csr = pki_files::csr(&work.join("pki"));
        let hsm = hsm::measure(&args, &work, &csr).await;
        println!(
            "{}",
            report::hsm_section(&hsm, argon2_per_second, args.seconds)
        );
        let _ = std::fs::remove_dir_all(&work);
        return;
    }
    if args.scale_only {
        scale_only(&args, &work).await;
        let _ = std::fs::remove_dir_all(&work);
        return;
    }
    if let Some(seconds) = args.hold {
        hold(&args, &work, seconds).await;
        let _ = std::fs::remove_dir_all(&work);
        return;
    }
    if args.nginx_only {
        let dir = work.join("small");
        filled_small(&args, &dir).await;
        let rows = nginx_rows(&args, &dir, &work.join("nginx")).await;
        println!("{}", report::nginx_table(&rows, args.seconds));
        let _ = std::fs::remove_dir_all(&work);
        return;
    }
    let results = measure(&args, &work).await;
    eprintln!("[10/10] writing {}", args.out.display());
    let notes = std::fs::read_to_string(NOTES).unwrap_or_default();
    std::fs::write(&args.out, report::markdown(&results, &notes)).unwrap();
    let _ = std::fs::remove_dir_all(&work);
    println!("{}", std::fs::read_to_string(&args.out).unwrap());
}

/// The small database in `dir`: schema and demo data from a first start of
/// the server, then the bench's users and certificates.
async fn filled_small(args: &Args, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let server = server::start(args, dir, None).await;
    fixtures::fill_small(dir).await;
    server::stop(server).await;
}

/// `--scale-only`: the list on the small database, then on the scale one,
/// and the 40-day expiry scan.
async fn scale_only(args: &Args, work: &Path) {
    let small = work.join("small");
    filled_small(args, &small).await;
    let server = server::start(args, &small, None).await;
    let cookie = server::login(&server, LIST_MASTER).await;
    let on_small = wrk::run(&server.url(pages::LIST_PAGE), Some(&cookie), args.seconds);
    server::stop(server).await;
    let scale = scale::measure(args, &work.join("big")).await;
    for (name, load) in [("small", on_small), ("scale", scale.list)] {
        println!(
            "{name}: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
            load.rps, load.p50_ms, load.p99_ms
        );
    }
    println!(
        "scale / small p50: {:.2}x (built in {:.1} s)",
        scale.list.p50_ms / on_small.p50_ms,
        scale.build_seconds
    );
    println!(
        "40-day expiry scan: {:.3} s for {} notices",
        scale.expiry.seconds, scale.expiry.queued
    );
}

async fn measure(args: &Args, work: &Path) -> Results {
    let started = chrono::Utc::now();
    eprintln!("[1/10] bytes to the browser");
    let bytes = bytes::measure(&args.site_root);
    eprintln!("[2/10] argon2id verifications");
    let argon2_per_second = argon2::verifications_per_second(args.seconds).await;
    eprintln!("[3/10] issuance without the password check, in process");
    let csr = pki_files::csr(&work.join("pki"));
    let issuance_cpu = issuance_cpu::measure(&csr, args.seconds);
    eprintln!("[4/10] small database (1,000 users)");
    let small = work.join("small");
    let on_small = small_database(args, &small, work, &csr).await;
    eprintln!("      page matrix on PostgreSQL (HTTP, HTTPS with a certificate)");
    let on_postgres = postgres_matrix(args, &work.join("postgres")).await;
    eprintln!("[7/10] through nginx: 1 instance on SQLite, 1 and 3 on PostgreSQL");
    let behind_nginx = nginx_rows(args, &small, &work.join("nginx")).await;
    eprintln!("      database reads alone, in process");
    let reads = reads::measure(&small, args.seconds).await;
    eprintln!(
        "[8/10] CRL of {} revoked certificates, in process",
        crl::ENTRIES
    );
    let crl = crl::measure(&work.join("crl")).await;
    eprintln!("[9/10] scale database (100,000 users, 1,000,000 certificates)");
    let scale = scale::measure(args, &work.join("big")).await;
    eprintln!("      取得 with the CA key in SoftHSM2; OCSP beside openssl ocsp");
    let hsm = hsm::measure(args, work, &csr).await;
    Results {
        started,
        seconds: args.seconds,
        machine: machine::describe(),
        bytes,
        argon2_per_second,
        idle_rss: on_small.idle_rss,
        list_page_bytes: on_small.list_page_bytes,
        pages: on_small.pages,
        flood: on_small.flood,
        revocations: on_small.revocations,
        reads,
        scale,
        issuance: on_small.issuance,
        issuance_cpu,
        certificate_check: on_small.certificate_check,
        ocsp: on_small.ocsp,
        crl,
        matrix: [on_small.matrix, on_postgres].concat(),
        behind_nginx,
        hsm,
    }
}

/// `--hold`: the server on the small database (or A001's users on
/// PostgreSQL), for a profiler to attach to.
async fn hold(args: &Args, work: &Path, seconds: u64) {
    let dir = work.join("small");
    std::fs::create_dir_all(&dir).unwrap();
    let mut postgres = None;
    let server = if args.on_postgres {
        let database = PostgresDatabase::create(&args.postgres_url).await;
        let server = server::start_on_postgres(args, &dir, &database.url).await;
        fixtures::fill_list_postgres(&database.url).await;
        postgres = Some(database);
        server
    } else {
        let server = server::start(args, &dir, None).await;
        fixtures::fill_small(&dir).await;
        server
    };
    let cookie = server::login(&server, LIST_MASTER).await;
    println!("pid {}", server.pid());
    println!("url {}", server.url(""));
    println!("cookie {cookie}");
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    server::stop(server).await;
    if let Some(database) = postgres {
        database.drop_now().await;
    }
}

/// The page matrix alone: the small database's A001 on SQLite (demo data
/// and its 93 more users), then PostgreSQL.
async fn matrix_only(args: &Args, work: &Path) -> Vec<matrix::MatrixRow> {
    let dir = work.join("small");
    std::fs::create_dir_all(&dir).unwrap();
    let server = server::start(args, &dir, None).await;
    fixtures::fill_small(&dir).await;
    let on_sqlite = matrix::measure(&server, &Database::Sqlite(dir.clone()), args.seconds).await;
    server::stop(server).await;
    let on_postgres = postgres_matrix(args, &work.join("postgres")).await;
    [on_sqlite, on_postgres].concat()
}

/// The page matrix on a PostgreSQL database of the bench's own, with A001's
/// 100 users as on SQLite; the server's files in `dir`.
async fn postgres_matrix(args: &Args, dir: &Path) -> [matrix::MatrixRow; 2] {
    let database = PostgresDatabase::create(&args.postgres_url).await;
    let server = server::start_on_postgres(args, dir, &database.url).await;
    fixtures::fill_list_postgres(&database.url).await;
    let db = Database::Postgres(database.url.clone());
    let rows = matrix::measure(&server, &db, args.seconds).await;
    server::stop(server).await;
    database.drop_now().await;
    rows
}

/// The measures through nginx: one instance on the small database in
/// `small` (its server stopped), then one and three on a PostgreSQL
/// database of the bench's own with A001's 100 users and R001's targets;
/// the PostgreSQL instances' files in `dir`.
async fn nginx_rows(args: &Args, small: &Path, dir: &Path) -> Vec<behind_nginx::NginxRow> {
    let seconds = args.seconds;
    let server = server::start_behind_nginx(args, small, None).await;
    let on_sqlite = behind_nginx::measure(
        std::slice::from_ref(&server),
        &Database::Sqlite(small.to_owned()),
        seconds,
    )
    .await;
    server::stop(server).await;

    let database = PostgresDatabase::create(&args.postgres_url).await;
    let db = Database::Postgres(database.url.clone());
    let url = Some(database.url.as_str());
    // The first instance loads the demo data, the others find it there.
    let mut servers = vec![server::start_behind_nginx(args, &dir.join("1"), url).await];
    fixtures::fill_list_postgres(&database.url).await;
    fixtures::fill_revocations_postgres(&database.url, fixtures::POSTGRES_REVOCATION_TARGETS).await;
    let on_one = behind_nginx::measure(&servers, &db, seconds).await;
    for n in 2..=3 {
        servers.push(server::start_behind_nginx(args, &dir.join(n.to_string()), url).await);
    }
    let on_three = behind_nginx::measure(&servers, &db, seconds).await;
    for server in servers {
        server::stop(server).await;
    }
    database.drop_now().await;
    vec![on_sqlite, on_one, on_three]
}

/// What the server measures on the small database.
struct SmallDatabase {
    idle_rss: IdleRss,
    list_page_bytes: usize,
    pages: pages::Pages,
    flood: flood::Flood,
    revocations: revocations::Revocations,
    issuance: issuance::Issuance,
    ocsp: ocsp::Ocsp,
    certificate_check: certificate_check::CertificateCheck,
    matrix: [matrix::MatrixRow; 2],
}

/// The small database in `dir`, served twice: first to take the list page's
/// HTML, which the second serves as the bare-handler baseline (`work` keeps
/// the file); then the page loads, the login flood, the revocations and the
/// certificate measures (`csr` is the CSR of the 取得 by CSR).
async fn small_database(args: &Args, dir: &Path, work: &Path, csr: &[u8]) -> SmallDatabase {
    std::fs::create_dir_all(dir).unwrap();
    let server = server::start(args, dir, None).await;
    let after_start_kib = server::rss(&server).now_kib;
    fixtures::fill_small(dir).await;
    let cookie = server::login(&server, LIST_MASTER).await;
    let list_html = pages::list_page_html(&server, &cookie).await;
    let bare_file = work.join("list-page.html");
    std::fs::write(&bare_file, &list_html).unwrap();
    server::stop(server).await;

    let server = server::start(args, dir, Some(&bare_file)).await;
    let cookie = server::login(&server, LIST_MASTER).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after_login_kib = server::rss(&server).now_kib;
    eprintln!("      wrk: list, minimal Leptos page, bare axum");
    let pages = pages::measure(&server, &cookie, args.seconds);
    eprintln!("      wrk: list page during a login flood");
    let flood = flood::measure(&server, &cookie, args.seconds).await;
    eprintln!("[5/10] revocations with {} sessions", revocations::SESSIONS);
    let targets = fixtures::revocation_targets(&Database::Sqlite(dir.to_owned())).await;
    let direct = Target::http(SocketAddr::from((Ipv4Addr::LOCALHOST, server.port())));
    let revocations = revocations::measure(&direct, targets, args.seconds).await;
    // Each revocation queued its notice, which the server now delivers (two
    // commits per notice): 取得, measured next, is measured once they are out,
    // not beside that burst (the 03:36 run had .p12 at 0.57x right after it).
    let delivered = fixtures::mail_delivered_within(dir, 300).await;
    eprintln!("      revocation notices delivered in {delivered:?} s");
    eprintln!("[6/10] 取得 (.p12, CSR), OCSP, 電子証明書方式 (HTTPS)");
    let seconds = args.seconds;
    let issuance = issuance::measure(&server, dir, csr, seconds).await;
    let files = PkiFiles::fetch(&server, &work.join("pki")).await;
    let ocsp = ocsp::measure(&server, &files, seconds).await;
    let certificate_check = certificate_check::measure(&server, dir, &files, seconds).await;
    eprintln!("      page matrix on SQLite (HTTP, HTTPS with a certificate)");
    let matrix = matrix::measure(&server, &Database::Sqlite(dir.to_owned()), seconds).await;
    server::stop(server).await;
    SmallDatabase {
        idle_rss: IdleRss {
            after_start_kib,
            after_login_kib,
        },
        list_page_bytes: list_html.len(),
        pages,
        flood,
        revocations,
        issuance,
        ocsp,
        certificate_check,
        matrix,
    }
}
