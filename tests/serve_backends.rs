//! Several `serve` instances and CLI processes on one TM, on both backends
//! (SQLite always; PostgreSQL when `TARJUMAN_TEST_PG` names a server, else
//! that half says it was skipped): a unit imported through one instance is
//! found by lookups through the other, and by the CLI, as soon as the
//! import has committed; deletes likewise. Loopback only, a few requests.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_tarjuman");

struct Server {
    _spool: tempfile::TempDir,
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str) -> Server {
        let spool = tempfile::tempdir().unwrap();
        let mut child = Command::new(BIN)
            .env("TMPDIR", spool.path())
            .env_remove("TARJUMAN_DB")
            .args([
                "--db",
                db,
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--readers",
                "2",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, recv) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                match line.find("on http://") {
                    Some(at) => {
                        let _ =
                            send.send(Ok(line[at + 3..].split(' ').next().unwrap().to_string()));
                    }
                    None => {
                        let _ = send.send(Err(line));
                    }
                }
            }
        });
        let mut said = Vec::new();
        let base = loop {
            match recv.recv_timeout(Duration::from_secs(60)) {
                Ok(Ok(base)) => break base,
                Ok(Err(line)) => said.push(line),
                Err(e) => panic!("the server did not say where it listens ({e}): {said:?}"),
            }
        };
        Server {
            _spool: spool,
            child,
            base,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

fn answer(mut resp: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

fn get(url: &str, token: &str) -> (u16, Value) {
    answer(
        agent()
            .get(url)
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap(),
    )
}

fn upload(url: &str, token: &str, bytes: &[u8]) -> (u16, Value) {
    answer(
        agent()
            .post(url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/octet-stream")
            .send(bytes)
            .unwrap(),
    )
}

fn post(url: &str, token: &str, body: &Value) -> (u16, Value) {
    answer(
        agent()
            .post(url)
            .header("Authorization", &format!("Bearer {token}"))
            .send_json(body)
            .unwrap(),
    )
}

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

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
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
        let (a, b) = (Server::start(db), Server::start(db));
        let lookup = |s: &Server| get(&format!("{}/api/v1/lookup?text={}", s.base, enc(AR)), token);
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
            token,
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
        let (_, stats) = get(&format!("{}/api/v1/stats", b.base), token);
        assert_eq!(stats["units"], 32, "{db}: {stats}");
        // Deleted through b: gone for a.
        let (status, deleted) = post(
            &format!("{}/api/v1/delete", b.base),
            token,
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
