//! `tarjuman import`: TMX and TSV through the real binary, duplicates,
//! one transaction per file, errors with file:line:column.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tarjuman::tm::Store;

mod common;

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tmx")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        // OPUS's gzipped TMX too: import reads it by its magic bytes.
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".tmx") || name.ends_with(".tmx.gz")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn tarjuman(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tarjuman").unwrap();
    cmd.env_remove("TARJUMAN_DB").arg("--db").arg(db);
    cmd
}

/// Everything the TM holds, as comparable text: units (with variants,
/// props, notes, origin), counters and origins.
fn snapshot(db: &Path) -> String {
    let store = Store::open(db).unwrap();
    let mut out = String::new();
    store
        .for_each_unit(&Default::default(), |id, u| {
            out.push_str(&format!("{id} {u:?}\n"));
            Ok(())
        })
        .unwrap();
    let mut stats = store.stats().unwrap();
    stats.size_bytes = 0;
    out.push_str(&format!("{stats:?}"));
    out
}

fn units(db: &Path) -> u64 {
    Store::open(db).unwrap().stats().unwrap().units
}

const TSV: &str = "ar\ten\n\
قالَ الرئيسُ: «نعم»\tThe president said: \"yes\"\n\
بدأت مليشيات تابعة لإيران بإخلاء مواقعها\tMilitias loyal to Iran began evacuating their positions\n\
نحو ١٠٠ من ضباطها\tabout 100 of its officers\n";

#[test]
fn tsv_with_a_language_header_imports_and_reports_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let tsv = dir.path().join("news.tsv");
    std::fs::write(&tsv, TSV).unwrap();
    tarjuman(&db)
        .arg("import")
        .arg(&tsv)
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "news.tsv: 3 units read, 3 imported, 0 duplicates, 0 warnings",
        ));
    let store = Store::open(&db).unwrap();
    let unit = store.load_unit(1).unwrap().unwrap();
    assert_eq!(unit.variants[0].lang, "ar");
    assert_eq!(unit.variants[0].seg.plain, "قالَ الرئيسُ: «نعم»");
    assert_eq!(unit.variants[1].seg.plain, "The president said: \"yes\"");
    assert!(
        unit.stamp.creation_date.is_some(),
        "TSV units get the import date"
    );
}

#[test]
fn tsv_languages_come_from_the_options_or_the_import_fails() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let tsv = dir.path().join("plain.tsv");
    std::fs::write(&tsv, "نعم\tyes\nلا\tno\n").unwrap();
    tarjuman(&db)
        .arg("import")
        .arg(&tsv)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "plain.tsv:1:1: a TSV file needs its languages",
        ));
    assert_eq!(units(&db), 0);
    tarjuman(&db)
        .args(["import", "--src-lang", "AR_sy", "--tgt-lang", "en-gb"])
        .arg(&tsv)
        .assert()
        .success();
    let store = Store::open(&db).unwrap();
    let langs: Vec<String> = store
        .stats()
        .unwrap()
        .languages
        .into_iter()
        .map(|l| l.lang)
        .collect();
    assert_eq!(langs, ["ar-SY", "en-GB"]);
    // A malformed tag is a usage error.
    tarjuman(&db)
        .args(["import", "--src-lang", "عربي", "--tgt-lang", "en"])
        .arg(&tsv)
        .assert()
        .code(2);
}

#[test]
fn importing_the_same_file_twice_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let tsv = dir.path().join("news.tsv");
    std::fs::write(&tsv, TSV).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sample.tmx");
    tarjuman(&db)
        .arg("import")
        .arg(&tsv)
        .arg(&sample)
        .assert()
        .success();
    let before = snapshot(&db);
    tarjuman(&db)
        .arg("import")
        .arg(&tsv)
        .arg(&sample)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "news.tsv: 3 units read, 0 imported, 3 duplicates",
        ));
    assert_eq!(snapshot(&db), before);
}

