//! Test helpers: run the real `openssl` CLI (always installed where kanri is
//! built) in a temporary directory, so the tests check interoperability and
//! not just our own reading of our own output.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory that disappears with the value.
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    pub fn new() -> Self {
        Self(tempfile::tempdir().expect("temp dir"))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write scratch file");
        path
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read scratch file")
    }

    pub fn read_string(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).expect("utf-8 scratch file")
    }

    /// Runs `openssl args…` here; returns (success, stdout + stderr).
    pub fn openssl(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.0.path())
            .output()
            .expect("openssl is installed");
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }

    /// Runs openssl and panics with its output if it fails.
    pub fn openssl_ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.openssl(args);
        assert!(ok, "openssl {args:?} failed:\n{text}");
        text
    }

    #[allow(dead_code)]
    pub fn dir(&self) -> &Path {
        self.0.path()
    }
}
