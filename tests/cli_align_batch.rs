//! `tarjuman align --batch`: a whole archive in one run, the real binary on
//! the dev sets.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn align_cmd(tmp: &TempDir) -> Command {
    let mut cmd = Command::cargo_bin("tarjuman").unwrap();
    cmd.env("TARJUMAN_DB", tmp.path().join("tm.db"));
    cmd.args(["align", "--no-freedict", "--input", "lines"]);
    cmd
}

const SETS: [&str; 3] = ["alaraby", "feature", "news2"];

/// AR_DIR and EN_DIR with the dev sets under names to pair: `alaraby.txt`
/// in both, `feature-ar.txt` / `feature-en.txt`, `news2_ar.txt` /
/// `news2_en.txt`, plus a file on each side without a partner.
fn archive(tmp: &TempDir) -> (PathBuf, PathBuf) {
    let (ar, en) = (tmp.path().join("ar"), tmp.path().join("en"));
    std::fs::create_dir_all(&ar).unwrap();
    std::fs::create_dir_all(&en).unwrap();
    let names = [
        ("alaraby.txt", "alaraby.txt"),
        ("feature-ar.txt", "feature-en.txt"),
        ("news2_ar.txt", "news2_en.txt"),
    ];
    for (set, (a, e)) in SETS.iter().zip(names) {
        let dir = data(&format!("tests/data/align/{set}"));
        std::fs::copy(dir.join("ar.txt"), ar.join(a)).unwrap();
        std::fs::copy(dir.join("en.txt"), en.join(e)).unwrap();
    }
    std::fs::write(ar.join("lonely.txt"), "نص بلا ترجمة.\n").unwrap();
    std::fs::write(en.join("orphan.txt"), "A text without its original.\n").unwrap();
    (ar, en)
}

#[test]
fn two_folders_pair_by_name_write_one_file_per_pair_and_report_the_unpaired() {
    let tmp = TempDir::new().unwrap();
    let (ar, en) = archive(&tmp);
    let out = tmp.path().join("out");
    let assert = align_cmd(&tmp)
        .arg("--batch")
        .arg("--out-dir")
        .arg(&out)
        .arg(&ar)
        .arg(&en)
        .assert()
        .code(1);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("lonely.txt: no file to pair it with"), "{err}");
    assert!(err.contains("orphan.txt: no file to pair it with"), "{err}");
    assert!(
        err.contains("batch: 3 pair(s) aligned, 0 failed, 2 file(s) without a partner"),
        "{err}"
    );
    // One line per pair, in the archive's order.
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(" + ") && l.contains(" links ("))
        .collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].contains("alaraby.txt + ") && lines[1].contains("feature-ar.txt + "));
    // Each pair's TSV is what aligning the pair alone writes.
    for (set, stem) in SETS.iter().zip(["alaraby", "feature", "news2"]) {
        let dir = data(&format!("tests/data/align/{set}"));
        let alone = align_cmd(&tmp)
            .arg(dir.join("ar.txt"))
            .arg(dir.join("en.txt"))
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let written = std::fs::read(out.join(format!("{stem}.tsv"))).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            String::from_utf8(alone).unwrap(),
            "{set}"
        );
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
}

#[test]
fn a_pairs_tsv_imports_each_pair_alone_and_a_bad_pair_fails_alone() {
    let tmp = TempDir::new().unwrap();
    // A pair given the wrong way round, and one whose Arabic is a page.
    let page = tmp.path().join("page.html");
    std::fs::write(&page, "<html><body><p>خبر</p></body></html>\n").unwrap();
    let list = tmp.path().join("pairs.tsv");
    let set = |s: &str, f: &str| {
        data(&format!("tests/data/align/{s}/{f}"))
            .display()
            .to_string()
    };
    std::fs::write(
        &list,
        format!(
            "# Arabic\tEnglish\n{}\t{}\n{}\t{}\npage.html\t{}\n{}\t{}\n",
            set("alaraby", "ar.txt"),
            set("alaraby", "en.txt"),
            set("feature", "en.txt"),
            set("feature", "ar.txt"),
            set("news2", "en.txt"),
            set("news2", "ar.txt"),
            set("news2", "en.txt"),
        ),
    )
    .unwrap();
    let assert = align_cmd(&tmp)
        .args(["--batch", "--import", "--jobs", "2"])
        .arg(&list)
        .assert()
        .code(1);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("looks English and EN_FILE"), "{err}");
    assert!(
        err.contains("page.html:1:1: this is an HTML or XML page"),
        "{err}"
    );
    assert!(err.contains("batch: 2 pair(s) aligned, 2 failed"), "{err}");
    assert!(err.contains("imported into"), "{err}");
    let conn = rusqlite::Connection::open(tmp.path().join("tm.db")).unwrap();
    let origins: Vec<String> = conn
        .prepare("SELECT name FROM origin ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(origins.len(), 2, "{origins:?}");
    assert!(origins[0].contains("alaraby/ar.txt + "), "{origins:?}");
    assert!(origins[1].contains("news2/ar.txt + "), "{origins:?}");
    let per_origin: i64 = conn
        .query_row(
            "SELECT min(n) FROM (SELECT count(*) AS n FROM unit GROUP BY origin_id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // alaraby has 9 pairs, news2 21.
    assert!(per_origin >= 8, "{per_origin}");
}

#[test]
fn one_tmx_for_the_archive_is_the_same_on_one_thread_or_many() {
    let tmp = TempDir::new().unwrap();
    let (ar, en) = archive(&tmp);
    let run = |jobs: &str| {
        let path = tmp.path().join(format!("all-{jobs}.tmx"));
        align_cmd(&tmp)
            .args(["--batch", "--format", "tmx", "--jobs", jobs, "-o"])
            .arg(&path)
            .arg(&ar)
            .arg(&en)
            .assert()
            .code(1);
        std::fs::read(path).unwrap()
    };
    let one = run("1");
    assert_eq!(one, run("3"));
    let mut reader = tarjuman::tmx::read::TmxReader::new(one.as_slice()).unwrap();
    let mut origins = Vec::new();
    while let Some(u) = reader.next_unit().unwrap() {
        let o = u.origin.clone().unwrap();
        if origins.last() != Some(&o) {
            origins.push(o);
        }
    }
    assert_eq!(origins.len(), 3, "{origins:?}");
}

#[test]
fn a_batch_needs_somewhere_to_put_its_outputs() {
    let tmp = TempDir::new().unwrap();
    let (ar, en) = archive(&tmp);
    align_cmd(&tmp)
        .arg("--batch")
        .arg(&ar)
        .arg(&en)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--out-dir DIR"));
    align_cmd(&tmp)
        .arg("--batch")
        .arg(tmp.path().join("missing.tsv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.tsv: cannot read"));
    let list = tmp.path().join("pairs.tsv");
    std::fs::write(&list, "a.txt b.txt\n").unwrap();
    align_cmd(&tmp)
        .args(["--batch", "--import"])
        .arg(&list)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("pairs.tsv:1:1: a pair is"));
}
