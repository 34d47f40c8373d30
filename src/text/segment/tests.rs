//! Tests of the segmenter, on real Arabic and English.

use super::*;

fn ar(text: &str) -> Vec<String> {
    Segmenter::new(Lang::Arabic)
        .split(text)
        .into_iter()
        .map(|s| s.text)
        .collect()
}

fn en(text: &str) -> Vec<String> {
    Segmenter::new(Lang::English)
        .split(text)
        .into_iter()
        .map(|s| s.text)
        .collect()
}

#[test]
fn builtin_lists_parse() {
    let mut s = Segmenter::new(Lang::English);
    assert!(s.add_abbreviations(ENGLISH_ABBREVIATIONS).unwrap() > 100);
    let mut s = Segmenter::new(Lang::Arabic);
    assert!(s.add_abbreviations(ARABIC_ABBREVIATIONS).unwrap() > 40);
}

#[test]
fn arabic_full_stop_and_question_mark_split() {
    assert_eq!(
        ar("وصل الوفد إلى موسكو. هل سيلتقي لافروف؟ نعم، التقاه أمس!"),
        [
            "وصل الوفد إلى موسكو.",
            "هل سيلتقي لافروف؟",
            "نعم، التقاه أمس!"
        ]
    );
}

#[test]
fn each_line_is_a_paragraph() {
    let s = Segmenter::new(Lang::Arabic).split(
        "المليشيات الإيرانية تخلي قاعدة\n\n06 نوفمبر 2021\n+ الخط -\nبدأت المليشيات. وانسحبت.",
    );
    let got: Vec<(&str, usize)> = s.iter().map(|s| (s.text.as_str(), s.paragraph)).collect();
    assert_eq!(
        got,
        [
            ("المليشيات الإيرانية تخلي قاعدة", 0),
            ("06 نوفمبر 2021", 1),
            ("+ الخط -", 2),
            ("بدأت المليشيات.", 3),
            ("وانسحبت.", 3)
        ]
    );
}

#[test]
fn blank_line_mode_joins_wrapped_lines() {
    let s = Segmenter::new(Lang::English)
        .with_paragraphs(Paragraphs::BlankLines)
        .split("It was a dark\nand stormy night. The rain\nfell.\r\n\r\nNext one.");
    let got: Vec<(&str, usize)> = s.iter().map(|s| (s.text.as_str(), s.paragraph)).collect();
    assert_eq!(
        got,
        [
            ("It was a dark\nand stormy night.", 0),
            ("The rain\nfell.", 0),
            ("Next one.", 1)
        ]
    );
}

#[test]
fn offsets_are_the_trimmed_slice() {
    let text = "  أعلنت الوزارة.   وقال  المتحدث:\u{200F} لا.  \n";
    for s in Segmenter::new(Lang::Arabic).split(text) {
        assert_eq!(&text[s.start..s.end], s.text);
        assert_eq!(s.text.trim(), s.text);
    }
}

#[test]
fn arabic_numbers_dates_and_decimals_never_split() {
    assert_eq!(
        ar("ارتفع المؤشر 1.5 بالمئة في 2021.11.06 وبلغ ٣٫٥ نقطة في ٢٠٢١. ثم تراجع."),
        [
            "ارتفع المؤشر 1.5 بالمئة في 2021.11.06 وبلغ ٣٫٥ نقطة في ٢٠٢١.",
            "ثم تراجع."
        ]
    );
}

#[test]
fn urls_and_emails_never_split() {
    assert_eq!(
        ar("راجع www.alaraby.co.uk أو اكتب إلى info@alaraby.co.uk. شكراً."),
        [
            "راجع www.alaraby.co.uk أو اكتب إلى info@alaraby.co.uk.",
            "شكراً."
        ]
    );
    assert_eq!(
        en("See https://example.com/a.b?c=d. Mail j.doe@un.org now."),
        ["See https://example.com/a.b?c=d.", "Mail j.doe@un.org now."]
    );
}

