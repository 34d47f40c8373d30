//! The same commands on both backends, through the real binary: an SQLite
//! file always, and a PostgreSQL database when `TARJUMAN_TEST_PG` names a
//! server (tests/postgres/run.sh starts a throwaway one); without it the
//! PostgreSQL half says it was skipped and why. Import (every good TMX
//! fixture: variants, props, notes, dates, inline markup), the duplicate
//! rules, stats, export, delete, tokens and `align --import`'s learned
//! word pairs must give the same answers on both; `migrate` moves a TM
//! either way losslessly; several processes share one TM.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::pg::ScratchDb;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tarjuman(db: &str) -> Command {
    let mut cmd = Command::cargo_bin("tarjuman").unwrap();
    cmd.env_remove("TARJUMAN_DB").arg("--db").arg(db);
    cmd
}

fn path(rel: &str) -> String {
    format!("{ROOT}/{rel}")
}

/// Every good TMX fixture, and the sample.
fn fixtures() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(path("tests/fixtures/tmx/good"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    files.push(path("samples/sample.tmx"));
    files
}

/// A TM location per backend: an SQLite file in `dir`, and a scratch
/// PostgreSQL database when the test server is there (the guard drops it).
fn backends(dir: &Path, test: &str) -> Vec<(String, Option<ScratchDb>)> {
    let mut all = vec![(dir.join("tm.db").display().to_string(), None)];
    if let Some(db) = common::pg::scratch(test) {
        all.push((db.url.clone(), Some(db)));
    }
    all
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// An export with the header's creation date (the time of the export)
/// blanked.
fn export(db: &str, dir: &Path, args: &[&str]) -> String {
    let file = dir.join("out.tmx");
    let _ = std::fs::remove_file(&file);
    ok(tarjuman(db)
        .args(["-q", "export", "-o"])
        .arg(&file)
        .args(args));
    let text = std::fs::read_to_string(&file).unwrap();
    blank_header_date(&text)
}

fn blank_header_date(text: &str) -> String {
    text.lines()
        .map(|l| {
            match (
                l.trim_start().starts_with("<header"),
                l.find(" creationdate=\""),
            ) {
                (true, Some(at)) => format!("{}{}", &l[..at], &l[at + 31..]),
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `stats --format json` without what differs by nature between the
/// backends and between runs (location, size, creation and import times).
fn stats(db: &str) -> serde_json::Value {
    let out = ok(tarjuman(db).args(["stats", "--format", "json"]));
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let o = v.as_object_mut().unwrap();
    for k in ["path", "size_bytes", "created_at", "schema_version"] {
        o.remove(k);
    }
    // Listed by import time, which differs between runs: by name here.
    let origins = o["origins"].as_array_mut().unwrap();
    for origin in origins.iter_mut() {
        origin.as_object_mut().unwrap().remove("imported_at");
    }
    origins.sort_by_key(|o| o["name"].as_str().unwrap().to_string());
    v
}

/// What every command answered, per backend, to compare.
fn session(db: &str, dir: &Path) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    let mut note = |what: &str, text: String| seen.push((what.to_string(), text));
    let mut import = tarjuman(db);
    import.args(["-q", "import"]).args(fixtures());
    ok(&mut import);
    note("stats after import", stats(db).to_string());
    note("tmx", export(db, dir, &[]));
    note("tsv", export(db, dir, &["--to", "tsv", "--src-lang", "ar"]));
    // The duplicate rules: the same file again is all duplicates; with
    // --on-duplicate update, all updated in place; --on-duplicate keep adds.
    let sample = path("samples/sample.tmx");
    for mode in ["skip", "update", "keep"] {
        let out = ok(tarjuman(db).args([
            "import",
            "--format",
            "json",
            "--on-duplicate",
            mode,
            &sample,
        ]));
        note(&format!("import {mode}"), stdout(&out));
    }
    note("stats after re-imports", stats(db).to_string());
    note(
        "tmx after re-imports",
        export(db, dir, &["--origin", "sample.tmx"]),
    );
    let out = ok(tarjuman(db).args(["delete", "--origin", "sample.tmx", "--format", "json"]));
    note("delete", stdout(&out));
    note("stats after delete", stats(db).to_string());
    note("tmx after delete", export(db, dir, &[]));
    // Tokens: stored, listed, removed.
    ok(tarjuman(db).args(["-q", "token", "add", "desk-ar", "--scope", "write"]));
    let out = ok(tarjuman(db).args(["token", "list", "--format", "json"]));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    note("token names", listed[0]["name"].to_string());
    ok(tarjuman(db).args(["-q", "token", "remove", "desk-ar"]));
    // The aligner's learned pairs, stored by one alignment and named by
    // the next.
    let (ar, en) = (
        path("tests/data/align/feature/ar.txt"),
        path("tests/data/align/feature/en.txt"),
    );
    let align = |extra: &[&str]| {
        let mut cmd = tarjuman(db);
        cmd.args(["align", "--no-freedict", "--input", "lines", &ar, &en, "-o"])
            .arg(dir.join("aligned.tsv"))
            .args(extra);
        ok(&mut cmd)
    };
    align(&["--import"]);
    let err = String::from_utf8_lossy(&align(&[]).stderr).into_owned();
    let learned = err
        .lines()
        .find(|l| l.contains("learned in the TM"))
        .unwrap_or_else(|| panic!("no learned dictionary named: {err}"))
        .to_string();
    note(
        "learned",
        learned[learned.find("learned in the TM").unwrap()..].to_string(),
    );
    // Aligned units are dated when they are stored: not compared.
    let mut after = stats(db);
    after.as_object_mut().unwrap().remove("date_max");
    note("stats after align", after.to_string());
    seen
}

#[test]
fn every_command_answers_the_same_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let mut answers = Vec::new();
    for (db, _guard) in backends(dir.path(), "same_answers") {
        let seen = session(&db, dir.path());
        // The session itself is not vacuous.
        let stats = &seen[0].1;
        assert!(stats.contains("\"units\":"), "{stats}");
        assert!(seen.iter().any(|(w, t)| w == "tmx"
            && t.contains("<prop")
            && t.contains("<note")
            && t.contains("<bpt")));
        assert!(
            seen.iter()
                .any(|(w, t)| w == "import skip" && t.contains("\"duplicates\": 31")),
            "{seen:?}"
        );
        answers.push((db, seen));
    }
    if let [(_, sqlite), (pg_url, pg)] = &answers[..] {
        assert_eq!(sqlite.len(), pg.len());
        for ((what, a), (_, b)) in sqlite.iter().zip(pg) {
            assert_eq!(a, b, "{what}: SQLite and PostgreSQL ({pg_url}) differ");
        }
    }
}

/// A lookup shows its matches from whole units (`IndexRead::load_unit`),
/// which PostgreSQL reads in one statement, fetched ahead for many at once
/// or one at a time: either way every unit of every fixture (variants,
/// props and notes at both levels, dates, inline markup) is SQLite's.
#[test]
fn whole_units_read_for_lookups_are_the_same_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let tms = backends(dir.path(), "whole_units");
    let [(lite, _), (pg, _guard)] = &tms[..] else {
        return;
    };
    for db in [lite, pg] {
        ok(tarjuman(db).args(["-q", "import"]).args(fixtures()));
    }
    let lite = tarjuman::tm::source::open(Path::new(lite)).unwrap();
    let pg = tarjuman::tm::source::open(Path::new(pg)).unwrap();
    let ids = lite.unit_ids().unwrap();
    assert_eq!(ids, pg.unit_ids().unwrap());
    let units: Vec<_> = ids
        .iter()
        .map(|&id| lite.load_unit(id).unwrap().unwrap())
        .collect();
    assert!(units
        .iter()
        .any(|u| !u.props.is_empty() && !u.notes.is_empty()));
    assert!(units.iter().any(|u| u
        .variants
        .iter()
        .any(|v| !v.props.is_empty() && !v.notes.is_empty())));
    for (&id, unit) in ids.iter().zip(&units) {
        assert_eq!(pg.load_unit(id).unwrap().as_ref(), Some(unit), "unit {id}");
    }
    pg.in_snapshot(&mut || {
        pg.prefetch_whole_units(&ids)?;
        for (&id, unit) in ids.iter().zip(&units) {
            assert_eq!(pg.load_unit(id)?.as_ref(), Some(unit), "unit {id}");
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(pg.load_unit(ids[ids.len() - 1] + 1).unwrap(), None);
}

#[test]
fn migrate_moves_a_tm_losslessly_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.db").display().to_string();
    let mut import = tarjuman(&first);
    import.args(["-q", "import"]).args(fixtures());
    ok(&mut import);
    // Gaps in the ids, a token and learned word pairs come along too.
    ok(tarjuman(&first).args(["-q", "delete", "--id", "3"]));
    ok(tarjuman(&first).args(["-q", "token", "add", "desk-ar", "--scope", "read"]));
    let (ar, en) = (
        path("tests/data/align/feature/ar.txt"),
        path("tests/data/align/feature/en.txt"),
    );
    ok(tarjuman(&first)
        .args([
            "-q",
            "align",
            "--no-freedict",
            "--input",
            "lines",
            &ar,
            &en,
            "--import",
            "-o",
        ])
        .arg(dir.path().join("a.tsv")));
    let reference = export(&first, dir.path(), &[]);
    let reference_stats = stats(&first);
    assert!(reference.matches("<tu ").count() > 70, "{reference}");

    // Through PostgreSQL when there is a server, else SQLite to SQLite.
    let guard = common::pg::scratch("migrate");
    let middle = match &guard {
        Some(db) => db.url.clone(),
        None => dir.path().join("middle.db").display().to_string(),
    };
    let last = dir.path().join("last.db").display().to_string();
    for (from, to) in [(&first, &middle), (&middle, &last)] {
        let out = ok(tarjuman(&first).args(["migrate", "--from", from, "--to", to]));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("1 tokens") && !said.contains(" 0 word pairs"),
            "{said}"
        );
        assert_eq!(export(to, dir.path(), &[]), reference, "{from} → {to}");
        let mut s = stats(to);
        let origins = |v: &serde_json::Value| v["origins"].clone();
        assert_eq!(origins(&s), origins(&reference_stats));
        s["origins"] = serde_json::Value::Null;
        let mut r = reference_stats.clone();
        r["origins"] = serde_json::Value::Null;
        assert_eq!(s, r);
        let tokens = ok(tarjuman(to).args(["token", "list", "--format", "json"]));
        assert!(stdout(&tokens).contains("desk-ar"));
    }
    // The origins' import times came along, not the time of the copy.
    let times = |db: &str| {
        let out = ok(tarjuman(db).args(["stats", "--format", "json"]));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["origins"].to_string()
    };
    assert_eq!(times(&first), times(&last));
    // Into a TM that holds units: refused, nothing written.
    let out = tarjuman(&first)
        .args(["migrate", "--from", &first, "--to", &last])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already holds") && err.contains("empty translation memory"),
        "{err}"
    );
    assert_eq!(export(&last, dir.path(), &[]), reference);
}

/// A TMX file of `units` Arabic–English units numbered from `first`.
fn numbered_tmx(file: &Path, first: usize, units: usize) {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\"><header srclang=\"ar\" datatype=\"plaintext\" segtype=\"sentence\" adminlang=\"en\" o-tmf=\"t\" creationtool=\"t\" creationtoolversion=\"1\"/><body>\n",
    );
    for n in first..first + units {
        s.push_str(&format!(
            "<tu><tuv xml:lang=\"ar\"><seg>قالت الوزارة في بيانها رقم {n} إن المفاوضات مستمرة</seg></tuv><tuv xml:lang=\"en\"><seg>The ministry said in statement {n} that talks continue</seg></tuv></tu>\n"
        ));
    }
    s.push_str("</body></tmx>\n");
    std::fs::write(file, s).unwrap();
}

#[test]
fn concurrent_imports_of_overlapping_files_lose_and_repeat_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b): (PathBuf, PathBuf) = (dir.path().join("a.tmx"), dir.path().join("b.tmx"));
    // 0..3000 and 2000..5000: 1000 units in both, 5000 distinct.
    numbered_tmx(&a, 0, 3000);
    numbered_tmx(&b, 2000, 3000);
    for (db, _guard) in backends(dir.path(), "concurrent_imports") {
        let spawn = |file: &Path| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("tarjuman"))
                .env_remove("TARJUMAN_DB")
                .args(["--db", &db, "-q", "import", "--format", "json"])
                .arg(file)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        // Create the TM first (a command that writes), so that both
        // processes race on the import only.
        ok(tarjuman(&db).args(["token", "list"]));
        let (pa, pb) = (spawn(&a), spawn(&b));
        let (oa, ob) = (
            pa.wait_with_output().unwrap(),
            pb.wait_with_output().unwrap(),
        );
        for o in [&oa, &ob] {
            assert!(
                o.status.success(),
                "{db}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let report = |o: &Output| -> serde_json::Value {
            let all: serde_json::Value = serde_json::from_str(&stdout(o)).unwrap();
            all[0].clone()
        };
        let (ra, rb) = (report(&oa), report(&ob));
        let n =
            |r: &serde_json::Value, k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}"));
        // One ran first and took all its units; the other found the
        // overlap stored.
        assert_eq!(
            n(&ra, "inserted") + n(&rb, "inserted"),
            5000,
            "{db}: {ra} {rb}"
        );
        assert_eq!(
            n(&ra, "duplicates") + n(&rb, "duplicates"),
            1000,
            "{db}: {ra} {rb}"
        );
        let s = stats(&db);
        assert_eq!(s["units"], 5000, "{db}");
        let tsv = export(&db, dir.path(), &["--to", "tsv"]);
        let mut lines: Vec<&str> = tsv.lines().skip(1).collect();
        assert_eq!(lines.len(), 5000);
        lines.sort_unstable();
        lines.dedup();
        assert_eq!(lines.len(), 5000, "{db}: a unit stored twice");
    }
}

