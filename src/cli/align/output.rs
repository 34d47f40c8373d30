//! `align`'s output formats: TSV, JSON lines, Moses, TMX units, from one
//! alignment and its two texts (the review page is `align::html`).

use tarjuman::align::Alignment;

use super::Text;

fn side_ids(idx: &[usize], text: &Text) -> Vec<usize> {
    idx.iter().map(|&i| text.ids[i]).collect()
}

pub fn side_text(idx: &[usize], text: &Text) -> String {
    idx.iter()
        .map(|&i| text.sentences[i].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn one_line(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

fn ids_str(ids: &[usize]) -> String {
    ids.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// With `moves` (--allow-moves) a sixth column says `moved` or is empty.
pub fn tsv(result: &Alignment, ar: &Text, en: &Text, moves: bool) -> String {
    let mut out = String::new();
    for l in &result.links {
        out.push_str(&format!(
            "{}\t{}\t{:.3}\t{}\t{}",
            ids_str(&side_ids(&l.src, ar)),
            ids_str(&side_ids(&l.tgt, en)),
            l.score,
            one_line(&side_text(&l.src, ar)),
            one_line(&side_text(&l.tgt, en))
        ));
        if moves {
            out.push('\t');
            if l.moved {
                out.push_str("moved");
            }
        }
        out.push('\n');
    }
    out
}

#[derive(serde::Serialize)]
struct JsonLink<'a> {
    src: &'a [usize],
    tgt: &'a [usize],
    score: f64,
    moved: bool,
    src_text: String,
    tgt_text: String,
}

pub fn json(result: &Alignment, ar: &Text, en: &Text) -> String {
    let mut out = String::new();
    for l in &result.links {
        let link = JsonLink {
            src: &side_ids(&l.src, ar),
            tgt: &side_ids(&l.tgt, en),
            score: (l.score * 1000.0).round() / 1000.0,
            moved: l.moved,
            src_text: side_text(&l.src, ar),
            tgt_text: side_text(&l.tgt, en),
        };
        out.push_str(&serde_json::to_string(&link).expect("plain data serializes"));
        out.push('\n');
    }
    out
}

pub fn moses(result: &Alignment, ar: &Text, en: &Text) -> (String, String) {
    let (mut a, mut e) = (String::new(), String::new());
    for l in result
        .links
        .iter()
        .filter(|l| !l.src.is_empty() && !l.tgt.is_empty())
    {
        a.push_str(&one_line(&side_text(&l.src, ar)));
        a.push('\n');
        e.push_str(&one_line(&side_text(&l.tgt, en)));
        e.push('\n');
    }
    (a, e)
}

/// Units for the links with both sides and at least `min_score`; context is
/// the Arabic sentence before and after the link.
pub fn units(
    result: &Alignment,
    ar: &Text,
    en: &Text,
    origin: &str,
    min_score: f64,
) -> Vec<tarjuman::unit::Unit> {
    let mut out = Vec::new();
    for l in &result.links {
        if l.src.is_empty() || l.tgt.is_empty() || l.score < min_score {
            continue;
        }
        let mut u =
            tarjuman::unit::Unit::pair("ar", &side_text(&l.src, ar), "en", &side_text(&l.tgt, en));
        u.origin = Some(origin.to_string());
        u.props.push(tarjuman::unit::Prop {
            kind: "x-tarjuman-align-score".into(),
            value: format!("{:.3}", l.score),
            ..Default::default()
        });
        if l.moved {
            u.props.push(tarjuman::unit::Prop {
                kind: "x-tarjuman-align-moved".into(),
                value: "yes".into(),
                ..Default::default()
            });
        }
        let first = l.src[0];
        let last = l.src[l.src.len() - 1];
        u.context.prev = first.checked_sub(1).map(|i| ar.sentences[i].clone());
        u.context.next = ar.sentences.get(last + 1).cloned();
        out.push(u);
    }
    out
}

fn tmx_header() -> tarjuman::unit::Header {
    tarjuman::unit::Header {
        creation_tool: Some("tarjuman".into()),
        creation_tool_version: Some(env!("CARGO_PKG_VERSION").into()),
        segtype: Some("sentence".into()),
        o_tmf: Some("tarjuman".into()),
        adminlang: Some("en".into()),
        srclang: Some("ar".into()),
        datatype: Some("plaintext".into()),
        ..Default::default()
    }
}

pub fn tmx(units: &[tarjuman::unit::Unit]) -> anyhow::Result<Vec<u8>> {
    let mut w = TmxStream::new()?;
    w.write(units)?;
    w.finish()
}

/// One TMX written pair after pair (a batch's archive).
pub struct TmxStream(tarjuman::tmx::write::TmxWriter<Vec<u8>>);

impl TmxStream {
    pub fn new() -> anyhow::Result<TmxStream> {
        Ok(TmxStream(tarjuman::tmx::write::TmxWriter::new(
            Vec::new(),
            &tmx_header(),
        )?))
    }

    pub fn write(&mut self, units: &[tarjuman::unit::Unit]) -> anyhow::Result<()> {
        for u in units {
            self.0.write_unit(u)?;
        }
        Ok(())
    }

    pub fn finish(self) -> anyhow::Result<Vec<u8>> {
        Ok(self.0.finish()?)
    }
}
