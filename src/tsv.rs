//! Two-column TSV: `source<TAB>target`, one pair a line, UTF-8.
//!
//! - Escapes inside a cell: `\t` tab, `\n` line feed, `\r` carriage return,
//!   `\\` backslash. Any other backslash is kept as it is (so Windows paths
//!   in old files survive).
//! - An optional first line naming the languages, `ar<TAB>en` (both cells
//!   well-formed language tags with a 2–3 letter primary subtag), is read as
//!   a header, not as a pair.
//! - Empty lines are skipped; CRLF line ends and a UTF-8 BOM are accepted.
//! - A line with other than two cells, or invalid UTF-8, is an error naming
//!   its line and column; a pair with an empty side is skipped with a warning.
//! - A line longer than [`MAX_LINE_BYTES`] (8 MiB) is an error at its line,
//!   raised once that much is read: memory never grows with a line.
//!
//! It reads and writes the text of pairs, and knows nothing of where they
//! go: no SQLite, no units' metadata, no other file format (the importer
//! stores what it reads; the export command writes with it).
//! Decoding other encodings is not its job either: it reads UTF-8.

use std::io::{BufRead, Read, Write};

/// Longest line accepted, in bytes: two cells of a TMX reader's longest
/// segment (`tmx::read::MAX_SEGMENT_BYTES`, 4 MiB).
pub const MAX_LINE_BYTES: usize = 8 << 20;

/// A problem at a place in the file. Columns count characters, from 1.
pub type ReadError = crate::text::located::Located;

/// Something skipped, at a place in the file.
pub type Warning = crate::text::located::Located;

/// One source/target pair and the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub line: u64,
    pub source: String,
    pub target: String,
}

/// A streaming TSV reader: one line in memory at a time.
pub struct TsvReader<R> {
    input: R,
    line: u64,
    bytes_read: u64,
    buf: Vec<u8>,
    languages: Option<(String, String)>,
    /// The first pair, read while looking for a header.
    pending: Option<Pair>,
    warnings: Vec<Warning>,
}

impl<R: BufRead> TsvReader<R> {
    /// Start reading; looks at the first non-empty line for a language header.
    pub fn new(input: R) -> Result<TsvReader<R>, ReadError> {
        let mut reader = TsvReader {
            input,
            line: 0,
            bytes_read: 0,
            buf: Vec::new(),
            languages: None,
            pending: None,
            warnings: Vec::new(),
        };
        if let Some((line, cells)) = reader.next_cells()? {
            let tags: Vec<Option<String>> = cells.iter().map(|c| header_tag(c)).collect();
            match (&tags[0], &tags[1]) {
                (Some(a), Some(b)) if a != b => reader.languages = Some((a.clone(), b.clone())),
                _ => reader.pending = reader.pair(line, cells),
            }
        }
        Ok(reader)
    }

    /// The languages a header line named, if there was one.
    pub fn languages(&self) -> Option<(&str, &str)> {
        self.languages
            .as_ref()
            .map(|(a, b)| (a.as_str(), b.as_str()))
    }

    /// Bytes consumed so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The warnings since the last call.
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// The next pair, or `None` at the end of the file.
    pub fn next_pair(&mut self) -> Result<Option<Pair>, ReadError> {
        if let Some(p) = self.pending.take() {
            return Ok(Some(p));
        }
        while let Some((line, cells)) = self.next_cells()? {
            if let Some(p) = self.pair(line, cells) {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// A pair from two cells, or a warning and `None` when one is empty.
    fn pair(&mut self, line: u64, cells: [String; 2]) -> Option<Pair> {
        let [source, target] = cells;
        if source.trim().is_empty() || target.trim().is_empty() {
            let (column, side) = if source.trim().is_empty() {
                (1, "source")
            } else {
                (source.chars().count() as u64 + 2, "target")
            };
            self.warnings.push(Warning {
                line,
                column,
                message: format!("empty {side}; pair skipped"),
            });
            return None;
        }
        Some(Pair {
            line,
            source,
            target,
        })
    }

    /// The next non-empty line, split into two unescaped cells.
    fn next_cells(&mut self) -> Result<Option<(u64, [String; 2])>, ReadError> {
        loop {
            self.buf.clear();
            // At most one byte past the limit is read: enough to know.
            let n = (&mut self.input)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| ReadError {
                    line: self.line + 1,
                    column: 1,
                    message: format!("cannot read: {e}"),
                })?;
            if n == 0 {
                return Ok(None);
            }
            if n > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n') {
                return Err(ReadError {
                    line: self.line + 1,
                    column: 1,
                    message: format!(
                        "a line longer than {} MiB: refused (a TSV line is one pair of \
                         sentences); the file is damaged or not a TSV of pairs",
                        MAX_LINE_BYTES >> 20
                    ),
                });
            }
            self.line += 1;
            self.bytes_read += n as u64;
            let mut bytes = self.buf.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            let text = std::str::from_utf8(bytes).map_err(|e| {
                let good = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
                ReadError {
                    line: self.line,
                    column: good.chars().count() as u64 + 1,
                    message:
                        "not UTF-8 text (convert the file to UTF-8, or export TMX from your tool)"
                            .into(),
                }
            })?;
            if text.trim().is_empty() {
                continue;
            }
            let cells: Vec<&str> = text.split('\t').collect();
            if cells.len() != 2 {
                let column = if cells.len() > 2 {
                    text.split('\t')
                        .take(2)
                        .map(|c| c.chars().count() + 1)
                        .sum::<usize>() as u64
                } else {
                    text.chars().count() as u64 + 1
                };
                return Err(ReadError {
                    line: self.line,
                    column,
                    message: format!(
                        "expected two tab-separated cells (source, target), found {}; write a tab inside a cell as \\t",
                        cells.len()
                    ),
                });
            }
            return Ok(Some((self.line, [unescape(cells[0]), unescape(cells[1])])));
        }
    }
}

/// A header cell's language tag, if the cell looks like one.
fn header_tag(cell: &str) -> Option<String> {
    let tag = crate::text::lang::normalize(cell)?;
    let primary = crate::text::lang::primary(&tag);
    ((2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic()))
        .then_some(tag)
}

/// Undo the cell escapes.
pub fn unescape(cell: &str) -> String {
    if !cell.contains('\\') {
        return cell.to_string();
    }
    let mut out = String::with_capacity(cell.len());
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

/// Escape a cell so that it stays on one line and in one column.
pub fn escape(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    for c in cell.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
    }
    out
}

/// Write one pair as a TSV line.
pub fn write_pair<W: Write>(out: &mut W, source: &str, target: &str) -> std::io::Result<()> {
    writeln!(out, "{}\t{}", escape(source), escape(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Option<(String, String)>, Vec<Pair>, Vec<Warning>) {
        let mut r = TsvReader::new(text.as_bytes()).unwrap();
        let langs = r.languages().map(|(a, b)| (a.to_string(), b.to_string()));
        let mut pairs = Vec::new();
        while let Some(p) = r.next_pair().unwrap() {
            pairs.push(p);
        }
        (langs, pairs, r.take_warnings())
    }

    #[test]
    fn reads_pairs_with_a_language_header_bom_and_crlf() {
        let (langs, pairs, warnings) =
            read("\u{FEFF}AR-sy\ten_GB\r\nقالَ الرئيسُ: «نعم»\tThe president said: \"yes\"\r\n\r\n٣ أيام\t3 days\n");
        assert_eq!(langs, Some(("ar-SY".into(), "en-GB".into())));
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].source, "قالَ الرئيسُ: «نعم»");
        assert_eq!(pairs[0].line, 2);
        assert_eq!((pairs[1].line, pairs[1].target.as_str()), (4, "3 days"));
        assert!(warnings.is_empty());
    }

