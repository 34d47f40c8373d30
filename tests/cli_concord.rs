//! `tarjuman concord` on a real TM file.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

const TM: &str = "ar\ten
المليشيات الإيرانيّة تخلي أكبر قاعدةٍ عسكرية لها شرقي سورية\tIranian militias evacuate their largest military base in eastern Syria
التي تعتبر أكبر قاعدة للمليشيات المدعومة من إيران\twhich is the largest base of the Iran-backed militias
وتتخذ المليشيات من منازل المدنيين مقار عسكرية لها\tThe militias use civilians' homes as military headquarters
";

fn tm() -> (tempfile::TempDir, std::path::PathBuf) {
    common::tm_from_tsv(TM)
}

fn concord(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("tarjuman").unwrap();
    c.args(["--db", db.to_str().unwrap(), "concord"]);
    c
}

#[test]
fn finds_the_phrase_whatever_the_harakat_and_highlights_the_raw_text() {
    let (_d, db) = tm();
    concord(&db)
        .arg("أكبر قاعدة")
        .assert()
        .success()
        .stdout(predicate::str::contains("[[أكبر قاعدةٍ]]"))
        .stdout(predicate::str::contains("[[أكبر قاعدة]]"))
        .stdout(predicate::str::contains("en: which is the largest base"))
        .stdout(predicate::str::contains("منازل").not())
        .stderr(predicate::str::contains("2 units contain"))
        // Isolates are for a terminal; this output is a pipe.
        .stdout(predicate::str::contains("\u{2068}").not());
}

const SQUARES: &str = "ar\ten
عادت الحياة إلى الميادين\tLife returned to the squares
في الشوارع والميادين، احتفالات\tIn the streets and squares, celebrations
مررنا بالميادين العامة\tWe passed by the public squares
دعوة للميادين العامة\tA call to the public squares
يَوْمَ الدِّينِ\tthe Day of Judgement
";

#[test]
fn words_are_found_behind_proclitics_and_exact_keeps_whole_words() {
    let (_d, db) = common::tm_from_tsv(SQUARES);
    concord(&db)
        .arg("الميادين")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "ar: في الشوارع و[[الميادين]]، احتفالات",
        ))
        .stdout(predicate::str::contains("ar: مررنا ب[[الميادين]] العامة"))
        .stdout(predicate::str::contains("ar: دعوة ل[[لميادين]] العامة"))
        .stderr(predicate::str::contains("4 units contain “الميادين”"));
    concord(&db)
        .args(["--exact", "الميادين"])
        .assert()
        .success()
        .stdout(predicate::str::contains("والميادين").not())
        .stderr(predicate::str::contains("1 units contain"));
    // A phrase whichever of its words carry a prefix.
    concord(&db)
        .arg("الميادين العامة")
        .assert()
        .success()
        .stderr(predicate::str::contains("2 units contain"));
}

#[test]
fn json_gives_character_offsets_and_the_summary_prints_arabic_as_arabic() {
    let (_d, db) = common::tm_from_tsv(SQUARES);
    let v = common::json_stdout(
        concord(&db)
            .args(["--format", "json", "والميادين"])
            .assert()
            .success(),
    );
    let hit = &v["hits"][0];
    let text = hit["text"].as_str().unwrap();
    let chars: Vec<char> = text.chars().collect();
    let (s, e) = (
        hit["char_spans"][0]["start"].as_u64().unwrap() as usize,
        hit["char_spans"][0]["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(chars[s..e].iter().collect::<String>(), "والميادين");
    assert_eq!((s, e), (11, 20));
    concord(&db)
        .arg("يَوْمَ")
        .assert()
        .success()
        .stderr(predicate::str::contains("1 units contain “يَوْمَ”"))
        .stderr(predicate::str::contains("\\u{").not());
}

#[test]
fn target_side_ignores_case_and_json_gives_byte_spans() {
    let (_d, db) = tm();
    let v = common::json_stdout(
        concord(&db)
            .args(["--target", "--format", "json", "MILITARY"])
            .assert()
            .success(),
    );
    let hits = v["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2);
    let text = hits[0]["text"].as_str().unwrap();
    let (s, e) = (
        hits[0]["spans"][0]["start"].as_u64().unwrap() as usize,
        hits[0]["spans"][0]["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "military");
    assert!(hits[0]["other"].as_str().unwrap().contains("المليشيات"));
}

#[test]
fn limit_and_phrases_without_words() {
    let (_d, db) = tm();
    concord(&db)
        .args(["--limit", "1", "المليشيات"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("1 units contain").and(predicate::str::contains("--limit")),
        );
    concord(&db)
        .arg("« »")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no words or numbers"));
    concord(&db)
        .arg("كلمة غائبة")
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("0 units contain"));
}
