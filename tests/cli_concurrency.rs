//! Several processes on one TM, read-only TMs and missing ones, through the
//! real binary: readers are never blocked by a writer, a second writer
//! waits its turn (and says so), commands that only read never create or
//! change the TM, and the messages name the TM once.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use rusqlite::Connection;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sample.tmx");

fn tarjuman(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tarjuman").unwrap();
    cmd.env_remove("TARJUMAN_DB").arg("--db").arg(db);
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A TM holding the sample's units.
fn sample_tm(dir: &Path) -> PathBuf {
    let db = dir.join("tm.db");
    tarjuman(&db)
        .args(["-q", "import", SAMPLE])
        .assert()
        .success();
    db
}

fn units(db: &Path) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row("SELECT count(*) FROM unit", [], |r| r.get(0))
        .unwrap()
}

/// A TMX of `n` Arabic–English units, each distinct, big enough from a
/// few thousand units to take the bulk import's path (over 8 MB).
fn big_tmx(path: &Path, n: usize) {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tmx version=\"1.4\">\n\
         <header creationtool=\"t\" creationtoolversion=\"1\" segtype=\"sentence\" \
         o-tmf=\"t\" adminlang=\"en\" srclang=\"ar\" datatype=\"plaintext\"/>\n<body>\n",
    );
    let pad = "وقال المسؤول إن الحكومة ستعقد اجتماعا مع ممثلي المحافظات لبحث الأوضاع ".repeat(2);
    for i in 0..n {
        s.push_str(&format!(
            "<tu><tuv xml:lang=\"ar\"><seg>{pad}رقم {i}</seg></tuv>\
             <tuv xml:lang=\"en\"><seg>The official said the government will meet the \
             representatives of the provinces about the situation, number {i}</seg></tuv></tu>\n"
        ));
    }
    s.push_str("</body>\n</tmx>\n");
    std::fs::write(path, s).unwrap();
}

/// A TSV of one sentence pair no test TM holds.
fn new_sentence_tsv(dir: &Path) -> PathBuf {
    let tsv = dir.join("new.tsv");
    std::fs::write(&tsv, "ar\ten\nجملة جديدة تماما\tA brand new sentence\n").unwrap();
    tsv
}

/// `import FILE` waiting up to `secs` for another writer.
fn import_waiting(db: &Path, file: &Path, secs: u32) -> Output {
    tarjuman(db)
        .args(["--wait", &secs.to_string(), "import"])
        .arg(file)
        .output()
        .unwrap()
}

#[test]
fn commands_that_read_never_create_a_tm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mistyped/tm.db");
    for args in [
        &["stats"][..],
        &["lookup", "قال الرئيس"],
        &["concord", "الرئيس"],
        &["export"],
    ] {
        let out = tarjuman(&db).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("no translation memory at {}", db.display())),
            "{args:?}: {err}"
        );
        assert!(err.contains("import a TMX or TSV first"), "{err}");
        assert!(!db.exists() && !db.parent().unwrap().exists(), "{args:?}");
    }
}

#[test]
fn a_big_import_runs_while_another_process_reads() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_tm(dir.path());
    let before = units(&db);
    let tmx = dir.path().join("big.tmx");
    big_tmx(&tmx, 24_000);
    assert!(std::fs::metadata(&tmx).unwrap().len() > 8 << 20);
    // Another process with the TM open in a read transaction (as `export`
    // or an sqlite3 shell has it).
    let reader = Connection::open(&db).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let seen: i64 = reader
        .query_row("SELECT count(*) FROM unit", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seen, before);
    let out = tarjuman(&db).arg("import").arg(&tmx).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The reader still sees its snapshot; a new one sees the import.
    let seen: i64 = reader
        .query_row("SELECT count(*) FROM unit", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seen, before);
    reader.execute_batch("COMMIT").unwrap();
    assert_eq!(units(&db), before + 24_000);
    let mode: String = reader
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn readers_answer_while_another_process_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_tm(dir.path());
    let before = units(&db);
    let writer = Connection::open(&db).unwrap();
    writer
        .execute_batch("BEGIN IMMEDIATE; DELETE FROM variant; DELETE FROM unit;")
        .unwrap();
    for args in [
        &["stats", "--format", "json"][..],
        &["lookup", "--min", "1", "مرحبا"],
        &["concord", "في"],
        &["export"],
    ] {
        let t = Instant::now();
        let out = tarjuman(&db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(t.elapsed() < Duration::from_secs(4), "{args:?} waited");
    }
    let out = tarjuman(&db)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["units"].as_i64(), Some(before), "the committed state");
    writer.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_second_writer_gives_up_after_wait_saying_nothing_was_imported() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_tm(dir.path());
    let before = units(&db);
    let writer = Connection::open(&db).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let tsv = new_sentence_tsv(dir.path());
    let t = Instant::now();
    let out = import_waiting(&db, &tsv, 2);
    let waited = t.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "waiting for another tarjuman to finish writing {}",
            db.display()
        )),
        "{err}"
    );
    assert!(err.contains("gave up after waiting 2 s"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(!err.contains(&format!("{}:", tsv.display())), "{err}");
    assert!(waited >= Duration::from_secs(2), "{waited:?}");
    writer.execute_batch("ROLLBACK").unwrap();
    assert_eq!(units(&db), before);
}

#[test]
fn a_second_writer_waits_its_turn() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_tm(dir.path());
    let before = units(&db);
    let writer = Connection::open(&db).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(2500));
        writer.execute_batch("COMMIT").unwrap();
    });
    let tsv = new_sentence_tsv(dir.path());
    let out = import_waiting(&db, &tsv, 60);
    release.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("waiting for another tarjuman"));
    assert_eq!(units(&db), before + 1);
}

