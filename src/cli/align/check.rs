//! What `align` checks in its two inputs before aligning: that the Arabic
//! file is Arabic and the English one English (by counting letters of each
//! script), and that neither is an HTML or XML page (aligned tag by tag, a
//! page gives pairs of markup). Both are refusals with a message that says
//! what to do; nothing is changed in the text.

use std::path::Path;

/// Letters of each script in a text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scripts {
    pub arabic: usize,
    pub latin: usize,
}

impl Scripts {
    pub fn count(text: &str) -> Scripts {
        let mut s = Scripts::default();
        for c in text.chars() {
            if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) {
                s.latin += 1;
            } else if matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
            {
                s.arabic += 1;
            }
        }
        s
    }

    /// More Arabic letters than Latin ones (an Arabic text quoting English
    /// names is still Arabic).
    fn mostly_arabic(self) -> bool {
        self.arabic > self.latin
    }

    fn mostly_latin(self) -> bool {
        self.latin > self.arabic
    }

    fn describe(self) -> String {
        format!("{} Arabic and {} Latin letters", self.arabic, self.latin)
    }
}

/// Refuse a pair whose languages are not Arabic then English.
pub fn languages(ar_path: &Path, ar: &str, en_path: &Path, en: &str) -> Result<(), String> {
    let (a, e) = (Scripts::count(ar), Scripts::count(en));
    if a.mostly_latin() && e.mostly_arabic() {
        return Err(format!(
            "AR_FILE {} looks English and EN_FILE {} Arabic: swap them? (the Arabic text comes first)",
            ar_path.display(),
            en_path.display()
        ));
    }
    if !a.mostly_arabic() {
        return Err(format!(
            "{}: AR_FILE has no Arabic text ({}): the first file must be the Arabic original",
            ar_path.display(),
            a.describe()
        ));
    }
    if !e.mostly_latin() {
        return Err(format!(
            "{}: EN_FILE looks Arabic, not English ({}): the second file must be the English translation",
            en_path.display(),
            e.describe()
        ));
    }
    Ok(())
}

/// HTML elements that show a page, not a sentence quoting a tag.
const HTML_ELEMENTS: &[&str] = &[
    "a", "article", "b", "body", "br", "div", "em", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "head", "header", "html", "i", "img", "li", "link", "meta", "nav", "ol", "p", "script",
    "section", "span", "strong", "style", "table", "td", "th", "title", "tr", "ul",
];

/// Elements that mark up words inside a sentence.
const INLINE_ELEMENTS: &[&str] = &["a", "b", "br", "em", "i", "img", "span", "strong"];

/// A tag at `text[at..]` (`<p>`, `</div>`, `<br/>`, `<a href=…>`): its
/// element name, lowercased, when it is one of `HTML_ELEMENTS`.
fn html_tag(rest: &str) -> Option<String> {
    let rest = rest.strip_prefix('<')?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let name: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let after = rest[name.len()..].chars().next()?;
    let ends = matches!(after, '>' | ' ' | '/' | '\t' | '\n' | '\r');
    (ends && HTML_ELEMENTS.contains(&name.as_str())).then_some(name)
}

/// Where a text shows itself to be a page, not plain text: its first
/// non-blank characters are a declaration, a doctype, a comment or an HTML
/// tag, or HTML tags are on at least a third of its lines (and there are
/// three or more). Returns the 1-based line and column of the first tag and
/// the tag. A sentence quoting `<b>` once is plain text.
pub fn markup(text: &str) -> Option<(usize, usize, String)> {
    let mut first: Option<(usize, usize, String)> = None;
    let (mut tags, mut lines_with_tags, mut lines) = (0usize, 0usize, 0usize);
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let mut on_line = false;
        for (at, _) in line.match_indices('<') {
            let rest = &line[at..];
            let opens_page = first.is_none() && lines == 1 && line[..at].trim().is_empty();
            let lower = rest.get(..9).unwrap_or(rest).to_ascii_lowercase();
            let declaration = ["<!doctype", "<?xml", "<!--"]
                .iter()
                .any(|d| lower.starts_with(d));
            let tag = html_tag(rest);
            // A bold or linked word opening a text is not yet a page.
            let inline = tag.as_deref().is_some_and(|t| INLINE_ELEMENTS.contains(&t));
            let opens_page = opens_page && !inline;
            if declaration || tag.is_some() {
                let shown: String = rest.chars().take_while(|&c| c != '>').take(40).collect();
                let place = (n + 1, line[..at].chars().count() + 1, format!("{shown}>"));
                if opens_page {
                    return Some(place);
                }
                first.get_or_insert(place);
                tags += 1;
                on_line = true;
            }
        }
        lines_with_tags += usize::from(on_line);
    }
    (tags >= 3 && lines_with_tags * 3 >= lines).then_some(first?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_counted_by_letter() {
        let s = Scripts::count("قال لافروف (Lavrov) إن ٢٠ وفدا وصلوا.");
        assert_eq!(s.latin, 6);
        assert!(s.mostly_arabic());
        assert!(Scripts::count("The minister said ٢٠ delegations came.").mostly_latin());
    }

    #[test]
    fn swapped_one_sided_and_right_pairs() {
        let (ar, en) = (Path::new("a.txt"), Path::new("b.txt"));
        let arabic = "وصل الوفد إلى موسكو.";
        let english = "The delegation arrived in Moscow.";
        assert!(languages(ar, arabic, en, english).is_ok());
        let e = languages(ar, english, en, arabic).unwrap_err();
        assert!(
            e.starts_with("AR_FILE a.txt looks English and EN_FILE b.txt Arabic: swap them?"),
            "{e}"
        );
        let e = languages(ar, english, en, english).unwrap_err();
        assert!(e.starts_with("a.txt: AR_FILE has no Arabic text"), "{e}");
        let e = languages(ar, arabic, en, arabic).unwrap_err();
        assert!(e.starts_with("b.txt: EN_FILE looks Arabic"), "{e}");
    }

    #[test]
    fn pages_are_markup_and_a_quoted_tag_is_not() {
        assert_eq!(
            markup("\n  <!DOCTYPE html>\n<html><body><p>نص</p></body></html>\n"),
            Some((2, 3, "<!DOCTYPE html>".to_string()))
        );
        assert_eq!(
            markup("<?xml version=\"1.0\"?>\n<doc/>"),
            Some((1, 1, "<?xml version=\"1.0\"?>".to_string()))
        );
        let fragment = "First line.\n<p>The minister said.</p>\n<p>He left.</p>\nLast.\n";
        assert_eq!(markup(fragment), Some((2, 1, "<p>".to_string())));
        assert_eq!(
            markup("قال الوزير إن <b>القرار</b> نهائي.\nغادر الوفد.\nوصل.\n"),
            None
        );
        assert_eq!(markup("if a < b and c <d then\n2 < 3\n"), None);
        assert_eq!(markup("<b>عاجل</b>: وصل الوفد.\nغادر الوفد.\n"), None);
    }
}
