//! `concord plan`: the pairs each blocking rule would make, counted before a run.

use std::path::PathBuf;
use std::process::ExitCode;

use concord::pipeline::plan::Plan;
use concord::schema::LinkType;
use concord::source::table::Format;
use concord::{Rules, RunOptions};

/// Arguments of `concord plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Inputs, as `concord run` takes them.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Rules file laid over the built-in rules/default.toml.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Read every input as this format (default: by extension).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Read every input in this encoding, as `concord run --encoding`.
    #[arg(long, value_name = "LABEL", value_parser = concord::source::encoding::by_label)]
    encoding: Option<&'static encoding_rs::Encoding>,
    /// As `concord run --link-type`.
    #[arg(long, value_enum)]
    link_type: Option<LinkType>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Lays `--link-type` and `--one-to-one` over the rules' `[table]` mapping.
pub fn link_options(rules: &mut Rules, link_type: Option<LinkType>, one_to_one: bool) -> anyhow::Result<()> {
    if link_type.is_none() && !one_to_one {
        return Ok(());
    }
    let Some(table) = rules.table.as_mut() else {
        anyhow::bail!("--link-type and --one-to-one apply to tables: pass --rules with a [table] mapping");
    };
    if let Some(l) = link_type {
        table.link_type = l;
    }
    table.one_to_one |= one_to_one;
    if table.one_to_one && table.link_type != LinkType::Link {
        anyhow::bail!("--one-to-one applies to --link-type link");
    }
    Ok(())
}

/// Counts and prints.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut rules = match &args.rules {
        Some(path) => Rules::load(path)?,
        None => Rules::builtin(),
    };
    link_options(&mut rules, args.link_type, false)?;
    let opts = RunOptions {
        inputs: args.inputs,
        out: PathBuf::new(),
        rules,
        threads: None,
        progress: false,
        overrides: Default::default(),
        format: args.format,
        encoding: args.encoding,
        model: None,
        previous: None,
        invocation: None,
        manifest: None,
    };
    let plan = concord::pipeline::plan::plan(&opts)?;
    let text = match args.json {
        true => format!("{}\n", serde_json::to_string_pretty(&json(&plan))?),
        false => table(&plan),
    };
    super::unless_closed(out!("{text}"))?;
    Ok(ExitCode::SUCCESS)
}

fn json(plan: &Plan) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = plan
        .rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "rule": r.name, "pairs": r.pairs, "already_made": r.already_made,
                "new": r.pairs - r.already_made, "cumulative": r.cumulative,
                "blocks": r.blocks, "largest_block": r.largest_block,
            })
        })
        .collect();
    serde_json::json!({
        "records": plan.records, "all_pairs": plan.all_pairs, "to_compare": plan.to_compare(),
        "same_page_skipped": plan.same_page_skipped, "rules": rules,
        "warnings": plan.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
    })
}

fn table(plan: &Plan) -> String {
    let width = plan.rules.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "{:<width$}  {:>12}  {:>12}  {:>12}  {:>12}  {:>8}  {:>8}\n",
        "rule", "pairs", "already made", "new", "cumulative", "blocks", "largest"
    );
    for r in &plan.rules {
        out += &format!(
            "{:<width$}  {:>12}  {:>12}  {:>12}  {:>12}  {:>8}  {:>8}\n",
            r.name,
            r.pairs,
            r.already_made,
            r.pairs - r.already_made,
            r.cumulative,
            r.blocks,
            r.largest_block
        );
    }
    let share = match plan.all_pairs {
        0 => 0.0,
        all => 100.0 * plan.to_compare() as f64 / all as f64,
    };
    out += &format!(
        "{} records; {} pairs to compare of {} in all ({share:.4}%)",
        plan.records,
        plan.to_compare(),
        plan.all_pairs
    );
    if plan.same_page_skipped > 0 {
        out += &format!("; {} pairs of one page or source not made", plan.same_page_skipped);
    }
    out += "\n";
    for w in &plan.warnings {
        out += &format!("warning: {w}\n");
    }
    out
}
