//! The TSV that `tarjuman align` writes, read back after a translator has
//! corrected it: one link a row, `src_ids<TAB>tgt_ids<TAB>score<TAB>
//! arabic<TAB>english`. What is stored is what the rows now say: each row
//! with both texts becomes a unit (Arabic, English), with the Arabic of the
//! rows before and after as its context, as `align --import` stores it.
//!
//! Corrections it accepts: text moved between rows (a link moved, split or
//! merged), a side emptied (an omission: not stored), rows added or deleted,
//! scores deleted (the cell emptied, or the whole column); the id columns are
//! for the reader and may be stale or empty. A score left in place is kept as
//! the unit's `x-tarjuman-align-score` prop. The file may start with the
//! column names `src_ids<TAB>tgt_ids<TAB>score<TAB>src_text<TAB>tgt_text`.
//!
//! It reads the format; storing is `pipeline` and `tm`. The whole file is
//! read at once (an alignment is one document), decoded by `input` (UTF-8,
//! or UTF-16 as spreadsheets save "Unicode text").

use crate::unit::{Prop, Unit};

use super::source::Located;

/// The column names `align --help` gives, accepted as a first line.
const HEADER: [&str; 5] = ["src_ids", "tgt_ids", "score", "src_text", "tgt_text"];

/// One row as read.
struct Row<'a> {
    line: u64,
    score: Option<&'a str>,
    arabic: &'a str,
    english: &'a str,
}

/// A cell of sentence ids: empty, or numbers separated by commas.
fn is_ids(cell: &str) -> bool {
    let cell = cell.trim();
    cell.is_empty()
        || cell
            .split(',')
            .all(|n| !n.trim().is_empty() && n.trim().bytes().all(|b| b.is_ascii_digit()))
}

fn is_score(cell: &str) -> bool {
    cell.trim()
        .parse::<f64>()
        .is_ok_and(|s| (0.0..=1.0).contains(&s))
}

/// Does this first line (of a file's first bytes) look like `align`'s TSV:
/// its column names, or five cells of which the first two are sentence ids
/// and the third a score or empty?
pub fn looks_like(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let Some(line) = head
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty())
    else {
        return false;
    };
    // The head may end inside a character: only the first line matters.
    let line = String::from_utf8_lossy(line);
    let cells: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
    if cells.iter().map(|c| c.trim()).eq(HEADER) {
        return true;
    }
    cells.len() == 5
        && is_ids(cells[0])
        && is_ids(cells[1])
        && (cells[2].trim().is_empty() || is_score(cells[2]))
}

/// The 1-based column (in characters) where cell `k` of a tab-split row starts.
fn column_of(cells: &[&str], k: usize) -> u64 {
    let before: usize = cells[..k].iter().map(|c| c.chars().count() + 1).sum();
    before as u64 + 1
}

fn located(line: u64, column: u64, message: String) -> Located {
    Located {
        line,
        column,
        message,
    }
}

