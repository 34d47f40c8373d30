//! `tarjuman pretranslate` on the seed article against a small TM.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

const TM: &str = "ar\ten
المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية\tIranian militias evacuate their largest military base in eastern Syria
وفد من المعارضة السورية يلتقي لافروف في موسكو\tA Syrian opposition delegation meets Lavrov in Moscow
وأوضح أن العناصر والضباط المنسحبين خرجوا من المنطقة على شكل أرتال.\tHe explained that the withdrawing members and officers left the area in convoys.
";

fn setup() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let (dir, db) = common::tm_from_tsv(TM);
    let doc = dir.path().join("doc.txt");
    let article = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/alaraby-2021-11-06-ar.txt"
    ))
    .unwrap();
    // The article, with its headline repeated at the end (a repetition).
    std::fs::write(
        &doc,
        format!("{article}\nالمليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية\n"),
    )
    .unwrap();
    (dir, db, doc)
}

#[test]
fn analysis_table_counts_bands_and_repetitions() {
    let (_d, db, doc) = setup();
    Command::cargo_bin("tarjuman")
        .unwrap()
        .args([
            "--db",
            db.to_str().unwrap(),
            "pretranslate",
            doc.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"100%\s+2\s+17\s").unwrap())
        .stdout(predicate::str::is_match(r"Repetitions\s+1\s+9\s").unwrap())
        .stdout(predicate::str::contains("No match"))
        .stdout(predicate::str::contains("→ Iranian militias evacuate"));
}

#[test]
fn json_tsv_and_tmx_outputs() {
    let (d, db, doc) = setup();
    let tmx = d.path().join("out.tmx");
    let json = d.path().join("out.json");
    Command::cargo_bin("tarjuman")
        .unwrap()
        .args([
            "--db",
            db.to_str().unwrap(),
            "pretranslate",
            "--format",
            "json",
            "-o",
        ])
        .args([
            json.to_str().unwrap(),
            "--tmx",
            tmx.to_str().unwrap(),
            doc.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "3 segments with an exact match (the draft)",
        ));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let segs = v["segments"].as_array().unwrap();
    assert!(segs.len() > 15);
    let total: u64 = v["analysis"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["segments"].as_u64().unwrap())
        .sum();
    assert_eq!(total, segs.len() as u64);
    // The "convoys" sentence is split off its clause by the segmenter; it
    // still matches, and the JSON says with what.
    assert!(segs
        .iter()
        .any(|s| s["best"]["score"].as_u64().is_some_and(|x| x >= 50)));
    let tmx = std::fs::read_to_string(&tmx).unwrap();
    assert!(tmx.starts_with("<?xml"));
    assert_eq!(tmx.matches("<tu>").count() + tmx.matches("<tu ").count(), 3);
    assert!(tmx.contains(r#"<prop type="x-tarjuman-score">100</prop>"#));

    let out = Command::cargo_bin("tarjuman")
        .unwrap()
        .args([
            "--db",
            db.to_str().unwrap(),
            "pretranslate",
            "--format",
            "tsv",
            doc.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("Total"))
        .get_output()
        .stdout
        .clone();
    let tsv = String::from_utf8(out).unwrap();
    assert!(tsv.starts_with("index\tparagraph\tscore\tband\tsegment"));
    assert!(tsv.lines().skip(1).all(|l| l.split('\t').count() == 7));
    // The band as the analysis table labels it.
    assert!(tsv.contains("\t100\t100%\t"));
    assert!(tsv.contains("\tRepetitions\t"));
    assert!(!tsv.contains("\texact\t"));
}

/// The draft holds only what is exact for the new sentence; a fuzzy match
/// (the delegation met Lavrov "today", a word the TM lacks) goes to
/// --fuzzy-tmx as the stored unit, for the CAT tool to score.
#[test]
fn draft_tmx_holds_only_exact_matches_and_fuzzy_ones_go_elsewhere_as_stored() {
    let (d, db, _) = setup();
    let doc = d.path().join("new.txt");
    std::fs::write(
        &doc,
        "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية\n\n\
         وفد من المعارضة السورية يلتقي لافروف في موسكو اليوم\n",
    )
    .unwrap();
    let (draft, fuzzy) = (d.path().join("draft.tmx"), d.path().join("fuzzy.tmx"));
    Command::cargo_bin("tarjuman")
        .unwrap()
        .args(["--db", db.to_str().unwrap(), "pretranslate", "--tmx"])
        .args([
            draft.to_str().unwrap(),
            "--fuzzy-tmx",
            fuzzy.to_str().unwrap(),
        ])
        .arg(doc.to_str().unwrap())
        .assert()
        .success()
        .stderr(predicate::str::contains("1 fuzzy suggestions ≥ 70%"));
    let draft = std::fs::read_to_string(&draft).unwrap();
    assert!(!draft.contains("Lavrov"), "{draft}");
    assert!(draft.contains("<seg>Iranian militias evacuate"));
    let fuzzy = std::fs::read_to_string(&fuzzy).unwrap();
    // The stored source, not the document's sentence.
    assert!(fuzzy.contains("<seg>وفد من المعارضة السورية يلتقي لافروف في موسكو</seg>"));
    assert!(!fuzzy.contains("اليوم"));
    assert!(fuzzy.contains("<seg>A Syrian opposition delegation meets Lavrov in Moscow</seg>"));
    assert!(!fuzzy.contains("Iranian militias evacuate"));
}

#[test]
fn empty_documents_and_unsupported_languages_are_refused() {
    let (d, db, doc) = setup();
    let empty = d.path().join("empty.txt");
    std::fs::write(&empty, "\n  \n").unwrap();
    Command::cargo_bin("tarjuman")
        .unwrap()
        .args([
            "--db",
            db.to_str().unwrap(),
            "pretranslate",
            empty.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no text to pre-translate"));
    Command::cargo_bin("tarjuman")
        .unwrap()
        .args([
            "--db",
            db.to_str().unwrap(),
            "pretranslate",
            "--src-lang",
            "fr",
            doc.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("knows ar and en"));
}

/// `12` and `x` are not BCP 47 language tags: refused with a clear message
/// by every command that takes a language, not taken as a language no unit has.
#[test]
fn language_tags_that_are_not_bcp47_are_refused() {
    let (_d, db, doc) = setup();
    for tag in ["12", "x"] {
        Command::cargo_bin("tarjuman")
            .unwrap()
            .args([
                "--db",
                db.to_str().unwrap(),
                "pretranslate",
                "--tgt-lang",
                tag,
            ])
            .arg(&doc)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "\"{tag}\" is not a language tag"
            )));
        Command::cargo_bin("tarjuman")
            .unwrap()
            .args([
                "--db",
                db.to_str().unwrap(),
                "lookup",
                "--src-lang",
                tag,
                "موسكو",
            ])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "\"{tag}\" is not a language tag"
            )));
        Command::cargo_bin("tarjuman")
            .unwrap()
            .args(["--db", db.to_str().unwrap(), "export", "--src-lang", tag])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "`{tag}` is not a language tag"
            )));
        Command::cargo_bin("tarjuman")
            .unwrap()
            .args(["--db", db.to_str().unwrap(), "import", "--tgt-lang", tag])
            .arg(&doc)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "`{tag}` is not a language tag"
            )));
    }
}
