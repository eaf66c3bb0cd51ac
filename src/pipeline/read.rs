//! The ingest stage of a run: find the inputs, read each by its format, in parallel.

use std::path::PathBuf;

use rayon::prelude::*;

use super::{Input, Run, bar};
use crate::error::{Error, Warning};
use crate::rules::{CompiledPageRules, Rules};
use crate::schema::TableRules;
use crate::source::{self, InputFile, table::Format};

impl Run<'_> {
    /// The ingest stage: every file under `inputs`, read as `format` (None: by each file's
    /// extension), in the run's encoding ([`Run::with_encoding`]). Gives the records read and the files that could not be used; stops only
    /// when the inputs mix tables and pages or a table has no mapping.
    pub fn ingest(
        &self,
        inputs: &[PathBuf],
        format: Option<Format>,
        page_rules: &CompiledPageRules,
    ) -> Result<(Input, Vec<Error>), Error> {
        let (files, mut errors, walk_warnings) = source::discover(inputs);
        let format_of = |f: &InputFile| format.unwrap_or_else(|| Format::from_name(&f.name));
        let mapping = table_mapping(&files, &format_of, self.rules.table.as_ref())?;
        // A table read as pages (`[table.pages]`) makes a page run.
        let table = mapping.filter(|m| m.pages.is_none());
        let progress = bar(self.progress, files.len() as u64, "ingest");
        let max_bytes = self.rules.input.max_file_bytes;
        let outcomes: Vec<source::FileOutcome> = files
            .par_iter()
            .map(|f| {
                let o = source::read_encoded(f, format_of(f), page_rules, mapping, max_bytes, self.encoding);
                if let Some(b) = &progress {
                    b.inc(1);
                }
                o
            })
            .collect();
        if let Some(b) = progress {
            b.finish_and_clear();
        }
        self.stages.mark("ingest", "files read and parsed");
        let unmatched = if table.is_some() {
            Vec::new()
        } else {
            unmatched_layouts(self.rules, &outcomes)
        };
        let mut input = Input {
            table: table.is_some(),
            warnings: walk_warnings,
            ..Input::default()
        };
        // Room for every record at once: a list grown by doubling to a million records
        // copies them over and over, and touches fresh pages each time.
        let total: usize = (outcomes.iter())
            .filter_map(|o| o.result.as_ref().ok())
            .map(|p| p.records.len())
            .sum();
        input.records.reserve_exact(total);
        input.page_of.reserve_exact(total);
        errors.extend(outcomes.into_iter().filter_map(|o| input.add(o)));
        input.warnings.extend(unmatched);
        // Files the walk could not open count as failed too.
        input.failed_files = errors.len();
        self.stages.done("ingest");
        Ok((input, errors))
    }
}

/// The `[table]` mapping when the inputs are tables (None for pages). Tables and pages cannot
/// be mixed, and a table cannot be read without a mapping.
fn table_mapping<'r>(
    files: &[InputFile],
    format_of: &dyn Fn(&InputFile) -> Format,
    mapping: Option<&'r TableRules>,
) -> Result<Option<&'r TableRules>, Error> {
    let tables = files.iter().filter(|f| !format_of(f).is_page()).count();
    if tables == 0 {
        return Ok(None);
    }
    let as_pages = mapping.is_some_and(|m| m.pages.is_some());
    if tables < files.len() && !as_pages {
        return Err(Error::Input {
            file: "inputs".into(),
            message: "tables (.csv, .jsonl) and result pages cannot be mixed in one run, unless the mapping reads the table's rows as pages ([table.pages])".into(),
        });
    }
    mapping.map(Some).ok_or_else(super::stages::no_mapping)
}

/// A warning, once per run, for each layout of a user's rules file that read no page: a
/// layout written for pages it never recognises would otherwise fail in silence (the pages
/// going to another layout). Built-in layouts are not named: most runs need only one of them.
fn unmatched_layouts(rules: &Rules, outcomes: &[source::FileOutcome]) -> Vec<Warning> {
    let used: std::collections::HashSet<&str> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .map(|p| p.layout.as_str())
        .collect();
    let pages = outcomes.iter().filter(|o| o.result.is_ok()).count();
    if pages == 0 {
        return Vec::new();
    }
    rules
        .layouts
        .iter()
        .filter(|l| !used.contains(l.name.as_str()))
        .filter_map(|l| {
            let file = l.from.as_deref()?;
            let why = match &l.detect {
                Some(d) => format!(
                    "its detect pattern '{d}' matched no line of the {pages} pages read (or only of pages a layout tried before it took)"
                ),
                None => format!("the layouts before it took all {pages} pages read"),
            };
            Some(Warning::at(
                file,
                None,
                format!("layout {:?} never matched any page: {why}", l.name),
            ))
        })
        .collect()
}
