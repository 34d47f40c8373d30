//! `tarjuman segment` end to end: the real binary on real files.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const SEED: &str = "samples/alaraby-2021-11-06-ar.txt";
const GOLDEN: &str = "tests/golden/segment/alaraby-ar.txt";

fn tarjuman() -> Command {
    let mut cmd = Command::cargo_bin("tarjuman").unwrap();
    cmd.env_remove("TARJUMAN_DB");
    cmd
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn seed_article_matches_the_reviewed_golden_file() {
    let got = stdout_of(tarjuman().args(["-q", "segment", SEED]));
    let want = fs::read_to_string(GOLDEN).unwrap();
    assert_eq!(got, want, "segment output differs from {GOLDEN}");
}

#[test]
fn language_is_detected_from_the_script() {
    // No --lang: Arabic letters dominate, so the Arabic rules apply and the
    // summary names ar.
    tarjuman()
        .args(["segment", SEED])
        .assert()
        .success()
        .stderr(predicate::str::contains("(ar)"));
    let dir = TempDir::new().unwrap();
    let en = write(&dir, "en.txt", b"Mr. Smith met Dr. Jones. They left.\n");
    assert_eq!(
        stdout_of(tarjuman().args(["-q", "segment", &en])),
        "Mr. Smith met Dr. Jones.\nThey left.\n"
    );
}

#[test]
fn json_lines_carry_character_offsets_and_paragraphs() {
    let text = "قال د. محمد: «انتهى.» ثم غادر.\n\nJoined? No.\n";
    let dir = TempDir::new().unwrap();
    let file = write(&dir, "in.txt", text.as_bytes());
    let out =
        stdout_of(tarjuman().args(["-q", "segment", &file, "--lang", "ar", "--format", "json"]));
    let chars: Vec<char> = text.chars().collect();
    let mut got = Vec::new();
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (start, end) = (
            v["start"].as_u64().unwrap() as usize,
            v["end"].as_u64().unwrap() as usize,
        );
        let slice: String = chars[start..end].iter().collect();
        assert_eq!(
            slice,
            v["text"].as_str().unwrap(),
            "offsets are characters, not bytes"
        );
        got.push((
            v["text"].as_str().unwrap().to_string(),
            v["paragraph"].as_u64().unwrap(),
        ));
    }
    assert_eq!(
        got,
        [
            ("قال د. محمد: «انتهى.»".to_string(), 0),
            ("ثم غادر.".to_string(), 0),
            ("Joined?".to_string(), 1),
            ("No.".to_string(), 1),
        ]
    );
}

#[test]
fn reads_standard_input() {
    tarjuman()
        .args(["-q", "segment", "-", "--lang", "en"])
        .write_stdin("It rained. We stayed in the U.S. The end.")
        .assert()
        .success()
        .stdout("It rained.\nWe stayed in the U.S.\nThe end.\n");
}

#[test]
fn user_abbreviations_are_added() {
    let dir = TempDir::new().unwrap();
    let list = write(
        &dir,
        "abbr.txt",
        "# Spanish titles\nSra.\nSrta\n".as_bytes(),
    );
    let text = write(&dir, "in.txt", b"Ask Sra. Lopez and Srta. Diaz. Done.");
    assert_eq!(
        stdout_of(tarjuman().args(["-q", "segment", &text, "--lang", "en"])),
        "Ask Sra.\nLopez and Srta.\nDiaz.\nDone.\n"
    );
    assert_eq!(
        stdout_of(tarjuman().args(["-q", "segment", &text, "--lang", "en", "--abbrev", &list])),
        "Ask Sra. Lopez and Srta. Diaz.\nDone.\n"
    );
}

#[test]
fn a_bad_abbreviation_list_names_file_and_line() {
    let dir = TempDir::new().unwrap();
    let list = write(&dir, "abbr.txt", b"Sra.\nSrta. means miss\n");
    let text = write(&dir, "in.txt", b"Hello.");
    tarjuman()
        .args(["segment", &text, "--abbrev", &list])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("abbr.txt").and(predicate::str::contains("line 2")));
}

#[test]
fn a_binary_file_is_refused_clearly() {
    let dir = TempDir::new().unwrap();
    let file = write(&dir, "x.bin", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00");
    tarjuman()
        .args(["segment", &file])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("binary").and(predicate::str::contains("x.bin")));
}

#[test]
fn windows_1256_is_refused_with_a_hint_and_read_with_encoding() {
    let text = "وصل الوفد إلى موسكو.\nوقال د. محمد إن اللقاء انتهى. ثم غادر.\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1256.encode(text);
    let dir = TempDir::new().unwrap();
    let file = write(&dir, "cp1256.txt", &bytes);
    tarjuman().args(["segment", &file]).assert().code(1).stderr(
        predicate::str::contains("cp1256.txt:1:1: not valid UTF-8")
            .and(predicate::str::contains("--encoding windows-1256")),
    );
    assert_eq!(
        stdout_of(tarjuman().args(["-q", "segment", &file, "--encoding", "windows-1256"])),
        "وصل الوفد إلى موسكو.\n\nوقال د. محمد إن اللقاء انتهى.\nثم غادر.\n"
    );
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let dir = TempDir::new().unwrap();
    let file = write(&dir, "bad.txt", b"Good line.\nAlso g\xFFod.\n");
    tarjuman()
        .args(["segment", &file])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "bad.txt:2:7: not valid UTF-8 (byte 0xFF)",
        ));
}

