//! `tarjuman import`.

use std::path::PathBuf;
use std::process::ExitCode;

use tarjuman::api::ImportResult;
use tarjuman::import::{
    import_file, FileReport, ImportError, ImportOptions, InputFormat, Progress,
};
use tarjuman::tm::create::NewTm;
use tarjuman::tm::TmStore;

const AFTER_HELP: &str = "\
Each file is imported in one transaction: a file with an error adds nothing,
and the other files are still imported (the exit code is then 1). Other
processes keep reading the TM meanwhile. A TM that does not exist yet is
built as PATH.building and renamed to PATH when its first file commits;
a killed import leaves that file behind, and the next import clears it.

TSV: two tab-separated cells a line, source then target, UTF-8. Inside a cell
write a tab as \\t, a line break as \\n, a backslash as \\\\. The languages come
from --src-lang/--tgt-lang or from a first line such as `ar<TAB>en`.

An alignment (the TSV `tarjuman align` writes: ids, ids, score, Arabic,
English), corrected by hand, is recognised by its first line (or by the
column names src_ids, tgt_ids, score, src_text, tgt_text), or named with
--from align-tsv. Each row with both texts is stored as it now reads, with
the Arabic of the neighbouring rows as context; rows with an empty side are
omissions and left out; a score left in its cell is kept, an emptied cell or
a deleted score column is fine. To replace what `align --import` stored for
the same pair, delete it first (tarjuman delete --origin \"AR + EN\").

Examples:
  tarjuman import client.tmx old-memory.tmx
  tarjuman import --src-lang ar --tgt-lang en glossary.tsv
  tarjuman import --on-duplicate update --format json corrected.tmx";

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// TMX (1.1–1.4b, any encoding), TSV files, or alignments from
    /// `tarjuman align` (TSV) corrected by hand.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// The input format, instead of guessing from the extension and content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub from: Option<super::InputFormatArg>,

    /// Source language of TSV files (BCP 47, e.g. ar or ar-SY).
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub src_lang: Option<String>,

    /// Target language of TSV files (e.g. en or en-GB).
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub tgt_lang: Option<String>,

    /// A unit already in the TM: skip it (same source and target), update
    /// the stored unit with the same source (new target and metadata), or
    /// keep both.
    #[arg(long, value_enum, default_value_t = super::OnDuplicateArg::Skip, value_name = "WHAT")]
    pub on_duplicate: super::OnDuplicateArg,

    /// The summary as text on stderr, or as JSON on stdout. `tmx` or `tsv`
    /// here forces the input format instead, like --from.
    #[arg(long, value_enum, default_value_t = FormatArg::Text, value_name = "FORMAT")]
    pub format: FormatArg,
}

/// `--format`: the summary's format, or (as the CAT-tool habit has it) the
/// input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Tmx,
    Tsv,
}

pub use tarjuman::api::parse_lang;

/// Where the files go: a TM its first import is building beside its path
/// (published when a file commits), or an open TM.
enum Target {
    New(Box<NewTm>),
    Open(Box<dyn TmStore>),
}

impl Target {
    fn open(ctx: &super::Ctx) -> anyhow::Result<Target> {
        let db = ctx.db_path();
        if !tarjuman::tm::backend::is_url(&db) && !db.exists() {
            if let Some(new) = NewTm::create(&db, ctx.write_wait())? {
                return Ok(Target::New(Box::new(new)));
            }
        }
        Ok(Target::Open(ctx.open_store()?))
    }

    fn store(&mut self) -> &mut dyn TmStore {
        match self {
            Target::New(new) => new.store(),
            Target::Open(store) => &mut **store,
        }
    }
}

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    let mut target = Some(Target::open(ctx)?);
    let forced = match args.format {
        FormatArg::Tmx => Some(InputFormat::Tmx),
        FormatArg::Tsv => Some(InputFormat::Tsv),
        FormatArg::Text | FormatArg::Json => None,
    };
    let from = args.from.map(InputFormat::from);
    if let (Some(from), Some(format)) = (from, forced) {
        if from != format {
            anyhow::bail!("--from and --format name different input formats; give one");
        }
    }
    let opts = ImportOptions {
        format: from.or(forced),
        src_lang: args.src_lang,
        tgt_lang: args.tgt_lang,
        on_duplicate: args.on_duplicate.into(),
        origin: None,
    };
    let mut outcomes = Vec::new();
    let mut failed = false;
    for path in &args.files {
        let name = path.display().to_string();
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let bar = ctx.progress(len, &name);
        let store = match &mut target {
            Some(t) => t,
            None => target.insert(Target::open(ctx)?),
        };
        let mut result = import_file(store.store(), path, &opts, |p| match p {
            Progress::Read(pos) => bar.set_position(pos),
            // No silent 99% while the indexes are built and the TM written.
            Progress::Committing => {
                bar.set_position(len);
                bar.set_message(format!("{name}: committing"));
            }
        });
        if result.is_ok() {
            if let Some(Target::New(new)) = target.take_if(|t| matches!(t, Target::New(_))) {
                // The next file opens the TM now at its path.
                if let Err(e) = new.publish() {
                    result = Err(ImportError::Tm(e.into()));
                }
            }
        }
        bar.finish_and_clear();
        match &result {
            Ok(report) => {
                for w in &report.warnings {
                    ctx.say(&format!(
                        "{name}:{}:{}: warning: {}",
                        w.line, w.column, w.message
                    ));
                }
                ctx.say(&summary_line(&name, report));
            }
            Err(err) => {
                failed = true;
                // Errors are printed even with --quiet.
                // The TM's errors name the TM, not the file being read.
                match err {
                    ImportError::Input(l) => eprintln!(
                        "tarjuman: error: {name}:{}:{}: {}; nothing from this file was imported",
                        l.line, l.column, l.message
                    ),
                    ImportError::Tm(_) => {
                        let tm = ctx.db_shown();
                        let text = super::error_text(err);
                        let text = if text.starts_with(&tm) {
                            text
                        } else {
                            format!("{tm}: {text}")
                        };
                        eprintln!("tarjuman: error: {text}; nothing was imported from {name}")
                    }
                    other => eprintln!(
                        "tarjuman: error: {name}: {}; nothing from this file was imported",
                        super::error_text(other)
                    ),
                }
            }
        }
        outcomes.push((name, result));
    }
    if let Some(target) = &mut target {
        // Readers of the TM (a server, lookups) read it fastest once the
        // log is back in the file; closing would not see to it while they
        // have it open.
        let _ = target.store().settle();
    }
    if args.format == FormatArg::Json {
        let results: Vec<ImportResult> = outcomes
            .iter()
            .map(|(file, result)| ImportResult::new(file, result))
            .collect();
        super::stats::print_stdout(&(serde_json::to_string_pretty(&results)? + "\n"))?;
    }
    Ok(if failed {
        ExitCode::from(super::EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

fn summary_line(name: &str, r: &FileReport) -> String {
    let w = &r.written;
    let mut line = format!(
        "{name}: {} units read, {} imported, {} duplicates",
        r.units_read, w.inserted, w.duplicates
    );
    if w.updated > 0 {
        line.push_str(&format!(", {} updated", w.updated));
    }
    if let Some(n) = r.word_pairs {
        line.push_str(&format!(", {n} word pairs learned for the aligner"));
    }
    let n = r.warnings.len();
    line.push_str(&format!(", {n} warning{}", if n == 1 { "" } else { "s" }));
    line
}
