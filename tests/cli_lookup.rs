//! `tarjuman lookup` on a real TM file built with `tarjuman import`.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

/// Pairs from the seed article (alaraby 2021-11-06) and their translations.
const TM: &str = "ar\ten
المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية\tIranian militias evacuate their largest military base in eastern Syria
بدأت مليشيات تابعة لإيران، يوم الجمعة، بإخلاء عدد من مواقعها جنوب شرقي مدينة البوكمال\tIran-backed militias began evacuating several of their positions south-east of Albu Kamal on Friday
نقلت المليشيات نحو 100 من ضباطها وعناصرها إلى الأراضي العراقية\tThe militias moved about 100 of their officers and members to Iraqi territory
وفد من المعارضة السورية يلتقي لافروف في موسكو\tA Syrian opposition delegation meets Lavrov in Moscow
";

fn tm() -> (tempfile::TempDir, std::path::PathBuf) {
    common::tm_from_tsv(TM)
}

fn lookup(db: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("tarjuman").unwrap();
    c.env_remove("NO_COLOR")
        .args(["--db", db.to_str().unwrap(), "lookup"]);
    c
}

#[test]
fn shows_score_source_target_origin_and_marked_differences() {
    let (_d, db) = tm();
    lookup(&db)
        .arg("المليشيات الإيرانيّة تخلي قاعدة عسكرية لها شرق سورية")
        .assert()
        .success()
        .stdout(predicate::str::contains("77%  #1  "))
        .stdout(predicate::str::contains("alaraby.tsv"))
        .stdout(predicate::str::contains("[-أكبر-]"))
        .stdout(predicate::str::contains("[-شرقي-]{+شرق+}"))
        .stdout(predicate::str::contains(
            "target: Iranian militias evacuate their largest military base in eastern Syria",
        ));
}

#[test]
fn numbers_are_placeables_and_the_target_comes_back_fixed() {
    let (_d, db) = tm();
    let v = common::json_stdout(
        lookup(&db)
            .args([
                "--format",
                "json",
                "نقلت المليشيات نحو ٢٠٠ من ضباطها وعناصرها إلى الأراضي العراقية",
            ])
            .assert()
            .success(),
    );
    let m = &v["matches"][0];
    assert_eq!(m["score"], 99);
    assert_eq!(
        m["target_fixed"],
        "The militias moved about 200 of their officers and members to Iraqi territory"
    );
    assert_eq!(m["diff"][1]["op"], "deleted");
}

