//! BENCHMARKS.md from one run's [`Results`]. Its tables, rows and wording
//! stay the same from run to run so that runs can be compared; the budgets
//! are the benchmark issue's.

use crate::measures::behind_nginx::NginxRow;
use crate::measures::certificate_check::TURNS;
use crate::measures::flood::CLIENTS;
use crate::measures::load::{Loaded, CONNECTIONS};
use crate::measures::matrix::{MatrixRow, Transport};
use crate::measures::reads::{POOL, TASKS};
use crate::measures::revocations::SESSIONS;
use crate::measures::wrk::Load;
use crate::measures::{crl, hsm, issuance, issuance_cpu, ocsp, Results};
use crate::pki_files::{CERTIFICATE_CONTRACT, CERTIFICATE_MASTER};
use std::fmt::{self, Write as _};

/// 利用者一覧 (100 users, logged in) serves at least this share of the
/// requests per second of a minimal Leptos page with the same shell (the
/// benchmark issue).
pub const LIST_PAGE_RATIO_BUDGET: f64 = 0.5;

/// 作業内容選択 (the session and the user, no list) serves at least this
/// share of the minimal Leptos page's requests per second: issue 14 asked
/// 0.8× and met it with caches; issue 23 took them out (one plain read per
/// request) and restated the budget as 0.6×.
pub const MENU_PAGE_RATIO_BUDGET: f64 = 0.6;

/// The 99th percentile of the 管理 pages at the bench's load (issue 23).
pub const P99_MS_BUDGET: f64 = 15.0;

/// 実行 per second is at least this share of argon2id verifications per
/// second (the benchmark issue): every 実行 verifies one 確認用パスワード,
/// so everything around that hash may cost at most a fifth.
pub const REVOCATION_RATIO_BUDGET: f64 = 0.8;

/// JS + WASM + CSS, brotli, everything a master user loads from ログイン to
/// 証明書失効結果, in bytes: 100 KB (the benchmark issue; the reason kanri
/// renders islands, README "Rendering").
pub const BROTLI_BYTES_BUDGET: usize = 100_000;

/// 利用者一覧's median latency on the scale database is at most this
/// multiple of the small database's (the benchmark issue).
pub const SCALE_P50_RATIO_BUDGET: f64 = 1.2;

/// The 40-day expiry scan on the scale database takes at most this many
/// seconds (the benchmark issue).
pub const EXPIRY_SCAN_SECONDS_BUDGET: f64 = 1.0;

/// Idle RSS (after a login, before any load), in bytes: 50 MB (the benchmark
/// issue).
pub const IDLE_RSS_BYTES_BUDGET: u64 = 50_000_000;

/// Peak RSS under the list page's load, in bytes: 200 MB (the benchmark
/// issue).
pub const PEAK_RSS_BYTES_BUDGET: u64 = 200_000_000;

/// 取得 per second, with either key method, is at least this share of
/// argon2id verifications per second (issues 11 and 12): every 取得 verifies
/// one ログインパスワード, so the certificate, its storage and the two
/// requests around it may cost at most a fifth.
pub const ISSUANCE_RATIO_BUDGET: f64 = 0.8;

/// A logged-in page over HTTPS with 電子証明書方式's per-request check
/// serves at least this share of the requests per second of the same page
/// without it: the check may cost at most 10 % (issue 12).
pub const CERTIFICATE_CHECK_RATIO_BUDGET: f64 = 0.9;

/// OCSP responses per second: thousands, an order of magnitude above the
/// hundreds EJBCA documents (issue 12).
pub const OCSP_PER_SECOND_BUDGET: f64 = 1000.0;

/// A CRL of 100,000 revoked certificates is made in at most this many
/// seconds (issue 12): a revocation asks for a new CRL right after it
/// commits, where HashiCorp Vault users report 2–3 s per revocation at
/// 17,000 entries.
pub const CRL_SECONDS_BUDGET: f64 = 0.1;

/// A section of the report, written in the order of [`markdown`]'s list.
type Section = fn(&mut String, &Results) -> fmt::Result;

/// The whole report: the measured sections, then `notes` (bench/NOTES.md,
/// the analysis kept by hand) as they are.
pub fn markdown(results: &Results, notes: &str) -> String {
    let sections: [Section; 16] = [
        header,
        summary,
        matrix,
        behind_nginx,
        pages,
        time_breakdown,
        flood,
        revocations,
        bytes,
        scale,
        memory,
        issuance,
        certificate_check,
        ocsp,
        hsm,
        crl,
    ];
    let mut md = String::new();
    for section in sections {
        section(&mut md, results).expect("writing to a String");
    }
    md.push_str(notes);
    md
}

