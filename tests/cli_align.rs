//! `tarjuman align` end to end: the real binary on real files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The binary with its own empty TM and no FreeDict (results must not
/// depend on what the machine has installed).
fn tarjuman(tmp: &TempDir) -> Command {
    let mut cmd = Command::cargo_bin("tarjuman").unwrap();
    cmd.env("TARJUMAN_DB", tmp.path().join("tm.db"));
    cmd
}

fn align_cmd(tmp: &TempDir) -> Command {
    let mut cmd = tarjuman(tmp);
    cmd.args(["align", "--no-freedict"]);
    cmd
}

/// 0-based line numbers of the non-blank lines of a file.
fn nonblank_lines(path: &Path) -> Vec<usize> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, _)| n)
        .collect()
}

fn parse_ids(s: &str) -> Vec<usize> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().unwrap())
        .collect()
}

#[test]
fn tsv_with_input_lines_uses_line_numbers_and_matches_the_gold() {
    let tmp = TempDir::new().unwrap();
    let dir = data("tests/data/align/alaraby");
    let out = align_cmd(&tmp)
        .args(["--input", "lines"])
        .arg(dir.join("ar.txt"))
        .arg(dir.join("en.txt"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let ar_lines = nonblank_lines(&dir.join("ar.txt"));
    let en_lines = nonblank_lines(&dir.join("en.txt"));
    // Gold, in line numbers.
    let gold: HashSet<(Vec<usize>, Vec<usize>)> = std::fs::read_to_string(dir.join("gold.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let (a, e) = l.split_once('\t').unwrap();
            (
                parse_ids(a).iter().map(|&i| ar_lines[i]).collect(),
                parse_ids(e).iter().map(|&j| en_lines[j]).collect(),
            )
        })
        .collect();
    let mut right = 0;
    let mut total = 0;
    for line in out.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 5, "{line}");
        let score: f64 = fields[2].parse().unwrap();
        assert!((0.0..=1.0).contains(&score));
        let link = (parse_ids(fields[0]), parse_ids(fields[1]));
        // Blank lines are never part of a link.
        for &i in &link.0 {
            assert!(ar_lines.contains(&i), "line {i} is blank");
        }
        right += usize::from(gold.contains(&link));
        total += 1;
    }
    assert!(
        right * 100 >= total * 85,
        "{right} of {total} links right:\n{out}"
    );
    // The Lavrov headline: Arabic line 18, English line 8.
    assert!(out
        .lines()
        .any(|l| l.starts_with("18\t8\t") && l.contains("لافروف") && l.contains("Lavrov")));
}

#[test]
fn json_lines_have_every_field_and_omissions_have_an_empty_side() {
    let tmp = TempDir::new().unwrap();
    let dir = data("tests/data/align/news2");
    // news2 swapped two paragraphs in translation: recovered as moved.
    let out = align_cmd(&tmp)
        .args(["--input", "lines", "--format", "json", "--allow-moves"])
        .arg(dir.join("ar.txt"))
        .arg(dir.join("en.txt"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let mut empty_tgt = 0;
    let mut empty_src = 0;
    let mut moved = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let src = v["src"].as_array().unwrap();
        let tgt = v["tgt"].as_array().unwrap();
        assert!(v["score"]
            .as_f64()
            .is_some_and(|s| (0.0..=1.0).contains(&s)));
        assert!(v["src_text"].is_string() && v["tgt_text"].is_string());
        moved += usize::from(v["moved"].as_bool().unwrap());
        assert!(!(src.is_empty() && tgt.is_empty()));
        empty_tgt += usize::from(tgt.is_empty());
        empty_src += usize::from(src.is_empty());
    }
    // news2 has an untranslated caption and paragraph (1-0) and an English
    // byline and "Read more" line (0-1).
    assert!(empty_tgt >= 4, "{text}");
    assert!(empty_src >= 2, "{text}");
    // The shorter of the two swapped paragraphs (two sentences) moved.
    assert_eq!(moved, 2, "{text}");
    assert!(text.contains("\"src_text\":\"\"") || text.contains("\"tgt_text\":\"\""));
}

#[test]
fn running_text_is_segmented_and_the_seed_article_aligns() {
    let tmp = TempDir::new().unwrap();
    let out = align_cmd(&tmp)
        .arg(data("samples/alaraby-2021-11-06-ar.txt"))
        .arg(data("samples/alaraby-2021-11-06-en.txt"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "aligned 16 Arabic and 12 English sentences",
        ))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("0\t0\t"),
        "the headline pair comes first: {first}"
    );
    // Page debris is left unaligned, not glued to a neighbour.
    assert!(out
        .lines()
        .any(|l| l.contains("+ الخط -") && l.split('\t').nth(1) == Some("")));
    assert!(out
        .lines()
        .any(|l| l.contains("لافروف في موسكو") && l.contains("Lavrov")));
}

