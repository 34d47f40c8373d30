//! The dictionaries `align` uses, loaded once per run (a batch shares
//! them): the built-in core lexicon, `--dict` files, FreeDict (through its
//! cache file, unless `--no-freedict`) and the pairs learned in the TM; and
//! the summary line that says which were used.

use std::path::PathBuf;

use tarjuman::align::lexicon::cache::{self, Origin};
use tarjuman::align::Lexicon;
use tarjuman::input;

use super::Args;

/// The merged lexicon (frozen: cloning it per alignment copies nothing)
/// and what went into it, for the summary.
pub struct Dictionaries {
    pub lexicon: Lexicon,
    pub summary: String,
}

/// Where FreeDict is looked for: `$TARJUMAN_FREEDICT` (the path without
/// `.index` / `.dict.dz`), else Debian's place.
fn freedict_base() -> PathBuf {
    std::env::var_os("TARJUMAN_FREEDICT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(cache::FREEDICT))
}

/// The user cache directory (`$XDG_CACHE_HOME/tarjuman`, else
/// `~/.cache/tarjuman` on Linux).
fn cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tarjuman").map(|d| d.cache_dir().to_path_buf())
}

pub fn load(args: &Args, ctx: &crate::cli::Ctx) -> anyhow::Result<Dictionaries> {
    let mut lexicon = Lexicon::core();
    let mut used = vec![format!("built-in ({} words)", lexicon.len())];
    for path in &args.dict {
        let text = input::read_file(path, None)?;
        let mut own = Lexicon::new();
        let bad = own.add_tsv(&text);
        if let Some(first) = bad.first() {
            ctx.say(&format!(
                "warning: {}: {} line(s) without a tab were skipped (first: line {first}); the format is arabic<TAB>english",
                path.display(),
                bad.len()
            ));
        }
        used.push(format!("{} ({} words)", path.display(), own.len()));
        lexicon.extend(&own);
    }
    if args.no_freedict {
        used.push("not FreeDict (--no-freedict)".into());
    } else {
        let base = freedict_base();
        match cache::load_freedict(&base, cache_dir().as_deref())? {
            None => used.push(format!("FreeDict not installed ({}.index)", base.display())),
            Some(loaded) => {
                let how = match &loaded.origin {
                    Origin::Cache => "from its cache".to_string(),
                    Origin::Parsed => "parsed and cached".to_string(),
                    Origin::ParsedNotCached(why) => {
                        ctx.say(&format!("warning: FreeDict not cached: {why}"));
                        "parsed, not cached".to_string()
                    }
                };
                used.push(format!(
                    "FreeDict Arabic-English ({} senses, {how})",
                    loaded.senses
                ));
                // After the built-in and --dict senses, as before the cache:
                // the first senses of a word are the ones the aligner tries.
                lexicon.extend(&loaded.lexicon);
            }
        }
    }
    // A TM that is not there yet has learned nothing.
    match tarjuman::tm::open(&ctx.db_path(), tarjuman::tm::Access::Read) {
        Err(tarjuman::tm::StoreError::Missing { .. }) => {}
        store => {
            let learned = tarjuman::import::aligned::load(&*store?)?;
            used.push(format!("learned in the TM ({} words)", learned.len()));
            lexicon.extend(&learned);
        }
    }
    lexicon.freeze();
    Ok(Dictionaries {
        lexicon,
        summary: format!("dictionaries: {}", used.join(", ")),
    })
}