fn header(md: &mut String, r: &Results) -> fmt::Result {
    writeln!(md, "# kanri benchmarks\n")?;
    writeln!(
        md,
        "Written by `bash bench/run` (`kanri-bench`, release builds) on {}.",
        r.started.format("%Y-%m-%d %H:%M UTC")
    )?;
    writeln!(md, "Machine: {}. Load: wrk, 2 threads, 32 connections, {} s per measure, from the same machine.\n", r.machine, r.seconds)
}

/// A row of the summary: one measure against its budget.
struct Budget {
    measure: String,
    figure: String,
    budget: String,
    met: bool,
}

fn summary(md: &mut String, r: &Results) -> fmt::Result {
    writeln!(md, "## Summary\n")?;
    writeln!(md, "| measure | figure | budget | |")?;
    writeln!(md, "|---|---|---|---|")?;
    let all = budgets(r)
        .into_iter()
        .chain(matrix_budgets(r))
        .chain(certificate_budgets(r));
    for b in all {
        writeln!(
            md,
            "| {} | {} | {} | {} |",
            b.measure,
            b.figure,
            b.budget,
            verdict(b.met)
        )?;
    }
    writeln!(md)
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

fn budgets(r: &Results) -> [Budget; 7] {
    let (list, minimal, list_big) = (r.pages.list, r.pages.minimal, r.scale.list);
    let (revocations, argon2) = (r.revocations.per_second, r.argon2_per_second);
    let list_ratio = list.rps / minimal.rps;
    let revocation_ratio = revocations / argon2;
    let brotli = r.bytes.total().brotli;
    let scale_ratio = list_big.p50_ms / list.p50_ms;
    let scan = r.scale.expiry;
    let (idle, peak) = (r.idle_rss.after_login_kib, r.pages.peak_rss_list_kib);
    [
        Budget {
            measure: "利用者一覧 vs minimal Leptos page (requests/s)".into(),
            figure: format!(
                "{:.0} / {:.0} = **{list_ratio:.2}×**",
                list.rps, minimal.rps
            ),
            budget: format!("≥ {LIST_PAGE_RATIO_BUDGET}×"),
            met: list_ratio >= LIST_PAGE_RATIO_BUDGET,
        },
        Budget {
            measure: "実行 per second vs argon2id verifications per second".into(),
            figure: format!("{revocations:.1} / {argon2:.1} = **{revocation_ratio:.2}×**"),
            budget: format!("≥ {REVOCATION_RATIO_BUDGET}×"),
            met: revocation_ratio >= REVOCATION_RATIO_BUDGET,
        },
        Budget {
            measure: "JS + WASM + CSS, brotli".into(),
            figure: format!("**{:.1} KiB**", brotli as f64 / 1024.0),
            budget: format!("≤ {} KB", BROTLI_BYTES_BUDGET / 1000),
            met: brotli <= BROTLI_BYTES_BUDGET,
        },
        Budget {
            measure: "利用者一覧 p50, scale vs small database".into(),
            figure: format!(
                "{:.2} / {:.2} ms = **{scale_ratio:.2}×**",
                list_big.p50_ms, list.p50_ms
            ),
            budget: format!("≤ {SCALE_P50_RATIO_BUDGET}×"),
            met: scale_ratio <= SCALE_P50_RATIO_BUDGET,
        },
        Budget {
            measure: "40-day expiry scan on the scale database".into(),
            figure: format!("**{:.2} s** ({} notices queued)", scan.seconds, scan.queued),
            budget: format!("≤ {EXPIRY_SCAN_SECONDS_BUDGET} s"),
            met: scan.seconds <= EXPIRY_SCAN_SECONDS_BUDGET,
        },
        Budget {
            measure: "RSS idle".into(),
            figure: format!("**{:.1} MiB**", mib(idle)),
            budget: format!("≤ {} MB", IDLE_RSS_BYTES_BUDGET / 1_000_000),
            met: idle * 1024 <= IDLE_RSS_BYTES_BUDGET,
        },
        Budget {
            measure: "peak RSS under the list-page load".into(),
            figure: format!("**{:.1} MiB**", mib(peak)),
            budget: format!("≤ {} MB", PEAK_RSS_BYTES_BUDGET / 1_000_000),
            met: peak * 1024 <= PEAK_RSS_BYTES_BUDGET,
        },
    ]
}

/// Issue 14's two ratios for every backend and transport of the matrix.
fn matrix_budgets(r: &Results) -> impl Iterator<Item = Budget> + '_ {
    r.matrix.iter().flat_map(|row| {
        let with = format!("{}, {}", row.backend, row.transport.label());
        let minimal = row.minimal.ok_per_second();
        [
            ("利用者一覧", row.list, LIST_PAGE_RATIO_BUDGET),
            ("作業内容選択", row.menu, MENU_PAGE_RATIO_BUDGET),
        ]
        .map(|(page, loaded, budget)| {
            let ratio = loaded.ok_per_second() / minimal;
            Budget {
                measure: format!("{page} vs minimal page, {with}"),
                figure: format!(
                    "{:.0} / {minimal:.0} = **{ratio:.2}×** (p50 {:.2} ms, p99 {:.2} ms)",
                    loaded.ok_per_second(),
                    loaded.load.p50_ms,
                    loaded.load.p99_ms
                ),
                budget: format!("≥ {budget}×, p99 ≤ {P99_MS_BUDGET} ms"),
                met: ratio >= budget && loaded.load.p99_ms <= P99_MS_BUDGET,
            }
        })
    })
}