#[test]
fn html_review_page_has_every_link_rtl_arabic_and_escaped_text() {
    let tmp = TempDir::new().unwrap();
    let ar = tmp.path().join("ar.txt");
    let en = tmp.path().join("en.txt");
    std::fs::write(
        &ar,
        "قال الوزير إن <b>القرار</b> رقم ٢٢٥٤ نهائي.\n\nغادر الوفد موسكو يوم الجمعة.\n+ الخط -\n",
    )
    .unwrap();
    std::fs::write(&en, "The minister said <b>resolution</b> 2254 & the rest was final.\n\nThe delegation left Moscow on Friday.\n").unwrap();
    let page = tmp.path().join("review.html");
    align_cmd(&tmp)
        .args(["--input", "lines", "--format", "html", "-o"])
        .arg(&page)
        .arg(&ar)
        .arg(&en)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("dir=\"rtl\" lang=\"ar\""));
    // Every link is a row with an id, in order, and the summary counts them.
    let rows = html.matches("<tr id=\"link-").count();
    assert_eq!(rows, 3, "{html}");
    for k in 0..rows {
        assert!(html.contains(&format!("id=\"link-{k}\"")));
    }
    assert!(html.contains("id=\"summary\""));
    assert!(html.contains("<b>3</b> links"));
    // Text is escaped, never markup.
    assert!(html.contains("&lt;b&gt;القرار&lt;/b&gt;"));
    assert!(html.contains("&lt;b&gt;resolution&lt;/b&gt; 2254 &amp; the rest"));
    assert!(!html.contains("<b>القرار</b>"));
    // The debris line is shown as an omission.
    assert!(html.contains("class=\"omission"));
    assert!(html.contains("data-src=\"3\" data-tgt=\"\""));
    assert!(html.contains("— not translated —"));
}