#[test]
fn utf16_with_bom_and_utf8_bom_are_read() {
    let dir = TempDir::new().unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "سلام. وداعاً.".encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    let file = write(&dir, "u16.txt", &utf16);
    assert_eq!(
        stdout_of(tarjuman().args(["-q", "segment", &file])),
        "سلام.\nوداعاً.\n"
    );
    let file = write(&dir, "bom.txt", "\u{FEFF}Hi. Bye.".as_bytes());
    let out = stdout_of(tarjuman().args(["-q", "segment", &file, "--format", "json"]));
    assert!(
        out.starts_with(r#"{"text":"Hi.","paragraph":0,"start":0,"end":3}"#),
        "{out}"
    );
}

#[test]
fn an_empty_file_gives_no_output() {
    let dir = TempDir::new().unwrap();
    let file = write(&dir, "empty.txt", b"");
    tarjuman()
        .args(["segment", &file])
        .assert()
        .success()
        .stdout("");
    tarjuman()
        .args(["segment", &file, "--format", "json"])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn a_missing_file_is_named() {
    tarjuman()
        .args(["segment", "no/such/file.txt"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no/such/file.txt"));
}

#[test]
fn an_unknown_language_is_a_usage_error() {
    tarjuman()
        .args(["segment", SEED, "--lang", "fr"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ar and en"));
}

#[test]
fn blank_line_paragraphs_join_wrapped_lines() {
    let dir = TempDir::new().unwrap();
    let file = write(
        &dir,
        "wrapped.txt",
        b"It was a dark and\nstormy night. The rain\nfell.\n\nNext.\n",
    );
    assert_eq!(
        stdout_of(tarjuman().args(["-q", "segment", &file, "--paragraphs", "blank"])),
        "It was a dark and stormy night.\nThe rain fell.\n\nNext.\n"
    );
}

#[test]
fn semicolon_rule_is_selectable() {
    let text = "انتهى الاجتماع؛ وعاد الوفد.";
    let args = |rule: &str| {
        let mut cmd = tarjuman();
        cmd.args(["-q", "segment", "-", "--semicolon", rule])
            .write_stdin(text);
        stdout_of(&mut cmd)
    };
    assert_eq!(args("never"), "انتهى الاجتماع؛ وعاد الوفد.\n");
    // Long: both clauses too short.
    assert_eq!(args("long"), "انتهى الاجتماع؛ وعاد الوفد.\n");
    assert_eq!(args("always"), "انتهى الاجتماع؛\nوعاد الوفد.\n");
    // The default is never.
    tarjuman()
        .args(["-q", "segment", "-"])
        .write_stdin(text)
        .assert()
        .stdout("انتهى الاجتماع؛ وعاد الوفد.\n");
}

#[test]
fn golden_file_exists_and_is_reviewed_text() {
    // The golden file is the spec: one sentence per line, blank lines
    // between paragraphs, no trailing spaces.
    let golden = fs::read_to_string(Path::new(GOLDEN)).unwrap();
    assert!(golden.lines().all(|l| l.trim_end() == l));
    assert_eq!(golden.lines().filter(|l| !l.is_empty()).count(), 16);
}

const SRX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<srx xmlns="http://www.lisa.org/srx20" version="2.0">
  <header segmentsubflows="yes" cascade="no"/>
  <body>
    <languagerules>
      <languagerule languagerulename="Arabic">
        <rule break="no"><beforebreak>\sد\.</beforebreak><afterbreak>\s</afterbreak></rule>
        <rule break="no"><beforebreak>(?&lt;!x)\.</beforebreak><afterbreak>\s</afterbreak></rule>
        <rule break="yes"><beforebreak>[\.؟!؛]+</beforebreak><afterbreak>\s</afterbreak></rule>
      </languagerule>
    </languagerules>
    <maprules>
      <languagemap languagepattern="ar.*" languagerulename="Arabic"/>
    </maprules>
  </body>
</srx>"#;

#[test]
fn srx_rules_replace_the_built_in_ones() {
    let dir = TempDir::new().unwrap();
    let srx = write(&dir, "rules.srx", SRX.as_bytes());
    let text = write(
        &dir,
        "in.txt",
        "قال د. محمد إن الوضع صعب؛ وغادر.\nسطر ثان.".as_bytes(),
    );
    // The SRX file splits at ؛, which the built-in rules do not; the
    // look-behind rule is skipped with a warning naming it.
    tarjuman()
        .args(["segment", &text, "--srx", &srx])
        .assert()
        .success()
        .stdout("قال د. محمد إن الوضع صعب؛\nوغادر.\n\nسطر ثان.\n")
        .stderr(predicate::str::contains(
            "skipped rule 2 of languagerule `Arabic`",
        ));
    // A language the file does not map is an error that says what to pass.
    tarjuman()
        .args(["segment", &text, "--srx", &srx, "--srx-lang", "en"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("rules.srx").and(predicate::str::contains("--srx-lang")));
}