/// The page matrix: each backend over each transport, the three pages.
fn matrix(md: &mut String, r: &Results) -> fmt::Result {
    md.push_str(&matrix_table_with(&r.matrix, r.seconds));
    Ok(())
}

/// The matrix section for rows measured on their own (`--matrix-only`).
pub fn matrix_table(rows: &[MatrixRow], seconds: u64) -> String {
    matrix_table_with(rows, seconds)
}

fn matrix_table_with(rows: &[MatrixRow], seconds: u64) -> String {
    let mut md = String::new();
    write_matrix(&mut md, rows, seconds).expect("writing to a String");
    md
}

fn write_matrix(md: &mut String, rows: &[MatrixRow], seconds: u64) -> fmt::Result {
    writeln!(
        md,
        "## 管理 pages beside the minimal Leptos page, by backend and transport
"
    )?;
    writeln!(
        md,
        "kanri-bench's own load generator ({CONNECTIONS} connections, the three pages in four rounds of a quarter of {} s each, merged). \
         HTTP: A001 logs in with ID and password. HTTPS: every connection presents master01's certificate and A001 has 電子証明書方式 on, \
         so every request is checked against the session's serial and the status database.\n",
        seconds
    )?;
    writeln!(
        md,
        "| backend | transport | page | requests/s (2xx) | p50 ms | p99 ms | × minimal | errors |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|---|---|")?;
    for row in rows {
        let minimal = row.minimal.ok_per_second();
        for (page, l) in [
            ("利用者一覧 `/kanri/users/revoke`", row.list),
            ("作業内容選択 `/kanri/users`", row.menu),
            ("minimal `/bench/minimal`", row.minimal),
        ] {
            writeln!(
                md,
                "| {} | {} | {page} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
                row.backend,
                row.transport.label(),
                l.ok_per_second(),
                l.load.p50_ms,
                l.load.p99_ms,
                l.ok_per_second() / minimal,
                l.errors + l.load.non_2xx
            )?;
        }
    }
    writeln!(md)
}

/// The deployment's shape under load: nginx in front of one or three
/// instances (issue 13), beside the same pages straight to one instance.
fn behind_nginx(md: &mut String, r: &Results) -> fmt::Result {
    write_nginx(md, &r.behind_nginx, &r.matrix, r.seconds)
}

/// The nginx section for rows measured on their own (`--nginx-only`).
pub fn nginx_table(rows: &[NginxRow], seconds: u64) -> String {
    let mut md = String::new();
    write_nginx(&mut md, rows, &[], seconds).expect("writing to a String");
    md
}

