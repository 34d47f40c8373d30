//! Reading a text file (or standard input) into a `String`: the one reader
//! behind every command that takes running text (segment, align, lookup
//! --file, pretranslate, and the word lists they load), so that a file is
//! read the same way, and refused with the same message, everywhere.
//!
//! What it decides, in this order:
//! 1. A byte-order mark (UTF-8, UTF-16LE, UTF-16BE) names the encoding and
//!    is dropped (it wins over a named encoding, as in WHATWG decoding).
//! 2. Else a named encoding (any WHATWG label: `windows-1256`,
//!    `iso-8859-6`, `utf-16le`…), if the caller was given one.
//! 3. Else NUL bytes mean UTF-16 without a mark when they all fall on one
//!    side of the code units and the text decodes cleanly; otherwise the
//!    input is binary and refused.
//! 4. Else UTF-8. Invalid UTF-8 is refused with a hint: when the bytes read
//!    as Arabic under windows-1256 (Arabic Windows), the hint names it.
//!    Nothing is guessed silently: a wrong guess would store mojibake.
//!
//! Errors name the input as `FILE:LINE:COLUMN` (line and column from 1,
//! columns in characters of the decoded text before the bad bytes); standard
//! input is called `<stdin>`. The hints name the `--encoding` option that
//! every text-reading command of the `tarjuman` binary has.
//!
//! It knows bytes and encodings only: not sentences, not file formats (TMX
//! and TSV have their own readers), not the translation memory.

use std::io::Read;
use std::path::Path;

use encoding_rs::{DecoderResult, Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// Most bytes a text input may have: 32 MiB (a long book is a few MiB).
/// Reading stops one byte past it, so memory never grows with a bigger
/// input, and the input is refused naming the line reached.
pub const MAX_TEXT_BYTES: usize = 32 << 20;

/// Longest line of a text input, in UTF-8 bytes: 4 MiB, the TMX reader's
/// longest segment. Lines are sentences, paragraphs, or queries (`lookup
/// --file`); a longer one is refused at its line.
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// Why a text input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("{name}: cannot read")]
    Io {
        name: String,
        #[source]
        source: std::io::Error,
    },
    /// NUL bytes that are not UTF-16 text.
    #[error(
        "{name}: looks like a binary file (a NUL byte at byte {byte}), not text: give a \
         plain-text file (UTF-8 or UTF-16), or name its encoding with --encoding LABEL"
    )]
    Binary { name: String, byte: u64 },
    /// Bytes that are not valid in the encoding they were read as.
    #[error(
        "{name}:{line}:{column}: not valid {encoding} ({bytes}): {hint}",
        bytes = show_bytes(.bytes)
    )]
    Malformed {
        name: String,
        line: u64,
        column: u64,
        /// The encoding's name (`UTF-8`, `UTF-16LE`, `windows-1256`…).
        encoding: &'static str,
        /// The offending bytes (the first of them for UTF-8).
        bytes: Vec<u8>,
        hint: Hint,
    },
    /// An input or a line beyond `MAX_TEXT_BYTES` / `MAX_LINE_BYTES`.
    #[error(
        "{name}:{line}:{column}: {what} longer than {mib} MiB: refused (text inputs are \
         documents, sentence lists or queries); split it or check it is the right file",
        mib = limit >> 20
    )]
    TooLong {
        name: String,
        line: u64,
        column: u64,
        /// "the input" or "a line".
        what: &'static str,
        limit: usize,
    },
    /// A label that names no WHATWG encoding.
    #[error(
        "unknown encoding `{label}`: use a WHATWG label such as utf-8, windows-1256, \
         iso-8859-6, utf-16le"
    )]
    UnknownEncoding { label: String },
}

/// What to do about bytes that did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Not UTF-8, and it reads as Arabic under windows-1256.
    Windows1256,
    /// Not UTF-8, and not recognisably anything else.
    NameTheEncoding,
    /// The encoding was named by the caller: the name may be wrong.
    CheckTheEncoding,
    /// The encoding came from a byte-order mark: the file is damaged.
    Damaged,
}

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Hint::Windows1256 => {
                "it looks like windows-1256 (Arabic Windows): rerun with --encoding windows-1256, \
                 or convert it with iconv -f WINDOWS-1256 -t UTF-8"
            }
            Hint::NameTheEncoding => {
                "convert it to UTF-8 or name its encoding with --encoding LABEL \
                 (e.g. windows-1256, iso-8859-6, windows-1252)"
            }
            Hint::CheckTheEncoding => "is the --encoding right?",
            Hint::Damaged => "its byte-order mark names this encoding, but the text is damaged",
        })
    }
}

/// `0xFF`, or `bytes 0x3D 0xD8`.
fn show_bytes(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    match hex.len() {
        1 => format!("byte {}", hex[0]),
        _ => format!("bytes {}", hex.join(" ")),
    }
}