#[test]
fn a_file_bad_near_its_end_imports_nothing_on_either_backend() {
    let dir = tempfile::tempdir().unwrap();
    // 2,000 good units, then a unit cut off: nothing of the file is stored.
    let bad = dir.path().join("cut.tmx");
    numbered_tmx(&bad, 0, 2000);
    let text = std::fs::read_to_string(&bad).unwrap();
    let cut = text.replace("</body></tmx>\n", "<tu><tuv xml:lang=\"ar\"><seg>نص");
    std::fs::write(&bad, cut).unwrap();
    for (db, _guard) in backends(dir.path(), "bad_file") {
        ok(tarjuman(&db).args(["-q", "import", &path("samples/sample.tmx")]));
        let out = tarjuman(&db)
            .args(["-q", "import"])
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{db}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("cut.tmx:2003:") && err.contains("nothing from this file was imported"),
            "{db}: {err}"
        );
        assert_eq!(stats(&db)["units"], 31, "{db}");
    }
}

#[test]
fn a_second_writer_waits_for_the_first_and_gives_up_having_written_nothing() {
    let Some(db) = common::pg::scratch("writer_waits") else {
        return;
    };
    ok(tarjuman(&db.url).args(["-q", "import", &path("samples/sample.tmx")]));
    // Another process holds the write lock (as an import in progress does).
    let mut holder = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    holder
        .execute(
            "SELECT pg_advisory_lock($1)",
            &[&tarjuman::tm::pg::WRITE_LOCK],
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("more.tmx");
    numbered_tmx(&file, 0, 10);
    let out = tarjuman(&db.url)
        .args(["--wait", "2", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("waiting for another tarjuman") && err.contains("gave up after waiting 2 s"),
        "{err}"
    );
    assert_eq!(stats(&db.url)["units"], 31);
    // Once the lock is free, the same import goes through.
    holder
        .execute(
            "SELECT pg_advisory_unlock($1)",
            &[&tarjuman::tm::pg::WRITE_LOCK],
        )
        .unwrap();
    ok(tarjuman(&db.url)
        .args(["-q", "--wait", "2", "import"])
        .arg(&file));
    assert_eq!(stats(&db.url)["units"], 41);
}

/// A blob as written before schema 0005: group keys bare lengths (the
/// places dropped, groups of one length merged), ids delta-coded.
fn blob_without_places(data: &[u8]) -> Vec<u8> {
    fn get(d: &[u8], p: &mut usize) -> u64 {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let b = d[*p];
            *p += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }
    fn put(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push(v as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    let mut by_len: std::collections::BTreeMap<u64, Vec<u64>> = Default::default();
    let mut p = 0;
    while p < data.len() {
        let (key, count, _size) = (get(data, &mut p), get(data, &mut p), get(data, &mut p));
        let mut u = 0;
        for _ in 0..count {
            u += get(data, &mut p);
            by_len.entry(key >> 6).or_default().push(u);
        }
    }
    let mut out = Vec::new();
    for (len, mut ids) in by_len {
        ids.sort_unstable();
        let mut deltas = Vec::new();
        let mut prev = 0;
        for &u in &ids {
            put(&mut deltas, u - prev);
            prev = u;
        }
        put(&mut out, len);
        put(&mut out, ids.len() as u64);
        put(&mut out, deltas.len() as u64);
        out.extend_from_slice(&deltas);
    }
    out
}

/// A TM written before schema 0005 (posting groups by length alone, no
/// token ranks) is migrated when a command opens it, on both backends,
/// and answers lookups as before.
#[test]
fn a_tm_from_before_places_is_migrated_and_answers_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let queries = path("samples/new-article-ar.txt");
    for (db, guard) in backends(dir.path(), "places_migration") {
        ok(tarjuman(&db).args(["-q", "import", &path("samples/sample.tmx")]));
        let lookup = |db: &str| {
            stdout(&ok(tarjuman(db).args([
                "lookup", "--file", &queries, "--min", "40", "--format", "json",
            ])))
        };
        let before = lookup(&db);
        assert!(before.contains("\"score\""), "{before}");
        // Back to schema 4.
        if let Some(guard) = &guard {
            let mut c = postgres::Client::connect(&guard.url, postgres::NoTls).unwrap();
            let rows = c.query("SELECT id, data FROM fz_chunk", &[]).unwrap();
            for r in rows {
                let (id, data): (i64, Vec<u8>) = (r.get(0), r.get(1));
                c.execute(
                    "UPDATE fz_chunk SET data = $2 WHERE id = $1",
                    &[&id, &blob_without_places(&data)],
                )
                .unwrap();
            }
            c.batch_execute(
                "ALTER TABLE fz_token DROP COLUMN rank; UPDATE tarjuman_schema SET version = 4;",
            )
            .unwrap();
        } else {
            let c = rusqlite::Connection::open(&db).unwrap();
            let rows: Vec<(i64, Vec<u8>)> = c
                .prepare("SELECT id, data FROM fz_chunk")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            for (id, data) in rows {
                c.execute(
                    "UPDATE fz_chunk SET data = ?2 WHERE id = ?1",
                    rusqlite::params![id, blob_without_places(&data)],
                )
                .unwrap();
            }
            c.execute_batch("ALTER TABLE fz_token DROP COLUMN rank; PRAGMA user_version = 4;")
                .unwrap();
        }
        assert_eq!(lookup(&db), before, "{db}");
        // Units imported after the migration get places beside the old
        // ones' place 0; lookups still find what a full scan would.
        let glossary = path("samples/glossary.tsv");
        ok(tarjuman(&db).args([
            "-q",
            "import",
            &glossary,
            "--src-lang",
            "ar",
            "--tgt-lang",
            "en",
        ]));
        let found = stdout(&ok(tarjuman(&db).args([
            "lookup",
            "الحرس الثوري",
            "--format",
            "json",
        ])));
        assert!(found.contains("\"Revolutionary Guard\""), "{db}: {found}");
        assert_eq!(lookup(&db), before, "{db}");
    }
}