fn write_nginx(
    md: &mut String,
    rows: &[NginxRow],
    direct: &[MatrixRow],
    seconds: u64,
) -> fmt::Result {
    writeln!(
        md,
        "## Through nginx: one instance and three
"
    )?;
    writeln!(
        md,
        "Debian's nginx with `server/deploy/nginx.conf` (TLS ends at nginx, the client certificate is forwarded in `X-SSL-Client-Cert`) in front of \
         one kanri instance on SQLite, one on PostgreSQL, then three on the same PostgreSQL database. The pages as in the matrix ({CONNECTIONS} connections, \
         four rounds of a quarter of {seconds} s per page), each connection presenting master01's certificate with 電子証明書方式 on for A001; then \
         {SESSIONS} sessions posting 実行 for {seconds} s. Everything on the same two cores: nginx, the instances, PostgreSQL and the load generator.\n"
    )?;
    writeln!(
        md,
        "| backend | instances | 利用者一覧 requests/s (2xx) | p50 ms | p99 ms | × direct HTTPS | 作業内容選択 | minimal | 実行/s (not revoked) | requests per instance |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|---|---|---|---|")?;
    for row in rows {
        let direct_list = direct
            .iter()
            .find(|d| d.backend == row.backend && d.transport == Transport::HttpsWithCertificate)
            .map(|d| format!("{:.2}", row.list.ok_per_second() / d.list.ok_per_second()))
            .unwrap_or_else(|| "–".into());
        let per_instance: Vec<String> = row.per_instance.iter().map(usize::to_string).collect();
        writeln!(
            md,
            "| {} | {} | {:.0} | {:.2} | {:.2} | {direct_list} | {:.0} | {:.0} | {:.1} ({}) | {} |",
            row.backend,
            row.instances,
            row.list.ok_per_second(),
            row.list.load.p50_ms,
            row.list.load.p99_ms,
            row.menu.ok_per_second(),
            row.minimal.ok_per_second(),
            row.revocations.per_second,
            row.revocations.failures,
            per_instance.join(" / "),
        )?;
    }
    writeln!(md, "\nWho used the cores while the three pages were loaded (shares of the machine's busy time, from /proc):\n")?;
    writeln!(md, "| backend | instances | cores busy | kanri | nginx | load generator | rest (PostgreSQL, kernel) |")?;
    writeln!(md, "|---|---|---|---|---|---|---|")?;
    for row in rows {
        let c = row.cpu;
        writeln!(
            md,
            "| {} | {} | {:.2} | {:.0} % | {:.0} % | {:.0} % | {:.0} % |",
            row.backend,
            row.instances,
            c.cores_busy,
            100.0 * c.kanri,
            100.0 * c.nginx,
            100.0 * c.load_generator,
            100.0 * c.rest
        )?;
    }
    let one = rows
        .iter()
        .find(|r| r.backend == "PostgreSQL" && r.instances == 1);
    let three = rows
        .iter()
        .find(|r| r.backend == "PostgreSQL" && r.instances == 3);
    let sqlite = rows.iter().find(|r| r.backend == "SQLite");
    if let (Some(one), Some(three), Some(sqlite)) = (one, three, sqlite) {
        writeln!(
            md,
            "\nOn PostgreSQL, three instances against one: 利用者一覧 {:.2}×, 実行 {:.2}×. One instance on SQLite against one on PostgreSQL: 利用者一覧 {:.2}×, 実行 {:.2}×.",
            three.list.ok_per_second() / one.list.ok_per_second(),
            three.revocations.per_second / one.revocations.per_second,
            sqlite.list.ok_per_second() / one.list.ok_per_second(),
            sqlite.revocations.per_second / one.revocations.per_second,
        )?;
    }
    writeln!(md)
}

fn pages(md: &mut String, r: &Results) -> fmt::Result {
    let p = &r.pages;
    writeln!(
        md,
        "## 利用者一覧 (100 users, logged in) beside its baselines\n"
    )?;
    writeln!(md, "| page | requests/s | p50 ms | p99 ms | non-2xx |")?;
    writeln!(md, "|---|---|---|---|---|")?;
    for (name, l) in [
        (
            "`/kanri/users/revoke` (session + database + render)",
            p.list,
        ),
        (
            "`/bench/minimal` (minimal Leptos SSR page, same shell)",
            p.minimal,
        ),
        (
            "`/bench/bare` (bare axum handler, the list page's bytes)",
            p.bare,
        ),
    ] {
        writeln!(
            md,
            "| {name} | {:.0} | {:.2} | {:.2} | {} |",
            l.rps, l.p50_ms, l.p99_ms, l.non_2xx
        )?;
    }
    writeln!(
        md,
        "\nThe list page is {} bytes of HTML.\n",
        r.list_page_bytes
    )
}

fn time_breakdown(md: &mut String, r: &Results) -> fmt::Result {
    writeln!(md, "### Where the list page's time goes (same run)\n")?;
    writeln!(md, "Each step adds work to the one above it; the last two rows are kanri's database layer alone, in the bench process with the server stopped ({TASKS} tasks, pool of {POOL}, no HTTP, no rendering).\n")?;
    writeln!(md, "| measure | adds | per second | µs each at that rate |")?;
    writeln!(md, "|---|---|---|---|")?;
    for (name, adds, rate) in [
        (
            "`/bench/minimal`",
            "the page shell, no data",
            r.pages.minimal.rps,
        ),
        (
            "`/bench/one-read`",
            "one database round trip (`SELECT 1`), awaited as screens await their data",
            r.pages.one_read.rps,
        ),
        (
            "`/kanri/users` (作業内容選択)",
            "the session's read with its user instead, the menu page",
            r.pages.menu.rps,
        ),
        (
            "`/kanri/users/revoke` (利用者一覧)",
            "the list from memory and its 100 rows' kept HTML (33 KB sent)",
            r.pages.list.rps,
        ),
        (
            "one database round trip (`SELECT 1`)",
            "",
            r.reads.round_trips,
        ),
        ("the 100-user list read alone", "", r.reads.list_reads),
    ] {
        writeln!(md, "| {name} | {adds} | {rate:.0} | {:.0} |", 1e6 / rate)?;
    }
    writeln!(
        md,
        "\nA page that reads the database once per request, and does nothing else, serves {:.2}× the minimal page's requests; 作業内容選択 {:.2}×.\n",
        r.pages.one_read.rps / r.pages.minimal.rps,
        r.pages.menu.rps / r.pages.minimal.rps
    )
}