#[test]
fn on_duplicate_update_replaces_targets_and_keep_stores_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let first = dir.path().join("first.tsv");
    let fixed = dir.path().join("fixed.tsv");
    std::fs::write(
        &first,
        "ar\ten\nصباح الخير\tGood mornin\nمساء الخير\tGood evening\n",
    )
    .unwrap();
    std::fs::write(&fixed, "ar\ten\nصباح الخير\tGood morning\n").unwrap();
    tarjuman(&db).arg("import").arg(&first).assert().success();
    let json = common::json_stdout(
        tarjuman(&db)
            .args(["import", "--on-duplicate", "update", "--format", "json"])
            .arg(&fixed)
            .assert()
            .success(),
    );
    assert_eq!(json[0]["updated"], 1);
    assert_eq!(json[0]["inserted"], 0);
    assert_eq!(json[0]["ok"], true);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.stats().unwrap().units, 2);
    assert_eq!(
        store.load_unit(1).unwrap().unwrap().variants[1].seg.plain,
        "Good morning"
    );
    drop(store);
    tarjuman(&db)
        .args(["import", "--on-duplicate", "keep"])
        .arg(&fixed)
        .assert()
        .success()
        .stderr(predicate::str::contains("1 imported, 0 duplicates"));
    assert_eq!(units(&db), 3);
}

#[test]
fn every_good_fixture_imports() {
    for file in fixtures("good") {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("tm.db");
        tarjuman(&db).arg("import").arg(&file).assert().success();
        assert!(units(&db) > 0, "{}", file.display());
    }
}

#[test]
fn a_five_language_tmx_keeps_every_variant() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx/good/five-languages.tmx");
    tarjuman(&db).arg("import").arg(&file).assert().success();
    let mut reader =
        tarjuman::tmx::read::TmxReader::new(std::fs::File::open(&file).unwrap()).unwrap();
    let store = Store::open(&db).unwrap();
    let mut id = 0;
    while let Some(mut expected) = reader.next_unit().unwrap() {
        id += 1;
        // The origin is stored as the file's name, the form users type back.
        expected.origin = Some("five-languages.tmx".to_string());
        let stored = store.load_unit(id).unwrap().unwrap();
        assert!(stored.variants.len() >= 5);
        assert_eq!(stored, expected);
    }
    assert!(store.stats().unwrap().languages.len() >= 5);
}

#[test]
fn every_bad_fixture_is_refused_with_its_place_and_nothing_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let tsv = dir.path().join("good.tsv");
    std::fs::write(&tsv, TSV).unwrap();
    tarjuman(&db).arg("import").arg(&tsv).assert().success();
    let before = snapshot(&db);
    for file in fixtures("bad") {
        let name = file.display().to_string();
        let out = tarjuman(&db)
            .arg("import")
            .arg(&file)
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // file:line:column: message
        let re = format!("tarjuman: error: {name}:");
        let rest = stderr
            .strip_prefix(&re)
            .unwrap_or_else(|| panic!("{name}: unexpected error text: {stderr}"));
        let mut parts = rest.splitn(3, ':');
        let line: u64 = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{stderr}"));
        let column: u64 = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{stderr}"));
        assert!(line >= 1 && column >= 1, "{stderr}");
        assert!(
            stderr.contains("nothing from this file was imported"),
            "{stderr}"
        );
        assert_eq!(snapshot(&db), before, "{name} changed the TM");
    }
}

#[test]
fn a_file_failing_halfway_leaves_the_tm_exactly_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sample.tmx");
    tarjuman(&db).arg("import").arg(&sample).assert().success();
    let before = snapshot(&db);

    // Three good units, then broken XML: the good ones must not stay.
    let bad = dir.path().join("half.tmx");
    let mut text = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\"><header creationtool=\"t\" creationtoolversion=\"1\" segtype=\"sentence\" o-tmf=\"t\" adminlang=\"en\" srclang=\"ar\" datatype=\"plaintext\"/>\n<body>\n",
    );
    for i in 0..3 {
        text.push_str(&format!(
            "<tu><tuv xml:lang=\"ar\"><seg>جملة جديدة {i}</seg></tuv><tuv xml:lang=\"en\"><seg>new sentence {i}</seg></tuv></tu>\n"
        ));
    }
    text.push_str("<tu><tuv xml:lang=\"ar\"><seg>مكسورة</tuv></tu>\n</body></tmx>\n");
    std::fs::write(&bad, text).unwrap();
    tarjuman(&db)
        .arg("import")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("half.tmx:7:"));
    assert_eq!(snapshot(&db), before);

    // Same for TSV: a bad line after good ones.
    let tsv = dir.path().join("half.tsv");
    std::fs::write(&tsv, format!("{TSV}ثلاثة\tthree\textra cell\n")).unwrap();
    tarjuman(&db)
        .arg("import")
        .arg(&tsv)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "half.tsv:5:12: expected two tab-separated cells",
        ));
    assert_eq!(snapshot(&db), before);
}

