//! HTTP load from wrk, a separate process: 2 threads, 32 connections.

use std::process::Command;

/// What wrk reports for one URL.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Load {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub non_2xx: u64,
}

/// Loads `url` (with the session's `Cookie` header when given) for `seconds`.
pub fn run(url: &str, cookie: Option<&str>, seconds: u64) -> Load {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{seconds}s"), "--latency"]);
    if let Some(cookie) = cookie {
        cmd.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let out = cmd.arg(url).output().expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let load = parse(&text);
    assert!(load.rps > 0.0, "wrk printed no figures for {url}:\n{text}");
    load
}

/// The figures of wrk's `--latency` output.
fn parse(text: &str) -> Load {
    let mut load = Load::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => load.rps = v.parse().unwrap_or(0.0),
            ["50%", v] => load.p50_ms = milliseconds(v),
            ["99%", v] => load.p99_ms = milliseconds(v),
            ["Non-2xx", "or", "3xx", "responses:", v] => load.non_2xx = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    load
}

/// A wrk duration (`812.00us`, `3.49ms`, `1.02s`) in milliseconds.
fn milliseconds(token: &str) -> f64 {
    let unit_at = token
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(token.len());
    let (number, unit) = token.split_at(unit_at);
    let n: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrks_latency_output() {
        let text = "Running 10s test @ http://127.0.0.1:3000/bench/minimal
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.62ms    1.20ms  30.11ms   80.00%
  Latency Distribution
     50%    3.49ms
     75%    4.10ms
     90%    5.02ms
     99%    1.50s
  91570 requests in 10.00s, 1.10GB read
  Non-2xx or 3xx responses: 7
Requests/sec:   9157.03
Transfer/sec:    112.50MB
";
        assert_eq!(
            parse(text),
            Load {
                rps: 9157.03,
                p50_ms: 3.49,
                p99_ms: 1500.0,
                non_2xx: 7,
            }
        );
        assert_eq!(milliseconds("812.00us"), 0.812);
    }
}
