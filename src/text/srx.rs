//! SRX 2.0 segmentation rules (the format of OmegaT and Okapi), read and
//! applied inside one paragraph.
//!
//! An SRX file holds named `<languagerule>`s, each an ordered list of
//! `<rule break="yes|no">` with a `<beforebreak>` and an `<afterbreak>`
//! regular expression, and `<maprules>` whose `<languagemap
//! languagepattern=".." languagerulename="..">` pick the rules for a
//! language code. With `cascade="yes"` in the header every matching map
//! contributes its rules, in map order; otherwise only the first.
//!
//! At a position in the text, the first rule whose `beforebreak` matches
//! text ending there and whose `afterbreak` matches text starting there
//! decides: break or not. No rule, no break. Positions are found the way
//! Okapi and OmegaT find them: every match end of a rule's `beforebreak`
//! (leftmost, non-overlapping), then `afterbreak` anchored there. Time is
//! linear in the text for each rule.
//!
//! The patterns are ICU/Java regular expressions; the `regex` crate reads
//! the common subset (classes, `\p{Lu}`, `\uXXXX`, `(?i)`). Look-around and
//! back-references are not supported: such rules are skipped with a warning
//! that names them.

use quick_xml::events::Event;
use regex::Regex;

/// One compiled rule.
#[derive(Debug, Clone)]
struct Rule {
    brk: bool,
    before: Option<Regex>,
    /// `afterbreak` anchored at the break position (`^(?:…)`).
    after: Option<Regex>,
    /// `afterbreak` as written, searched for when there is no `beforebreak`.
    after_free: Option<Regex>,
}

/// The rules an SRX file gives one language.
#[derive(Debug, Clone)]
pub struct SrxRules {
    rules: Vec<Rule>,
}

/// An SRX file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SrxError {
    pub message: String,
}

fn err(message: impl Into<String>) -> SrxError {
    SrxError {
        message: message.into(),
    }
}

/// A rule as written in the file, before compiling.
#[derive(Default)]
struct RawRule {
    brk: bool,
    before: Option<String>,
    after: Option<String>,
}

