//! `tarjuman export`: round trips (import → export → import gives the same
//! units), filters, TSV, output handling.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tarjuman::tm::read::select_languages;
use tarjuman::tm::Store;
use tarjuman::unit::Unit;

fn tarjuman(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tarjuman").unwrap();
    cmd.env_remove("TARJUMAN_DB").arg("--db").arg(db);
    cmd
}

fn export_to(db: &Path, out: &Path) -> assert_cmd::assert::Assert {
    tarjuman(db).arg("export").arg("-o").arg(out).assert()
}

fn all_units(db: &Path) -> Vec<Unit> {
    let store = Store::open(db).unwrap();
    let mut units = Vec::new();
    store
        .for_each_unit(&Default::default(), |_, u| {
            units.push(u);
            Ok(())
        })
        .unwrap();
    units
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Import `file`, export, import the export into a fresh TM: the units
/// (variants, props, notes, inline markup, dates, origin, context) must be
/// the same, leaving out only what export drops on purpose (units without
/// a non-empty target).
fn round_trip(file: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let (db1, db2) = (dir.path().join("one.db"), dir.path().join("two.db"));
    let out = dir.path().join("export.tmx");
    tarjuman(&db1).arg("import").arg(file).assert().success();
    tarjuman(&db1)
        .arg("export")
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    tarjuman(&db2).arg("import").arg(&out).assert().success();
    let expected: Vec<Unit> = all_units(&db1)
        .into_iter()
        .filter_map(|u| select_languages(u, None, None))
        .collect();
    assert!(!expected.is_empty(), "{}", file.display());
    assert_eq!(
        without_omegat_alternative_origin(all_units(&db2)),
        without_omegat_alternative_origin(expected),
        "{}",
        file.display()
    );
}

/// OmegaT alternative translations (units with a `file` prop) are exported
/// without tarjuman's own props (OmegaT 3.6 ignores such a unit if it has any
/// prop it does not know), so their origin becomes the exported file.
fn without_omegat_alternative_origin(units: Vec<Unit>) -> Vec<Unit> {
    units
        .into_iter()
        .map(|mut u| {
            if u.props.iter().any(|p| p.kind == "file") {
                u.origin = None;
            }
            u
        })
        .collect()
}

#[test]
fn omegat_alternatives_leave_out_tarjuman_props() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let fixture = root().join("tests/fixtures/tmx/good/omegat-style.tmx");
    tarjuman(&db).arg("import").arg(&fixture).assert().success();
    let out = tarjuman(&db).arg("export").assert().success();
    let tmx = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for tu in tmx.split("<tu").skip(1) {
        let has_file = tu.contains(r#"<prop type="file">"#);
        let has_ours = tu.contains("x-tarjuman-");
        assert!(!(has_file && has_ours), "{tu}");
    }
    assert!(tmx.contains(r#"<prop type="file">"#));
    assert!(tmx.contains("x-tarjuman-origin"));
}

#[test]
fn every_good_fixture_round_trips() {
    let dir = root().join("tests/fixtures/tmx/good");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        round_trip(&file);
    }
}

#[test]
fn the_sample_tm_round_trips() {
    round_trip(&root().join("samples/sample.tmx"));
}

#[test]
fn origin_and_context_survive_a_round_trip_through_tmx() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let mut store = Store::open(&db).unwrap();
    let mut unit = Unit::pair(
        "ar",
        "بدأت مليشيات تابعة لإيران",
        "en",
        "Militias loyal to Iran began",
    );
    unit.context.prev = Some("المليشيات الإيرانية تخلي أكبر قاعدة".into());
    unit.context.next = Some("وذكر موقع الشرق نيوز".into());
    let origin = tarjuman::tm::OriginInfo {
        name: "alaraby-ar.txt + alaraby-en.txt".into(),
        kind: "align".into(),
        header: None,
    };
    let mut w = store.writer(&origin).unwrap();
    w.add(&unit, tarjuman::tm::OnDuplicate::Skip).unwrap();
    w.commit().unwrap();
    drop(store);
    let out = dir.path().join("out.tmx");
    export_to(&db, &out).success();
    let db2 = dir.path().join("two.db");
    tarjuman(&db2).arg("import").arg(&out).assert().success();
    let back = &all_units(&db2)[0];
    assert_eq!(back.context, unit.context);
    assert_eq!(
        back.origin.as_deref(),
        Some("alaraby-ar.txt + alaraby-en.txt")
    );
    let stats = Store::open(&db2).unwrap().stats().unwrap();
    assert_eq!(stats.origins[0].name, "alaraby-ar.txt + alaraby-en.txt");
}

/// A TM with units in ar-SY/en-GB, ar/fr, an empty target, two origins
/// and dates in 2020 and 2021.
fn filter_tm(dir: &Path) -> PathBuf {
    let db = dir.join("tm.db");
    let tmx = dir.join("mixed.tmx");
    std::fs::write(
        &tmx,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="ar" datatype="plaintext"/>
<body>
<tu creationdate="20200105T100000Z"><tuv xml:lang="ar-SY"><seg>دمشق</seg></tuv><tuv xml:lang="en-GB"><seg>Damascus</seg></tuv></tu>
<tu creationdate="20211106T100000Z" changedate="20211107T090000Z"><tuv xml:lang="ar"><seg>البوكمال</seg></tuv><tuv xml:lang="en"><seg>Albu Kamal</seg></tuv><tuv xml:lang="fr"><seg>Abou Kamal</seg></tuv></tu>
<tu creationdate="20211201T100000Z"><tuv xml:lang="ar"><seg>موسكو</seg></tuv><tuv xml:lang="fr"><seg>Moscou</seg></tuv></tu>
<tu creationdate="20211202T100000Z"><tuv xml:lang="ar"><seg>فارغ</seg></tuv><tuv xml:lang="en"><seg> </seg></tuv></tu>
</body></tmx>
"#,
    )
    .unwrap();
    tarjuman(&db).arg("import").arg(&tmx).assert().success();
    let tsv = dir.join("glossary.tsv");
    std::fs::write(&tsv, "ar\ten\nلافروف\tLavrov\n").unwrap();
    tarjuman(&db).arg("import").arg(&tsv).assert().success();
    db
}

fn export_tsv(db: &Path, args: &[&str]) -> String {
    let out = tarjuman(db)
        .args(["export", "--to", "tsv"])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn language_filters_match_regional_tags_and_skip_empty_targets() {
    let dir = tempfile::tempdir().unwrap();
    let db = filter_tm(dir.path());
    assert_eq!(
        export_tsv(&db, &["--src-lang", "ar", "--tgt-lang", "en"]),
        "ar\ten\nدمشق\tDamascus\nالبوكمال\tAlbu Kamal\nلافروف\tLavrov\n"
    );
    assert_eq!(
        export_tsv(&db, &["--src-lang", "ar", "--tgt-lang", "fr"]),
        "ar\tfr\nالبوكمال\tAbou Kamal\nموسكو\tMoscou\n"
    );
    assert_eq!(
        export_tsv(&db, &["--src-lang", "ar-SY", "--tgt-lang", "en"]),
        "ar-SY\ten\nدمشق\tDamascus\n"
    );
    // A TMX pair export holds only the two languages.
    let out = tarjuman(&db)
        .args(["export", "--src-lang", "ar", "--tgt-lang", "fr"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let tmx = String::from_utf8(out).unwrap();
    assert!(tmx.contains("srclang=\"ar\""), "{tmx}");
    assert!(
        tmx.contains("Moscou") && !tmx.contains("Albu Kamal"),
        "{tmx}"
    );
}

#[test]
fn origin_and_date_filters() {
    let dir = tempfile::tempdir().unwrap();
    let db = filter_tm(dir.path());
    let origin = dir.path().join("glossary.tsv").display().to_string();
    assert_eq!(
        export_tsv(&db, &["--origin", &origin]),
        "ar\ten\nلافروف\tLavrov\n"
    );
    // The change date counts when there is one: 2021-11-07 for Albu Kamal.
    assert_eq!(
        export_tsv(
            &db,
            &[
                "--tgt-lang",
                "en",
                "--since",
                "2021-11-07",
                "--until",
                "2021-12-31",
                "--src-lang",
                "ar"
            ]
        ),
        "ar\ten\nالبوكمال\tAlbu Kamal\n"
    );
    assert_eq!(
        export_tsv(
            &db,
            &[
                "--src-lang",
                "ar",
                "--tgt-lang",
                "en",
                "--until",
                "20200105T100000Z"
            ]
        ),
        "ar\ten\nدمشق\tDamascus\n"
    );
    tarjuman(&db)
        .args(["export", "--since", "last week"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("YYYY-MM-DD"));
}

#[test]
fn tsv_export_reimports_to_the_same_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let tsv = dir.path().join("in.tsv");
    std::fs::write(
        &tsv,
        "ar\ten\nسطر\\nثان\tline\\ntwo\nعمود\\tآخر\tcolumn\\tother\nC:\\مسار\tC:\\path\n",
    )
    .unwrap();
    tarjuman(&db).arg("import").arg(&tsv).assert().success();
    let out = dir.path().join("out.tsv");
    tarjuman(&db)
        .arg("export")
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(&tsv)
            .unwrap()
            .replace("C:\\", "C:\\\\")
    );
    let db2 = dir.path().join("two.db");
    tarjuman(&db2).arg("import").arg(&out).assert().success();
    let plain = |db: &Path| -> Vec<(String, String)> {
        all_units(db)
            .into_iter()
            .map(|u| {
                (
                    u.variants[0].seg.plain.clone(),
                    u.variants[1].seg.plain.clone(),
                )
            })
            .collect()
    };
    assert_eq!(plain(&db2), plain(&db));
    assert_eq!(plain(&db)[0].0, "سطر\nثان");
}

#[test]
fn a_failed_export_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = filter_tm(dir.path());
    let out = dir.path().join("out.tsv");
    // No units in that pair: an error, and no output file.
    tarjuman(&db)
        .args(["export", "--to", "tsv", "--src-lang", "de"])
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no units for that language pair"));
    assert!(!out.exists());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.to_string_lossy().contains("partial")),
        "{names:?}"
    );
    tarjuman(&db)
        .args(["export", "-o", "/nonexistent-dir/x.tmx"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot create"));
}

#[test]
fn export_says_how_many_units_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let db = filter_tm(dir.path());
    let out = dir.path().join("all.tmx");
    tarjuman(&db)
        .arg("export")
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("exported 4 units to"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(text.contains("creationtool=\"tarjuman\""));
    assert_eq!(
        text.matches("<tu ").count() + text.matches("<tu>").count(),
        4
    );
}

#[test]
fn a_tm_text_that_is_not_utf8_fails_the_export_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    tarjuman(&db)
        .arg("import")
        .arg(root().join("samples/sample.tmx"))
        .assert()
        .success();
    // Damage one stored text behind tarjuman's back (a half UTF-8 sequence).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE variant SET plain = CAST(x'd8' AS TEXT)
         WHERE unit_id = (SELECT max(unit_id) FROM variant) AND ord = 0",
        [],
    )
    .unwrap();
    drop(conn);
    let out = dir.path().join("out.tmx");
    export_to(&db, &out)
        .failure()
        .stderr(predicate::str::contains("not UTF-8"));
    assert!(!out.exists());
}

