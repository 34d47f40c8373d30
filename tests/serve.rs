//! `tarjuman serve`, as its clients see it: the real binary on a loopback
//! port, every route, the tokens, the limits, and a shutdown during an import.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::serve::{agent, enc, get, get_text, post, upload, Server};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_tarjuman");

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/sample.tmx")
}

/// The CLI on `db`, its stdout.
fn cli(db: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tarjuman {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn cli_json(db: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&cli(db, args)).unwrap()
}

/// A TM with samples/sample.tmx and a read and a write token.
struct Tm {
    _dir: tempfile::TempDir,
    db: PathBuf,
    read: String,
    write: String,
}

fn tm() -> Tm {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    cli(&db, &["import", sample().to_str().unwrap()]);
    let read = cli(&db, &["token", "add", "--scope", "read", "reader"])
        .trim()
        .to_string();
    let write = cli(&db, &["token", "add", "--scope", "write", "editor"])
        .trim()
        .to_string();
    Tm {
        _dir: dir,
        db,
        read,
        write,
    }
}

fn assert_error(answer: &(u16, Value), status: u16, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        answer.1
    );
}

/// A stored sentence with one word dropped (an 88% match in sample.tmx).
const EDITED: &str = "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية شرقي سورية";

#[test]
fn reads_answer_what_the_cli_answers() {
    let tm = tm();
    let server = Server::start(&tm.db, &[]);
    let r = Some(tm.read.as_str());

    // lookup: GET, POST one, POST batch (each the context of the next).
    let cli_one = cli_json(&tm.db, &["lookup", "--format", "json", EDITED]);
    let (s, one) = get(
        &server.url(&format!("/api/v1/lookup?text={}", enc(EDITED))),
        r,
    );
    assert_eq!(s, 200);
    assert_eq!(one, cli_one);
    assert_eq!(one["matches"][0]["score"], 88);
    let (s, posted) = post(&server.url("/api/v1/lookup"), r, &json!({ "text": EDITED }));
    assert_eq!(s, 200);
    assert_eq!(posted, cli_one);

    let dir = tempfile::tempdir().unwrap();
    let queries = [
        "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية",
        EDITED,
        "جملة لا توجد في الذاكرة أبدا",
    ];
    let file = dir.path().join("q.txt");
    std::fs::write(&file, queries.join("\n")).unwrap();
    let cli_batch: Vec<Value> = cli(
        &tm.db,
        &[
            "lookup",
            "--format",
            "json",
            "--min",
            "50",
            "--file",
            file.to_str().unwrap(),
        ],
    )
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let (s, batch) = post(
        &server.url("/api/v1/lookup"),
        r,
        &json!({ "texts": queries, "min": 50 }),
    );
    assert_eq!(s, 200);
    assert_eq!(batch["results"], Value::Array(cli_batch));

    // concord
    let cli_concord = cli_json(&tm.db, &["concord", "--format", "json", "سورية"]);
    let (s, concord) = get(
        &server.url(&format!("/api/v1/concord?phrase={}", enc("سورية"))),
        r,
    );
    assert_eq!(s, 200);
    assert_eq!(concord, cli_concord);
    assert!(!concord["hits"].as_array().unwrap().is_empty());

    // pretranslate
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/new-article-ar.txt");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let cli_pre = cli_json(
        &tm.db,
        &[
            "pretranslate",
            "--format",
            "json",
            doc_path.to_str().unwrap(),
        ],
    );
    let (s, pre) = post(
        &server.url("/api/v1/pretranslate"),
        r,
        &json!({ "text": doc, "name": doc_path.to_str().unwrap() }),
    );
    assert_eq!(s, 200);
    assert_eq!(pre, cli_pre);

    // stats
    let cli_stats = cli_json(&tm.db, &["stats", "--format", "json"]);
    let (s, stats) = get(&server.url("/api/v1/stats"), r);
    assert_eq!(s, 200);
    for field in [
        "units",
        "variants",
        "languages",
        "pairs",
        "origins",
        "schema_version",
    ] {
        assert_eq!(stats[field], cli_stats[field], "{field}");
    }

    // export: TSV byte for byte, TMX but for the header's creation date.
    let cli_tsv = cli(
        &tm.db,
        &[
            "export",
            "--to",
            "tsv",
            "--src-lang",
            "ar",
            "--tgt-lang",
            "en-GB",
        ],
    );
    let (s, tsv) = get_text(
        &server.url("/api/v1/export?format=tsv&src_lang=ar&tgt_lang=en-GB"),
        r,
    );
    assert_eq!(s, 200);
    assert_eq!(tsv, cli_tsv);
    let undated = |t: &str| {
        let re = regex::Regex::new(r#"creationdate="\d{8}T\d{6}Z""#).unwrap();
        re.replace(t, "").to_string()
    };
    let cli_tmx = cli(&tm.db, &["export", "--since", "2021-11-06"]);
    let (s, tmx) = get_text(&server.url("/api/v1/export?since=2021-11-06"), r);
    assert_eq!(s, 200);
    assert_eq!(undated(&tmx), undated(&cli_tmx));
    assert!(tmx.contains("<tmx version=\"1.4\">"));
    assert_error(
        &get(&server.url("/api/v1/export?origin=nowhere.tmx"), r),
        404,
        "unknown_origin",
    );
    // An origin is named as for the CLI: its file name or a path to it.
    let cli_tsv = cli(
        &tm.db,
        &["export", "--to", "tsv", "--origin", "samples/sample.tmx"],
    );
    let (s, tsv) = get_text(
        &server.url("/api/v1/export?format=tsv&origin=samples%2Fsample.tmx"),
        r,
    );
    assert_eq!(s, 200);
    assert_eq!(tsv, cli_tsv);
    assert!(tsv.lines().count() > 1, "{tsv}");
    assert_error(
        &get(&server.url("/api/v1/export?since=yesterday"), r),
        400,
        "bad_date",
    );

    // a pair the TM does not hold; probes
    assert_error(
        &get(
            &server.url(&format!("/api/v1/lookup?text={}&tgt_lang=de", enc(EDITED))),
            r,
        ),
        404,
        "language_pair_not_in_tm",
    );
    assert_eq!(
        get(&server.url("/health"), None),
        (200, json!({"status": "ok"}))
    );
    assert_eq!(
        get(&server.url("/ready"), None),
        (200, json!({"status": "ready"}))
    );
}

