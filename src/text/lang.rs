//! Language tags: BCP 47 case conventions and the matching rule users expect.
//!
//! CAT tools write tags every which way (`AR-SA`, `ar_SY`, `EN-us`); the TM
//! stores them normalized so that `ar-SA` is one language however it came in.
//! A request for `ar` matches every regional variant (RFC 4647 basic filtering).

/// Normalize a language tag to BCP 47 case conventions.
///
/// `AR-SA` → `ar-SA`, `ar_SY` → `ar-SY`, `zh-hant-tw` → `zh-Hant-TW`,
/// `*all*` stays as it is. Returns `None` for an empty or malformed tag
/// (empty subtags, characters other than ASCII letters and digits).
pub fn normalize(tag: &str) -> Option<String> {
    let tag = tag.trim();
    if tag == "*all*" {
        return Some(tag.to_string());
    }
    if tag.is_empty() {
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