fn flood(md: &mut String, r: &Results) -> fmt::Result {
    let (f, list) = (&r.flood, r.pages.list);
    writeln!(md, "### During a login flood\n")?;
    writeln!(md, "{CLIENTS} clients posting wrong passwords to `/api/login` as fast as they are answered (attempt limits off, so each is an argon2id verification), while wrk loads the list page as above:\n")?;
    writeln!(md, "| | figure |")?;
    writeln!(md, "|---|---|")?;
    writeln!(
        md,
        "| failed logins answered | {:.1}/s (argon2 alone: {:.1}/s) |",
        f.logins_per_second, r.argon2_per_second
    )?;
    writeln!(md, "| 利用者一覧 during the flood | {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms ({:.2}× the list without the flood) |", f.list.rps, f.list.p50_ms, f.list.p99_ms, f.list.rps / list.rps)?;
    writeln!(
        md,
        "| peak RSS after the flood | {:.1} MiB (argon2's share is capped at 2 × 19 MiB) |\n",
        mib(f.peak_rss_kib)
    )
}

fn revocations(md: &mut String, r: &Results) -> fmt::Result {
    let (revocations, failures) = (r.revocations.per_second, r.revocations.failures);
    writeln!(md, "## Revocations\n")?;
    writeln!(md, "{SESSIONS} sessions of one master, each revoking its own targets (`POST /api/revoke_certificate`, serial as the confirmation screen carries it): **{revocations:.1} 実行/s** ({failures} not revoked). Beside it, argon2id verifications with kanri's parameters (m=19 MiB, t=2, p=1) through kanri's hasher with its default cap of 2 at a time: **{:.1}/s**. Every 実行 verifies one 確認用パスワード, so argon2 bounds it.\n", r.argon2_per_second)
}

fn bytes(md: &mut String, r: &Results) -> fmt::Result {
    writeln!(md, "## Bytes to the browser\n")?;
    writeln!(md, "Everything a master user loads from ログイン to 証明書失効結果 (every screen loads the same three files; the HTML itself is not counted).\n")?;
    writeln!(md, "| file | raw | gzip -9 | brotli q11 |")?;
    writeln!(md, "|---|---|---|---|")?;
    for (file, s) in &r.bytes.files {
        writeln!(
            md,
            "| `/pkg/{file}` | {} | {} | {} |",
            s.raw, s.gzip, s.brotli
        )?;
    }
    let total = r.bytes.total();
    writeln!(
        md,
        "| **total** | {} | {} | {} |\n",
        total.raw, total.gzip, total.brotli
    )
}

fn scale(md: &mut String, r: &Results) -> fmt::Result {
    let (s, small) = (&r.scale, r.pages.list);
    writeln!(md, "## Scale\n")?;
    writeln!(md, "Scale database: {} users in 10,001 contracts, {} certificate rows (built in {:.1} s by `kanri-bench`). Small database: 1,000 users in 10 contracts plus the revocation contract. In both, A001 has the same 100 users.\n", s.users, s.certificates, s.build_seconds)?;
    writeln!(md, "| database | 利用者一覧 requests/s | p50 ms | p99 ms |")?;
    writeln!(md, "|---|---|---|---|")?;
    writeln!(
        md,
        "| small | {:.0} | {:.2} | {:.2} |",
        small.rps, small.p50_ms, small.p99_ms
    )?;
    writeln!(
        md,
        "| scale | {:.0} | {:.2} | {:.2} |\n",
        s.list.rps, s.list.p50_ms, s.list.p99_ms
    )?;
    writeln!(md, "40-day expiry scan (`mail::scan_expiring`: the candidate query and queueing every notice in one transaction) on the scale database: {:.3} s for {} notices.\n", s.expiry.seconds, s.expiry.queued)?;
    match s.delivery_seconds {
        Some(seconds) => writeln!(md, "The server then delivered those notices (to files) in {seconds:.1} s; the scale row was measured after that, so that it compares the databases' size and not a burst of mail.\n"),
        None => writeln!(md, "The server had not delivered those notices after 300 s; the scale row was measured with the rest still going out.\n"),
    }
}

fn memory(md: &mut String, r: &Results) -> fmt::Result {
    writeln!(md, "## Memory\n")?;
    writeln!(md, "| when | RSS |")?;
    writeln!(md, "|---|---|")?;
    for (when, kib) in [
        (
            "idle after start (demo data loaded)",
            r.idle_rss.after_start_kib,
        ),
        ("idle after a login", r.idle_rss.after_login_kib),
        ("peak during the list-page load", r.pages.peak_rss_list_kib),
        ("peak after all page loads", r.pages.peak_rss_all_kib),
    ] {
        writeln!(md, "| {when} | {:.1} MiB |", mib(kib))?;
    }
    writeln!(md)
}