#[test]
fn the_amagama_and_tmserver_routes_answer_their_list() {
    let tm = tm();
    let server = Server::start(&tm.db, &["--public-read"]);
    let forms = [
        format!("/tmserver/ar/en_GB/unit/{}", enc(EDITED)),
        format!("/api/v1/ar/en-GB/unit/{}", enc(EDITED)),
        format!("/api/v1/AR/en_gb/unit/?source={}", enc(EDITED)),
    ];
    for form in &forms {
        let (s, list) = get(&server.url(form), None);
        assert_eq!(s, 200, "{form}: {list}");
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1, "{form}: {list:?}");
        let m = list[0].as_object().unwrap();
        let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["quality", "rank", "source", "target"]);
        assert_eq!(m["quality"].as_f64(), Some(88.0));
        assert!(m["rank"].is_f64());
        assert_eq!(
            m["target"],
            "Iranian militias evacuate their largest military base in eastern Syria"
        );
    }
    // Lower the threshold and more come, best first, at most max_candidates.
    let (_, list) = get(
        &server.url(&format!(
            "/tmserver/ar/en/unit/{}?min_similarity=30&max_candidates=2",
            enc("قال الرئيس إن القوات السورية")
        )),
        None,
    );
    let q: Vec<f64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["quality"].as_f64().unwrap())
        .collect();
    assert!(q.len() <= 2 && q.windows(2).all(|w| w[0] >= w[1]), "{q:?}");
    // A pair the TM does not hold: no suggestions, not an error.
    assert_eq!(
        get(
            &server.url(&format!("/tmserver/ar/de/unit/{}", enc(EDITED))),
            None
        ),
        (200, json!([]))
    );
    // The language list, in the forms Weblate compares (`en_gb`).
    for path in ["/api/v1/languages/", "/tmserver/languages/"] {
        let (s, langs) = get(&server.url(path), None);
        assert_eq!(s, 200);
        for l in ["ar", "en", "en-GB", "en_gb"] {
            assert!(
                langs["sourceLanguages"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(l)),
                "{path}: {l} missing from {langs}"
            );
        }
        assert_eq!(langs["sourceLanguages"], langs["targetLanguages"]);
    }
}

