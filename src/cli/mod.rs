//! The command line: argument parsing (clap derive) and output formatting.
//! One file per subcommand; each reads its inputs, calls the library and
//! prints. No matching, parsing or storage logic lives here.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tarjuman::input::{self, InputError};

pub mod align;
pub mod completions;
pub mod concord;
pub mod delete;
pub mod export;
pub mod import;
pub mod lookup;
pub mod migrate;
pub mod pretranslate;
pub mod segment;
pub mod serve;
pub mod stats;
pub mod token;

/// Exit code for a failure (bad input, unreadable file, database error).
/// Usage errors exit with 2 (clap's convention); success is 0.
pub const EXIT_FAILURE: u8 = 1;

const AFTER_HELP: &str = "\
The translation memory is an SQLite file: --db PATH, else $TARJUMAN_DB, else
~/.local/share/tarjuman/memory.db (created by the first import); or a
PostgreSQL database: --db postgres://USER@HOST/DB. Commands that
only read (lookup, concord, stats, export, pretranslate) open it read-only:
they work on read-only files and mounts, and answer from the last committed
state while another tarjuman imports. Commands that write wait for another
writer to finish, up to --wait seconds (default 600).

Exit codes: 0 success, 1 failure (the message says what and where), 2 usage error.";

/// tarjuman (ترجمان): an Arabic→English translation memory at the command line.
///
/// Segment Arabic and English text into sentences, align an article with its
/// translation, keep the pairs in a translation memory, look new sentences up
/// with CAT-style fuzzy matching, and move the memory in and out of CAT tools
/// as TMX 1.4b.
#[derive(Debug, Parser)]
#[command(name = "tarjuman", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// The translation memory: an SQLite file, or a PostgreSQL URL
    /// (postgres://USER@HOST/DB).
    #[arg(long, global = true, env = "TARJUMAN_DB", value_name = "PATH|URL")]
    pub db: Option<PathBuf>,

    /// Print no progress bars or summaries on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// How long a command that writes waits for another tarjuman writing
    /// the same TM before giving up (nothing is then written).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 600)]
    pub wait: u64,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import TMX or TSV files into the translation memory.
    Import(import::Args),
    /// Export the translation memory as TMX 1.4b or TSV.
    Export(export::Args),
    /// Show what the translation memory holds.
    Stats(stats::Args),
    /// Delete units from the translation memory (by id, origin or text).
    Delete(delete::Args),
    /// Split Arabic or English text into sentences.
    Segment(segment::Args),
    /// Align an Arabic text with its English translation, sentence by sentence.
    Align(align::Args),
    /// Look sentences up in the translation memory (fuzzy matches).
    Lookup(lookup::Args),
    /// Find every unit that contains a word or phrase.
    Concord(concord::Args),
    /// Pre-translate a document from the translation memory, with an analysis.
    Pretranslate(pretranslate::Args),
    /// Serve the translation memory over HTTP to a team and its tools.
    Serve(serve::Args),
    /// Manage the bearer tokens `serve` accepts.
    Token(token::Args),
    /// Copy a whole translation memory into an empty one (SQLite file ↔
    /// PostgreSQL).
    Migrate(migrate::Args),
    /// Print shell completions or the man page.
    Completions(completions::Args),
}

/// What every command gets besides its own arguments.
pub struct Ctx {
    db: Option<PathBuf>,
    pub quiet: bool,
    /// --wait, in seconds.
    wait: u64,
}

impl Ctx {
    /// The TM path: --db, else $TARJUMAN_DB (clap reads both), else the default.
    pub fn db_path(&self) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(tarjuman::tm::store::default_path)
    }

    /// Open (creating if needed) the translation memory, to write: its
    /// writes wait for another writer up to --wait seconds, saying so on
    /// stderr after a second. An SQLite file or a PostgreSQL URL.
    pub fn open_store(&self) -> anyhow::Result<Box<dyn tarjuman::tm::TmStore>> {
        self.open_store_at(&self.db_path())
    }

    /// `open_store` for the TM at `location` rather than --db's.
    pub fn open_store_at(&self, location: &Path) -> anyhow::Result<Box<dyn tarjuman::tm::TmStore>> {
        Ok(tarjuman::tm::backend::open_to_write(
            location,
            self.write_wait(),
        )?)
    }

    /// How a write waits for another writer: up to --wait seconds, saying
    /// so on stderr after a second.
    pub fn write_wait(&self) -> tarjuman::tm::store::WriteWait {
        tarjuman::tm::store::WriteWait {
            timeout: std::time::Duration::from_secs(self.wait),
            on_wait: Some(Box::new(|path: &Path| {
                eprintln!(
                    "tarjuman: waiting for another tarjuman to finish writing {}…",
                    path.display()
                )
            })),
        }
    }

    /// Open the translation memory to read only (never creating it).
    pub fn open_reader(&self) -> anyhow::Result<Box<dyn tarjuman::tm::TmStore>> {
        Ok(tarjuman::tm::open(
            &self.db_path(),
            tarjuman::tm::Access::Read,
        )?)
    }

    /// Open the translation memory for the matcher (lookup, concord,
    /// pretranslate, delete --query), read-only, on either backend.
    pub fn open_index(&self) -> anyhow::Result<Box<dyn tarjuman::tm::source::IndexRead>> {
        Ok(tarjuman::tm::source::open(&self.db_path())?)
    }

    /// The TM as messages name it (a URL without its password).
    pub fn db_shown(&self) -> String {
        tarjuman::tm::backend::shown(&self.db_path())
    }

    /// A progress bar on stderr, drawn only when stderr is a terminal and
    /// --quiet is off. `len` 0 gives a spinner.
    pub fn progress(&self, len: u64, what: &str) -> indicatif::ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = if len == 0 {
            indicatif::ProgressBar::new_spinner()
        } else {
            indicatif::ProgressBar::new(len)
        };
        let template = if len == 0 {
            "{spinner} {msg} {pos} [{elapsed_precise}]"
        } else {
            "{msg} [{bar:40}] {percent}% {binary_bytes}/{binary_total_bytes} eta {eta}"
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar
    }

    /// A progress bar counting units out of `total` (0: a spinner), drawn
    /// as `progress` says.
    pub fn progress_units(&self, total: u64, what: &str) -> indicatif::ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() || total == 0 {
            return self.progress(0, what);
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {percent}% {human_pos}/{human_len} units eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar
    }

    /// A line for the user on stderr (summaries), unless --quiet.
    pub fn say(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

/// `tarjuman::import::FileFormat` as a command-line value (the library
/// knows nothing of clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormatArg {
    Tmx,
    Tsv,
}

