//! Shared by the integration tests (each uses only some of it).
#![allow(dead_code)]

pub mod serve;
pub mod tmx;

use assert_cmd::Command;

/// A fresh TM built by the real `tarjuman import` from TSV text (with an
/// `ar<TAB>en` header line); the temp dir must outlive the TM.
pub fn tm_from_tsv(tsv_text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    tm_from("alaraby.tsv", tsv_text)
}

/// A fresh TM imported from `text` written to a file `name` (its ending
/// says the format) in a new temp dir, which must outlive the TM.
pub fn tm_from(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let db = dir.path().join("tm.db");
    Command::cargo_bin("tarjuman")
        .unwrap()
        .args([
            "--db",
            db.to_str().unwrap(),
            "import",
            file.to_str().unwrap(),
        ])
        .assert()
        .success();
    (dir, db)
}

/// The JSON a command printed on stdout (`--format json`), once its exit
/// status has been asserted.
pub fn json_stdout(assert: assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON")
}

pub mod pg;