#[test]
fn moses_writes_two_line_parallel_files_and_needs_a_prefix() {
    let tmp = TempDir::new().unwrap();
    let dir = data("tests/data/align/press");
    let prefix = tmp.path().join("corpus");
    align_cmd(&tmp)
        .args(["--input", "lines", "--format", "moses", "-o"])
        .arg(&prefix)
        .arg(dir.join("ar.txt"))
        .arg(dir.join("en.txt"))
        .assert()
        .success();
    let a = std::fs::read_to_string(tmp.path().join("corpus.ar")).unwrap();
    let e = std::fs::read_to_string(tmp.path().join("corpus.en")).unwrap();
    assert_eq!(a.lines().count(), e.lines().count());
    assert!(a.lines().count() >= 20);
    assert!(a.lines().all(|l| !l.trim().is_empty()) && e.lines().all(|l| !l.trim().is_empty()));
    align_cmd(&tmp)
        .args(["--format", "moses"])
        .arg(dir.join("ar.txt"))
        .arg(dir.join("en.txt"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("-o PREFIX"));
}

#[test]
fn tmx_output_reads_back_with_origin_and_context() {
    let tmp = TempDir::new().unwrap();
    let dir = data("tests/data/align/legal");
    let out = align_cmd(&tmp)
        .args(["--input", "lines", "--format", "tmx"])
        .arg(dir.join("ar.txt"))
        .arg(dir.join("en.txt"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mut reader = tarjuman::tmx::read::TmxReader::new(out.as_slice()).unwrap();
    let mut units = Vec::new();
    while let Some(u) = reader.next_unit().unwrap() {
        units.push(u);
    }
    assert!(units.len() >= 30, "{}", units.len());
    let u = &units[1];
    assert!(
        u.origin
            .as_deref()
            .unwrap()
            .ends_with("ar.txt + ".to_string().as_str())
            || u.origin.as_deref().unwrap().contains(" + ")
    );
    assert!(u.context.prev.is_some() && u.context.next.is_some());
    assert!(u.variant("ar").is_some() && u.variant("en").is_some());
}

#[test]
fn import_stores_pairs_with_context_and_learns_word_pairs() {
    let tmp = TempDir::new().unwrap();
    let dir = data("tests/data/align/feature");
    align_cmd(&tmp)
        .args(["--input", "lines", "--import", "--format", "json"])
        .arg(dir.join("ar.txt"))
        .arg(dir.join("en.txt"))
        .assert()
        .success()
        .stderr(predicate::str::contains("imported into"));
    let conn = rusqlite::Connection::open(tmp.path().join("tm.db")).unwrap();
    let units: i64 = conn
        .query_row("SELECT count(*) FROM unit", [], |r| r.get(0))
        .unwrap();
    let kind: String = conn
        .query_row("SELECT kind FROM origin", [], |r| r.get(0))
        .unwrap();
    let name: String = conn
        .query_row("SELECT name FROM origin", [], |r| r.get(0))
        .unwrap();
    let with_context: i64 = conn
        .query_row(
            "SELECT count(*) FROM unit WHERE context_prev IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let pairs: i64 = conn
        .query_row("SELECT count(*) FROM align_pair", [], |r| r.get(0))
        .unwrap();
    assert!(units >= 15, "{units}");
    assert_eq!(kind, "align");
    assert!(name.ends_with("en.txt") && name.contains(" + "), "{name}");
    assert!(with_context >= units - 1);
    assert!(pairs > 50, "{pairs}");
    // Omissions are never stored: every unit has both languages.
    let one_sided: i64 = conn
        .query_row("SELECT count(*) FROM unit u WHERE (SELECT count(*) FROM variant v WHERE v.unit_id = u.id) < 2", [], |r| r.get(0))
        .unwrap();
    assert_eq!(one_sided, 0);
    // A stricter threshold stores fewer (into a fresh TM).
    let tmp2 = TempDir::new().unwrap();
    align_cmd(&tmp2)
        .args(["--input", "lines", "--import", "--min-score", "1.0"])
        .arg(dir.join("ar.txt"))
        .arg(dir.join("en.txt"))
        .assert()
        .success();
    let conn2 = rusqlite::Connection::open(tmp2.path().join("tm.db")).unwrap();
    let strict: i64 = conn2
        .query_row("SELECT count(*) FROM unit", [], |r| r.get(0))
        .unwrap();
    assert!(strict < units, "{strict} vs {units}");
}

#[test]
fn empty_binary_and_non_utf8_files_fail_with_a_clear_message() {
    let tmp = TempDir::new().unwrap();
    let good = data("samples/alaraby-2021-11-06-en.txt");
    let empty = tmp.path().join("empty.txt");
    std::fs::write(&empty, "\n  \n").unwrap();
    align_cmd(&tmp)
        .arg(&empty)
        .arg(&good)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("empty.txt: the file is empty"));
    let binary = tmp.path().join("image.png");
    std::fs::write(&binary, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00").unwrap();
    align_cmd(&tmp)
        .arg(&binary)
        .arg(&good)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("binary file"));
    // "سورية" in Windows-1256 on line 2.
    let cp1256 = tmp.path().join("cp1256.txt");
    std::fs::write(&cp1256, b"first line\n\xD3\xE6\xD1\xED\xC9\n").unwrap();
    align_cmd(&tmp)
        .arg(&cp1256)
        .arg(&good)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("cp1256.txt:2:1: not valid UTF-8")
                .and(predicate::str::contains("iconv")),
        );
    align_cmd(&tmp)
        .arg(tmp.path().join("missing.txt"))
        .arg(&good)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.txt: cannot read"));
}

#[test]
fn unrelated_texts_give_weak_links_and_a_warning_not_a_crash() {
    let tmp = TempDir::new().unwrap();
    let out = align_cmd(&tmp)
        .args(["--input", "lines", "--format", "json"])
        .arg(data("tests/data/align/legal/ar.txt"))
        .arg(data("tests/data/align/feature/en.txt"))
        .assert()
        .success()
        .stderr(predicate::str::contains("really a translation"))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let scores: Vec<f64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["score"]
                .as_f64()
                .unwrap()
        })
        .collect();
    let pairs_sure = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| {
            !v["src"].as_array().unwrap().is_empty() && !v["tgt"].as_array().unwrap().is_empty()
        })
        .filter(|v| v["score"].as_f64().unwrap() >= 0.9)
        .count();
    assert!(!scores.is_empty());
    assert!(
        pairs_sure <= 2,
        "{pairs_sure} sure pairs between unrelated texts:\n{text}"
    );
}