/// The summary's rows of issues 11 and 12 (取得, 電子証明書方式, OCSP, CRL).
fn certificate_budgets(r: &Results) -> [Budget; 5] {
    let argon2 = r.argon2_per_second;
    let issuance = |measure: &str, obtained: issuance::Obtained| {
        let ratio = obtained.per_second / argon2;
        Budget {
            measure: measure.into(),
            figure: format!("{:.1} / {argon2:.1} = **{ratio:.2}×**", obtained.per_second),
            budget: format!("≥ {ISSUANCE_RATIO_BUDGET}×"),
            met: ratio >= ISSUANCE_RATIO_BUDGET,
        }
    };
    let (check, ocsp, crl) = (&r.certificate_check, &r.ocsp, &r.crl);
    let check_ratio = check.checked.load.rps / check.unchecked.load.rps;
    [
        issuance(
            "取得 per second (.p12) vs argon2id verifications per second",
            r.issuance.p12,
        ),
        issuance(
            "取得 per second (CSR) vs argon2id verifications per second",
            r.issuance.csr,
        ),
        Budget {
            measure: "作業内容選択 over HTTPS, 電子証明書方式 on vs off (requests/s)".into(),
            figure: format!(
                "{:.0} / {:.0} = **{check_ratio:.2}×**",
                check.checked.load.rps, check.unchecked.load.rps
            ),
            budget: format!("≥ {CERTIFICATE_CHECK_RATIO_BUDGET}×"),
            met: check_ratio >= CERTIFICATE_CHECK_RATIO_BUDGET,
        },
        Budget {
            measure: "OCSP responses per second".into(),
            figure: format!("**{:.0}/s**", ocsp.per_second),
            budget: format!("≥ {OCSP_PER_SECOND_BUDGET:.0}/s"),
            met: ocsp.per_second >= OCSP_PER_SECOND_BUDGET,
        },
        Budget {
            measure: "CRL of 100,000 revoked certificates, made after a revocation".into(),
            figure: format!("**{:.0} ms**", crl.make_seconds * 1000.0),
            budget: format!("≤ {:.0} ms", CRL_SECONDS_BUDGET * 1000.0),
            met: crl.make_seconds <= CRL_SECONDS_BUDGET,
        },
    ]
}

fn issuance(md: &mut String, r: &Results) -> fmt::Result {
    let (http, cpu, argon2) = (&r.issuance, &r.issuance_cpu, r.argon2_per_second);
    writeln!(md, "## 取得 (certificate issuance)\n")?;
    writeln!(md, "{} clients through the server, each 取得 for a fresh user without a certificate: 証明書取得認証 (`POST /api/issuance_authenticate`, one argon2id verification of the ログインパスワード), then the key-method form (`POST /certificate/submit`, multipart), counted when it answers with 証明書発行結果; {} s per key method. Beside it, `issuance::prepare` alone, in the bench process on {} threads (one per core): the key pair (.p12), the signature and the PKCS#12 encryption (.p12); no HTTP, no database, no password.\n", issuance::CLIENTS, r.seconds, cpu.threads)?;
    writeln!(
        md,
        "| key method | 取得/s | vs argon2id ({argon2:.1}/s) | not issued | `prepare` alone, /s |"
    )?;
    writeln!(md, "|---|---|---|---|---|")?;
    for (name, obtained, alone) in [
        (
            ".p12 (key made on the server)",
            http.p12,
            cpu.p12_per_second,
        ),
        ("CSR (P-256, made by openssl)", http.csr, cpu.csr_per_second),
    ] {
        let ratio = obtained.per_second / argon2;
        writeln!(md, "| {name} | {:.1} | {ratio:.2}× (budget ≥ {ISSUANCE_RATIO_BUDGET}×: {}) | {} | {alone:.0} |", obtained.per_second, verdict(ratio >= ISSUANCE_RATIO_BUDGET), obtained.failures)?;
    }
    writeln!(
        md,
        "\nFor comparison, EJBCA documents {} for its issuance.\n",
        issuance_cpu::EJBCA_DOCUMENTED
    )
}