/// The encoding a WHATWG label names (`windows-1256`, `cp1256`, `arabic`,
/// `utf-16le`…; case and surrounding spaces ignored). Labels that WHATWG
/// maps to the "replacement" encoding (which decodes nothing) are unknown.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, InputError> {
    Encoding::for_label_no_replacement(label.trim().as_bytes()).ok_or_else(|| {
        InputError::UnknownEncoding {
            label: label.to_string(),
        }
    })
}

/// Read and decode the file at `path` (see the module doc for the rules).
pub fn read_file(path: &Path, encoding: Option<&'static Encoding>) -> Result<String, InputError> {
    let name = path.display().to_string();
    match std::fs::File::open(path) {
        Ok(file) => read_from(file, &name, encoding),
        Err(source) => Err(InputError::Io { name, source }),
    }
}

/// Read and decode all of standard input, called `<stdin>` in messages.
pub fn read_stdin(encoding: Option<&'static Encoding>) -> Result<String, InputError> {
    read_from(std::io::stdin().lock(), STDIN_NAME, encoding)
}

/// Read `reader` to its end and decode it; `name` is what messages call it.
pub fn read_from(
    reader: impl Read,
    name: &str,
    encoding: Option<&'static Encoding>,
) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    if let Err(source) = reader
        .take(MAX_TEXT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
    {
        return Err(InputError::Io {
            name: name.to_string(),
            source,
        });
    }
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(InputError::TooLong {
            name: name.to_string(),
            line: memchr::memchr_iter(b'\n', &bytes[..MAX_TEXT_BYTES]).count() as u64 + 1,
            column: 1,
            what: "the input is",
            limit: MAX_TEXT_BYTES,
        });
    }
    let text = decode(bytes, name, encoding)?;
    check_lines(&text, name)?;
    Ok(text)
}

/// Refuse a line longer than `MAX_LINE_BYTES`, at its line.
fn check_lines(text: &str, name: &str) -> Result<(), InputError> {
    if text.len() <= MAX_LINE_BYTES {
        return Ok(());
    }
    let mut start = 0;
    for (i, end) in memchr::memchr_iter(b'\n', text.as_bytes())
        .chain(std::iter::once(text.len()))
        .enumerate()
    {
        if end - start > MAX_LINE_BYTES {
            return Err(InputError::TooLong {
                name: name.to_string(),
                line: i as u64 + 1,
                column: 1,
                what: "a line is",
                limit: MAX_LINE_BYTES,
            });
        }
        start = end + 1;
    }
    Ok(())
}

/// Decode `bytes` as text: by its byte-order mark, else as `encoding`, else
/// UTF-16 without a mark or UTF-8 (see the module doc). The mark is not part
/// of the result. `name` is what messages call the input.
pub fn decode(
    mut bytes: Vec<u8>,
    name: &str,
    encoding: Option<&'static Encoding>,
) -> Result<String, InputError> {
    let binary = |byte: usize| InputError::Binary {
        name: name.to_string(),
        byte: byte as u64,
    };
    let (encoding, bom, hint) = if let Some((e, len)) = Encoding::for_bom(&bytes) {
        (e, len, Hint::Damaged)
    } else if let Some(e) = encoding {
        (e, 0, Hint::CheckTheEncoding)
    } else if let Some(nul) = memchr::memchr(0, &bytes) {
        return utf16_without_bom(&bytes).ok_or_else(|| binary(nul));
    } else {
        (UTF_8, 0, Hint::NameTheEncoding)
    };

    if encoding == UTF_8 {
        bytes.drain(..bom);
        if let Some(nul) = memchr::memchr(0, &bytes) {
            return Err(binary(bom + nul));
        }
        return String::from_utf8(bytes).map_err(|e| {
            let bytes = e.as_bytes();
            let error = e.utf8_error();
            let valid = &bytes[..error.valid_up_to()];
            let hint = if hint == Hint::NameTheEncoding && looks_like_windows_1256(bytes) {
                Hint::Windows1256
            } else {
                hint
            };
            // Only the first bad byte: a UTF-8 error's length is how much
            // of a sequence was started, which says little to a reader.
            malformed(
                name,
                std::str::from_utf8(valid).unwrap_or_default(),
                UTF_8,
                &bytes[error.valid_up_to()..=error.valid_up_to()],
                hint,
            )
        });
    }

    let body = &bytes[bom..];
    let utf16 = encoding == UTF_16LE || encoding == UTF_16BE;
    if !utf16 {
        // In the single- and multi-byte legacy encodings a NUL byte is a
        // NUL character: no text has one.
        if let Some(nul) = memchr::memchr(0, body) {
            return Err(binary(bom + nul));
        }
    }
    let text = decode_strict(body, encoding)
        .map_err(|(prefix, bad)| malformed(name, &prefix, encoding, bad, hint))?;
    if let Some(nul) = text.find('\0') {
        // Only UTF-16 gets here: two bytes a code unit.
        return Err(binary(bom + 2 * text[..nul].encode_utf16().count()));
    }
    Ok(text)
}