#[test]
fn swapped_or_one_language_pairs_are_refused_before_aligning() {
    let tmp = TempDir::new().unwrap();
    let ar = data("samples/alaraby-2021-11-06-ar.txt");
    let en = data("samples/alaraby-2021-11-06-en.txt");
    align_cmd(&tmp)
        .arg(&en)
        .arg(&ar)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "AR_FILE {} looks English and EN_FILE {} Arabic: swap them?",
            en.display(),
            ar.display()
        )));
    align_cmd(&tmp)
        .arg(&en)
        .arg(&en)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("AR_FILE has no Arabic text"));
    align_cmd(&tmp)
        .arg(&ar)
        .arg(&ar)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("EN_FILE looks Arabic"));
}

#[test]
fn html_pages_are_refused_with_the_place_of_their_first_tag() {
    let tmp = TempDir::new().unwrap();
    let page = tmp.path().join("article.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html>\n<html><head><title>خبر</title></head>\n<body><p>وصل الوفد إلى موسكو.</p>\n<p>وقال لافروف إن اللقاء انتهى.</p></body></html>\n",
    )
    .unwrap();
    let en = data("samples/alaraby-2021-11-06-en.txt");
    align_cmd(&tmp)
        .arg(&page)
        .arg(&en)
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("article.html:1:1: this is an HTML or XML page")
                .and(predicate::str::contains("plain text")),
        );
    // A page fragment without a doctype: tags on most lines.
    let fragment = tmp.path().join("en.txt");
    std::fs::write(
        &fragment,
        "Moscow talks\n<p>The delegation arrived in Moscow.</p>\n<p>Lavrov said the meeting was over.</p>\n",
    )
    .unwrap();
    align_cmd(&tmp)
        .arg(data("samples/alaraby-2021-11-06-ar.txt"))
        .arg(&fragment)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "en.txt:2:1: this is an HTML or XML page (<p>)",
        ));
}