/// A unit whose source language is English (po2tmx, or srclang="en") still
/// puts each text in its language's column: the TSV is read by language, and
/// re-importing it must not store English as Arabic.
#[test]
fn tsv_columns_follow_the_languages_asked_whatever_the_units_srclang() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let tmx = dir.path().join("en-first.tmx");
    std::fs::write(
        &tmx,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="t" creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="en" datatype="plaintext"/>
<body>
<tu srclang="en"><tuv xml:lang="en"><seg>Moscow</seg></tuv><tuv xml:lang="ar"><seg>موسكو</seg></tuv></tu>
<tu srclang="ar"><tuv xml:lang="ar"><seg>دمشق</seg></tuv><tuv xml:lang="en"><seg>Damascus</seg></tuv></tu>
</body></tmx>
"#,
    )
    .unwrap();
    tarjuman(&db).arg("import").arg(&tmx).assert().success();
    assert_eq!(
        export_tsv(&db, &["--src-lang", "ar", "--tgt-lang", "en"]),
        "ar\ten\nموسكو\tMoscow\nدمشق\tDamascus\n"
    );
    assert_eq!(
        export_tsv(&db, &["--src-lang", "en", "--tgt-lang", "ar"]),
        "en\tar\nMoscow\tموسكو\nDamascus\tدمشق\n"
    );
}

