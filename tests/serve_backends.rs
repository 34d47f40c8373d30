//! Several `serve` instances and CLI processes on one TM, on both backends
//! (SQLite always; PostgreSQL when `TARJUMAN_TEST_PG` names a server, else
//! that half says it was skipped): a unit imported through one instance is
//! found by lookups through the other, and by the CLI, as soon as the
//! import has committed; deletes likewise. Loopback only, a few requests.

mod common;

use std::process::Command;

use common::serve::{enc, get, post, upload, Server};

const BIN: &str = env!("CARGO_BIN_EXE_tarjuman");

fn cli(db: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .env_remove("TARJUMAN_DB")
        .args(["--db", db])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const AR: &str = "أعلنت وزارة الصحة افتتاح مستشفى جديد في مدينة حمص";
const EN: &str = "The health ministry announced a new hospital in the city of Homs";

#[test]
fn a_unit_imported_through_one_server_is_found_through_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let mut places = vec![(dir.path().join("tm.db").display().to_string(), None)];
    if let Some(db) = common::pg::scratch("serve_instances") {
        places.push((db.url.clone(), Some(db)));
    }
    for (db, _guard) in &places {
        cli(
            db,
            &[
                "-q",
                "import",
                concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sample.tmx"),
            ],
        );
        let token = cli(db, &["-q", "token", "add", "desk", "--scope", "write"]);
        let token = token.trim();
        let serve = || Server::start(db, &["--readers", "2"]);
        let (a, b) = (serve(), serve());
        let lookup = |s: &Server| {
            get(
                &format!("{}/api/v1/lookup?text={}", s.base, enc(AR)),
                Some(token),
            )
        };
        // Not there yet: no match through either.
        let (status, before) = lookup(&b);
        assert_eq!(status, 200, "{db}: {before}");
        assert_eq!(
            before["matches"].as_array().map(Vec::len),
            Some(0),
            "{db}: {before}"
        );
        // Imported through a…
        let tsv = format!("ar\ten\n{AR}\t{EN}\n");
        let (status, report) = upload(
            &format!("{}/api/v1/import?name=homs.tsv", a.base),
            Some(token),
            tsv.as_bytes(),
        );
        assert_eq!(status, 200, "{db}: {report}");
        assert_eq!(report["inserted"], 1, "{db}: {report}");
        // …found through b and by the CLI at once, as a 100.
        let (status, after) = lookup(&b);
        assert_eq!(status, 200, "{db}: {after}");
        assert_eq!(after["matches"][0]["score"], 100, "{db}: {after}");
        assert_eq!(after["matches"][0]["target"], EN, "{db}: {after}");
        let cli_lookup = cli(db, &["lookup", "--format", "json", AR]);
        assert!(cli_lookup.contains(EN), "{db}: {cli_lookup}");
        let (_, stats) = get(&format!("{}/api/v1/stats", b.base), Some(token));
        assert_eq!(stats["units"], 32, "{db}: {stats}");
        // Deleted through b: gone for a.
        let (status, deleted) = post(
            &format!("{}/api/v1/delete", b.base),
            Some(token),
            &serde_json::json!({ "origin": "homs.tsv" }),
        );
        assert_eq!(status, 200, "{db}: {deleted}");
        assert_eq!(deleted["deleted"], 1, "{db}: {deleted}");
        let (_, gone) = lookup(&a);
        assert_eq!(
            gone["matches"].as_array().map(Vec::len),
            Some(0),
            "{db}: {gone}"
        );
    }
}