#[test]
fn arabic_titles_and_initials_do_not_split() {
    assert_eq!(
        ar("قال د. محمد حسن إن أ.د. سامي وافق، وكتب ع. م. الخطيب مقالاً. انتهى."),
        [
            "قال د. محمد حسن إن أ.د. سامي وافق، وكتب ع. م. الخطيب مقالاً.",
            "انتهى."
        ]
    );
    // With harakat and hamza variants the list still matches.
    assert_eq!(ar("التقى أ.دُ. سامي بالوفد."), ["التقى أ.دُ. سامي بالوفد."]);
}

#[test]
fn arabic_citation_abbreviations_before_numbers() {
    assert_eq!(
        ar("انظر ج. 2 ص. 45 من الكتاب. وفيه التفاصيل."),
        ["انظر ج. 2 ص. 45 من الكتاب.", "وفيه التفاصيل."]
    );
}

#[test]
fn arabic_era_abbreviations_may_end_a_sentence() {
    assert_eq!(
        ar("ولد سنة 1950 م. وتوفي سنة 456 هـ. في بغداد. بنيت عام 300 ق.م. ثم توسعت. هذا ما نعرفه."),
        [
            "ولد سنة 1950 م.",
            "وتوفي سنة 456 هـ. في بغداد.",
            "بنيت عام 300 ق.م. ثم توسعت.",
            "هذا ما نعرفه."
        ]
    );
    assert_eq!(
        ar("توفي عام 1950م. وكان شاعراً."),
        ["توفي عام 1950م.", "وكان شاعراً."]
    );
}

#[test]
fn arabic_era_mark_ends_a_sentence_only_after_a_number() {
    assert_eq!(
        ar("استقبل م. وليد خالد الوفد. وقال إن العمل بدأ سنة 2020 م. وسينتهي قريباً."),
        [
            "استقبل م. وليد خالد الوفد.",
            "وقال إن العمل بدأ سنة 2020 م.",
            "وسينتهي قريباً."
        ]
    );
}

#[test]
fn arabic_etc_ends_only_before_an_opener() {
    assert_eq!(
        ar("اشترى الخبز والزيت إلخ. من السوق. وعاد إلى البيت."),
        ["اشترى الخبز والزيت إلخ. من السوق.", "وعاد إلى البيت."]
    );
}

#[test]
fn closing_quotes_and_brackets_stay_with_their_sentence() {
    assert_eq!(
        ar("قال المتحدث: «لن ننسحب.» وأضاف أن القرار نهائي (كما أعلن أمس.) ثم غادر."),
        [
            "قال المتحدث: «لن ننسحب.»",
            "وأضاف أن القرار نهائي (كما أعلن أمس.)",
            "ثم غادر."
        ]
    );
    assert_eq!(
        en("\"He left.\" She stayed."),
        ["\"He left.\"", "She stayed."]
    );
    assert_eq!(en("“Why?” she asked."), ["“Why?” she asked."]);
}

#[test]
fn arabic_semicolon_joins_by_default_and_splits_long_clauses_on_request() {
    let long = "أعلنت وزارة الخارجية الروسية يوم الجمعة استقبال الوفد السوري المعارض؛ \
                وأكد الطرفان ضرورة تهدئة الأوضاع وخفض التوتر في سورية.";
    assert_eq!(ar(long).len(), 1);
    let rule = Segmenter::new(Lang::Arabic).with_semicolon(Semicolon::Long);
    assert_eq!(rule.split(long).len(), 2);
    // Short clause before: joined.
    let short = "انتهى الاجتماع؛ وأكد الطرفان ضرورة تهدئة الأوضاع وخفض التوتر.";
    assert_eq!(rule.split(short).len(), 1);
    // Causal clause after: joined.
    let causal = "أخلت المليشيات مواقعها في مدينة البوكمال شرقي سورية؛ لأنها تخشى قصفاً \
                  متوقعاً على قاعدة الإمام علي.";
    assert_eq!(rule.split(causal).len(), 1);
    let always = Segmenter::new(Lang::Arabic).with_semicolon(Semicolon::Always);
    assert_eq!(always.split("انتهى؛ وعاد.").len(), 2);
    // English `;` never splits.
    assert_eq!(en("He came; she left.").len(), 1);
}

