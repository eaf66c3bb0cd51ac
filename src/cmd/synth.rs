//! `concord synth`: writes synthetic result pages with known truth.

use std::path::PathBuf;
use std::process::ExitCode;

use concord::synth::{self, Scrape, Shapes, SynthOptions};

/// Arguments of `concord synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Records to generate in total (appearances on pages, duplicates included).
    #[arg(long)]
    records: usize,
    /// Seed: the same seed gives byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder: pages/ and truth.csv are written in it (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Also write records.csv: every record as its page writes it.
    #[arg(long)]
    csv: bool,
    /// No summary.
    #[arg(long, short)]
    quiet: bool,
    /// Every record shape of issue 12 on, at the shares real pages show (title-less pages 5%,
    /// short cut titles 40% of cut pages, undated documents 2%, broken descriptions 5%,
    /// coarse dates 10%); an explicit shape flag overrides its share.
    #[arg(long)]
    realistic: bool,
    /// Percent of pages that are title-less listings (date line, then the description).
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u32).range(0..=100))]
    titleless_pages: Option<u32>,
    /// Percent of cut-off pages cut inside the last record's title, after 1 to 12 characters.
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u32).range(0..=100))]
    short_cut_titles: Option<u32>,
    /// Percent of documents with no date ("Date unknown", "Undated", "n.d.", "No date").
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u32).range(0..=100))]
    date_unknown: Option<u32>,
    /// Percent of appearances whose description is broken over two lines.
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u32).range(0..=100))]
    broken_descriptions: Option<u32>,
    /// Percent of appearances of day-dated documents shown as month or year only.
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u32).range(0..=100))]
    coarse_dates: Option<u32>,
    /// Group the pages into queries of 1 to 5 pages (their range headers numbered as one
    /// query's), give each page an address and write manifest.csv.
    #[arg(long)]
    queries: bool,
    /// Percent of the queries of two pages or more one of whose later pages is left out (not
    /// written; pages.csv says which). Implies --queries.
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u32).range(0..=100))]
    leave_out: Option<u32>,
    /// Write saved HTML pages (.html, the address in a canonical link, chrome around the
    /// results) instead of text.
    #[arg(long)]
    html: bool,
}

impl Args {
    /// The shapes asked for: `--realistic`'s shares, each overridden by its own flag.
    fn shapes(&self) -> Shapes {
        let base = if self.realistic {
            Shapes::REALISTIC
        } else {
            Shapes::default()
        };
        Shapes {
            titleless_pages: self.titleless_pages.unwrap_or(base.titleless_pages),
            short_cut_titles: self.short_cut_titles.unwrap_or(base.short_cut_titles),
            date_unknown: self.date_unknown.unwrap_or(base.date_unknown),
            broken_descriptions: self.broken_descriptions.unwrap_or(base.broken_descriptions),
            coarse_dates: self.coarse_dates.unwrap_or(base.coarse_dates),
        }
    }
}

/// Generates the pages and prints what was written.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.records == 0 {
        anyhow::bail!("--records must be at least 1");
    }
    let opts = SynthOptions {
        records: args.records,
        seed: args.seed,
        csv: args.csv,
        shapes: args.shapes(),
        scrape: Scrape {
            queries: args.queries || args.leave_out.is_some(),
            leave_out: args.leave_out.unwrap_or(0),
            html: args.html,
        },
    };
    let s = synth::generate(&opts, &args.out)?;
    if !args.quiet {
        outln!("{:<18} {}", "records", s.records)?;
        outln!("{:<18} {}", "entities", s.entities)?;
        outln!("{:<18} {}", "pages", s.pages)?;
        outln!("{:<18} {}", "pages cut off", s.cut_pages)?;
        // Only the shapes that made something: the default summary is unchanged.
        for (what, n) in [
            ("pages title-less", s.titleless_pages),
            ("titles cut short", s.short_cut_titles),
            ("documents undated", s.undated_documents),
            ("split descriptions", s.broken_descriptions),
            ("coarse dates", s.coarse_dates),
            ("pages left out", s.pages_left_out),
        ] {
            if n > 0 {
                outln!("{what:<18} {n}")?;
            }
        }
        outln!("{:<18} {}", "pages", args.out.join("pages").display())?;
        outln!("{:<18} {}", "truth", args.out.join("truth.csv").display())?;
    }
    Ok(ExitCode::SUCCESS)
}
