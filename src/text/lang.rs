//! Language tags: BCP 47 case conventions and the matching rule users expect.
//!
//! CAT tools write tags every which way (`AR-SA`, `ar_SY`, `EN-us`); the TM
//! stores them normalized so that `ar-SA` is one language however it came in.
//! A request for `ar` matches every regional variant (RFC 4647 basic filtering).

/// Normalize a language tag to BCP 47 case conventions.
///
/// `AR-SA` → `ar-SA`, `ar_SY` → `ar-SY`, `zh-hant-tw` → `zh-Hant-TW`,
/// `*all*` stays as it is. Returns `None` for a tag that is not
/// well-formed BCP 47 ([`well_formed`]: `12`, `x`, `ar--SY`, `العربية`).
pub fn normalize(tag: &str) -> Option<String> {
    let tag = tag.trim();
    if tag == "*all*" {
        return Some(tag.to_string());
    }
    if !well_formed(tag) {
        return None;
    }
    let mut out = String::with_capacity(tag.len());
    // After a singleton (`x`, `u`, `t`, …) come extension subtags: lowercase.
    let mut in_extension = false;
    for (i, sub) in tag.split(['-', '_']).enumerate() {
        if sub.is_empty() || sub.len() > 8 || !sub.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        if i > 0 {
            out.push('-');
        }
        let is_alpha = sub.chars().all(|c| c.is_ascii_alphabetic());
        let is_digit = sub.chars().all(|c| c.is_ascii_digit());
        // Case mapped in place: no string per subtag (every variant of an
        // import passes through here).
        let lower = sub.chars().map(|c| c.to_ascii_lowercase());
        if i == 0 || in_extension {
            out.extend(lower);
        } else if sub.len() == 1 {
            in_extension = true;
            out.extend(lower);
        } else if sub.len() == 4 && is_alpha {
            // Script: title case.
            out.push(char::from(sub.as_bytes()[0].to_ascii_uppercase()));
            out.extend(lower.skip(1));
        } else if (sub.len() == 2 && is_alpha) || (sub.len() == 3 && is_digit) {
            // Region.
            out.extend(sub.chars().map(|c| c.to_ascii_uppercase()));
        } else {
            out.extend(lower);
        }
    }
    Some(out)
}

/// Irregular grandfathered tags (RFC 5646 §2.1): well-formed though the
/// grammar below does not produce them.
const IRREGULAR: [&str; 17] = [
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
];