#[test]
fn a_file_of_queries_gives_one_json_object_per_line_with_min_and_top() {
    let (d, db) = tm();
    let q = d.path().join("queries.txt");
    std::fs::write(
        &q,
        "وفد من المعارضة السورية يلتقي لافروف في موسكو\n\nطقس مشمس في لندن اليوم\nوفد من المعارضة يلتقي لافروف\n",
    )
    .unwrap();
    let out = lookup(&db)
        .args([
            "--file",
            q.to_str().unwrap(),
            "--format",
            "json",
            "--min",
            "60",
            "--top",
            "1",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "blank lines are skipped");
    assert_eq!(lines[0]["matches"][0]["score"], 100);
    assert_eq!(lines[1]["matches"].as_array().unwrap().len(), 0);
    // 5 of 8 words: 62 ≥ 60.
    assert_eq!(lines[2]["matches"][0]["score"], 62);
    assert_eq!(lines[2]["query"], "وفد من المعارضة يلتقي لافروف");
}

#[test]
fn stdin_queries_and_no_colour_markers_off_a_terminal() {
    let (_d, db) = tm();
    lookup(&db)
        .arg("-")
        .write_stdin("وفد من المعارضة السورية يلتقي لافروف في انقرة\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("87%"))
        .stdout(predicate::str::contains("[-موسكو-]{+انقرة+}"))
        .stdout(predicate::str::contains("\x1b[").not())
        // Nor bidi isolates: they are for a terminal, not for a pipe.
        .stdout(predicate::str::contains("\u{2068}").not())
        .stdout(predicate::str::contains("\u{2069}").not());
}

#[test]
fn bad_input_is_refused_clearly_or_finds_nothing() {
    let (d, db) = tm();
    lookup(&db)
        .arg("   ")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the query is empty"));
    lookup(&db).args(["--min", "0", "سورية"]).assert().code(2);
    // Wrong script: nothing shared, no match.
    lookup(&db)
        .arg("Iranian militias evacuate their largest military base")
        .assert()
        .success()
        .stdout(predicate::str::contains("no match at ≥ 70%"));
    // 100 KB query (on stdin: too long for an argument): answered (no
    // match), not a long scan.
    let big = "المليشيات الإيرانية تخلي قاعدة ".repeat(1900);
    assert!(big.len() > 100_000);
    let t = std::time::Instant::now();
    lookup(&db)
        .args(["--format", "json", "-"])
        .write_stdin(big)
        .assert()
        .success()
        .stdout(predicate::str::contains(r#""matches":[]"#));
    assert!(t.elapsed().as_secs() < 20);
    // A language pair the TM does not hold.
    lookup(&db)
        .args(["--tgt-lang", "fr", "سورية"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no units in ar→fr (it holds ar, en)",
        ));
    // An empty TM (created by a writer: lookup never creates one).
    let empty = d.path().join("empty.db");
    drop(tarjuman::tm::Store::open(&empty).unwrap());
    Command::cargo_bin("tarjuman")
        .unwrap()
        .args(["--db", empty.to_str().unwrap(), "lookup", "سورية"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the translation memory is empty"));
    // A query file that is not UTF-8.
    let bad = d.path().join("cp1256.txt");
    std::fs::write(&bad, [0xC7, 0xE1, 0xD3, 0xE1, 0xC7, 0xE3]).unwrap();
    lookup(&db)
        .args(["--file", bad.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cp1256.txt:1:1: not valid UTF-8"));
}

#[test]
fn a_word_inserted_at_the_start_keeps_its_space_and_the_json_ops_join_to_the_query() {
    let (_d, db) = tm();
    let query = "أمس  وفد من المعارضة السوريّة يلتقي لافروف في موسكو";
    lookup(&db)
        .arg(query)
        .assert()
        .success()
        .stdout(predicate::str::contains("{+أمس+} وفد من"));
    let v = common::json_stdout(
        lookup(&db)
            .args(["--format", "json", query])
            .assert()
            .success(),
    );
    let ops = v["matches"][0]["diff"].as_array().unwrap();
    let joined: String = ops
        .iter()
        .filter(|o| o["op"] != "deleted")
        .map(|o| o["text"].as_str().unwrap())
        .collect();
    assert_eq!(joined, query);
}

#[test]
fn a_document_is_looked_up_sentence_by_sentence_unless_input_is_lines() {
    let (d, db) = tm();
    let doc = d.path().join("article.txt");
    std::fs::write(
        &doc,
        "وفد من المعارضة السورية يلتقي لافروف في موسكو. نقلت المليشيات نحو 100 من ضباطها وعناصرها إلى الأراضي العراقية.\n\nخبر لا يشبه شيئا.\n",
    )
    .unwrap();
    lookup(&db)
        .args(["--file", doc.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1. وفد من المعارضة السورية يلتقي لافروف في موسكو.\n",
        ))
        .stdout(predicate::str::contains("2. نقلت المليشيات"))
        .stderr(predicate::str::contains("2 of 3 queries matched"));
    lookup(&db)
        .args(["--input", "lines", "--file", doc.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("0 of 2 queries matched"));
    // The same from stdin.
    lookup(&db)
        .arg("-")
        .write_stdin(std::fs::read_to_string(&doc).unwrap())
        .assert()
        .success()
        .stderr(predicate::str::contains("2 of 3 queries matched"));
    lookup(&db)
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("[default: text]"));
}

/// Many queries are looked up on several threads, each with its own
/// connection; the answers come out in the order of the queries, each
/// with the query before it as context, the same as on one thread.
#[test]
fn jobs_change_the_speed_not_the_answers_or_their_order() {
    // The TM as TMX, the third unit stored with the second's source as
    // its context.
    let pairs: Vec<(&str, &str)> = TM
        .lines()
        .skip(1)
        .map(|l| l.split_once('\t').unwrap())
        .collect();
    let sources: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    let mut tmx = String::from(
        "<?xml version=\"1.0\"?>\n<tmx version=\"1.4\"><header srclang=\"ar\" segtype=\"sentence\" datatype=\"plaintext\" adminlang=\"en\" o-tmf=\"t\" creationtool=\"t\" creationtoolversion=\"1\"/><body>\n",
    );
    for (k, (ar, en)) in pairs.iter().enumerate() {
        let context = if k == 2 {
            format!(
                "<prop type=\"x-tarjuman-context-prev\">{}</prop>",
                sources[1]
            )
        } else {
            String::new()
        };
        tmx += &format!("<tu>{context}<tuv xml:lang=\"ar\"><seg>{ar}</seg></tuv><tuv xml:lang=\"en\"><seg>{en}</seg></tuv></tu>\n");
    }
    tmx += "</body></tmx>\n";
    let (dir, db) = common::tm_from("tm.tmx", &tmx);
    // 150 queries (several blocks per thread): stored sentences, edited
    // ones and strangers, in a varied order.
    let mut queries = Vec::new();
    for i in 0..150 {
        let s = sources[(i * 7) % sources.len()];
        queries.push(match i % 3 {
            0 => s.to_string(),
            1 => s.replacen(' ', " جديدة ", 1),
            _ => format!("جملة لا تشبه شيئا رقم {i}"),
        });
    }
    // Stored sentences after the sentence stored before them, across
    // the boundaries of the threads' blocks of 32: context (101) matches.
    for at in [31, 63, 100] {
        queries[at] = sources[1].to_string();
        queries[at + 1] = sources[2].to_string();
    }
    let file = dir.path().join("queries.txt");
    std::fs::write(&file, queries.join("\n")).unwrap();
    let run = |jobs: &str| {
        let out = lookup(&db)
            .args([
                "--file",
                file.to_str().unwrap(),
                "--input",
                "lines",
                "--format",
                "json",
            ])
            .args(["--jobs", jobs])
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let one = run("1");
    let lines: Vec<serde_json::Value> = one
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), queries.len());
    for (line, q) in lines.iter().zip(&queries) {
        assert_eq!(line["query"], q.as_str());
    }
    for at in [32, 64, 101] {
        assert_eq!(lines[at]["matches"][0]["score"], 101, "query {at}");
    }
    for jobs in ["2", "3", "8"] {
        assert_eq!(run(jobs), one, "--jobs {jobs}");
    }
}