#[test]
fn arabic_quoted_question_goes_on_unless_an_opener_follows() {
    assert_eq!(
        ar("«هل انتهت الحرب؟» سؤال يطرحه السوريون. قال: «متى نعود؟» وصمت."),
        [
            "«هل انتهت الحرب؟» سؤال يطرحه السوريون.",
            "قال: «متى نعود؟»",
            "وصمت."
        ]
    );
    // Unquoted: always a boundary.
    assert_eq!(ar("هل انتهت الحرب؟ سؤال صعب.").len(), 2);
}

#[test]
fn arabic_conjunction_on_a_title() {
    assert_eq!(
        ar("تحدثت سلمى حداد ود. فراس منصور عن الأزمة."),
        ["تحدثت سلمى حداد ود. فراس منصور عن الأزمة."]
    );
}

#[test]
fn arabic_missing_space_after_stop_splits() {
    assert_eq!(
        ar("انتهى الاجتماع.وبدأ المؤتمر الصحافي؟نعم."),
        ["انتهى الاجتماع.", "وبدأ المؤتمر الصحافي؟", "نعم."]
    );
    assert_eq!(ar("قابلت أ.د.سامي اليوم."), ["قابلت أ.د.سامي اليوم."]);
}

#[test]
fn arabic_ellipsis_is_a_pause_unless_it_closes_a_quote() {
    assert_eq!(
        ar("وانتظرنا طويـــلاً… ثم جاء الخبر. قال: «لا أعرف...» وصمت."),
        [
            "وانتظرنا طويـــلاً… ثم جاء الخبر.",
            "قال: «لا أعرف...»",
            "وصمت."
        ]
    );
}

#[test]
fn english_titles_and_initials() {
    assert_eq!(
        en("Mr. and Mrs. Smith met Dr. Jones and Prof. J. R. R. Tolkien at St. Paul's. Gen. Lee came."),
        [
            "Mr. and Mrs. Smith met Dr. Jones and Prof. J. R. R. Tolkien at St. Paul's.",
            "Gen. Lee came."
        ]
    );
}

#[test]
fn english_abbreviation_at_the_end_of_a_sentence() {
    assert_eq!(
        en("He moved to the U.S. The move was hard. The U.S. government agreed."),
        [
            "He moved to the U.S.",
            "The move was hard.",
            "The U.S. government agreed."
        ]
    );
    assert_eq!(
        en("It opened in Jan. The next one opens Jan. 5 in Washington."),
        [
            "It opened in Jan.",
            "The next one opens Jan. 5 in Washington."
        ]
    );
    assert_eq!(
        en("We bought apples, pears, etc. and went home. Apple Inc. It grew."),
        [
            "We bought apples, pears, etc. and went home.",
            "Apple Inc.",
            "It grew."
        ]
    );
}

#[test]
fn english_initials_and_a_letter_at_the_end() {
    assert_eq!(
        en("George W. Bush met J. A. Smith and J. I. Packer. They chose Plan B. The rest left."),
        [
            "George W. Bush met J. A. Smith and J. I. Packer.",
            "They chose Plan B.",
            "The rest left."
        ]
    );
}

#[test]
fn english_numeric_only_abbreviations() {
    assert_eq!(
        en("See No. 5 and Fig. 3. He said no. Then he left."),
        ["See No. 5 and Fig. 3.", "He said no.", "Then he left."]
    );
}

