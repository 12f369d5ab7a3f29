//! The real peers the tests talk to, shared by the tests that start real
//! processes: running a command and scratch folders. Debian's nginx with the
//! repository's configuration is the harness's, shared with the benchmarks.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// A new folder under the temporary directory, named after its use.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kanri-{name}-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `command` with `stdin` as its input; what it printed and how it
/// ended.
pub fn output_of(command: &mut Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} must be installed (.ci/install does it): {e}"));
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `program` with `args`: its stdout and stderr, whatever its exit.
pub fn run(program: &str, args: &[&str], stdin: Option<&str>) -> String {
    let out = output_of(Command::new(program).args(args), stdin.unwrap_or(""));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