fn certificate_check(md: &mut String, r: &Results) -> fmt::Result {
    let c = &r.certificate_check;
    writeln!(
        md,
        "## 電子証明書方式: the certificate checked on every request\n"
    )?;
    let turns: Vec<&str> = TURNS
        .iter()
        .map(|&on| if on { "on" } else { "off" })
        .collect();
    let turn_seconds = 2.0 * r.seconds as f64 / TURNS.len() as f64;
    writeln!(md, "作業内容選択 (`/kanri/users`) as {CERTIFICATE_MASTER} ({CERTIFICATE_CONTRACT}), {CONNECTIONS} keep-alive connections of the bench's own load generator (wrk cannot present a client certificate). Over kanri's HTTPS listener every connection presents {CERTIFICATE_MASTER}'s certificate; with the check on, each request compares it with the session's serial, the CA and the status database. 電子証明書方式 is turned on and off for {CERTIFICATE_CONTRACT} in turns of {turn_seconds:.1} s (read per request, no restart; a new login each turn), {} s each in all, in the order {}, so that a drift of the shared machine's load weighs on both alike; then the same page over plain HTTP for {} s. The wrk row is the same page for master01 (A001) from the table above.\n", r.seconds, turns.join(", "), r.seconds)?;
    writeln!(
        md,
        "| transport | check | requests/s | p50 ms | p99 ms | non-2xx | errors |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|---|")?;
    for (transport, check, loaded) in [
        ("HTTPS, client certificate", "on", c.checked),
        ("HTTPS, client certificate", "off", c.unchecked),
        ("plain HTTP", "off", c.plain),
    ] {
        load_row(
            md,
            &format!("{transport} | {check}"),
            &loaded.load,
            &loaded.errors.to_string(),
        )?;
    }
    load_row(md, "plain HTTP, wrk | off", &r.pages.menu, "")?;
    let ratio = c.checked.load.rps / c.unchecked.load.rps;
    writeln!(md, "\nWith the check / without: **{ratio:.2}×** (budget ≥ {CERTIFICATE_CHECK_RATIO_BUDGET}×: {}).\n", verdict(ratio >= CERTIFICATE_CHECK_RATIO_BUDGET))
}

/// `| <first cells> | requests/s | p50 | p99 | non-2xx | <last> |`.
fn load_row(md: &mut String, first: &str, l: &Load, last: &str) -> fmt::Result {
    writeln!(
        md,
        "| {first} | {:.0} | {:.2} | {:.2} | {} | {last} |",
        l.rps, l.p50_ms, l.p99_ms, l.non_2xx
    )
}

fn hsm(md: &mut String, r: &Results) -> fmt::Result {
    md.push_str(&hsm_section(&r.hsm, r.argon2_per_second, r.seconds));
    Ok(())
}

/// Issue 24's section: 取得 with the CA key in SoftHSM2 beside the sealed
/// key, against the argon2 bound; OCSP without a nonce beside OpenSSL's
/// responder.
pub fn hsm_section(h: &hsm::Hsm, argon2: f64, seconds: u64) -> String {
    let mut md = String::new();
    let _ = write_hsm(&mut md, h, argon2, seconds);
    md
}

fn write_hsm(md: &mut String, h: &hsm::Hsm, argon2: f64, seconds: u64) -> fmt::Result {
    writeln!(
        md,
        "## The CA key in a PKCS#11 token; OCSP beside OpenSSL (issue 24)\n"
    )?;
    writeln!(md, "取得 as in the section above ({} clients, {seconds} s per key method), each on a fresh demo database: once with the issuing CA's key sealed in the database, once with it in a SoftHSM2 token (`KANRI_CA_PKCS11_*`; every certificate signed by the token). argon2id bound: {argon2:.1}/s.\n", issuance::CLIENTS)?;
    writeln!(md, "| key method | sealed key, 取得/s | SoftHSM2, 取得/s | SoftHSM2 vs argon2id | not issued (SoftHSM2) |")?;
    writeln!(md, "|---|---|---|---|---|")?;
    for (name, sealed, token) in [
        (".p12", h.sealed.p12, h.token.p12),
        ("CSR", h.sealed.csr, h.token.csr),
    ] {
        let ratio = token.per_second / argon2;
        writeln!(
            md,
            "| {name} | {:.1} | {:.1} | {ratio:.2}× (budget ≥ {ISSUANCE_RATIO_BUDGET}×: {}) | {} |",
            sealed.per_second,
            token.per_second,
            verdict(ratio >= ISSUANCE_RATIO_BUDGET),
            token.failures
        )?;
    }
    let o = &h.ocsp;
    writeln!(md, "\nOCSP for {CERTIFICATE_MASTER}'s certificate with one request made by `openssl ocsp -no_nonce` (kanri signs its answer once and gives it again until the status changes), {CONNECTIONS} clients of the bench's load generator, {seconds} s each. Beside it OpenSSL's own responder, `openssl ocsp -index … -multi 2 -ndays 1`, for the same CA (signing with the CA's key, taken from the demo database), the same request bytes; it closes the connection after each answer, so kanri is loaded that way too. OpenSSL's first answer was read back by `openssl ocsp`: good, verify OK.\n")?;
    writeln!(
        md,
        "| responder | connections | answers with 200/s | p50 | p99 | not 200, no answer |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|")?;
    for (name, how, l) in [
        ("kanri", "keep-alive", &o.kanri_keep_alive),
        ("kanri", "one per request", &o.kanri_one_per_request),
        ("openssl ocsp -multi 2", "one per request", &o.openssl),
    ] {
        writeln!(
            md,
            "| {name} | {how} | {:.0} | {:.2} ms | {:.2} ms | {}, {} |",
            l.ok_per_second(),
            l.load.p50_ms,
            l.load.p99_ms,
            l.load.non_2xx,
            l.errors
        )?;
    }
    let ratio = o.kanri_one_per_request.ok_per_second() / o.openssl.ok_per_second();
    writeln!(
        md,
        "\nkanri / OpenSSL, both one connection per request: **{ratio:.2}×** (aim ≥ 3×: {}).\n",
        verdict(ratio >= 3.0)
    )
}

