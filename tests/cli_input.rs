//! Every command that reads text reads it through one reader (src/input.rs):
//! the same Arabic in UTF-16 (with or without a byte-order mark) or in
//! windows-1256 (named with --encoding) gives the same output as in UTF-8,
//! and bad input gets the same message, with FILE:LINE:COLUMN, from
//! segment, align, lookup and pretranslate alike.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

fn sample(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name),
    )
    .unwrap()
}

fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
    let units = std::iter::once(0xFEFF_u16).filter(|_| bom);
    units
        .chain(text.encode_utf16())
        .flat_map(|u| {
            if little {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            }
        })
        .collect()
}

fn cp1256(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1256.encode(text);
    assert!(!unmappable, "the text must fit windows-1256");
    bytes.into_owned()
}

/// The ways of writing one text that every command must read alike: a
/// name, a function giving the bytes, and the arguments they need.
type Encode = fn(&str) -> Vec<u8>;
const VARIANTS: [(&str, Encode, &[&str]); 5] = [
    ("utf-8", |t| t.as_bytes().to_vec(), &[]),
    ("utf-16le with a mark", |t| utf16(t, true, true), &[]),
    ("utf-16le without a mark", |t| utf16(t, true, false), &[]),
    ("utf-16be with a mark", |t| utf16(t, false, true), &[]),
    ("windows-1256", cp1256, &["--encoding", "windows-1256"]),
];

const TM: &str = "ar\ten
المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية\tIranian militias evacuate their largest military base in eastern Syria
وفد من المعارضة السورية يلتقي لافروف في موسكو\tA Syrian opposition delegation meets Lavrov in Moscow
";

const QUERIES: &str = "المليشيات الإيرانيّة تخلي قاعدة عسكرية لها شرق سورية\nوفد من المعارضة السورية يلتقي لافروف في موسكو\n";

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn tarjuman(db: &Path) -> Command {
    let mut c = Command::cargo_bin("tarjuman").unwrap();
    c.env_remove("NO_COLOR")
        .args(["-q", "--db", db.to_str().unwrap()]);
    c
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    assert!(!out.trim().is_empty());
    out
}

/// Runs `run` on the text written each way and checks that every way gives
/// what UTF-8 gives.
fn same_output_every_way(text: &str, mut run: impl FnMut(&[u8], &[&str]) -> String) {
    let expected = run(text.as_bytes(), &[]);
    for (name, encode, args) in VARIANTS {
        assert_eq!(run(&encode(text), args), expected, "{name}");
    }
}

#[test]
fn segment_reads_utf16_and_windows_1256_arabic() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("tm.db");
    let text = sample("alaraby-2021-11-06-ar.txt");
    same_output_every_way(&text, |bytes, args| {
        let file = write(&dir, "doc.txt", bytes);
        stdout_of(tarjuman(&db).arg("segment").arg(&file).args(args))
    });
    same_output_every_way(&text, |bytes, args| {
        stdout_of(
            tarjuman(&db)
                .args(["segment", "-"])
                .args(args)
                .write_stdin(bytes),
        )
    });
}

#[test]
fn align_reads_utf16_and_windows_1256_arabic() {
    let dir = TempDir::new().unwrap();
    let db = dir.path().join("tm.db");
    let ar = sample("alaraby-2021-11-06-ar.txt");
    let en = sample("alaraby-2021-11-06-en.txt");
    let expected = stdout_of(
        tarjuman(&db)
            .args(["align", "--no-freedict"])
            .arg(write(&dir, "ar.txt", ar.as_bytes()))
            .arg(write(&dir, "en.txt", en.as_bytes())),
    );
    assert!(expected.lines().count() > 10, "{expected}");
    // Both files written the same way (as one machine saves them).
    for (name, encode, args) in VARIANTS {
        let out = stdout_of(
            tarjuman(&db)
                .args(["align", "--no-freedict"])
                .arg(write(&dir, "ar.txt", &encode(&ar)))
                .arg(write(&dir, "en.txt", &encode(&en)))
                .args(args),
        );
        assert_eq!(out, expected, "{name}");
    }
}