#[test]
fn sqlite_text_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_tm(dir.path());
    // A process holding the TM exclusively (not something tarjuman does):
    // even readers get "database is locked".
    let other = Connection::open(&db).unwrap();
    other
        .execute_batch(
            "PRAGMA journal_mode = DELETE; PRAGMA locking_mode = EXCLUSIVE;
             BEGIN EXCLUSIVE; DELETE FROM note;",
        )
        .unwrap();
    let out = tarjuman(&db).arg("stats").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.matches("database is locked").count(), 1, "{err}");
    assert!(!err.contains("Error code"), "{err}");
    assert!(err.contains(&db.display().to_string()), "{err}");
}

/// `cmd` run as the user nobody when this test runs as root (root ignores
/// file permissions), else as is.
fn as_unprivileged(db: &Path) -> Option<Command> {
    let uid = std::process::Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some(tarjuman(db));
    }
    let which = std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .ok()?;
    if !which.status.success() {
        return None;
    }
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("tarjuman"))
        .env_remove("TARJUMAN_DB")
        .arg("--db")
        .arg(db);
    Some(cmd)
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_read_only_tm_in_a_read_only_folder_is_read_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    let db = sample_tm(&folder);
    // Closed cleanly: no -wal or -shm beside it.
    assert!(!folder.join("tm.db-wal").exists() && !folder.join("tm.db-shm").exists());
    let size = std::fs::metadata(&db).unwrap().len();
    chmod(dir.path(), 0o755);
    chmod(&db, 0o444);
    chmod(&folder, 0o555);
    let Some(_) = as_unprivileged(&db) else {
        panic!("running as root without setpriv: cannot test permissions");
    };
    for args in [
        &["stats"][..],
        &["lookup", "--min", "1", "مرحبا بكم"],
        &["concord", "في"],
        &["export"],
    ] {
        let out = as_unprivileged(&db).unwrap().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let out = as_unprivileged(&db)
        .unwrap()
        .args(["import", SAMPLE])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}: the translation memory is read-only",
            db.display()
        )),
        "{err}"
    );
    assert!(!err.contains(&format!("{SAMPLE}:")), "{err}");
    chmod(&folder, 0o755);
    let left: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
    assert_eq!(left.len(), 1, "nothing created beside the TM");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), size);
}

#[test]
fn a_tm_that_cannot_be_created_leaves_no_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    // A file size limit of 1 KiB: the first page write fails as on a full
    // disk (SIGXFSZ ignored, so the write returns EFBIG).
    let bin = assert_cmd::cargo::cargo_bin("tarjuman");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1; exec \"$0\" --db \"$1\" import \"$2\"")
        .arg(&bin)
        .arg(&db)
        .arg(SAMPLE)
        .env_remove("TARJUMAN_DB")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!db.exists(), "{}", stderr(&out));
    assert!(!building(&db).exists(), "{}", stderr(&out));
}

/// `PATH.building`: where a first import builds the TM at PATH, and the
/// lock every tarjuman creating that TM holds.
fn building(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".building");
    p.into()
}

/// Hold the lock a first import holds while it builds the TM at `db`.
fn hold_creation_lock(db: &Path) -> std::fs::File {
    let file = std::fs::File::create(building(db)).unwrap();
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive).unwrap();
    file
}

