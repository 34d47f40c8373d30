//! TMX written by real CAT tools (OmegaT 3.6 and Translate Toolkit's po2tmx,
//! committed under tests/fixtures/tmx/from-tools/, see its README) goes through
//! the real binary: `tarjuman import`, then `tarjuman export`, and the export
//! holds the same units, texts, metadata and inline tags. The export is read
//! with quick-xml here, not with tarjuman's own reader, so a reader bug cannot
//! hide a writer bug.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use quick_xml::events::Event;
use quick_xml::Reader;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tmx/from-tools")
        .join(name)
}

/// Imports `fixture` into a fresh TM and returns the text of `tarjuman export`.
fn import_then_export(name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tm.db");
    let out = dir.path().join("export.tmx");
    Command::cargo_bin("tarjuman")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .arg("--quiet")
        .arg("import")
        .arg(fixture(name))
        .assert()
        .success();
    Command::cargo_bin("tarjuman")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .arg("--quiet")
        .arg("export")
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    std::fs::read_to_string(&out).unwrap()
}

/// One `<tuv>` as the export wrote it.
#[derive(Debug, Default, Clone)]
struct Tuv {
    lang: String,
    attrs: BTreeMap<String, String>,
    /// The segment's text with inline elements left out.
    text: String,
    /// The segment's text with each inline element as `{name}`: where tags sit.
    flat: String,
    /// Each inline element: `name attr=value ...: content`, attributes sorted.
    tags: Vec<String>,
}

/// One `<tu>`: its attributes, props (type, value), notes and variants.
#[derive(Debug, Default, Clone)]
struct Tu {
    attrs: BTreeMap<String, String>,
    props: Vec<(String, String)>,
    notes: Vec<String>,
    tuvs: Vec<Tuv>,
}

impl Tu {
    fn tuv(&self, lang: &str) -> &Tuv {
        self.tuvs
            .iter()
            .find(|t| t.lang.eq_ignore_ascii_case(lang))
            .unwrap_or_else(|| panic!("no {lang} variant in {self:?}"))
    }
}

struct Tmx {
    header: BTreeMap<String, String>,
    units: Vec<Tu>,
}

impl Tmx {
    /// The units whose `lang` variant text is `text`.
    fn with(&self, lang: &str, text: &str) -> Vec<&Tu> {
        self.units
            .iter()
            .filter(|u| {
                u.tuvs
                    .iter()
                    .any(|t| t.lang.eq_ignore_ascii_case(lang) && t.text == text)
            })
            .collect()
    }

    fn one(&self, lang: &str, text: &str) -> &Tu {
        let found = self.with(lang, text);
        assert_eq!(found.len(), 1, "units with {lang} {text:?}: {found:?}");
        found[0]
    }
}

fn attrs(e: &quick_xml::events::BytesStart) -> BTreeMap<String, String> {
    e.attributes()
        .map(|a| {
            let a = a.unwrap();
            let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
            (key, a.unescape_value().unwrap().into_owned())
        })
        .collect()
}

fn entity(name: &str) -> String {
    match name {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        _ => {
            let code = name
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| name.strip_prefix('#').map(|d| d.parse::<u32>()))
                .unwrap_or_else(|| panic!("unknown entity &{name};"))
                .unwrap();
            char::from_u32(code).unwrap().to_string()
        }
    }
}

