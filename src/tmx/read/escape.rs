//! Text inside one event: the UTF-8 check (where a file in an undeclared
//! legacy encoding is caught, at its exact place), entity and character
//! references, line-end normalization, and escaping back into canonical
//! markup and attribute values.
//!
//! It does not read events or know elements: `markup` and `attrs` call it.

use super::encoding::invalid_utf8_message;
use super::tracker::{advance, control_hint, scan};
use super::{Pos, ReadError};

/// `str::from_utf8`, with SIMD for text long enough to gain from it (most
/// segments, whole tags): the standard check, which says where the error
/// is, runs again only for bytes that fail.
pub(super) fn valid_utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// Bytes that must be UTF-8 (the input is UTF-8 or was transcoded to it).
/// This is where a file in an undeclared legacy encoding is caught: the
/// error points at the first bad byte of the text starting at `at`.
pub(super) fn utf8(bytes: &[u8], at: Pos) -> Result<&str, ReadError> {
    valid_utf8(bytes).map_err(|e| {
        let i = e.valid_up_to();
        let (line, column) = advance(at.line, at.column, &bytes[..i], &scan(&bytes[..i]));
        Pos { line, column }.err(invalid_utf8_message(&bytes[i..]))
    })
}

fn is_xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// The character an entity or character reference (`amp`, `#x41`) stands for.
pub(super) fn resolve_ref(name: &str) -> Result<char, String> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let Some(num) = name.strip_prefix('#') else {
                return Err(format!(
                    "undefined entity &{name};: TMX allows only &amp; &lt; &gt; &quot; &apos; \
                     and numeric references like &#x627;"
                ));
            };
            let code = match num.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16),
                None => num.parse::<u32>(),
            };
            let c = code.ok().and_then(char::from_u32);
            match c {
                Some(c) if is_xml_char(c) => c,
                Some(c) => {
                    return Err(format!(
                        "&{name}; is U+{:04X}{}, a character XML forbids: remove it",
                        c as u32,
                        control_hint(c as u32)
                    ))
                }
                None => return Err(format!("&{name}; is not a valid character reference")),
            }
        }
    };
    Ok(c)
}

/// Text as XML delivers it: line ends normalized to `\n`.
pub(super) fn push_text(out: &mut String, text: &str) {
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        out.push_str(&text.replace("\r\n", "\n").replace('\r', "\n"));
    } else {
        out.push_str(text);
    }
}

/// Escape text into canonical markup: `&amp; &lt; &gt;`, and `&#13;` for a
/// carriage return that came from a character reference.
pub(super) fn escape_into(out: &mut String, text: &str) {
    if !text.contains(['&', '<', '>', '\r']) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Escape an attribute value for canonical markup (double quotes).
pub(crate) fn escape_attr_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// An attribute value as XML delivers it: references resolved, literal
/// tabs and line ends turned into spaces.
#[cfg(test)]
pub(super) fn unescape_attr(raw: &[u8]) -> Result<String, String> {
    let mut out = String::new();
    unescape_attr_into(utf8_value(raw)?, &mut out)?;
    Ok(out)
}

/// An attribute's raw value as text; the error says what the bytes may be.
pub(super) fn utf8_value(raw: &[u8]) -> Result<&str, String> {
    valid_utf8(raw).map_err(|e| invalid_utf8_message(&raw[e.valid_up_to()..]))
}

/// `unescape_attr` of a value known to be UTF-8, appending to `out` (a
/// reused string).
pub(super) fn unescape_attr_into(s: &str, out: &mut String) -> Result<(), String> {
    // Bytes, not chars: most values have none of these.
    let special = |b: &u8| matches!(b, b'&' | b'<' | b'\t' | b'\n' | b'\r');
    if !s.as_bytes().iter().any(special) {
        out.push_str(s);
        return Ok(());
    }
    out.reserve(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<', '\t', '\n', '\r']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        rest = &rest[i + 1..];
        match c {
            b'&' => {
                let end = rest
                    .find(';')
                    .ok_or("`&` that does not start a reference (write & as &amp;)")?;
                out.push(resolve_ref(&rest[..end])?);
                rest = &rest[end + 1..];
            }
            b'<' => return Err("`<` is not allowed in an attribute value (write &lt;)".into()),
            b'\r' => {
                rest = rest.strip_prefix('\n').unwrap_or(rest);
                out.push(' ');
            }
            _ => out.push(' '),
        }
    }
    out.push_str(rest);
    Ok(())
}
