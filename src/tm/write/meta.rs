//! How a unit's metadata is stored: the unit's date, a variant's stamp and
//! extra attributes as JSON (`VariantMeta`), the origin header, props and
//! notes as JSON, and whether a variant's markup is its plain text escaped
//! (then only the plain text is stored). Pure conversions, no database.

use super::error::{Result, WriteError};

use crate::unit::{Header, Note, Prop, Stamp};

/// The TM's date for a unit: when it last changed, else when it was made.
pub(crate) fn unit_date(stamp: &Stamp) -> Option<&str> {
    stamp
        .change_date
        .as_deref()
        .or(stamp.creation_date.as_deref())
}

/// Per-variant stamp and attributes, as the `variant.meta` JSON holds them.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct VariantMeta {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub change_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub change_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_usage_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub usage_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_tool: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub creation_tool_version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub extra: Vec<(String, String)>,
}

impl VariantMeta {
    /// The JSON for a variant, or `None` when it has no metadata (the
    /// common case: no JSON work at all).
    pub(crate) fn encode(stamp: &Stamp, extra: &[(String, String)]) -> Result<Option<String>> {
        if *stamp == Stamp::default() && extra.is_empty() {
            return Ok(None);
        }
        let meta = VariantMeta {
            creation_date: stamp.creation_date.clone(),
            creation_id: stamp.creation_id.clone(),
            change_date: stamp.change_date.clone(),
            change_id: stamp.change_id.clone(),
            last_usage_date: stamp.last_usage_date.clone(),
            usage_count: stamp.usage_count,
            creation_tool: stamp.creation_tool.clone(),
            creation_tool_version: stamp.creation_tool_version.clone(),
            extra: extra.to_vec(),
        };
        Ok(Some(serde_json::to_string(&meta)?))
    }

    pub(crate) fn decode(json: &str) -> Result<(Stamp, Vec<(String, String)>)> {
        let m: VariantMeta = serde_json::from_str(json).map_err(WriteError::CorruptMeta)?;
        let stamp = Stamp {
            creation_date: m.creation_date,
            creation_id: m.creation_id,
            change_date: m.change_date,
            change_id: m.change_id,
            last_usage_date: m.last_usage_date,
            usage_count: m.usage_count,
            creation_tool: m.creation_tool,
            creation_tool_version: m.creation_tool_version,
        };
        Ok((stamp, m.extra))
    }
}

pub(crate) fn header_json(h: &Header) -> String {
    let props: Vec<_> = h.props.iter().map(prop_json).collect();
    let notes: Vec<_> = h.notes.iter().map(note_json).collect();
    serde_json::json!({
        "creationtool": h.creation_tool,
        "creationtoolversion": h.creation_tool_version,
        "segtype": h.segtype,
        "o-tmf": h.o_tmf,
        "adminlang": h.adminlang,
        "srclang": h.srclang,
        "datatype": h.datatype,
        "o-encoding": h.o_encoding,
        "creationdate": h.stamp.creation_date,
        "creationid": h.stamp.creation_id,
        "changedate": h.stamp.change_date,
        "changeid": h.stamp.change_id,
        "props": props,
        "notes": notes,
        "extra": h.extra,
    })
    .to_string()
}

pub(super) fn prop_json(p: &Prop) -> serde_json::Value {
    serde_json::json!({"type": p.kind, "value": p.value, "lang": p.lang, "o-encoding": p.encoding})
}

pub(super) fn note_json(n: &Note) -> serde_json::Value {
    serde_json::json!({"text": n.text, "lang": n.lang, "o-encoding": n.encoding})
}

/// Is `markup` exactly `escape_text(plain)`? (Then it is stored as NULL.)
/// Compares without building the escaped string.
pub(crate) fn is_escaped(plain: &str, markup: &str) -> bool {
    // Nearly every segment: no markup and nothing to escape, one memcmp
    // and one vectorized search (a byte loop here was 4% of the writer).
    if plain.len() == markup.len() {
        return plain == markup && memchr::memchr3(b'&', b'<', b'>', plain.as_bytes()).is_none();
    }
    let mut rest = markup.as_bytes();
    for &b in plain.as_bytes() {
        let expect: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            _ => std::slice::from_ref(&b),
        };
        match rest.strip_prefix(expect) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}