#[test]
fn tokens_decide_who_reads_and_who_writes() {
    let tm = tm();
    let mut server = Server::start(&tm.db, &[]);
    let stats = server.url("/api/v1/stats");
    assert_error(&get(&stats, None), 401, "missing_token");
    assert_error(&get(&stats, Some("tj_not-a-token")), 401, "invalid_token");
    assert_eq!(get(&stats, Some(&tm.read)).0, 200);
    assert_eq!(get(&stats, Some(&tm.write)).0, 200);
    // Writes need write scope.
    let dry = json!({ "query": EDITED, "dry_run": true });
    let delete = server.url("/api/v1/delete");
    assert_error(&post(&delete, None, &dry), 401, "missing_token");
    assert_error(
        &post(&delete, Some(&tm.read), &dry),
        403,
        "insufficient_scope",
    );
    let (s, answer) = post(&delete, Some(&tm.write), &dry);
    assert_eq!(s, 200, "{answer}");
    assert_eq!(answer["dry_run"], true);
    let tsv = "ar\ten\nقال الوزير\tthe minister said\n";
    let import = server.url("/api/v1/import?name=x.tsv");
    assert_error(
        &upload(&import, Some(&tm.read), tsv.as_bytes()),
        403,
        "insufficient_scope",
    );
    // A token removed stops working within the refresh time.
    cli(&tm.db, &["token", "remove", "reader"]);
    std::thread::sleep(Duration::from_millis(2500));
    assert_error(&get(&stats, Some(&tm.read)), 401, "invalid_token");
    // One log line per request: the token's name, never the token.
    assert!(server.stop().success());
    let log = server.log_lines();
    assert!(log
        .iter()
        .all(|l| !l.contains(&tm.read) && !l.contains(&tm.write)));
    let lines: Vec<Value> = log
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(lines.iter().any(|l| l["token"] == "editor"
        && l["route"] == "/api/v1/delete"
        && l["status"] == 200
        && l["method"] == "POST"
        && l["duration_ms"].is_number()));
    assert!(lines
        .iter()
        .any(|l| l["token"].is_null() && l["status"] == 401));

    // --public-read: reads without a token, writes still need one.
    let server = Server::start(&tm.db, &["--public-read"]);
    assert_eq!(get(&server.url("/api/v1/stats"), None).0, 200);
    assert_error(
        &post(&server.url("/api/v1/delete"), None, &dry),
        401,
        "missing_token",
    );
}

