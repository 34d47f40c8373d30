//! The library's layers, as ARCHITECTURE.md states them, held by a test:
//! every `crate::MODULE` path in a module's source must name a module that
//! module may use. The CLI is outside the library (the compiler keeps the
//! library from reaching it); this keeps the library's own arrows pointing
//! one way (`text` at the bottom, `tm` knowing units and not file formats,
//! `import` above `tm`, `tmx`, `tsv` and `align`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Module → the library modules it may name (besides itself).
const MAY_USE: &[(&str, &[&str])] = &[
    ("text", &[]),
    ("input", &[]),
    ("unit", &["text"]),
    ("tmx", &["unit", "text"]),
    ("tsv", &["unit", "text"]),
    ("align", &["text"]),
    ("tm", &["unit", "text"]),
    ("import", &["tm", "tmx", "tsv", "align", "unit", "text"]),
    ("api", &["import", "tm", "tmx", "tsv", "unit", "text"]),
    (
        "server",
        &[
            "api", "import", "tm", "tmx", "tsv", "align", "unit", "text", "input",
        ],
    ),
];

/// The `.rs` files of a module: `src/NAME.rs` or everything under `src/NAME/`.
fn files_of(src: &Path, module: &str) -> Vec<PathBuf> {
    let single = src.join(format!("{module}.rs"));
    if single.is_file() {
        return vec![single];
    }
    let mut out = Vec::new();
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

/// The module names after `crate::` in code (comments skipped), with
/// `use crate::{a, b::c}` counted as both.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = group.split('}').next().unwrap_or("");
                for item in group.split(',') {
                    let name = item.trim().split("::").next().unwrap_or("").trim();
                    if !name.is_empty() {
                        names.insert(name.to_string());
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (module, allowed) in MAY_USE {
        let files = files_of(&src, module);
        assert!(!files.is_empty(), "no source for module {module}");
        for file in files {
            let code = std::fs::read_to_string(&file).unwrap();
            for name in crate_paths(&code) {
                if name != *module && !allowed.contains(&name.as_str()) {
                    broken.push(format!("{}: uses crate::{name}", file.display()));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "layer rules (ARCHITECTURE.md) broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn every_library_module_has_a_layer_rule() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(name) = line.trim().strip_prefix("pub mod ") {
            let name = name.trim_end_matches(';');
            assert!(
                MAY_USE.iter().any(|(m, _)| *m == name),
                "module {name} has no rule in tests/layers.rs"
            );
        }
    }
}

#[test]
fn paths_are_found_in_use_groups_and_code_not_comments() {
    let code =
        "use crate::{tm::Store, text};\n// crate::cli in a comment\nlet x = crate::tsv::read();";
    let names: Vec<_> = crate_paths(code).into_iter().collect();
    assert_eq!(names, ["text", "tm", "tsv"]);
}