fn ocsp(md: &mut String, r: &Results) -> fmt::Result {
    let (o, l): (&ocsp::Ocsp, &Loaded) = (&r.ocsp, &r.ocsp.loaded);
    writeln!(md, "## OCSP\n")?;
    writeln!(md, "`POST /pki/ocsp` with one request made by `openssl ocsp` for {CERTIFICATE_MASTER}'s certificate (its nonce repeats), {CONNECTIONS} keep-alive connections of the bench's load generator, {} s; each answer a lookup in the status database and an ECDSA signature. The first answer was read back by `openssl ocsp`: successful, signed by the CA, good.\n", r.seconds)?;
    writeln!(md, "| | figure |")?;
    writeln!(md, "|---|---|")?;
    writeln!(
        md,
        "| answers with 200 | **{:.0}/s** (budget ≥ {OCSP_PER_SECOND_BUDGET:.0}/s: {}) |",
        o.per_second,
        verdict(o.per_second >= OCSP_PER_SECOND_BUDGET)
    )?;
    writeln!(
        md,
        "| latency | p50 {:.2} ms, p99 {:.2} ms |",
        l.load.p50_ms, l.load.p99_ms
    )?;
    writeln!(
        md,
        "| not 200, no answer | {}, {} |",
        l.load.non_2xx, l.errors
    )?;
    writeln!(md, "| response size | {} bytes |", o.response_bytes)?;
    writeln!(
        md,
        "\nFor comparison, EJBCA documents {} for its OCSP responder.\n",
        ocsp::EJBCA_DOCUMENTED
    )
}

fn crl(md: &mut String, r: &Results) -> fmt::Result {
    crl_section(md, &r.crl)
}

/// The CRL section alone, for `kanri-bench --crl-only`.
pub fn crl_table(c: &crl::Crl) -> String {
    let mut md = String::new();
    crl_section(&mut md, c).expect("writing to a String");
    md
}

fn crl_section(md: &mut String, c: &crl::Crl) -> fmt::Result {
    writeln!(md, "## CRL at 100,000 revoked certificates\n")?;
    writeln!(md, "In the bench process on a fresh demo database (SQLite) with {} revoked, unexpired certificates added by SQL, numbered as revocations are: {} entries in the CRL. Median of {} runs each; the first `make_crl` once.\n", crl::ENTRIES, c.entries, crl::RUNS)?;
    writeln!(md, "| | figure |")?;
    writeln!(md, "|---|---|")?;
    writeln!(md, "| `publication::make_crl` after one more revocation (counter, the new entry, signing, storing) | **{:.0} ms** (budget ≤ {:.0} ms: {}) |", c.make_seconds * 1000.0, CRL_SECONDS_BUDGET * 1000.0, verdict(c.make_seconds <= CRL_SECONDS_BUDGET))?;
    writeln!(md, "| the first `make_crl` after the {} revocations (this process reads every entry) | {:.0} ms |", crl::ENTRIES, c.first_make_seconds * 1000.0)?;
    writeln!(md, "| reading every entry alone (`crls::revoked_since`: one aggregated text row, a line per entry, parsed) | {:.0} ms |", c.read_seconds * 1000.0)?;
    writeln!(
        md,
        "| signing alone (`Ca::build_crl` on the same entries) | {:.0} ms |",
        c.sign_seconds * 1000.0
    )?;
    writeln!(
        md,
        "| storing alone (`crls::insert` and its commit) | {:.0} ms |",
        c.store_seconds * 1000.0
    )?;
    writeln!(
        md,
        "| CRL size (DER) | {} bytes ({:.1} MiB) |",
        c.der_bytes,
        c.der_bytes as f64 / 1024.0 / 1024.0
    )?;
    writeln!(
        md,
        "\nFor comparison, HashiCorp Vault users report 2–3 s per revocation at 17,000 entries.\n"
    )
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