#[test]
fn writes_go_through_the_api_and_report_as_the_cli() {
    // The same file the CLI imports into a fresh TM gives the same report.
    let fresh = tempfile::tempdir().unwrap();
    let fresh_db = fresh.path().join("fresh.db");
    let cli_report = cli_json(
        &fresh_db,
        &["import", "--format", "json", sample().to_str().unwrap()],
    );
    let empty = tempfile::tempdir().unwrap();
    let empty_db = empty.path().join("empty.db");
    // Adding the token creates the empty TM (commands that only read never
    // create one).
    let write = cli(&empty_db, &["token", "add", "--scope", "write", "w"]);
    let write = write.trim();
    let server = Server::start(&empty_db, &[]);
    let name = sample().to_str().unwrap().to_string();
    let (s, report) = upload(
        &server.url(&format!("/api/v1/import?name={}", enc(&name))),
        Some(write),
        &std::fs::read(sample()).unwrap(),
    );
    assert_eq!(s, 200, "{report}");
    assert_eq!(report, cli_report[0]);
    let (_, stats) = get(&server.url("/api/v1/stats"), Some(write));
    assert_eq!(stats["units"], 31);
    assert_eq!(stats["origins"][0]["name"], name.as_str());

    // Bad input: its line and column, nothing imported.
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tmx/bad/truncated.tmx");
    let (s, refused) = upload(
        &server.url("/api/v1/import?name=truncated.tmx"),
        Some(write),
        &std::fs::read(&bad).unwrap(),
    );
    assert_eq!(s, 422, "{refused}");
    assert_eq!(refused["ok"], false);
    assert_eq!(refused["error"]["code"], "invalid_input");
    assert!(refused["error"]["line"].is_u64());
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nothing from this file was imported"));
    assert_eq!(
        get(&server.url("/api/v1/stats"), Some(write)).1["units"],
        31
    );

    // TSV with its languages as parameters; the duplicate policy.
    let tsv = "قال الوزير\tthe minister said\n";
    let url = server.url("/api/v1/import?name=m.tsv&src_lang=ar&tgt_lang=en");
    let (s, r1) = upload(&url, Some(write), tsv.as_bytes());
    assert_eq!((s, r1["inserted"].clone()), (200, json!(1)), "{r1}");
    let (_, r2) = upload(&url, Some(write), tsv.as_bytes());
    assert_eq!(r2["duplicates"], 1);
    assert_error(
        &upload(
            &server.url("/api/v1/import?on_duplicate=sometimes"),
            Some(write),
            tsv.as_bytes(),
        ),
        400,
        "bad_parameter",
    );

    // delete: dry run, then for real, as the CLI answers.
    let (s, dry) = post(
        &server.url("/api/v1/delete"),
        Some(write),
        &json!({ "origin": "m.tsv", "dry_run": true }),
    );
    assert_eq!(s, 200);
    assert_eq!(dry["would_delete"], 1);
    assert_eq!(
        dry["units"][0]["texts"],
        json!(["قال الوزير", "the minister said"])
    );
    let (s, done) = post(
        &server.url("/api/v1/delete"),
        Some(write),
        &json!({ "origin": "m.tsv" }),
    );
    assert_eq!(s, 200);
    assert_eq!(done["deleted"], 1);
    assert_eq!(done["dry_run"], false);
    // Again: the origin is known, its units gone (the CLI says the same).
    let (s, again) = post(
        &server.url("/api/v1/delete"),
        Some(write),
        &json!({ "origin": "m.tsv" }),
    );
    assert_eq!((s, again["deleted"].clone()), (200, json!(0)));
    assert_error(
        &post(
            &server.url("/api/v1/delete"),
            Some(write),
            &json!({ "origin": "never-imported.tsv" }),
        ),
        404,
        "unknown_origin",
    );
    assert_error(
        &post(
            &server.url("/api/v1/delete"),
            Some(write),
            &json!({ "origin": "m.tsv", "ids": [1] }),
        ),
        400,
        "bad_parameter",
    );
    assert_eq!(
        get(&server.url("/api/v1/stats"), Some(write)).1["units"],
        31
    );
}

#[test]
fn limits_and_mistakes_get_clear_json_errors() {
    let tm = tm();
    let server = Server::start(
        &tm.db,
        &[
            "--public-read",
            "--max-body",
            "4096",
            "--max-query-chars",
            "200",
            "--max-batch",
            "3",
            "--max-import-bytes",
            "1000",
        ],
    );
    let w = Some(tm.write.as_str());
    let lookup = server.url("/api/v1/lookup");
    let long = "كلمة ".repeat(100);
    assert_error(
        &get(&format!("{lookup}?text={}", enc(&long)), None),
        413,
        "query_too_long",
    );
    assert_error(
        &post(&lookup, None, &json!({ "texts": ["أ", "ب", "ت", "ث"] })),
        413,
        "batch_too_large",
    );
    assert_error(
        &post(&lookup, None, &json!({ "text": EDITED, "top": 0 })),
        400,
        "bad_parameter",
    );
    assert_error(
        &post(&lookup, None, &json!({ "text": "x".repeat(5000) })),
        413,
        "body_too_large",
    );
    assert_error(
        &post(&lookup, None, &json!({ "text": "  " })),
        400,
        "empty_query",
    );
    assert_error(
        &post(&lookup, None, &json!({ "text": EDITED, "min": 102 })),
        400,
        "bad_parameter",
    );
    assert_error(
        &post(&lookup, None, &json!({ "text": EDITED, "texts": [EDITED] })),
        400,
        "bad_parameter",
    );
    assert_error(
        &post(
            &lookup,
            None,
            &json!({ "text": EDITED, "src_lang": "12 monkeys" }),
        ),
        400,
        "bad_language",
    );
    let (s, bad_json) = post(&lookup, None, &json!({ "txet": EDITED }));
    assert!(s == 400 || s == 422, "{s}");
    assert!(bad_json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("txet"));
    assert_error(&get(&server.url("/api/v2/lookup"), None), 404, "not_found");
    assert_error(
        &post(&server.url("/api/v1/stats"), None, &json!({})),
        405,
        "method_not_allowed",
    );
    assert_error(
        &upload(
            &server.url("/api/v1/import?name=big.tsv&src_lang=ar&tgt_lang=en"),
            w,
            "قال\tsaid\n".repeat(200).as_bytes(),
        ),
        413,
        "body_too_large",
    );
    assert_error(
        &upload(&server.url("/api/v1/import?name=e.tsv"), w, b""),
        400,
        "empty_upload",
    );
    // An upload named `..` stays in its spool folder and imports.
    let (s, dots) = upload(
        &server.url("/api/v1/import?name=..&format=tsv&src_lang=ar&tgt_lang=en"),
        w,
        "قال\tsaid\n".as_bytes(),
    );
    assert_eq!(s, 200, "{dots}");
    assert_eq!(dots["inserted"], 1);
    // CORS is off: no header for a browser's origin.
    let resp = agent()
        .get(&server.url("/health"))
        .header("Origin", "https://example.org")
        .call()
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    drop(server);
    let server = Server::start(&tm.db, &["--cors-origin", "https://cat.example.org"]);
    let resp = agent()
        .get(&server.url("/health"))
        .header("Origin", "https://cat.example.org")
        .call()
        .unwrap();
    assert_eq!(
        resp.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("https://cat.example.org")
    );
}

