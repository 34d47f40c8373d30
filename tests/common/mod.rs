//! Shared by the integration tests of the lookup-side commands.

use assert_cmd::Command;

/// A fresh TM built by the real `tarjuman import` from TSV text (with an
/// `ar<TAB>en` header line); the temp dir must outlive the TM.
pub fn tm_from_tsv(tsv_text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("alaraby.tsv");
    std::fs::write(&tsv, tsv_text).unwrap();
    let db = dir.path().join("tm.db");
    Command::cargo_bin("tarjuman")
        .unwrap()
        .args([
            "--db",
            db.to_str().unwrap(),
            "import",
            tsv.to_str().unwrap(),
        ])
        .assert()
        .success();
    (dir, db)
}