#[test]
fn english_latin_abbreviations_and_case() {
    assert_eq!(
        en("Fruit, e.g. apples, i.e. Granny Smith, vs. pears. E.g. this one."),
        [
            "Fruit, e.g. apples, i.e. Granny Smith, vs. pears.",
            "E.g. this one."
        ]
    );
    // `Sun.` the day is listed, `sun.` the star is not.
    assert_eq!(
        en("We looked at the sun. The sky was clear."),
        ["We looked at the sun.", "The sky was clear."]
    );
}

#[test]
fn english_ellipsis_splits_before_a_capital_only() {
    assert_eq!(
        en("He waited... and waited... Then he left… Nobody saw."),
        ["He waited... and waited...", "Then he left…", "Nobody saw."]
    );
}

#[test]
fn list_markers_stay_with_their_item() {
    assert_eq!(en("(3). The third item."), ["(3). The third item."]);
    assert_eq!(
        ar("2. البند الثاني. وهو مهم."),
        ["2. البند الثاني.", "وهو مهم."]
    );
    // A number ending a sentence still splits.
    assert_eq!(
        en("The toll rose to 12. The next day it fell."),
        ["The toll rose to 12.", "The next day it fell."]
    );
}

#[test]
fn arabic_initial_never_ends_a_sentence() {
    assert_eq!(ar("كتبه بالحرف ع. وقال إنه خطأ.").len(), 1);
}

#[test]
fn english_decade_before_a_name_is_not_an_initial() {
    assert_eq!(
        en("He has worked on Syria since the 1990s. Khoury holds a Ph.D. in economics."),
        [
            "He has worked on Syria since the 1990s.",
            "Khoury holds a Ph.D. in economics."
        ]
    );
}

#[test]
fn english_decimals_times_and_list_markers() {
    assert_eq!(
        en("1. The rate rose 2.5 percent at 5 p.m. Thursday. It fell at 6 p.m. The end."),
        [
            "1. The rate rose 2.5 percent at 5 p.m. Thursday.",
            "It fell at 6 p.m.",
            "The end."
        ]
    );
}

#[test]
fn user_abbreviations_extend_the_list() {
    let mut s = Segmenter::new(Lang::English);
    assert_eq!(s.split("Ask Sra. Lopez.").len(), 2);
    assert_eq!(
        s.add_abbreviations("# Spanish titles\nSra.\nSr #MAY_END#\n")
            .unwrap(),
        2
    );
    assert_eq!(s.split("Ask Sra. Lopez.").len(), 1);
    let err = s.add_abbreviations("Sra.\nSrta. oops").unwrap_err();
    assert_eq!(err.line, 2);
}

#[test]
fn detect_by_majority_script() {
    assert_eq!(
        Lang::detect("قال لافروف إن روسيا (Russia) تدعم"),
        Lang::Arabic
    );
    assert_eq!(
        Lang::detect("Lavrov said Russia (روسيا) backs"),
        Lang::English
    );
    assert_eq!(Lang::detect("123 ..."), Lang::English);
    assert_eq!(Lang::from_tag("ar-SY"), Some(Lang::Arabic));
    assert_eq!(Lang::from_tag("EN_gb"), Some(Lang::English));
    assert_eq!(Lang::from_tag("fr"), None);
}

#[test]
fn long_runs_without_spaces_are_one_sentence() {
    // Glued stops between single letters are initials, not ends (the
    // bench times the same shapes at 1 MB: the pass stays linear).
    let text = "ب.".repeat(2_000) + &"a.".repeat(2_000);
    for lang in [Lang::Arabic, Lang::English] {
        assert_eq!(Segmenter::new(lang).split(&text).len(), 1);
    }
    let semis = "كلمة ؛ ".repeat(2_000);
    let rule = Segmenter::new(Lang::Arabic).with_semicolon(Semicolon::Long);
    assert_eq!(rule.split(&semis).len(), 1);
}

#[test]
fn empty_and_blank_input() {
    assert!(ar("").is_empty());
    assert!(ar(" \n\r\n\u{200F}\n").is_empty());
    assert_eq!(ar("."), ["."]);
}
