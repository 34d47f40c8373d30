//! `tarjuman stats`: what it reports, in text and JSON, kept in step by
//! import and delete; clear errors for files that are not a usable TM.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use tarjuman::tm::Store;

mod common;

fn tarjuman(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tarjuman").unwrap();
    cmd.env_remove("TARJUMAN_DB").arg("--db").arg(db);
    cmd
}

fn json_stats(db: &Path) -> serde_json::Value {
    common::json_stdout(
        tarjuman(db)
            .args(["stats", "--format", "json"])
            .assert()
            .success(),
    )
}

fn import_mixed(dir: &Path, db: &Path) {
    let five =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx/good/five-languages.tmx");
    tarjuman(db).arg("import").arg(&five).assert().success();
    let tsv = dir.join("news.tsv");
    std::fs::write(
        &tsv,
        "ar\ten\nبدأت مليشيات تابعة لإيران\tMilitias loyal to Iran began\nنحو ١٠٠ من ضباطها\tabout 100 of its officers\n",
    )
    .unwrap();
    tarjuman(db).arg("import").arg(&tsv).assert().success();
}

#[test]
fn a_new_tm_reports_nothing_but_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    // Created by a writer (stats never creates a TM).
    drop(tarjuman::tm::Store::open(&db).unwrap());
    tarjuman(&db)
        .arg("stats")
        .assert()
        .success()
        .stdout(predicate::str::contains("Units               0"))
        .stdout(predicate::str::contains(format!(
            "schema version {}",
            tarjuman::tm::store::SCHEMA_VERSION
        )))
        .stdout(predicate::str::contains(
            "Dates               none recorded",
        ));
    let j = json_stats(&db);
    assert_eq!(j["units"], 0);
    assert_eq!(j["schema_version"], tarjuman::tm::store::SCHEMA_VERSION);
    assert!(j["size_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn counts_languages_pairs_origins_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    import_mixed(dir.path(), &db);
    // The truth, counted the slow way.
    let store = Store::open(&db).unwrap();
    let (units, variants): (u64, u64) = store
        .conn
        .query_row(
            "SELECT (SELECT count(*) FROM unit), (SELECT count(*) FROM variant)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(store);
    let j = json_stats(&db);
    assert_eq!(j["units"], units);
    assert_eq!(j["variants"], variants);
    let lang_sum: u64 = j["languages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["variants"].as_u64().unwrap())
        .sum();
    assert_eq!(lang_sum, variants);
    let origins = j["origins"].as_array().unwrap();
    assert_eq!(origins.len(), 2);
    let tsv = origins.iter().find(|o| o["kind"] == "tsv").unwrap();
    assert_eq!(tsv["units"], 2);
    assert!(tsv["name"].as_str().unwrap().ends_with("news.tsv"));
    let ar_en = j["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["src"] == "ar" && p["tgt"] == "en")
        .unwrap();
    // One five-language unit has ar → en, plus the two TSV pairs.
    assert_eq!(ar_en["units"], 3);
    assert!(j["date_min"].as_str().unwrap() <= j["date_max"].as_str().unwrap());

    let text = tarjuman(&db)
        .arg("stats")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains(&format!("Units               {units}")),
        "{text}"
    );
    assert!(text.contains("ar → en"), "{text}");
    assert!(text.contains("news.tsv"), "{text}");
}

#[test]
fn deleting_units_keeps_the_counters_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    import_mixed(dir.path(), &db);
    let before = json_stats(&db);
    let mut store = Store::open(&db).unwrap();
    // Origins are stored as the file's name.
    let ids = tarjuman::tm::read::unit_ids_of_origin(&store, "news.tsv").unwrap();
    assert_eq!(store.delete_units(&ids).unwrap(), 2);
    drop(store);
    let after = json_stats(&db);
    assert_eq!(
        after["units"].as_u64().unwrap(),
        before["units"].as_u64().unwrap() - 2
    );
    assert_eq!(
        after["variants"].as_u64().unwrap(),
        before["variants"].as_u64().unwrap() - 4
    );
    assert_eq!(after["origins"].as_array().unwrap().len(), 1);
    let ar_en = after["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["src"] == "ar" && p["tgt"] == "en")
        .unwrap()
        .clone();
    assert_eq!(ar_en["units"], 1);
    // Deleting the rest empties every counter.
    let mut store = Store::open(&db).unwrap();
    let ids: Vec<i64> = store
        .conn
        .prepare("SELECT id FROM unit")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    store.delete_units(&ids).unwrap();
    drop(store);
    let empty = json_stats(&db);
    assert_eq!(
        (empty["units"].as_u64(), empty["variants"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(empty["pairs"].as_array().unwrap().is_empty());
    assert!(empty["languages"].as_array().unwrap().is_empty());
    assert!(empty["origins"].as_array().unwrap().is_empty());
    assert!(empty["date_min"].is_null());
}

#[test]
fn a_file_that_is_not_a_tm_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.db");
    std::fs::write(
        &text,
        "ملاحظات المترجم: هذا ليس قاعدة بيانات، بل نص عادي طويل بما يكفي",
    )
    .unwrap();
    tarjuman(&text)
        .arg("stats")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "not a tarjuman translation memory",
        ));
    // The file is untouched.
    assert!(std::fs::read_to_string(&text)
        .unwrap()
        .starts_with("ملاحظات"));

    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE invoices(id INTEGER)")
        .unwrap();
    tarjuman(&other)
        .args(["import", "x.tsv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("other tables"));
}

#[test]
fn a_newer_schema_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future.db");
    drop(tarjuman::tm::Store::open(&db).unwrap());
    tarjuman(&db).arg("stats").assert().success();
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    tarjuman(&db)
        .arg("stats")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("newer tarjuman"))
        .stderr(predicate::str::contains("upgrade tarjuman"));
}