    #[test]
    fn without_a_header_the_first_line_is_a_pair() {
        let (langs, pairs, _) = read("نعم\tyes\nلا\tno\n");
        assert_eq!(langs, None);
        assert_eq!(pairs.len(), 2);
        // Words that happen to be tag-shaped on one side only stay a pair.
        let (langs, pairs, _) = read("لا\tno\n");
        assert_eq!((langs, pairs.len()), (None, 1));
    }

    #[test]
    fn escapes_round_trip() {
        for cell in [
            "a\tb",
            "سطر\nسطر",
            "C:\\dir\\x",
            "\\t literal",
            "end\\",
            "\r\n",
        ] {
            assert_eq!(unescape(&escape(cell)), cell);
            assert!(!escape(cell).contains(['\t', '\n', '\r']));
        }
        // An unknown escape is kept: old files with paths survive.
        assert_eq!(unescape("C:\\dir\\x"), "C:\\dir\\x");
        let mut out = Vec::new();
        write_pair(&mut out, "أ\tب", "a\nb").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "أ\\tب\ta\\nb\n");
    }

    #[test]
    fn errors_name_line_and_column() {
        let mut r = TsvReader::new("نعم\tyes\nثلاثة\tthree\textra\n".as_bytes()).unwrap();
        r.next_pair().unwrap();
        let e = r.next_pair().unwrap_err();
        assert_eq!((e.line, e.column), (2, 12));
        assert!(
            e.to_string().starts_with("line 2, column 12: expected two"),
            "{e}"
        );

        let e = TsvReader::new("one cell only\n".as_bytes()).err().unwrap();
        assert_eq!((e.line, e.column), (1, 14));

        let mut bytes = "نعم\tyes\nسلام".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xff\tpeace\n");
        let mut r = TsvReader::new(bytes.as_slice()).unwrap();
        r.next_pair().unwrap();
        let e = r.next_pair().unwrap_err();
        assert_eq!((e.line, e.column), (2, 5));
        assert!(e.message.contains("UTF-8"));
    }

    #[test]
    fn empty_sides_are_skipped_with_a_warning() {
        let (_, pairs, warnings) = read("نعم\t\n\tyes\nلا\tno\n");
        assert_eq!(pairs.len(), 1);
        assert_eq!(warnings.len(), 2);
        assert_eq!((warnings[0].line, warnings[0].column), (1, 5));
        assert_eq!((warnings[1].line, warnings[1].column), (2, 1));
    }

    #[test]
    fn a_line_beyond_the_limit_is_refused_at_its_line_before_it_is_read_whole() {
        use std::io::Read as _;
        // A 1 GB second line, made as it is read.
        let mut given = 0u64;
        let err = {
            let head = std::io::Cursor::new(b"ar\ten\n\xd8\xb3\ttext\n".to_vec());
            let huge = std::io::repeat(b'x').take(1 << 30);
            let counted = CountingRead(head.chain(huge), &mut given);
            let mut r = TsvReader::new(std::io::BufReader::new(counted)).unwrap();
            assert!(r.next_pair().unwrap().is_some());
            r.next_pair().unwrap_err()
        };
        assert_eq!((err.line, err.column), (3, 1), "{err}");
        assert!(err.message.contains("longer than 8 MiB"), "{err}");
        assert!(given < 2 * MAX_LINE_BYTES as u64, "read {given} bytes");
    }

    struct CountingRead<'a, R>(R, &'a mut u64);

    impl<R: std::io::Read> std::io::Read for CountingRead<'_, R> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(out)?;
            *self.1 += n as u64;
            Ok(n)
        }
    }
}
