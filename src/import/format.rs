//! Which reader a file needs: TMX, TSV or the TSV `align` writes, from its
//! name or its first bytes. Only the guess lives here; the readers are
//! `tmx`, `tsv` and `align_tsv`, the opening of the file is `source`.

use std::path::Path;

use crate::tmx::read::GZIP_MAGIC;

/// What import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputFormat {
    Tmx,
    /// Two columns, source then target.
    Tsv,
    /// The TSV `tarjuman align` writes (ids, ids, score, Arabic, English),
    /// as corrected by hand.
    AlignTsv,
}

impl InputFormat {
    /// `FileFormat::detect`, and a TSV whose first line has the columns of
    /// `align`'s output (or their names) is an alignment.
    pub fn detect(path: &Path, head: &[u8]) -> InputFormat {
        match FileFormat::detect(path, head) {
            FileFormat::Tmx => InputFormat::Tmx,
            FileFormat::Tsv
                if !head.starts_with(GZIP_MAGIC) && super::align_tsv::looks_like(head) =>
            {
                InputFormat::AlignTsv
            }
            FileFormat::Tsv => InputFormat::Tsv,
        }
    }
}

impl From<FileFormat> for InputFormat {
    fn from(f: FileFormat) -> InputFormat {
        match f {
            FileFormat::Tmx => InputFormat::Tmx,
            FileFormat::Tsv => InputFormat::Tsv,
        }
    }
}

/// The file formats of the TM's two-way exchange (import and export).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Tmx,
    Tsv,
}

impl FileFormat {
    /// By extension (`.tmx`; `.tsv`, `.tab`, `.txt`; the same under a
    /// `.gz`), else by content: a file that opens with `<` (after a BOM and
    /// blanks), is UTF-16 or is gzip (OPUS's `.tmx.gz`) is TMX, anything
    /// else TSV.
    pub fn detect(path: &Path, head: &[u8]) -> FileFormat {
        let ext_of = |p: &Path| {
            p.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
        };
        let mut ext = ext_of(path);
        if ext.as_deref() == Some("gz") {
            // `ar-en.tmx.gz`, `pairs.tsv.gz`: the name under the `.gz`.
            ext = path.file_stem().map(Path::new).and_then(ext_of);
        }
        match ext.as_deref() {
            Some("tmx") => return FileFormat::Tmx,
            Some("tsv" | "tab" | "txt") => return FileFormat::Tsv,
            _ => {}
        }
        if [b"\xFF\xFE", b"\xFE\xFF", GZIP_MAGIC]
            .iter()
            .any(|m| head.starts_with(m))
        {
            return FileFormat::Tmx;
        }
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        match head.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => FileFormat::Tmx,
            _ => FileFormat::Tsv,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FileFormat, InputFormat};
    use std::path::Path;

    #[test]
    fn format_comes_from_the_extension_also_under_gz_else_from_the_content() {
        let gzip = [0x1F, 0x8B, 0x08, 0x00];
        let detect = |name: &str, head: &[u8]| FileFormat::detect(Path::new(name), head);
        assert_eq!(detect("ar-en.tmx", b"ar\ten"), FileFormat::Tmx);
        assert_eq!(detect("pairs.TSV", b"<tmx"), FileFormat::Tsv);
        assert_eq!(detect("ar-en.tmx.gz", &gzip), FileFormat::Tmx);
        assert_eq!(detect("pairs.tsv.gz", &gzip), FileFormat::Tsv);
        assert_eq!(detect("pairs.txt.GZ", &gzip), FileFormat::Tsv);
        // No telling extension: gzip, UTF-16 and `<` mean TMX.
        assert_eq!(detect("download.gz", &gzip), FileFormat::Tmx);
        assert_eq!(detect("memory", b"\xFF\xFE<\0"), FileFormat::Tmx);
        assert_eq!(detect("memory", b"\xEF\xBB\xBF  <?xml"), FileFormat::Tmx);
        assert_eq!(detect("memory", "قال\tsaid".as_bytes()), FileFormat::Tsv);
    }

    #[test]
    fn an_alignment_is_a_tsv_with_align_columns() {
        let detect = |name: &str, head: &str| InputFormat::detect(Path::new(name), head.as_bytes());
        assert_eq!(
            detect("fixed.tsv", "0\t0\t0.998\tقال\tsaid\n"),
            InputFormat::AlignTsv
        );
        assert_eq!(
            detect("fixed.txt", "0,1\t\t\tقال\t\n"),
            InputFormat::AlignTsv
        );
        assert_eq!(detect("pairs.tsv", "ar\ten\nقال\tsaid\n"), InputFormat::Tsv);
        assert_eq!(detect("memory.tmx", "0\t0\t1\ta\tb\n"), InputFormat::Tmx);
    }
}