fn integrity(db: &Path) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn while_a_first_import_builds_the_tm_readers_say_so_and_writers_wait() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let lock = hold_creation_lock(&db);
    let out = tarjuman(&db).arg("stats").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("an import is creating it; try again when it has finished"),
        "{}",
        stderr(&out)
    );
    // A writer gives up after --wait, having written nothing.
    for args in [
        &["import", SAMPLE][..],
        &["token", "add", "--scope", "read", "x"],
    ] {
        let out = tarjuman(&db)
            .args(["--wait", "2"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("waiting for another tarjuman"), "{err}");
        assert!(err.contains("still creating it"), "{err}");
        assert!(err.contains("gave up after waiting 2 s"), "{err}");
        assert!(!db.exists());
    }
    // The first import ends (here: a TM appears at the path and the lock
    // file goes, as a published build leaves it); a waiting import then
    // adds to that TM.
    let other = dir.path().join("other.db");
    tarjuman(&other)
        .args(["-q", "import", SAMPLE])
        .assert()
        .success();
    let sample_units = units(&other);
    let release = std::thread::spawn({
        let (db, other) = (db.clone(), other.clone());
        move || {
            std::thread::sleep(Duration::from_millis(2000));
            std::fs::rename(&other, &db).unwrap();
            std::fs::remove_file(building(&db)).unwrap();
            drop(lock);
        }
    });
    let tsv = new_sentence_tsv(dir.path());
    let out = import_waiting(&db, &tsv, 60);
    release.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("waiting for another tarjuman"));
    assert_eq!(units(&db), sample_units + 1);
    assert!(!building(&db).exists());
}

#[test]
fn two_first_imports_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let (a, b) = (dir.path().join("a.tmx"), dir.path().join("b.tmx"));
    big_tmx(&a, 24_000);
    std::fs::write(&b, std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
    let sample_units = {
        let other = dir.path().join("other.db");
        tarjuman(&other)
            .args(["-q", "import", SAMPLE])
            .assert()
            .success();
        units(&other)
    };
    let first = std::thread::spawn({
        let (db, a) = (db.clone(), a.clone());
        move || {
            tarjuman(&db)
                .args(["-q", "import"])
                .arg(&a)
                .output()
                .unwrap()
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    let second = tarjuman(&db)
        .args(["-q", "import"])
        .arg(&b)
        .output()
        .unwrap();
    let first = first.join().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(units(&db), 24_000 + sample_units);
    assert_eq!(integrity(&db), "ok");
    assert!(!building(&db).exists());
}

#[test]
fn a_failed_first_import_leaves_no_tm_and_no_build() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let bad = dir.path().join("bad.tmx");
    std::fs::write(
        &bad,
        "<tmx version=\"1.4\"><header/><body><tu><tuv xml:lang=\"ar\"><seg>x",
    )
    .unwrap();
    let out = tarjuman(&db).arg("import").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nothing from this file was imported"),
        "{}",
        stderr(&out)
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("bad.tmx")]);
    // With a good file after it, the good one is imported.
    let out = tarjuman(&db)
        .arg("import")
        .arg(&bad)
        .arg(SAMPLE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(units(&db) > 0);
    assert_eq!(integrity(&db), "ok");
}

#[test]
fn a_build_left_by_a_killed_import_is_cleared_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let tmx = dir.path().join("big.tmx");
    big_tmx(&tmx, 24_000);
    let bin = assert_cmd::cargo::cargo_bin("tarjuman");
    let mut child = std::process::Command::new(bin)
        .env_remove("TARJUMAN_DB")
        .arg("--db")
        .arg(&db)
        .args(["-q", "import"])
        .arg(&tmx)
        .spawn()
        .unwrap();
    // Killed mid-build: wait until it has written a few pages.
    let t = Instant::now();
    while std::fs::metadata(building(&db)).map_or(0, |m| m.len()) < 1 << 20
        && t.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!db.exists(), "no half TM at the path");
    // What a crash leaves is not a lock, and the next import starts anew.
    let out = tarjuman(&db).arg("stats").output().unwrap();
    assert!(
        stderr(&out).contains("no translation memory at"),
        "{}",
        stderr(&out)
    );
    let mut journal = building(&db).into_os_string();
    journal.push("-journal");
    std::fs::write(&journal, b"left by a crash").unwrap();
    tarjuman(&db)
        .args(["-q", "import", SAMPLE])
        .assert()
        .success();
    assert_eq!(integrity(&db), "ok");
    assert!(units(&db) > 0 && units(&db) < 100);
    assert!(!building(&db).exists());
    assert!(!PathBuf::from(journal).exists());
}