/// A TSV of `n` distinct Arabic→English pairs.
fn pairs_tsv(n: usize, tag: &str) -> String {
    let mut s = String::from("ar\ten\n");
    for i in 0..n {
        s.push_str(&format!(
            "قال المتحدث {tag} إن الاجتماع رقم {i} عقد في دمشق\tthe spokesman {tag} said meeting {i} was held in Damascus\n"
        ));
    }
    s
}

fn units(db: &Path) -> u64 {
    cli_json(db, &["stats", "--format", "json"])["units"]
        .as_u64()
        .unwrap()
}

#[test]
fn a_request_past_the_timeout_gets_a_json_408() {
    let tm = tm();
    let server = Server::start(&tm.db, &["--public-read", "--timeout", "0"]);
    // A full batch: longer than the timer's first tick, where one lookup
    // on a kept matcher may not be.
    let batch: Vec<&str> = std::iter::repeat(EDITED).take(1000).collect();
    assert_error(
        &post(
            &server.url("/api/v1/lookup"),
            None,
            &json!({ "texts": batch, "min": 50 }),
        ),
        408,
        "timeout",
    );
}

#[test]
fn sigterm_during_an_import_finishes_it_and_stops() {
    let tm = tm();
    let before = units(&tm.db);
    let mut server = Server::start(&tm.db, &[]);
    let body = pairs_tsv(20_000, "أ");
    let url = server.url("/api/v1/import?name=term.tsv");
    let token = tm.write.clone();
    let client = std::thread::spawn(move || upload(&url, Some(&token), body.as_bytes()));
    // Wait until the upload is being imported (its request is in flight).
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_dir(server.spool.path())
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("tarjuman-upload-")
        })
    {
        assert!(Instant::now() < deadline, "the upload never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    // In flight when the signal came: finished, committed and answered.
    let (s, report) = client.join().unwrap();
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["inserted"], 20_000, "{report}");
    assert_eq!(units(&tm.db), before + 20_000);
    assert!(server
        .log_lines()
        .iter()
        .any(|l| l.contains("shutting down")));
}

#[test]
fn a_killed_server_leaves_no_half_import() {
    let tm = tm();
    let before = units(&tm.db);
    let mut server = Server::start(&tm.db, &[]);
    let body = pairs_tsv(40_000, "ب");
    let url = server.url("/api/v1/import?name=kill.tsv");
    let token = tm.write.clone();
    let client = std::thread::spawn(move || {
        let mut req = agent().post(&url);
        req = req.header("Authorization", &format!("Bearer {token}"));
        req.send(body.as_bytes()).map(|r| r.status().as_u16())
    });
    // Kill it while the writer is inside the transaction: the WAL grows.
    let wal = {
        let mut p = tm.db.clone().into_os_string();
        p.push("-wal");
        PathBuf::from(p)
    };
    let start_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < start_len + (1 << 20) {
        assert!(
            Instant::now() < deadline,
            "the import never started writing"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let _ = client.join().unwrap();
    let after = units(&tm.db);
    eprintln!("killed during the import: {before} units before, {after} after");
    assert!(
        after == before || after == before + 40_000,
        "{before} → {after}: half an import"
    );
    let check = cli(&tm.db, &["stats"]);
    assert!(!check.is_empty());
}