/// An error for `bad` found after the decoded text `before`.
fn malformed(
    name: &str,
    before: &str,
    encoding: &'static Encoding,
    bad: &[u8],
    hint: Hint,
) -> InputError {
    let (line, column) = line_column(before);
    InputError::Malformed {
        name: name.to_string(),
        line,
        column,
        encoding: encoding.name(),
        bytes: bad.to_vec(),
        hint,
    }
}

/// 1-based line and column (in characters) just after `before`.
fn line_column(before: &str) -> (u64, u64) {
    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line as u64, before[line_start..].chars().count() as u64 + 1)
}

/// `bytes` decoded as `encoding` (no BOM handling), or the text decoded
/// before the first malformed sequence and that sequence.
fn decode_strict<'a>(
    bytes: &'a [u8],
    encoding: &'static Encoding,
) -> Result<String, (String, &'a [u8])> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len());
    let mut text = String::with_capacity(capacity);
    let mut at = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[at..], &mut text, true);
        at += read;
        match result {
            DecoderResult::InputEmpty => return Ok(text),
            DecoderResult::OutputFull => text.reserve(bytes.len() - at + 16),
            DecoderResult::Malformed(len, after) => {
                let end = at - usize::from(after);
                let start = end.saturating_sub(usize::from(len));
                return Err((text, &bytes[start..end]));
            }
        }
    }
}

/// UTF-16 without a byte-order mark: the NUL bytes (high bytes of ASCII,
/// low bytes of U+0600, U+0700…) sit mostly on one side of the code units,
/// which gives the byte order, and the text decodes cleanly, with no NUL
/// and no control character but tab, line and page breaks. Anything else
/// with NUL bytes is binary.
fn utf16_without_bom(bytes: &[u8]) -> Option<String> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for at in memchr::memchr_iter(0, bytes) {
        if at % 2 == 0 {
            even += 1;
        } else {
            odd += 1;
        }
    }
    // ASCII in little-endian order puts its NUL after the letter (odd).
    let encoding = if odd > 9 * even {
        UTF_16LE
    } else if even > 9 * odd {
        UTF_16BE
    } else {
        return None;
    };
    let text = decode_strict(bytes, encoding).ok()?;
    let plausible = !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C'));
    plausible.then_some(text)
}

