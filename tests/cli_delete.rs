//! `tarjuman delete` keeps lookup and the counters right.

use assert_cmd::Command;
use predicates::prelude::*;

const A: &str = "ar\ten
وفد من المعارضة السورية يلتقي لافروف في موسكو\tA Syrian opposition delegation meets Lavrov in Moscow
أعلنت وزارة الخارجية الروسية يوم الجمعة\tThe Russian foreign ministry announced on Friday
";
const B: &str = "ar\ten
وفدٌ من المعارضة السوريّة يلتقي لافروف في موسكو\tSyrian opposition delegation meets Lavrov in Moscow
";

fn tm() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    for (name, text) in [("a.tsv", A), ("b.tsv", B)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        Command::cargo_bin("tarjuman")
            .unwrap()
            .current_dir(dir.path())
            .args(["--db", db.to_str().unwrap(), "import", name])
            .assert()
            .success();
    }
    (dir, db)
}

fn tj(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("tarjuman").unwrap();
    c.args(["--db", db.to_str().unwrap()]);
    c
}

fn top_score(db: &std::path::Path, q: &str) -> Vec<u64> {
    let out = tj(db)
        .args(["lookup", "--format", "json", "--min", "50", q])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["unit_id"].as_u64().unwrap())
        .collect()
}

#[test]
fn delete_by_query_matches_the_key_and_dry_run_changes_nothing() {
    let (_d, db) = tm();
    let q = "وفد من المعارضة السورية يلتقي لافروف في موسكو";
    tj(&db)
        .args(["delete", "--dry-run", "--query", q])
        .assert()
        .success()
        .stdout(predicate::str::contains("#1 ").and(predicate::str::contains("#3 ")))
        .stderr(predicate::str::contains("would delete 2 units"));
    assert_eq!(top_score(&db, q), vec![1, 3]);
    tj(&db)
        .args(["delete", "--query", q])
        .assert()
        .success()
        .stderr(predicate::str::contains("deleted 2 units"));
    assert!(top_score(&db, q).is_empty());
    assert_eq!(
        top_score(&db, "أعلنت وزارة الخارجية الروسية يوم الجمعة"),
        vec![2]
    );
}

#[test]
fn delete_by_id_and_origin_with_json_summary() {
    let (_d, db) = tm();
    tj(&db)
        .args(["delete", "--format", "json", "--id", "2", "99"])
        .assert()
        .success()
        .stdout(predicate::str::contains(r#""deleted":1"#))
        .stderr(predicate::str::contains("no unit #99"));
    assert!(top_score(&db, "أعلنت وزارة الخارجية الروسية يوم الجمعة").is_empty());
    tj(&db)
        .args(["delete", "--origin", "b.tsv"])
        .assert()
        .success()
        .stderr(predicate::str::contains("deleted 1 units"));
    assert_eq!(
        top_score(&db, "وفد من المعارضة السورية يلتقي لافروف في موسكو"),
        vec![1]
    );
    tj(&db)
        .args(["delete", "--origin", "nowhere.tmx"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no origin named"));
    tj(&db).args(["delete"]).assert().code(2);
}