/// Is `tag` well-formed BCP 47 (RFC 5646 §2.1 syntax; `_` read as `-`,
/// case ignored)? language (2–3 letters with up to three 3-letter
/// extlangs, or 4–8 letters), then optional script (4 letters), region (2
/// letters or 3 digits), variants (5–8 alphanumerics, or a digit and 3),
/// extensions (a singleton other than `x` and 2–8 alphanumerics each),
/// private use (`x` and 1–8 alphanumerics each); or private use alone
/// (`x-…`). Well-formed is not valid: the subtags are not looked up in the
/// IANA registry, so `qq` passes and `12` or `x` do not.
pub fn well_formed(tag: &str) -> bool {
    let lower = tag.to_ascii_lowercase().replace('_', "-");
    if IRREGULAR.contains(&lower.as_str()) {
        return true;
    }
    let subs: Vec<&str> = lower.split('-').collect();
    let alpha = |s: &str| s.bytes().all(|b| b.is_ascii_alphabetic());
    let digit = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    let len = |s: &str, lo: usize, hi: usize| (lo..=hi).contains(&s.len());
    if subs
        .iter()
        .any(|s| s.is_empty() || !alnum(s) || s.len() > 8)
    {
        return false;
    }
    let mut i = 0;
    let private =
        |from: usize| subs.len() > from + 1 && subs[from + 1..].iter().all(|s| len(s, 1, 8));
    if subs[0] == "x" {
        return private(0);
    }
    // language
    if !(alpha(subs[0]) && len(subs[0], 2, 8)) {
        return false;
    }
    i += 1;
    if subs[0].len() <= 3 {
        let mut ext = 0;
        while ext < 3 && i < subs.len() && subs[i].len() == 3 && alpha(subs[i]) {
            i += 1;
            ext += 1;
        }
    }
    if i < subs.len() && subs[i].len() == 4 && alpha(subs[i]) {
        i += 1; // script
    }
    if i < subs.len()
        && ((subs[i].len() == 2 && alpha(subs[i])) || (subs[i].len() == 3 && digit(subs[i])))
    {
        i += 1; // region
    }
    while i < subs.len()
        && (len(subs[i], 5, 8) || (subs[i].len() == 4 && subs[i].as_bytes()[0].is_ascii_digit()))
    {
        i += 1; // variants
    }
    while i < subs.len() && subs[i].len() == 1 && subs[i] != "x" {
        // an extension: its singleton, then at least one 2–8 subtag
        let start = i + 1;
        i = start;
        while i < subs.len() && len(subs[i], 2, 8) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if i < subs.len() && subs[i] == "x" {
        return private(i);
    }
    i == subs.len()
}

/// The primary language subtag (`ar` of `ar-SY`).
pub fn primary(tag: &str) -> &str {
    tag.split(['-', '_']).next().unwrap_or(tag)
}

/// Does a stored tag satisfy a requested one? `ar` matches `ar`, `ar-SY`,
/// `ar-Arab-EG`; `ar-SY` matches only `ar-SY` (and its extensions); `*`
/// matches everything. Case-insensitive.
pub fn matches(requested: &str, stored: &str) -> bool {
    if requested == "*" {
        return true;
    }
    let (r, s) = (requested.as_bytes(), stored.as_bytes());
    if s.len() < r.len() || !s[..r.len()].eq_ignore_ascii_case(r) {
        return false;
    }
    s.len() == r.len() || s[r.len()] == b'-' || s[r.len()] == b'_'
}

/// The SQL `LIKE`-free form of `matches` for the store: a stored tag matches
/// `requested` when it equals it or starts with `requested-`. Returns the two
/// bounds of that second range for a B-tree range scan: `[requested-, requested.)`
/// (`.` is the character after `-` in ASCII).
pub fn prefix_range(requested: &str) -> (String, String) {
    (format!("{requested}-"), format!("{requested}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_and_separators() {
        assert_eq!(normalize("AR-SA").as_deref(), Some("ar-SA"));
        assert_eq!(normalize("ar_SY").as_deref(), Some("ar-SY"));
        assert_eq!(normalize("EN-us").as_deref(), Some("en-US"));
        assert_eq!(normalize("en").as_deref(), Some("en"));
        assert_eq!(normalize("zh-hant-tw").as_deref(), Some("zh-Hant-TW"));
        assert_eq!(normalize("es-419").as_deref(), Some("es-419"));
        assert_eq!(normalize("en-US-x-Legal").as_deref(), Some("en-US-x-legal"));
        assert_eq!(normalize(" fr-CA ").as_deref(), Some("fr-CA"));
        assert_eq!(normalize("*all*").as_deref(), Some("*all*"));
    }

    #[test]
    fn refuses_malformed_tags() {
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("ar--SY"), None);
        assert_eq!(normalize("ar SY"), None);
        assert_eq!(normalize("العربية"), None);
        // Not well-formed BCP 47: digits or a lone singleton as the language,
        // a singleton with nothing after it, a subtag too long.
        for bad in [
            "12",
            "x",
            "a",
            "ar-x",
            "ar-u",
            "ar-SY-u-x-foo",
            "e1",
            "ar-abcdefghi",
            "-ar",
            "ar-",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
        for good in [
            "ar-Arab-SY",
            "zh-yue-HK",
            "sr-Latn-RS-1994",
            "de-CH-1901",
            "en-u-ca-gregory",
            "x-private",
            "i-klingon",
            "en-GB-oed",
            "qaa",
            "english",
        ] {
            assert!(normalize(good).is_some(), "{good}");
        }
    }

    #[test]
    fn a_bare_language_matches_its_regions() {
        assert!(matches("ar", "ar"));
        assert!(matches("ar", "ar-SY"));
        assert!(matches("AR", "ar-SY"));
        assert!(matches("ar-SY", "ar-SY"));
        assert!(!matches("ar-SY", "ar-SA"));
        assert!(!matches("ar-SY", "ar"));
        assert!(!matches("ar", "arz"));
        assert!(!matches("en", "ar"));
        assert!(matches("*", "fr"));
    }

    #[test]
    fn prefix_range_brackets_regional_tags() {
        let (lo, hi) = prefix_range("ar");
        for t in ["ar-SY", "ar-SA", "ar-Arab-EG"] {
            assert!(lo.as_str() <= t && t < hi.as_str(), "{t}");
        }
        for t in ["ar", "arz", "en"] {
            assert!(!(lo.as_str() <= t && t < hi.as_str()), "{t}");
        }
    }
}