#[test]
fn utf16_and_windows_1256_inputs_align_like_utf8() {
    let tmp = TempDir::new().unwrap();
    // news2: every character of it has a windows-1256 byte.
    let dir = data("tests/data/align/news2");
    let ar = std::fs::read_to_string(dir.join("ar.txt")).unwrap();
    let expected = align_cmd(&tmp)
        .args(["--input", "lines"])
        .arg(dir.join("ar.txt"))
        .arg(dir.join("en.txt"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // UTF-16LE with its byte-order mark: found without being named.
    let utf16 = tmp.path().join("ar-utf16.txt");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(ar.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    align_cmd(&tmp)
        .args(["--input", "lines"])
        .arg(&utf16)
        .arg(dir.join("en.txt"))
        .assert()
        .success()
        .stdout(expected.clone());
    // windows-1256 (Arabic Windows) when named.
    let cp1256 = tmp.path().join("ar-1256.txt");
    let (bytes, _, lossy) = encoding_rs::WINDOWS_1256.encode(&ar);
    assert!(!lossy);
    std::fs::write(&cp1256, &bytes[..]).unwrap();
    align_cmd(&tmp)
        .args(["--input", "lines", "--encoding", "windows-1256"])
        .arg(&cp1256)
        .arg(dir.join("en.txt"))
        .assert()
        .success()
        .stdout(expected);
}

/// A dictd database like FreeDict's in `dir`, giving the made-up word
/// `زنجفيل` the sense "gingerbread".
fn fake_freedict(dir: &Path) -> PathBuf {
    use std::io::Write;
    let body = "زنجفيل /zanʒafiːl/\ngingerbread\n";
    let b64 = |n: usize| {
        const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        assert!(n < 64);
        (DIGITS[n] as char).to_string()
    };
    let base = dir.join("freedict-ara-eng");
    std::fs::write(
        base.with_extension("index"),
        format!("زنجفيل\t{}\t{}\n", b64(0), b64(body.len())),
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    std::fs::write(base.with_extension("dict.dz"), gz.finish().unwrap()).unwrap();
    base
}

#[test]
fn freedict_is_cached_once_and_the_summary_names_every_dictionary() {
    let tmp = TempDir::new().unwrap();
    let base = fake_freedict(tmp.path());
    let cache = tmp.path().join("cache");
    let glossary = tmp.path().join("glossary.tsv");
    std::fs::write(&glossary, "موسكو\tMoscow\n").unwrap();
    let run = |extra: &[&str]| {
        let mut cmd = tarjuman(&tmp);
        cmd.env("TARJUMAN_FREEDICT", &base)
            .env("XDG_CACHE_HOME", &cache)
            .arg("align")
            .args(extra)
            .arg("--dict")
            .arg(&glossary)
            .arg(data("samples/alaraby-2021-11-06-ar.txt"))
            .arg(data("samples/alaraby-2021-11-06-en.txt"));
        let out = cmd.assert().success().get_output().clone();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (first, err) = run(&[]);
    assert!(
        err.contains("dictionaries: built-in (")
            && err.contains("glossary.tsv (1 words)")
            && err.contains("FreeDict Arabic-English (1 senses, parsed and cached)"),
        "{err}"
    );
    assert!(cache.join("tarjuman/freedict-ara-eng.lex").is_file());
    let (second, err) = run(&[]);
    assert!(err.contains("(1 senses, from its cache)"), "{err}");
    assert_eq!(first, second);
    let (_, err) = run(&["--no-freedict"]);
    assert!(err.contains("not FreeDict (--no-freedict)"), "{err}");
    assert!(!err.contains("senses"), "{err}");
    // A TM with learned pairs is named too.
    run(&["--import"]);
    let (_, err) = run(&["--no-freedict"]);
    assert!(err.contains("learned in the TM ("), "{err}");
}

#[test]
fn a_corrected_alignment_goes_back_in_as_corrected() {
    let tmp = TempDir::new().unwrap();
    let ar = tmp.path().join("ar.txt");
    let en = tmp.path().join("en.txt");
    std::fs::write(
        &ar,
        "وصل وفد روسي إلى دمشق يوم الاثنين.\nوقال لافروف إن المحادثات ستستمر ثلاثة أيام.\nوغادر الوفد يوم الخميس.\n",
    )
    .unwrap();
    std::fs::write(
        &en,
        "A Russian delegation arrived in Damascus on Monday.\nLavrov said the talks would last three days.\nThe delegation left on Thursday.\n",
    )
    .unwrap();
    let tsv = align_cmd(&tmp)
        .args(["--input", "lines"])
        .arg(&ar)
        .arg(&en)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let tsv = String::from_utf8(tsv).unwrap();
    let rows: Vec<Vec<String>> = tsv
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{tsv}");
    // By hand: the last English sentence moved into the second link (a
    // wrong correction, but the translator's), the third row left an
    // omission, the second row's score deleted.
    let fixed = format!(
        "{}\n{}\t{}\t\t{}\t{} {}\n{}\t\t\t{}\t\n",
        rows[0].join("\t"),
        rows[1][0],
        rows[1][1],
        rows[1][3],
        rows[1][4],
        rows[2][4],
        rows[2][0],
        rows[2][3],
    );
    let file = tmp.path().join("links.tsv");
    std::fs::write(&file, &fixed).unwrap();
    tarjuman(&tmp)
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("2 units read, 2 imported").and(
            predicate::str::contains("word pairs learned for the aligner"),
        ));
    let conn = rusqlite::Connection::open(tmp.path().join("tm.db")).unwrap();
    let kind: String = conn
        .query_row("SELECT kind FROM origin", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kind, "align");
    let (english, prev, next): (String, Option<String>, Option<String>) = conn
        .query_row(
            "SELECT v.plain, u.context_prev, u.context_next FROM unit u JOIN variant v ON v.unit_id = u.id \
             WHERE v.lang = 'en' AND v.plain LIKE 'Lavrov%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        english,
        "Lavrov said the talks would last three days. The delegation left on Thursday."
    );
    assert_eq!(prev.as_deref(), Some("وصل وفد روسي إلى دمشق يوم الاثنين."));
    assert_eq!(next.as_deref(), Some("وغادر الوفد يوم الخميس."));
    // The score kept where the translator left it, and only there.
    let scores: i64 = conn
        .query_row(
            "SELECT count(*) FROM prop WHERE kind = 'x-tarjuman-align-score'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(scores, 1);
    // The corrected links teach the aligner, as align --import does.
    let pairs: i64 = conn
        .query_row("SELECT count(*) FROM align_pair", [], |r| r.get(0))
        .unwrap();
    assert!(pairs > 10, "{pairs}");
    // Named explicitly, from a file whose first row lost its ids too.
    let tmp2 = TempDir::new().unwrap();
    let bare = tmp.path().join("bare.txt");
    std::fs::write(&bare, fixed.replacen("0\t0\t", "\t\t", 1)).unwrap();
    tarjuman(&tmp2)
        .args(["import", "--from", "align-tsv"])
        .arg(&bare)
        .assert()
        .success()
        .stderr(predicate::str::contains("2 imported"));
    // A mangled row is placed.
    let bad = tmp.path().join("bad.tsv");
    std::fs::write(&bad, format!("{fixed}7\tseven\t\tنص\ttext\n")).unwrap();
    tarjuman(&tmp2)
        .arg("import")
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "bad.tsv:4:3: `seven` is not a list of sentence ids",
        ));
}

#[test]
fn the_review_page_says_how_to_correct_and_import() {
    let tmp = TempDir::new().unwrap();
    let dir = data("tests/data/align/alaraby");
    let out = align_cmd(&tmp)
        .args(["--input", "lines", "--format", "html"])
        .arg(dir.join("ar.txt"))
        .arg(dir.join("en.txt"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let html = String::from_utf8(out).unwrap();
    assert!(html.contains("id=\"correcting\""), "{html}");
    assert!(html.contains("tarjuman align --format tsv -o links.tsv"));
    assert!(html.contains("tarjuman import links.tsv"));
}

#[test]
fn allow_moves_marks_the_moved_links_in_tsv_tmx_and_html_and_counts_them() {
    let tmp = TempDir::new().unwrap();
    let dir = data("tests/data/align/report");
    let run = |extra: &[&str]| {
        let out = align_cmd(&tmp)
            .args(["--input", "lines"])
            .args(extra)
            .arg(dir.join("ar.txt"))
            .arg(dir.join("en.txt"))
            .assert()
            .success()
            .get_output()
            .clone();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // By default: in order, five columns, nothing said about moves.
    let (tsv, err) = run(&[]);
    assert!(tsv.lines().all(|l| l.split('\t').count() == 5), "{tsv}");
    assert!(!err.contains("moved"), "{err}");
    // With --allow-moves: the two links of the swapped paragraph that
    // moved (not the ones it passed) are marked and counted.
    let (tsv, err) = run(&["--allow-moves"]);
    assert!(tsv.lines().all(|l| l.split('\t').count() == 6), "{tsv}");
    let moved = tsv.lines().filter(|l| l.ends_with("\tmoved")).count();
    assert_eq!(moved, 2, "{tsv}");
    assert!(err.contains("2 link(s) moved out of order"), "{err}");
    let (tmx, _) = run(&["--allow-moves", "--format", "tmx"]);
    assert_eq!(tmx.matches("x-tarjuman-align-moved").count(), 2, "{tmx}");
    let (html, _) = run(&["--allow-moves", "--format", "html"]);
    assert_eq!(html.matches(" moved\" data-src").count(), 2);
    assert!(html.contains("<b>2</b> moved out of order"));
}