/// Origins are stored as the imported file's name, so `--origin sample.tmx`
/// finds `samples/sample.tmx` (and so does the path itself); an unknown
/// origin is exit 1 for export as for delete, listing the known ones.
#[test]
fn origins_are_file_names_users_type_back_and_unknown_ones_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    tarjuman(&db)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["import", "samples/sample.tmx"])
        .assert()
        .success();
    let stats = Store::open(&db).unwrap().stats().unwrap();
    assert_eq!(stats.origins[0].name, "sample.tmx");
    let sample = root().join("samples/sample.tmx");
    for name in ["sample.tmx", "samples/sample.tmx", sample.to_str().unwrap()] {
        tarjuman(&db)
            .args(["export", "--origin", name, "-o"])
            .arg(dir.path().join("out.tmx"))
            .assert()
            .success()
            .stderr(predicate::str::contains("exported 31 units"));
    }
    for cmd in [&["export", "--origin"][..], &["delete", "--origin"][..]] {
        tarjuman(&db)
            .args(cmd)
            .arg("client.tmx")
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "no origin named \"client.tmx\" in the translation memory; its origins are: \"sample.tmx\"",
            ));
    }
    assert_eq!(all_units(&db).len(), 31);
}

/// `align --import` dates its units like any import: `export --since`
/// today finds them all (it silently dropped them when they had no date).
#[test]
fn aligned_units_are_dated_so_since_filters_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let data = root().join("tests/data/align/feature");
    tarjuman(&db)
        .args(["align", "--input", "lines", "--import"])
        .arg(data.join("ar.txt"))
        .arg(data.join("en.txt"))
        .assert()
        .success();
    let units = all_units(&db);
    assert!(units.len() >= 15, "{}", units.len());
    assert!(units.iter().all(|u| u.stamp.creation_date.is_some()));
    let today = time::OffsetDateTime::now_utc().date();
    let since = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let out = dir.path().join("since.tmx");
    tarjuman(&db)
        .args(["export", "--since", &since, "-o"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "exported {} units",
            units.len()
        )));
}