impl SrxRules {
    /// Read `xml` (an SRX 2.0 document) and keep the rules that apply to
    /// `language` (e.g. `ar`, `en-GB`: matched against each
    /// `languagepattern`, case-insensitively). Returns the rules and one
    /// warning per rule skipped because its regex is not supported.
    pub fn parse(xml: &str, language: &str) -> Result<(SrxRules, Vec<String>), SrxError> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut cascade = true;
        let mut rule_sets: Vec<(String, Vec<RawRule>)> = Vec::new();
        let mut maps: Vec<(String, String)> = Vec::new();
        let mut current: Option<RawRule> = None;
        let mut text_of: Option<&'static str> = None;
        let mut text = String::new();
        let position = |reader: &quick_xml::Reader<&[u8]>| reader.buffer_position();
        let attr = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
            e.attributes().flatten().find_map(|a| {
                (a.key.local_name().as_ref() == name.as_bytes())
                    .then(|| a.unescape_value().ok().map(|v| v.into_owned()))
                    .flatten()
            })
        };
        loop {
            let event = reader.read_event().map_err(|e| {
                err(format!(
                    "not well-formed XML near byte {}: {e}",
                    position(&reader)
                ))
            })?;
            match event {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    b"header" => {
                        cascade =
                            attr(&e, "cascade").map_or(true, |v| v.eq_ignore_ascii_case("yes"))
                    }
                    b"languagerule" => {
                        let name = attr(&e, "languagerulename").ok_or_else(|| {
                            err("a <languagerule> has no languagerulename attribute")
                        })?;
                        rule_sets.push((name, Vec::new()));
                    }
                    b"rule" => {
                        let brk = attr(&e, "break").map_or(true, |v| v.eq_ignore_ascii_case("yes"));
                        current = Some(RawRule {
                            brk,
                            ..RawRule::default()
                        });
                    }
                    b"beforebreak" => {
                        text_of = Some("beforebreak");
                        text.clear();
                    }
                    b"afterbreak" => {
                        text_of = Some("afterbreak");
                        text.clear();
                    }
                    b"languagemap" => {
                        let pattern = attr(&e, "languagepattern");
                        let name = attr(&e, "languagerulename");
                        match (pattern, name) {
                            (Some(p), Some(n)) => maps.push((p, n)),
                            _ => {
                                return Err(err(
                                    "a <languagemap> needs languagepattern and languagerulename",
                                ))
                            }
                        }
                    }
                    _ => {}
                },
                Event::Text(t) if text_of.is_some() => {
                    let piece = t.decode().map_err(|e| {
                        err(format!("bad text in <{}>: {e}", text_of.unwrap_or("")))
                    })?;
                    text.push_str(&piece);
                }
                Event::GeneralRef(r) if text_of.is_some() => {
                    let name = r.decode().map_err(|e| err(e.to_string()))?;
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => text.push_str(s),
                        None => {
                            let c = r
                                .resolve_char_ref()
                                .ok()
                                .flatten()
                                .ok_or_else(|| err(format!("unknown entity &{name};")))?;
                            text.push(c);
                        }
                    }
                }
                Event::CData(t) if text_of.is_some() => {
                    text.push_str(&String::from_utf8_lossy(&t));
                }
                Event::End(e) => match e.local_name().as_ref() {
                    b"beforebreak" | b"afterbreak" => {
                        if let Some(rule) = current.as_mut() {
                            let pattern = Some(std::mem::take(&mut text));
                            if text_of == Some("beforebreak") {
                                rule.before = pattern;
                            } else {
                                rule.after = pattern;
                            }
                        }
                        text_of = None;
                    }
                    b"rule" => {
                        if let (Some(rule), Some((_, rules))) =
                            (current.take(), rule_sets.last_mut())
                        {
                            rules.push(rule);
                        }
                    }
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        if maps.is_empty() {
            return Err(err(
                "no <languagemap> in <maprules>: which rules apply to which language?",
            ));
        }

        let mut rules = Vec::new();
        let mut warnings = Vec::new();
        let mut matched = false;
        for (pattern, name) in &maps {
            let re = Regex::new(&format!("(?i)^(?:{pattern})$")).map_err(|e| {
                err(format!(
                    "languagepattern `{pattern}` is not a usable regex: {e}"
                ))
            })?;
            if !re.is_match(language) {
                continue;
            }
            matched = true;
            let Some((_, raw)) = rule_sets.iter().find(|(n, _)| n == name) else {
                return Err(err(format!(
                    "<languagemap> names languagerulename `{name}`, which no <languagerule> has"
                )));
            };
            for (index, rule) in raw.iter().enumerate() {
                let compile = |p: &Option<String>| -> Result<Option<Regex>, String> {
                    match p.as_deref() {
                        None | Some("") => Ok(None),
                        Some(p) => Regex::new(p).map(Some).map_err(|e| {
                            let first = e.to_string().lines().last().unwrap_or("").to_string();
                            format!("`{p}`: {first}")
                        }),
                    }
                };
                match (compile(&rule.before), compile(&rule.after)) {
                    (Ok(before), Ok(after)) => rules.push(Rule {
                        brk: rule.brk,
                        before,
                        after: after
                            .as_ref()
                            .and_then(|a| Regex::new(&format!("^(?:{})", a.as_str())).ok()),
                        after_free: after,
                    }),
                    (Err(e), _) | (_, Err(e)) => warnings.push(format!(
                        "skipped rule {} of languagerule `{name}`: {e}",
                        index + 1
                    )),
                }
            }
            if !cascade {
                break;
            }
        }
        if !matched {
            return Err(err(format!(
                "no languagemap pattern matches the language `{language}`: pass --srx-lang \
                 with a code the file maps"
            )));
        }
        Ok((SrxRules { rules }, warnings))
    }

    /// Byte offsets in `text` where a segment ends, ascending, without 0
    /// and `text.len()`.
    pub fn breaks(&self, text: &str) -> Vec<usize> {
        // The decision at each position: the first rule to fire wins.
        let mut decided: std::collections::BTreeMap<usize, bool> = Default::default();
        for rule in &self.rules {
            let fires = |at: usize| {
                rule.after
                    .as_ref()
                    .map_or(true, |after| after.is_match(&text[at..]))
            };
            match &rule.before {
                Some(before) => {
                    for m in before.find_iter(text) {
                        let at = m.end();
                        if at > 0 && at < text.len() && fires(at) {
                            decided.entry(at).or_insert(rule.brk);
                        }
                    }
                }
                None => {
                    // No beforebreak: any position where afterbreak matches.
                    for m in rule.after_free.iter().flat_map(|re| re.find_iter(text)) {
                        let at = m.start();
                        if at > 0 && at < text.len() {
                            decided.entry(at).or_insert(rule.brk);
                        }
                    }
                }
            }
        }
        decided
            .into_iter()
            .filter_map(|(at, brk)| brk.then_some(at))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRX: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<srx xmlns="http://www.lisa.org/srx20" version="2.0">
  <header segmentsubflows="yes" cascade="yes"/>
  <body>
    <languagerules>
      <languagerule languagerulename="Arabic">
        <rule break="no"><beforebreak>\s(د|أ\.د)\.</beforebreak><afterbreak>\s</afterbreak></rule>
        <rule break="yes"><beforebreak>[؟!]+</beforebreak><afterbreak>\s</afterbreak></rule>
      </languagerule>
      <languagerule languagerulename="Default">
        <rule break="no"><beforebreak>\b(Mr|Dr)\.</beforebreak><afterbreak>\s</afterbreak></rule>
        <rule break="no"><beforebreak>(?&lt;=x)y</beforebreak><afterbreak>\s</afterbreak></rule>
        <rule break="yes"><beforebreak>[\.\?!]+["”]?</beforebreak><afterbreak>\s+\p{Lu}</afterbreak></rule>
        <rule break="yes"><beforebreak>\.</beforebreak><afterbreak>\s</afterbreak></rule>
      </languagerule>
    </languagerules>
    <maprules>
      <languagemap languagepattern="AR.*" languagerulename="Arabic"/>
      <languagemap languagepattern=".*" languagerulename="Default"/>
    </maprules>
  </body>
</srx>"#;

    fn pieces<'a>(rules: &SrxRules, text: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        let mut from = 0;
        for at in rules.breaks(text).into_iter().chain([text.len()]) {
            out.push(text[from..at].trim());
            from = at;
        }
        out
    }

    #[test]
    fn english_gets_the_default_rules_and_a_skipped_lookbehind() {
        let (rules, warnings) = SrxRules::parse(SRX, "en-GB").unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("rule 2 of languagerule `Default`"));
        assert_eq!(
            pieces(&rules, "Mr. Smith left. He said \"no.\" Then 1.5 more."),
            ["Mr. Smith left.", "He said \"no.\"", "Then 1.5 more."]
        );
    }

    #[test]
    fn arabic_cascades_into_the_default_rules() {
        let (rules, _) = SrxRules::parse(SRX, "ar-SY").unwrap();
        assert_eq!(
            pieces(&rules, "قال د. محمد كلاماً. هل انتهى؟ نعم."),
            ["قال د. محمد كلاماً.", "هل انتهى؟", "نعم."]
        );
    }

    #[test]
    fn without_cascade_only_the_first_map_applies() {
        let no_cascade = SRX.replace("cascade=\"yes\"", "cascade=\"no\"");
        let (rules, _) = SrxRules::parse(&no_cascade, "ar").unwrap();
        // Only the Arabic rules: a full stop no longer breaks.
        assert_eq!(
            pieces(&rules, "انتهى. هل عاد؟ نعم."),
            ["انتهى. هل عاد؟", "نعم."]
        );
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(SrxRules::parse("<srx><body>", "en").is_err());
        let e = SrxRules::parse(&SRX.replace("\"Default\"/>", "\"Nope\"/>"), "en").unwrap_err();
        assert!(e.message.contains("Nope"), "{e}");
        let e = SrxRules::parse(&SRX.replace("AR.*", "AR").replace("\".*\"", "\"EN\""), "fr")
            .unwrap_err();
        assert!(e.message.contains("--srx-lang"), "{e}");
    }
}