/// The units of a corrected alignment, in the file's order, and how many
/// rows were omissions (one side empty).
pub fn units(text: &str, src_lang: &str, tgt_lang: &str) -> Result<(Vec<Unit>, u64), Located> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n as u64 + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        if n == 0 && cells.iter().map(|c| c.trim()).eq(HEADER) {
            continue;
        }
        // Five cells, or four when the score column was deleted.
        let (score, arabic, english) = match cells.len() {
            5 => (Some(cells[2]), cells[3], cells[4]),
            4 => (None, cells[2], cells[3]),
            k => {
                return Err(located(
                    line_no,
                    1,
                    format!(
                        "{k} cells: a row of an alignment is src_ids<TAB>tgt_ids<TAB>score<TAB>arabic<TAB>english \
                         (the score may be empty or its column deleted)"
                    ),
                ))
            }
        };
        for (k, cell) in cells[..2].iter().enumerate() {
            if !is_ids(cell) {
                return Err(located(
                    line_no,
                    column_of(&cells, k),
                    format!("`{cell}` is not a list of sentence ids (such as 3 or 3,4); leave it empty if unsure"),
                ));
            }
        }
        let score = score.filter(|s| !s.trim().is_empty());
        if let Some(s) = score {
            if !is_score(s) {
                return Err(located(
                    line_no,
                    column_of(&cells, 2),
                    format!("`{s}` is not a score between 0 and 1; empty the cell for a link you checked"),
                ));
            }
        }
        rows.push(Row {
            line: line_no,
            score,
            arabic: arabic.trim(),
            english: english.trim(),
        });
    }
    let mut units = Vec::new();
    let mut omissions = 0;
    for (k, row) in rows.iter().enumerate() {
        if row.arabic.is_empty() || row.english.is_empty() {
            omissions += 1;
            continue;
        }
        let mut u = Unit::pair(src_lang, row.arabic, tgt_lang, row.english);
        if let Some(score) = row.score {
            u.props.push(Prop {
                kind: "x-tarjuman-align-score".into(),
                value: score.trim().to_string(),
                ..Default::default()
            });
        }
        // The Arabic of the nearest rows that have some.
        let arabic = |r: &&Row| !r.arabic.is_empty();
        u.context.prev = rows[..k]
            .iter()
            .rev()
            .find(arabic)
            .map(|r| r.arabic.to_string());
        u.context.next = rows[k + 1..]
            .iter()
            .find(arabic)
            .map(|r| r.arabic.to_string());
        debug_assert!(row.line > 0);
        units.push(u);
    }
    Ok((units, omissions))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRITTEN: &str = "0\t0\t0.998\tوصل الوفد إلى موسكو.\tThe delegation arrived in Moscow.\n\
1\t1,2\t0.612\tوقال لافروف إن اللقاء انتهى وإن الوفد غادر.\tLavrov said the meeting was over.\n\
\t3\t0.540\t\tThe delegation left.\n";

    #[test]
    fn align_output_is_recognised_by_its_first_line_or_its_column_names() {
        assert!(looks_like(WRITTEN.as_bytes()));
        assert!(looks_like(b"\xEF\xBB\xBF\n2,3\t\t\t\xD9\x86\xD8\xB5\tx\n"));
        assert!(looks_like(b"src_ids\ttgt_ids\tscore\tsrc_text\ttgt_text\n"));
        assert!(!looks_like("ar\ten\nقال\tsaid\n".as_bytes()));
        assert!(!looks_like("قال\tsaid\n".as_bytes()));
        assert!(!looks_like(b"1\t2\tmany\tx\ty\n"));
        assert!(!looks_like(b""));
    }

    #[test]
    fn corrected_rows_are_stored_as_they_now_read() {
        // The translator moved "The delegation left." up into row 2, emptied
        // row 3 and deleted row 2's score.
        let fixed = "0\t0\t0.998\tوصل الوفد إلى موسكو.\tThe delegation arrived in Moscow.\n\
1\t1,2\t\tوقال لافروف إن اللقاء انتهى وإن الوفد غادر.\tLavrov said the meeting was over. The delegation left.\n\
\t3\t\t\t\n\
\t\t\tوعاد الوزير.\tThe minister returned.\n";
        let (units, omissions) = units(fixed, "ar", "en").unwrap();
        assert_eq!(units.len(), 3);
        assert_eq!(omissions, 1);
        let u = &units[1];
        assert_eq!(
            u.variant("en").unwrap().seg.plain,
            "Lavrov said the meeting was over. The delegation left."
        );
        assert!(u.props.is_empty(), "the deleted score is not stored");
        assert_eq!(units[0].props[0].value, "0.998");
        assert_eq!(u.context.prev.as_deref(), Some("وصل الوفد إلى موسكو."));
        assert_eq!(u.context.next.as_deref(), Some("وعاد الوزير."));
        // The score column deleted altogether.
        let four = "0\t0\tوصل الوفد.\tThe delegation arrived.\n";
        let (units, _) = super::units(four, "ar", "en").unwrap();
        assert_eq!(units[0].variant("ar").unwrap().seg.plain, "وصل الوفد.");
    }

    #[test]
    fn bad_rows_are_placed_by_line_and_column() {
        let e = units("0\t0\t0.9\tا\tb\nsix\tcells\t1\t2\tا\tb\n", "ar", "en").unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.message.starts_with("6 cells"), "{}", e.message);
        let e = units("0\tx1\t0.9\tا\tb\n", "ar", "en").unwrap_err();
        assert_eq!((e.line, e.column), (1, 3));
        let e = units("0\t1\t1.5\tا\tb\n", "ar", "en").unwrap_err();
        assert_eq!((e.line, e.column), (1, 5));
        assert!(e.message.contains("between 0 and 1"), "{}", e.message);
    }
}
