//! `tarjuman stats`.

use std::fmt::Write as _;
use std::process::ExitCode;

use tarjuman::tm::stats::Stats;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tarjuman stats\n  tarjuman --db client.db stats --format json"
)]
pub struct Args {
    /// Readable text, or JSON for scripts.
    #[arg(long, value_enum, default_value_t = super::OutputFormat::Text)]
    pub format: super::OutputFormat,
}

pub fn run(args: Args, ctx: &super::Ctx) -> anyhow::Result<ExitCode> {
    let store = ctx.open_reader()?;
    let stats = store.stats()?;
    let text = match args.format {
        super::OutputFormat::Json => serde_json::to_string_pretty(&stats)? + "\n",
        super::OutputFormat::Text => render(&stats),
    };
    print_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Write to stdout; a reader that went away (`| head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// `20211106T090503Z` → `2021-11-06 09:05:03`; anything else as it is.
fn show_date(d: &str) -> String {
    let b = d.as_bytes();
    if b.len() == 16 && b[8] == b'T' && b[15] == b'Z' {
        format!(
            "{}-{}-{} {}:{}:{}",
            &d[0..4],
            &d[4..6],
            &d[6..8],
            &d[9..11],
            &d[11..13],
            &d[13..15]
        )
    } else {
        d.to_string()
    }
}

fn show_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

fn render(s: &Stats) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Translation memory  {}", s.path);
    let _ = writeln!(
        out,
        "Size on disk        {} (schema version {})",
        show_size(s.size_bytes),
        s.schema_version
    );
    if let Some(c) = &s.created_at {
        let _ = writeln!(out, "Created             {}", show_date(c));
    }
    let _ = writeln!(out, "Units               {}", s.units);
    let _ = writeln!(out, "Variants            {}", s.variants);
    match (&s.date_min, &s.date_max) {
        (Some(a), Some(b)) => {
            let _ = writeln!(
                out,
                "Dates               {} to {}",
                show_date(a),
                show_date(b)
            );
        }
        _ => {
            let _ = writeln!(out, "Dates               none recorded");
        }
    }
    if !s.languages.is_empty() {
        let _ = writeln!(out, "\nVariants by language");
        for l in &s.languages {
            let _ = writeln!(out, "  {:<12} {:>10}", l.lang, l.variants);
        }
    }
    if !s.pairs.is_empty() {
        let _ = writeln!(out, "\nUnits by language pair (source → target)");
        for p in &s.pairs {
            let pair = format!("{} → {}", p.src, p.tgt);
            let _ = writeln!(out, "  {:<20} {:>10}", pair, p.units);
        }
    }
    if !s.origins.is_empty() {
        let _ = writeln!(out, "\nOrigins");
        let width = s
            .origins
            .iter()
            .map(|o| o.name.chars().count())
            .max()
            .unwrap_or(0);
        for o in &s.origins {
            let pad = width.saturating_sub(o.name.chars().count());
            let _ = writeln!(
                out,
                "  {}{}  {:<5} {:>10} units  imported {}",
                o.name,
                " ".repeat(pad),
                o.kind,
                o.units,
                show_date(&o.imported_at)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_sizes_read_naturally() {
        assert_eq!(show_date("20211106T090503Z"), "2021-11-06 09:05:03");
        assert_eq!(show_date("2021-11-06"), "2021-11-06");
        assert_eq!(show_size(512), "512 B");
        assert_eq!(show_size(3 * 1024 * 1024 + 512 * 1024), "3.5 MiB");
    }
}