/// Reads a TMX document into units (an independent, minimal reader).
fn parse(xml: &str) -> Tmx {
    let mut reader = Reader::from_str(xml);
    let mut tmx = Tmx {
        header: BTreeMap::new(),
        units: Vec::new(),
    };
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new(); // text of the prop, note or seg being read
    let mut flat = String::new(); // the seg's text with {tag} placeholders
    let mut tu = Tu::default();
    let mut tuv = Tuv::default();
    let mut prop_type = String::new();
    let mut tag = String::new(); // the inline element being read, with its content
    loop {
        let event = reader.read_event().unwrap();
        // Inside an inline element of a seg (bpt, ept, ph, it, hi, ut, sub...).
        let inline = path.iter().any(|p| p == "seg") && path.last().is_some_and(|p| p != "seg");
        let chars = match &event {
            Event::Text(t) => Some(t.decode().unwrap().into_owned()),
            Event::GeneralRef(r) => Some(entity(&r.decode().unwrap())),
            Event::CData(c) => Some(c.decode().unwrap().into_owned()),
            _ => None,
        };
        if let Some(chars) = chars {
            if inline {
                tag.push_str(&chars);
            } else {
                text.push_str(&chars);
                flat.push_str(&chars);
            }
            continue;
        }
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let a = attrs(e);
                let in_seg = path.last().is_some_and(|p| p == "seg");
                match name.as_str() {
                    "header" => tmx.header = a,
                    "tu" => {
                        tu = Tu {
                            attrs: a,
                            ..Tu::default()
                        }
                    }
                    "tuv" => {
                        let lang = a.get("xml:lang").or(a.get("lang")).cloned();
                        tuv = Tuv {
                            lang: lang.unwrap_or_default(),
                            attrs: a,
                            ..Tuv::default()
                        };
                    }
                    "prop" => prop_type = a.get("type").cloned().unwrap_or_default(),
                    _ if in_seg => {
                        let list: Vec<String> = a.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        tag = format!("{name} {}: ", list.join(" "));
                        flat.push_str(&format!("{{{name}}}"));
                    }
                    _ => {}
                }
                if !path.iter().any(|p| p == "seg") {
                    text.clear(); // text is kept for the innermost element only
                    flat.clear();
                }
                match event {
                    Event::Start(_) => path.push(name),
                    _ if in_seg => tuv.tags.push(std::mem::take(&mut tag)),
                    _ => {}
                }
            }
            Event::End(_) => {
                let name = path.pop().unwrap();
                let parent = path.last().map(String::as_str).unwrap_or("");
                match (name.as_str(), parent) {
                    ("seg", _) => {
                        tuv.text = std::mem::take(&mut text);
                        tuv.flat = std::mem::take(&mut flat);
                    }
                    ("tuv", _) => tu.tuvs.push(std::mem::take(&mut tuv)),
                    ("tu", _) => tmx.units.push(std::mem::take(&mut tu)),
                    ("prop", "tu") => tu
                        .props
                        .push((std::mem::take(&mut prop_type), std::mem::take(&mut text))),
                    ("note", "tu") => tu.notes.push(std::mem::take(&mut text)),
                    (_, "seg") => tuv.tags.push(std::mem::take(&mut tag)),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    tmx
}

const HEADLINE_AR: &str = "المليشيات الإيرانية تخلي أكبر قاعدة عسكرية لها شرقي سورية";
const HEADLINE_EN: &str = "Iranian militias evacuate their largest military base in eastern Syria";
const HEADLINE_EN_ALT: &str = "Iran's militias leave their biggest base in eastern Syria";
const LAVROV_AR: &str = "وفد من المعارضة السورية يلتقي لافروف في موسكو";
const LAVROV_EN: &str = "Syrian opposition delegation meets Lavrov in Moscow";

/// Every unit is an ar→en pair.
fn assert_ar_en_pairs(tmx: &Tmx) {
    for unit in &tmx.units {
        let langs: Vec<String> = unit.tuvs.iter().map(|t| t.lang.to_lowercase()).collect();
        assert_eq!(langs.len(), 2, "{unit:?}");
        assert!(
            langs.contains(&"ar".into()) && langs.contains(&"en".into()),
            "{unit:?}"
        );
    }
}

/// What OmegaT's three TMX files share: five units, a headline with a default
/// and an alternative translation, dates and props kept.
fn assert_omegat_units(tmx: &Tmx) {
    assert_eq!(tmx.units.len(), 5, "units: {:#?}", tmx.units);
    assert_ar_en_pairs(tmx);
    let mut headlines: Vec<&str> = tmx
        .with("ar", HEADLINE_AR)
        .iter()
        .map(|u| u.tuv("en").text.as_str())
        .collect();
    headlines.sort();
    assert_eq!(headlines, [HEADLINE_EN_ALT, HEADLINE_EN]);
    assert_eq!(tmx.one("ar", LAVROV_AR).tuv("en").text, LAVROV_EN);

    let default = tmx.one("en", HEADLINE_EN).tuv("en");
    assert_eq!(
        default.attrs.get("changeid").map(String::as_str),
        Some("desk")
    );
    assert_eq!(
        default.attrs.get("changedate").map(String::as_str),
        Some("20211106T090000Z")
    );
    let alternative = tmx.one("en", HEADLINE_EN_ALT);
    let en = alternative.tuv("en");
    assert_eq!(en.attrs.get("creationid").map(String::as_str), Some("desk"));
    assert_eq!(
        en.attrs.get("creationdate").map(String::as_str),
        Some("20211106T093000Z")
    );
    let prop = |kind: &str| {
        alternative
            .props
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(prop("file"), Some("article.html"));
    assert_eq!(prop("prev"), Some(HEADLINE_AR));
}

fn check_omegat_project_save(tmx: &Tmx) {
    assert_omegat_units(tmx);
    // OmegaT keeps its tags as plain text in project_save.tmx: text they stay.
    let bold = tmx.one(
        "ar",
        "<b0>قاعدة الإمام علي</b0> هي أكبر قاعدة للمليشيات المدعومة من إيران.",
    );
    let en = bold.tuv("en");
    assert_eq!(
        en.text,
        "The <b0>Imam Ali base</b0> is the largest base of the Iran-backed militias."
    );
    assert!(
        en.tags.is_empty() && bold.tuv("ar").tags.is_empty(),
        "{bold:?}"
    );
    let alternative = tmx.one("en", HEADLINE_EN_ALT);
    assert!(alternative.props.contains(&(
        "next".into(),
        "<b0>قاعدة الإمام علي</b0> هي أكبر قاعدة للمليشيات المدعومة من إيران.".into()
    )));
}

fn check_omegat_level1(tmx: &Tmx) {
    assert_omegat_units(tmx);
    let bold = tmx.one(
        "ar",
        "قاعدة الإمام علي هي أكبر قاعدة للمليشيات المدعومة من إيران.",
    );
    assert_eq!(
        bold.tuv("en").text,
        "The Imam Ali base is the largest base of the Iran-backed militias."
    );
    for unit in &tmx.units {
        for tuv in &unit.tuvs {
            assert!(tuv.tags.is_empty(), "level 1 has no inline tags: {unit:?}");
        }
    }
}

fn check_omegat_level2(tmx: &Tmx) {
    assert_omegat_units(tmx);
    let bold = tmx.one(
        "ar",
        "قاعدة الإمام علي هي أكبر قاعدة للمليشيات المدعومة من إيران.",
    );
    let (ar, en) = (bold.tuv("ar"), bold.tuv("en"));
    let b0 = ["bpt i=0 x=0: <b0>", "ept i=0: </b0>"];
    assert_eq!(ar.tags, b0);
    assert_eq!(en.tags, b0);
    assert_eq!(
        ar.flat,
        "{bpt}قاعدة الإمام علي{ept} هي أكبر قاعدة للمليشيات المدعومة من إيران."
    );
    assert_eq!(
        en.flat,
        "The {bpt}Imam Ali base{ept} is the largest base of the Iran-backed militias."
    );

    let link = tmx.one(
        "ar",
        "وذكر موقع «الشرق نيوز» أن المليشيات نقلت نحو ١٠٠ من ضباطها إلى الأراضي العراقية.",
    );
    let (ar, en) = (link.tuv("ar"), link.tuv("en"));
    let a0_i1 = [
        "bpt i=0 x=0: <a0>",
        "ept i=0: </a0>",
        "bpt i=1 x=1: <i1>",
        "ept i=1: </i1>",
    ];
    assert_eq!(ar.tags, a0_i1);
    assert_eq!(en.tags, a0_i1);
    assert_eq!(
        en.flat,
        "The {bpt}Al-Sharq News{ept} website reported that the militias had moved around \
         {bpt}100{ept} of their officers to Iraqi territory."
    );
}

fn check_po2tmx(tmx: &Tmx) {
    // Six translated PO entries; the fuzzy and the untranslated one are left out.
    assert_eq!(tmx.units.len(), 6, "units: {:#?}", tmx.units);
    assert_ar_en_pairs(tmx);
    // po2tmx writes srclang="en" in the header but srclang="ar" on every <tu>.
    for unit in &tmx.units {
        let srclang = unit.attrs.get("srclang").or(tmx.header.get("srclang"));
        assert_eq!(srclang.map(String::as_str), Some("ar"), "{unit:?}");
    }
    assert_eq!(tmx.one("ar", HEADLINE_AR).tuv("en").text, HEADLINE_EN);
    // Harakat, tatweel, Arabic-Indic digits and ؛ ؟ are stored as written.
    let harakat = tmx.one(
        "ar",
        "نقلت المليشيـــات نحو ١٠٠ من ضُبّاطها إلى الأراضي العراقية؛ أليس كذلك؟",
    );
    assert_eq!(
        harakat.tuv("en").text,
        "The militias moved around 100 of their officers to Iraqi territory; didn't they?"
    );
    assert_eq!(
        harakat.notes,
        ["with harakat, tatweel and Arabic-Indic digits"]
    );
    assert_eq!(
        tmx.one("ar", "موقع «الشرق نيوز» السوري المحلي")
            .tuv("en")
            .text,
        "the local Syrian news website \"Al-Sharq News\""
    );
    assert!(tmx
        .one("ar", "حفظ")
        .props
        .contains(&("x-context".into(), "menu".into())));
    assert_eq!(
        tmx.one("ar", "وفد من المعارضة السورية\nيلتقي لافروف في موسكو")
            .tuv("en")
            .text,
        "Syrian opposition delegation\nmeets Lavrov in Moscow"
    );
    assert!(tmx
        .with("ar", "وفد من المعارضة السورية يلتقي لافروف")
        .is_empty());
    assert!(tmx.with("ar", "المساهمون").is_empty());
}

fn read_fixture(name: &str) -> Tmx {
    parse(&std::fs::read_to_string(fixture(name)).unwrap())
}

// The fixtures hold what the checks expect (this pins the fixtures and this
// file's reader; the tests below run the same checks on tarjuman's export).

#[test]
fn omegat_project_save_fixture_holds_the_expected_units() {
    check_omegat_project_save(&read_fixture("omegat-project_save.tmx"));
}

#[test]
fn omegat_level1_fixture_holds_the_expected_units() {
    check_omegat_level1(&read_fixture("omegat-level1.tmx"));
}

#[test]
fn omegat_level2_fixture_holds_the_expected_units() {
    check_omegat_level2(&read_fixture("omegat-level2.tmx"));
}

#[test]
fn po2tmx_fixture_holds_the_expected_units() {
    check_po2tmx(&read_fixture("po2tmx.tmx"));
}

// Through tarjuman: import, export, the same checks on the export.

#[test]
fn omegat_project_save_tmx_1_1_survives_import_and_export() {
    check_omegat_project_save(&parse(&import_then_export("omegat-project_save.tmx")));
}

#[test]
fn omegat_level1_tmx_survives_import_and_export() {
    check_omegat_level1(&parse(&import_then_export("omegat-level1.tmx")));
}

#[test]
fn omegat_level2_bpt_ept_survive_import_and_export() {
    check_omegat_level2(&parse(&import_then_export("omegat-level2.tmx")));
}

#[test]
fn po2tmx_units_notes_and_props_survive_import_and_export() {
    check_po2tmx(&parse(&import_then_export("po2tmx.tmx")));
}

#[test]
fn tarjuman_export_names_the_tmx_1_4_dtd() {
    let xml = import_then_export("omegat-level2.tmx");
    assert!(xml.contains("<!DOCTYPE tmx SYSTEM \"tmx14.dtd\">"), "{xml}");
    assert!(xml.contains("<tmx version=\"1.4\">"), "{xml}");
}