#[test]
fn later_files_are_imported_after_a_failure_and_the_exit_code_says_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let good = dir.path().join("good.tsv");
    std::fs::write(&good, TSV).unwrap();
    let missing = dir.path().join("missing.tmx");
    let json = common::json_stdout(
        tarjuman(&db)
            .args(["import", "--format", "json"])
            .arg(&missing)
            .arg(&good)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("missing.tmx: cannot open")),
    );
    assert_eq!(json[0]["ok"], false);
    assert!(json[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cannot open"));
    assert_eq!(json[1]["ok"], true);
    assert_eq!(json[1]["inserted"], 3);
    assert_eq!(units(&db), 3);
}

#[test]
fn the_format_is_detected_from_content_or_forced() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    // A TMX without the extension is recognized by its content.
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sample.tmx");
    let renamed = dir.path().join("memory.xml");
    std::fs::copy(&sample, &renamed).unwrap();
    tarjuman(&db).arg("import").arg(&renamed).assert().success();
    assert!(units(&db) > 0);
    // --from tsv on a .tmx-named TSV.
    let odd = dir.path().join("odd.tmx");
    std::fs::write(&odd, TSV).unwrap();
    tarjuman(&db)
        .args(["import", "--from", "tsv"])
        .arg(&odd)
        .assert()
        .success();
}

#[test]
fn warnings_are_reported_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx/good/tuv-without-seg.tmx");
    let name = file.display().to_string();
    tarjuman(&db)
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stderr(
            predicate::str::is_match(format!("{}:[0-9]+:[0-9]+: warning: ", regex_escape(&name)))
                .unwrap(),
        );
    // --quiet silences summaries and warnings, not the data.
    let db2 = dir.path().join("tm2.db");
    tarjuman(&db2)
        .arg("-q")
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stderr("");
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

