//! Reading one pair of `align` inputs: decode each file through the
//! library's one text reader (`--encoding`, BOM, UTF-16), refuse what is
//! not a plain Arabic text and its plain English translation (`check`),
//! and split each into sentences with their paragraphs and output ids.

use std::path::Path;

use anyhow::bail;

use tarjuman::input;
use tarjuman::text::segment::{Lang, Paragraphs, Segmenter};

use super::{check, Args, Input, ParagraphMode};

/// One side as read: sentences, their paragraphs and their ids for output.
pub struct Text {
    pub sentences: Vec<String>,
    pub paragraphs: Vec<usize>,
    /// Output id of each sentence (its line number with --input lines).
    pub ids: Vec<usize>,
}

/// Read, check and split the two files of a pair.
pub fn pair(ar_path: &Path, en_path: &Path, args: &Args) -> anyhow::Result<(Text, Text)> {
    let ar = read(ar_path, args)?;
    let en = read(en_path, args)?;
    check::languages(ar_path, &ar, en_path, &en).map_err(anyhow::Error::msg)?;
    Ok((
        split(&ar, Lang::Arabic, args),
        split(&en, Lang::English, args),
    ))
}

fn read(path: &Path, args: &Args) -> anyhow::Result<String> {
    let text = input::read_file(path, args.encoding.encoding)?;
    if text.trim().is_empty() {
        bail!("{}: the file is empty: nothing to align", path.display());
    }
    if let Some((line, column, tag)) = check::markup(&text) {
        bail!(
            "{}:{line}:{column}: this is an HTML or XML page ({tag}), not plain text: aligned as \
             it is, tags would be paired with tags. Save it as plain text first (e.g. \
             `pandoc -t plain`, `lynx -dump`, or a browser's \"save as text\")",
            path.display()
        );
    }
    Ok(text)
}

fn split(text: &str, lang: Lang, args: &Args) -> Text {
    let mut out = Text {
        sentences: Vec::new(),
        paragraphs: Vec::new(),
        ids: Vec::new(),
    };
    match args.input {
        Input::Lines => {
            let mut para = 0;
            let mut after_blank = false;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    after_blank = true;
                    continue;
                }
                if after_blank && !out.sentences.is_empty() {
                    para += 1;
                }
                after_blank = false;
                out.sentences.push(line.to_string());
                out.paragraphs.push(para);
                out.ids.push(n);
            }
        }
        Input::Text => {
            let mode = match args.paragraphs {
                ParagraphMode::Lines => Paragraphs::Lines,
                ParagraphMode::Blank => Paragraphs::BlankLines,
                ParagraphMode::Auto if hard_wrapped(text) => Paragraphs::BlankLines,
                ParagraphMode::Auto => Paragraphs::Lines,
            };
            let seg = Segmenter::new(lang).with_paragraphs(mode);
            for (k, s) in seg.split(text).into_iter().enumerate() {
                out.sentences.push(s.text);
                out.paragraphs.push(s.paragraph);
                out.ids.push(k);
            }
        }
    }
    out
}

/// Text broken into lines inside paragraphs (most lines not ending a
/// sentence, paragraphs separated by blank lines).
fn hard_wrapped(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    if !lines.iter().any(|l| l.is_empty()) {
        return false;
    }
    let mut inner = 0;
    let mut open = 0;
    for w in lines.windows(2) {
        if !w[0].is_empty() && !w[1].is_empty() {
            inner += 1;
            if !w[0].ends_with(['.', '!', '?', '؟', ':', '"', '»', '”']) {
                open += 1;
            }
        }
    }
    inner >= 3 && open * 2 > inner
}