#[test]
fn lookup_reads_utf16_and_windows_1256_arabic_queries() {
    let (dir, db) = common::tm_from_tsv(TM);
    same_output_every_way(QUERIES, |bytes, args| {
        let file = write(&dir, "queries.txt", bytes);
        let out = stdout_of(
            tarjuman(&db)
                .args(["lookup", "--format", "json", "--file"])
                .arg(&file)
                .args(args),
        );
        assert_eq!(out.matches("\"score\"").count(), 2, "{out}");
        out
    });
    same_output_every_way(QUERIES, |bytes, args| {
        stdout_of(
            tarjuman(&db)
                .args(["lookup", "--format", "json", "-"])
                .args(args)
                .write_stdin(bytes),
        )
    });
}

#[test]
fn pretranslate_reads_utf16_and_windows_1256_arabic() {
    let (dir, db) = common::tm_from_tsv(TM);
    let text = sample("alaraby-2021-11-06-ar.txt");
    same_output_every_way(&text, |bytes, args| {
        let file = write(&dir, "doc.txt", bytes);
        let out = stdout_of(
            tarjuman(&db)
                .args(["pretranslate", "--format", "tsv"])
                .arg(&file)
                .args(args),
        );
        assert!(out.contains("Iranian militias evacuate"), "{out}");
        out
    });
}

/// How each command is given one input file (`-` for stdin); align gets a
/// good English file as its second.
fn each_command(dir: &TempDir, db: &Path, input: &str) -> Vec<Command> {
    let en = write(dir, "en.txt", b"The delegation arrived in Moscow.\n");
    let mut cmds = Vec::new();
    let mut segment = tarjuman(db);
    segment.args(["segment", input]);
    cmds.push(segment);
    if input != "-" {
        let mut align = tarjuman(db);
        align.args(["align", "--no-freedict", input]).arg(&en);
        cmds.push(align);
    }
    let mut lookup = tarjuman(db);
    if input == "-" {
        lookup.args(["lookup", "-"]);
    } else {
        lookup.args(["lookup", "--file", input]);
    }
    cmds.push(lookup);
    let mut pretranslate = tarjuman(db);
    pretranslate.args(["pretranslate", input]);
    cmds.push(pretranslate);
    cmds
}

/// Every command fails with exactly `message` on `bytes`, read from a file
/// and from stdin (`{name}` is the input's name).
fn every_command_says(bytes: &[u8], message: &str) {
    let (dir, db) = common::tm_from_tsv(TM);
    let file = write(&dir, "doc.txt", bytes);
    let name = file.to_str().unwrap();
    for input in [name, "-"] {
        let shown = if input == "-" { "<stdin>" } else { name };
        let expected = format!("tarjuman: error: {}\n", message.replace("{name}", shown));
        for mut cmd in each_command(&dir, &db, input) {
            let out = cmd.write_stdin(bytes).assert().code(1).get_output().clone();
            assert_eq!(String::from_utf8_lossy(&out.stderr), expected, "{cmd:?}");
            assert!(out.stdout.is_empty(), "{cmd:?}");
        }
    }
}

#[test]
fn windows_1256_unnamed_is_refused_alike_with_the_way_out() {
    every_command_says(
        &cp1256("وصل الوفد إلى موسكو.\n"),
        "{name}:1:1: not valid UTF-8 (byte 0xE6): it looks like windows-1256 (Arabic Windows): \
         rerun with --encoding windows-1256, or convert it with iconv -f WINDOWS-1256 -t UTF-8",
    );
}

#[test]
fn invalid_utf8_is_placed_by_file_line_and_column_alike() {
    let bytes = [
        "وصل الوفد.\nوقال د. ".as_bytes(),
        b"\xFF",
        " محمد.\n".as_bytes(),
    ]
    .concat();
    every_command_says(
        &bytes,
        "{name}:2:9: not valid UTF-8 (byte 0xFF): convert it to UTF-8 or name its encoding \
         with --encoding LABEL (e.g. windows-1256, iso-8859-6, windows-1252)",
    );
}

#[test]
fn binary_input_is_refused_alike() {
    every_command_says(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "{name}: looks like a binary file (a NUL byte at byte 8), not text: give a plain-text \
         file (UTF-8 or UTF-16), or name its encoding with --encoding LABEL",
    );
}

#[test]
fn an_unknown_encoding_is_a_usage_error_everywhere() {
    let (dir, db) = common::tm_from_tsv(TM);
    let file = write(&dir, "doc.txt", "وصل الوفد.\n".as_bytes());
    for mut cmd in each_command(&dir, &db, file.to_str().unwrap()) {
        let out = cmd
            .args(["--encoding", "klingon-8"])
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("unknown encoding `klingon-8`: use a WHATWG label"),
            "{cmd:?}: {stderr}"
        );
    }
}