/// Do most non-ASCII bytes decode to Arabic letters under windows-1256?
/// (A few stray bytes prove nothing.)
fn looks_like_windows_1256(bytes: &[u8]) -> bool {
    let (text, _) = encoding_rs::WINDOWS_1256.decode_without_bom_handling(bytes);
    let (mut arabic, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        if ('\u{0600}'..='\u{06FF}').contains(&c) {
            arabic += 1;
        } else {
            other += 1;
        }
    }
    arabic >= 4 && arabic > 2 * other
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARABIC: &str = "وصل الوفد إلى موسكو.\nوقال د. محمد إن اللقاء انتهى.\n";

    fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for unit in std::iter::once(0xFEFF)
            .filter(|_| bom)
            .chain(text.encode_utf16())
        {
            out.extend(if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        out
    }

    fn read(bytes: &[u8], label: Option<&str>) -> Result<String, InputError> {
        let encoding = label.map(|l| encoding_for_label(l).unwrap());
        decode(bytes.to_vec(), "in.txt", encoding)
    }

    #[test]
    fn utf8_with_and_without_its_mark() {
        assert_eq!(read(ARABIC.as_bytes(), None).unwrap(), ARABIC);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), ARABIC.as_bytes()].concat();
        assert_eq!(read(&with_bom, None).unwrap(), ARABIC);
        // A named encoding does not beat the mark.
        assert_eq!(read(&with_bom, Some("windows-1256")).unwrap(), ARABIC);
    }

    #[test]
    fn utf16_both_orders_with_and_without_a_mark() {
        for little in [true, false] {
            for bom in [true, false] {
                let bytes = utf16(ARABIC, little, bom);
                assert_eq!(read(&bytes, None).unwrap(), ARABIC, "{little} {bom}");
            }
            let label = if little { "utf-16le" } else { "utf-16be" };
            assert_eq!(
                read(&utf16(ARABIC, little, false), Some(label)).unwrap(),
                ARABIC
            );
        }
    }

    #[test]
    fn windows_1256_needs_its_name_and_is_named_in_the_hint() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1256.encode(ARABIC);
        let e = read(&bytes, None).unwrap_err();
        assert!(matches!(
            e,
            InputError::Malformed {
                line: 1,
                column: 1,
                hint: Hint::Windows1256,
                ..
            }
        ));
        let message = e.to_string();
        assert!(
            message.starts_with("in.txt:1:1: not valid UTF-8 (byte 0xE6): ")
                && message.contains("--encoding windows-1256"),
            "{message}"
        );
        assert_eq!(read(&bytes, Some("windows-1256")).unwrap(), ARABIC);
        assert_eq!(read(&bytes, Some(" CP1256 ")).unwrap(), ARABIC);
    }

    #[test]
    fn invalid_utf8_is_placed_by_line_and_character_column() {
        let bytes = ["سطر أول\nسطر ".as_bytes(), b"\xFF!"].concat();
        let e = read(&bytes, None).unwrap_err().to_string();
        assert!(
            e.starts_with("in.txt:2:5: not valid UTF-8 (byte 0xFF): convert it to UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn a_damaged_utf16_file_is_placed_and_its_bytes_shown() {
        let mut bytes = utf16("ab\nc", true, true);
        bytes.extend([0x3D, 0xD8, b'x', 0]); // an unpaired high surrogate
        let e = read(&bytes, None).unwrap_err().to_string();
        assert_eq!(
            e,
            "in.txt:2:2: not valid UTF-16LE (bytes 0x3D 0xD8): its byte-order mark names this \
             encoding, but the text is damaged"
        );
    }

    #[test]
    fn a_wrong_encoding_name_is_reported_with_its_place() {
        // 0xA1 is unassigned in ISO-8859-6.
        let e = read(b"ok\nno \xA1", Some("iso-8859-6"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "in.txt:2:4: not valid ISO-8859-6 (byte 0xA1): is the --encoding right?"
        );
    }

    #[test]
    fn binary_input_is_refused_at_its_first_nul() {
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00";
        let e = read(png, None).unwrap_err();
        assert!(matches!(e, InputError::Binary { byte: 8, .. }), "{e}");
        assert!(e.to_string().contains("binary file"), "{e}");
        // UTF-8 after a mark, and a named single-byte encoding, too.
        assert!(matches!(
            read(b"\xEF\xBB\xBFab\x00", None),
            Err(InputError::Binary { byte: 5, .. })
        ));
        assert!(matches!(
            read(b"ab\x00", Some("windows-1256")),
            Err(InputError::Binary { byte: 2, .. })
        ));
        // UTF-16 that decodes to a NUL or a control character is binary.
        assert!(matches!(
            read(&utf16("ab\0c", true, true), None),
            Err(InputError::Binary { byte: 6, .. })
        ));
        assert!(matches!(
            read(&utf16("ab\u{1}cdefghij", true, false), None),
            Err(InputError::Binary { byte: 1, .. })
        ));
    }

    #[test]
    fn labels_are_whatwg_and_replacement_is_unknown() {
        assert_eq!(
            encoding_for_label("arabic").unwrap(),
            encoding_rs::ISO_8859_6
        );
        assert_eq!(
            encoding_for_label("cp1256").unwrap(),
            encoding_rs::WINDOWS_1256
        );
        for label in ["klingon-8", "iso-2022-kr", ""] {
            let e = encoding_for_label(label).unwrap_err().to_string();
            assert!(e.starts_with(&format!("unknown encoding `{label}`")), "{e}");
        }
    }

    #[test]
    fn read_errors_name_the_file_and_stdin() {
        let e = read_file(Path::new("/no/such/file.txt"), None).unwrap_err();
        assert_eq!(e.to_string(), "/no/such/file.txt: cannot read");
        let e = read_from(&b"a\n\xFF"[..], STDIN_NAME, None).unwrap_err();
        assert!(
            e.to_string().starts_with("<stdin>:2:1: not valid UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn inputs_and_lines_beyond_the_limits_are_refused_at_their_line() {
        use std::io::Read as _;
        // A 1 GB input, made as it is read: refused after 32 MiB.
        let huge = std::io::Cursor::new(b"first\nsecond\n".to_vec())
            .chain(std::io::repeat(b'x').take(1 << 30));
        let e = read_from(huge, "big.txt", None).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("big.txt:3:1: the input is longer than 32 MiB"),
            "{e}"
        );
        // A 5 MiB line among short ones.
        let mut text = "وصل الوفد إلى موسكو.\n".to_string();
        text.push_str(&"ا".repeat(5 << 19));
        text.push_str("\nوانتهى اللقاء.\n");
        let e = read_from(text.as_bytes(), STDIN_NAME, None).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("<stdin>:2:1: a line is longer than 4 MiB"),
            "{e}"
        );
        let ok = "سطر\n".repeat(1 << 20);
        assert_eq!(read_from(ok.as_bytes(), "ok.txt", None).unwrap(), ok);
    }
}