#[test]
fn format_tmx_or_tsv_forces_the_input_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    // A TMX file whose name says nothing about its format.
    let file = dir.path().join("memory.dat");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sample.tmx"),
        &file,
    )
    .unwrap();
    tarjuman(&db)
        .args(["import", "--format", "tmx"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(units(&db), 31);
    // Forcing TSV on it reads XML lines as TSV: no language columns, refused.
    let db2 = dir.path().join("tm2.db");
    tarjuman(&db2)
        .args(["import", "--format", "tsv"])
        .arg(&file)
        .assert()
        .failure();
    assert_eq!(units(&db2), 0);
    tarjuman(&db)
        .args(["import", "--format", "tsv", "--from", "tmx"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("different input formats"));
}

#[test]
fn a_gzipped_opus_tmx_imports_like_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx");
    let gz_db = dir.path().join("gz.db");
    let json = common::json_stdout(
        tarjuman(&gz_db)
            .args(["import", "--format", "json"])
            .arg(fixtures.join("good/opus-uplug.tmx.gz"))
            .assert()
            .success(),
    );
    assert_eq!(json[0]["format"], "tmx");
    assert_eq!(json[0]["inserted"], 3);
    // Same units as the uncompressed text the fixture was made from.
    let plain = dir.path().join("opus-uplug.tmx");
    std::fs::copy(fixtures.join("src/opus-uplug.xml"), &plain).unwrap();
    let plain_db = dir.path().join("plain.db");
    tarjuman(&plain_db)
        .arg("import")
        .arg(&plain)
        .assert()
        .success();
    let texts = |db: &Path| {
        let store = Store::open(db).unwrap();
        let mut all = Vec::new();
        store
            .for_each_unit(&Default::default(), |_, u| {
                all.push(u.variants.clone());
                Ok(())
            })
            .unwrap();
        all
    };
    assert_eq!(texts(&gz_db), texts(&plain_db));
}

#[test]
fn a_gzipped_tsv_imports_like_the_plain_file() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("news.tsv");
    std::fs::write(&plain, TSV).unwrap();
    let gz = dir.path().join("news.tsv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(TSV.as_bytes()).unwrap();
    enc.finish().unwrap();
    let exported = |file: &Path, db: &str| -> String {
        let db = dir.path().join(db);
        tarjuman(&db)
            .arg("import")
            .arg(file)
            .assert()
            .success()
            .stderr(predicate::str::contains("3 units read, 3 imported"));
        let out = tarjuman(&db)
            .args(["export", "--to", "tsv"])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let from_gz = exported(&gz, "gz.db");
    assert!(from_gz.contains("about 100 of its officers"), "{from_gz}");
    assert_eq!(from_gz, exported(&plain, "plain.db"));
}

/// A link title in a `<sub>` inside `<bpt>` is a sub-flow, not part of the
/// sentence: the sentence matches itself (it scored 33 with the title glued
/// in), and the title comes back in the export's markup.
#[test]
fn sub_flow_text_is_not_part_of_the_sentence_but_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let tmx = dir.path().join("link.tmx");
    std::fs::write(
        &tmx,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="ar" datatype="html"/>
<body>
<tu><tuv xml:lang="ar"><seg>انقر <bpt i="1">&lt;a title="<sub>عنوان الرابط</sub>"&gt;</bpt>هنا<ept i="1">&lt;/a&gt;</ept>.</seg></tuv><tuv xml:lang="en"><seg>Click <bpt i="1">&lt;a title="<sub>link title</sub>"&gt;</bpt>here<ept i="1">&lt;/a&gt;</ept>.</seg></tuv></tu>
</body></tmx>
"#,
    )
    .unwrap();
    tarjuman(&db).arg("import").arg(&tmx).assert().success();
    let store = Store::open(&db).unwrap();
    let u = store.load_unit(1).unwrap().unwrap();
    assert_eq!(u.variants[0].seg.plain, "انقر هنا.");
    assert!(u.variants[0].seg.markup.contains("<sub>عنوان الرابط</sub>"));
    drop(store);
    tarjuman(&db)
        .args(["lookup", "--format", "json", "انقر هنا."])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"score\":99"));
    let out = tarjuman(&db)
        .arg("export")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("<sub>عنوان الرابط</sub>"));
}

/// A gzipped TMX whose one `<seg>` is 64 MB: import stops at the segment
/// limit with FILE:LINE:COL, exit 1, and the TM is unchanged.
#[test]
fn an_overlong_segment_is_refused_with_its_place_and_the_tm_unchanged() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let tsv = dir.path().join("good.tsv");
    std::fs::write(&tsv, TSV).unwrap();
    tarjuman(&db).arg("import").arg(&tsv).assert().success();
    let before = snapshot(&db);
    let file = dir.path().join("huge.tmx.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&file).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(b"<?xml version=\"1.0\"?>\n<tmx version=\"1.4\"><header srclang=\"ar\"/><body>\n<tu><tuv xml:lang=\"ar\"><seg>").unwrap();
    let block = "سورية ".repeat(100_000);
    for _ in 0..(64 << 20) / block.len() {
        gz.write_all(block.as_bytes()).unwrap();
    }
    gz.write_all(b"</seg></tuv><tuv xml:lang=\"en\"><seg>Syria</seg></tuv></tu></body></tmx>\n")
        .unwrap();
    gz.finish().unwrap();
    tarjuman(&db)
        .arg("import")
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}:3:29: a segment (or text, or tag) longer than 4 MiB",
            file.display()
        )))
        .stderr(predicate::str::contains(
            "nothing from this file was imported",
        ));
    assert_eq!(snapshot(&db), before);
}
