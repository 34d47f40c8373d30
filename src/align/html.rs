//! The review page: a self-contained HTML file showing the alignment side
//! by side (Arabic right-to-left), each link coloured by confidence, the
//! omissions visible, and a summary at the top: what a translator checks
//! before importing the pairs into the translation memory.

use super::{Alignment, Link};

/// What the page shows.
pub struct Page<'a> {
    pub title: &'a str,
    pub src: &'a [String],
    pub tgt: &'a [String],
    /// Output ids of the sentences (line numbers with `--input lines`).
    pub src_ids: &'a [usize],
    pub tgt_ids: &'a [usize],
    pub alignment: &'a Alignment,
}

/// Confidence bands of the page (and of the legend).
pub fn band(score: f64) -> &'static str {
    if score >= 0.9 {
        "high"
    } else if score >= 0.5 {
        "medium"
    } else {
        "low"
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn kind(link: &Link) -> String {
    format!("{}-{}", link.src.len(), link.tgt.len())
}

const STYLE: &str = r#"
:root { --high:#1b7f3b; --high-bg:#eaf6ee; --medium:#9a6700; --medium-bg:#fff6dc;
        --low:#b42318; --low-bg:#fdecea; --omit-bg:#f3f4f6; --line:#d9dde3; --ink:#1f2328; --muted:#5f6b7a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif; color: var(--ink); background: #fafbfc; }
header { padding: 20px 32px 14px; background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
h1 { font-size: 18px; margin: 0 0 6px; font-weight: 600; }
h1 small { font-weight: 400; color: var(--muted); }
.summary { display: flex; flex-wrap: wrap; gap: 8px 22px; margin: 6px 0 10px; color: var(--muted); }
.summary b { color: var(--ink); font-variant-numeric: tabular-nums; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 13px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.swatch { width: 14px; height: 14px; border-radius: 3px; display: inline-block; border-left: 4px solid; }
.swatch.high { background: var(--high-bg); border-color: var(--high); }
.swatch.medium { background: var(--medium-bg); border-color: var(--medium); }
.swatch.low { background: var(--low-bg); border-color: var(--low); }
.swatch.omission { background: var(--omit-bg); border-color: #9aa4b2; border-left-style: dashed; }
main { padding: 16px 32px 40px; }
table { width: 100%; border-collapse: separate; border-spacing: 0 6px; table-layout: fixed; }
th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; padding: 0 12px; }
th.ar { text-align: right; }
col.n { width: 64px; } col.score { width: 92px; }
td { vertical-align: top; padding: 10px 12px; background: #fff; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
td:first-child { border-left: 5px solid; border-radius: 6px 0 0 6px; color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
td:last-child { border-right: 1px solid var(--line); border-radius: 0 6px 6px 0; text-align: right; }
tr.high td:first-child { border-left-color: var(--high); }
tr.medium td:first-child { border-left-color: var(--medium); }
tr.low td:first-child { border-left-color: var(--low); }
tr.medium td { background: var(--medium-bg); }
tr.low td { background: var(--low-bg); }
tr.omission td { background: var(--omit-bg); }
tr.omission td:first-child { border-left-style: dashed; }
tr.moved td:first-child { border-left-style: double; border-left-width: 7px; }
td.ar { font: 19px/1.7 "Noto Naskh Arabic", "Amiri", "Scheherazade New", "Noto Sans Arabic", serif; text-align: right; }
.ids { display: block; font-size: 11px; color: var(--muted); font-family: ui-monospace, monospace; }
td.ar .ids { text-align: left; direction: ltr; }
.sent + .sent { border-top: 1px dotted var(--line); margin-top: 4px; padding-top: 4px; }
.missing { color: var(--muted); font-style: italic; font-size: 13px; }
.badge { display: inline-block; min-width: 52px; text-align: center; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; font-variant-numeric: tabular-nums; }
.high .badge { background: var(--high-bg); color: var(--high); }
.medium .badge { background: #ffe9a8; color: var(--medium); }
.low .badge { background: #f9d2cd; color: var(--low); }
.kind { display: block; margin-top: 4px; font-size: 11px; color: var(--muted); }
footer { color: var(--muted); font-size: 12px; padding: 0 32px 24px; }
"#;

/// The page as one HTML string.
pub fn render(page: &Page) -> String {
    let links = &page.alignment.links;
    let pairs = links
        .iter()
        .filter(|l| !l.src.is_empty() && !l.tgt.is_empty())
        .count();
    let src_only = links.iter().filter(|l| l.tgt.is_empty()).count();
    let tgt_only = links.iter().filter(|l| l.src.is_empty()).count();
    let count = |b: &str| {
        links
            .iter()
            .filter(|l| !l.src.is_empty() && !l.tgt.is_empty() && band(l.score) == b)
            .count()
    };
    let mean = if links.is_empty() {
        0.0
    } else {
        links.iter().map(|l| l.score).sum::<f64>() / links.len() as f64
    };
    let mut h = String::with_capacity(4096 + 400 * links.len());
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>Alignment review: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(page.title)
    ));
    h.push_str(&format!(
        "<header>\n<h1>Alignment review <small>{}</small></h1>\n",
        esc(page.title)
    ));
    h.push_str(&format!(
        "<div class=\"summary\" id=\"summary\"><span><b>{}</b> Arabic sentences</span><span><b>{}</b> English sentences</span>\
<span><b>{}</b> links</span><span><b>{pairs}</b> pairs</span><span><b>{src_only}</b> Arabic not translated</span>\
<span><b>{tgt_only}</b> English without source</span><span>mean confidence <b>{mean:.2}</b></span>\
<span>length ratio en/ar <b>{:.2}</b></span>{}</div>\n",
        page.src.len(),
        page.tgt.len(),
        links.len(),
        page.alignment.ratio,
        if page.alignment.moved_links > 0 {
            format!(
                "<span><b>{}</b> moved out of order</span>",
                page.alignment.moved_links
            )
        } else {
            String::new()
        }
    ));
    h.push_str(&format!(
        "<div class=\"legend\"><span><i class=\"swatch high\"></i>sure ≥ 0.90 ({})</span>\
<span><i class=\"swatch medium\"></i>check 0.50–0.90 ({})</span><span><i class=\"swatch low\"></i>doubtful &lt; 0.50 ({})</span>\
<span><i class=\"swatch omission\"></i>omission: no counterpart ({})</span></div>\n</header>\n",
        count("high"),
        count("medium"),
        count("low"),
        src_only + tgt_only
    ));
    h.push_str(
        "<main>\n<table>\n<colgroup><col class=\"n\"><col><col><col class=\"score\"></colgroup>\n",
    );
    h.push_str("<thead><tr><th>#</th><th class=\"ar\">العربية · Arabic</th><th>English</th><th style=\"text-align:right\">Confidence</th></tr></thead>\n<tbody>\n");
    for (n, link) in links.iter().enumerate() {
        let omission = link.src.is_empty() || link.tgt.is_empty();
        let mut class = if omission {
            format!("omission {}", band(link.score))
        } else {
            band(link.score).to_string()
        };
        if link.moved {
            class.push_str(" moved");
        }
        let src_ids: Vec<String> = link
            .src
            .iter()
            .map(|&i| page.src_ids[i].to_string())
            .collect();
        let tgt_ids: Vec<String> = link
            .tgt
            .iter()
            .map(|&j| page.tgt_ids[j].to_string())
            .collect();
        h.push_str(&format!(
            "<tr id=\"link-{n}\" class=\"{class}\" data-src=\"{}\" data-tgt=\"{}\" data-score=\"{:.3}\">",
            src_ids.join(","),
            tgt_ids.join(","),
            link.score
        ));
        h.push_str(&format!("<td>{}</td>", n + 1));
        h.push_str("<td class=\"ar\" dir=\"rtl\" lang=\"ar\">");
        cell(
            &mut h,
            &link.src,
            page.src,
            page.src_ids,
            "no Arabic source",
        );
        h.push_str("</td><td class=\"en\" lang=\"en\">");
        cell(&mut h, &link.tgt, page.tgt, page.tgt_ids, "not translated");
        h.push_str(&format!(
            "</td><td><span class=\"badge\">{:.2}</span><span class=\"kind\">{}{}</span></td></tr>\n",
            link.score,
            kind(link),
            if link.moved { " · moved" } else { "" }
        ));
    }
    h.push_str("</tbody>\n</table>\n</main>\n");
    h.push_str("<footer>Made by tarjuman align. Confidence is the link's posterior probability under the alignment model. \
Omitted sentences are not imported; links below --min-score are not imported either.\n\
<p id=\"correcting\"><b>To correct this alignment</b>: write it as TSV (<code>tarjuman align --format tsv -o links.tsv</code> \
with the same files and options), fix the rows in a spreadsheet or a text editor (move text from one row to another, \
empty a side for a sentence without counterpart, delete the scores of the links you checked), then store it with \
<code>tarjuman import links.tsv</code>: every row with both sides goes into the translation memory as it now reads.</p>\
</footer>\n</body>\n</html>\n");
    h
}

fn cell(h: &mut String, idx: &[usize], text: &[String], ids: &[usize], missing: &str) {
    if idx.is_empty() {
        h.push_str(&format!(
            "<span class=\"missing\" dir=\"ltr\" lang=\"en\">— {missing} —</span>"
        ));
        return;
    }
    for &i in idx {
        h.push_str(&format!(
            "<div class=\"sent\"><span class=\"ids\">{}</span>{}</div>",
            ids[i],
            esc(&text[i])
        ));
    }
}
