//! The command line as a whole: help for every subcommand, completions and
//! the man page, where the TM lives (--db, TARJUMAN_DB, the default), exit
//! codes.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

mod common;

/// The binary with no TM-related environment leaking in from the caller.
fn bare() -> Command {
    let mut cmd = Command::cargo_bin("tarjuman").unwrap();
    cmd.env_remove("TARJUMAN_DB");
    cmd
}

const SUBCOMMANDS: &[&str] = &[
    "import",
    "export",
    "stats",
    "delete",
    "segment",
    "align",
    "lookup",
    "concord",
    "pretranslate",
    "completions",
];

#[test]
fn every_subcommand_has_help() {
    bare()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Usage: tarjuman"))
        .stdout(predicate::str::contains("TARJUMAN_DB"));
    for sub in SUBCOMMANDS {
        bare()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("Usage: tarjuman {sub}")));
        bare().args(["help", sub]).assert().success();
    }
    bare()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("tarjuman "));
}

#[test]
fn completions_and_the_man_page_are_generated() {
    for (shell, marker) in [
        ("bash", "_tarjuman()"),
        ("zsh", "#compdef tarjuman"),
        ("fish", "complete -c tarjuman"),
    ] {
        bare()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("import"));
    }
    bare()
        .args(["completions", "man"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH tarjuman"))
        .stdout(predicate::str::contains("export"));
}

#[test]
fn completions_into_a_pipe_closed_early_exit_quietly() {
    // `tarjuman completions bash | head -1`: the reader goes away before
    // the script is written; that is not a crash.
    let bin = assert_cmd::cargo::cargo_bin("tarjuman");
    let mut child = std::process::Command::new(bin)
        .args(["completions", "bash"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The TM `cmd` uses, as `stats` names it, after an import creates it
/// (commands that only read never create a TM).
fn stats_path(cmd: &mut Command) -> String {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sample.tmx");
    let mut import = std::process::Command::new(cmd.get_program());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => import.env(k, v),
            None => import.env_remove(k),
        };
    }
    import.args(cmd.get_args()).args(["-q", "import", sample]);
    assert!(import.status().unwrap().success());
    let json = common::json_stdout(cmd.args(["stats", "--format", "json"]).assert().success());
    json["path"].as_str().unwrap().to_string()
}

#[test]
fn the_tm_is_found_by_option_environment_or_default() {
    let home = tempfile::tempdir().unwrap();
    let env_db = home.path().join("from-env.db");
    let opt_db = home.path().join("from-option.db");

    // TARJUMAN_DB is honoured.
    let mut cmd = bare();
    cmd.env("TARJUMAN_DB", &env_db);
    assert_eq!(stats_path(&mut cmd), env_db.display().to_string());
    assert!(env_db.exists());

    // --db overrides it.
    let mut cmd = bare();
    cmd.env("TARJUMAN_DB", &env_db).arg("--db").arg(&opt_db);
    assert_eq!(stats_path(&mut cmd), opt_db.display().to_string());
    assert!(opt_db.exists());

    // Neither: the platform data directory under $HOME, created on first use.
    let mut cmd = bare();
    cmd.env("HOME", home.path()).env_remove("XDG_DATA_HOME");
    let expected = home.path().join(".local/share/tarjuman/memory.db");
    assert_eq!(stats_path(&mut cmd), expected.display().to_string());
    assert!(expected.exists());
}

#[test]
fn the_global_db_option_works_after_the_subcommand_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("late.db");
    bare()
        .arg("stats")
        .arg("--db")
        .arg(&db)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "no translation memory at {}",
            db.display()
        )));
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sample.tmx");
    bare()
        .args(["import", "-q", sample, "--db"])
        .arg(&db)
        .assert()
        .success();
    assert!(Path::new(&db).exists());
}

#[test]
fn usage_errors_exit_with_2_and_failures_with_1() {
    bare()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Usage"));
    bare().arg("frobnicate").assert().code(2);
    bare()
        .args(["import"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<FILE>"));
    bare().args(["export", "--to", "docx"]).assert().code(2);
    bare()
        .args(["import", "--on-duplicate", "merge", "x.tmx"])
        .assert()
        .code(2);
    let dir = tempfile::tempdir().unwrap();
    bare()
        .arg("--db")
        .arg(dir.path().join("tm.db"))
        .args(["import", "/nonexistent/file.tmx"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "/nonexistent/file.tmx: cannot open",
        ));
}

#[test]
fn a_db_in_an_unwritable_place_is_a_clear_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    // A directory that cannot be created (its parent is a file).
    bare()
        .arg("--db")
        .arg(file.join("sub/tm.db"))
        .args([
            "import",
            concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sample.tmx"),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot create the directory"));
}