impl From<FileFormatArg> for tarjuman::import::FileFormat {
    fn from(f: FileFormatArg) -> Self {
        match f {
            FileFormatArg::Tmx => Self::Tmx,
            FileFormatArg::Tsv => Self::Tsv,
        }
    }
}

/// `tarjuman::import::InputFormat` as a command-line value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    Tmx,
    /// Two columns, source then target.
    Tsv,
    /// The TSV `tarjuman align` writes (ids, ids, score, Arabic, English),
    /// as corrected by hand.
    AlignTsv,
}

impl From<InputFormatArg> for tarjuman::import::InputFormat {
    fn from(f: InputFormatArg) -> Self {
        match f {
            InputFormatArg::Tmx => Self::Tmx,
            InputFormatArg::Tsv => Self::Tsv,
            InputFormatArg::AlignTsv => Self::AlignTsv,
        }
    }
}

/// `tarjuman::tm::OnDuplicate` as a command-line value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OnDuplicateArg {
    /// Skip a unit whose variants (languages and texts) are all stored already.
    #[default]
    Skip,
    /// Replace the stored unit with the same source text and languages
    /// (its targets and metadata) by the new one; it keeps its id.
    Update,
    /// Store the unit even when an identical one exists.
    Keep,
}

impl From<OnDuplicateArg> for tarjuman::tm::OnDuplicate {
    fn from(d: OnDuplicateArg) -> Self {
        match d {
            OnDuplicateArg::Skip => Self::Skip,
            OnDuplicateArg::Update => Self::Update,
            OnDuplicateArg::Keep => Self::Keep,
        }
    }
}

/// Readable text or JSON for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Ctx {
        db: cli.db,
        quiet: cli.quiet,
        wait: cli.wait,
    };
    match cli.command {
        Command::Import(args) => import::run(args, &ctx),
        Command::Export(args) => export::run(args, &ctx),
        Command::Stats(args) => stats::run(args, &ctx),
        Command::Delete(args) => delete::run(args, &ctx),
        Command::Segment(args) => segment::run(args, &ctx),
        Command::Align(args) => align::run(args, &ctx),
        Command::Lookup(args) => lookup::run(args, &ctx),
        Command::Concord(args) => concord::run(args, &ctx),
        Command::Pretranslate(args) => pretranslate::run(args, &ctx),
        Command::Serve(args) => serve::run(args, &ctx),
        Command::Token(args) => token::run(args, &ctx),
        Command::Migrate(args) => migrate::run(args, &ctx),
        Command::Completions(args) => completions::run(args),
    }
}

/// `--encoding LABEL`: flattened into every command that reads text, so the
/// option is spelled and explained the same way everywhere.
#[derive(Debug, Clone, clap::Args)]
pub struct EncodingArg {
    /// The character encoding of the text read (WHATWG label: windows-1256,
    /// iso-8859-6, utf-16le…). Default: UTF-8, or UTF-16 by its byte-order
    /// mark or its NUL bytes. A byte-order mark wins over this.
    #[arg(long, value_name = "LABEL", value_parser = parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

fn parse_encoding(label: &str) -> Result<&'static encoding_rs::Encoding, String> {
    input::encoding_for_label(label).map_err(|e| e.to_string())
}

/// How many threads a command runs for `work` items: `--jobs N`, else one
/// per core; never more than the items (and at least one).
pub fn threads(jobs: Option<u16>, work: usize) -> usize {
    let n = jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    n.clamp(1, work.max(1))
}

/// The text of `path` (`-` reads standard input), through the library's one
/// reader: the same decoding and the same messages for every command.
pub fn read_text(path: &Path, encoding: &EncodingArg) -> Result<String, InputError> {
    if path == Path::new("-") {
        input::read_stdin(encoding.encoding)
    } else {
        input::read_file(path, encoding.encoding)
    }
}

/// An error and its causes, as `{:#}` prints an anyhow error, but saying
/// SQLite's text once: rusqlite's error shows SQLite's message and its
/// cause repeats it with the code ("database is locked: database is
/// locked: Error code 5…"); a cause that only repeats is left out.
pub fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        next = e.source();
        if e.downcast_ref::<rusqlite::ffi::Error>().is_some() {
            continue;
        }
        let text = e.to_string();
        if parts.last().is_some_and(|p| p.ends_with(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

/// The clap command, for completions and the man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
