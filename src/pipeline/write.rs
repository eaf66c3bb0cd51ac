//! The write stage of a run: every output of a [`Linkage`], staged and committed together.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Linkage, Run};
use crate::audit;
use crate::error::Error;
use crate::output::{self, Batch};

impl Run<'_> {
    /// The write stage: every output file into `out` (created if missing). Every file is
    /// staged first and renamed at the end: a run killed while writing leaves the previous
    /// outputs as they were. (The lock that keeps other runs out of `out` is the caller's:
    /// `concord run` holds it from before reading.)
    pub fn write(&self, linkage: &Linkage, out: &Path) -> Result<Vec<PathBuf>, Error> {
        std::fs::create_dir_all(out).map_err(|e| Error::Io {
            path: out.to_path_buf(),
            source: e,
        })?;
        let batch = Batch::new(out, &self.rules.output);
        self.stage(linkage, &batch)?;
        self.stages.done("write");
        let written = batch.commit()?;
        self.stages.done("commit");
        Ok(written)
    }

    /// Stages every output file in `batch`. The files are independent: written in parallel.
    pub fn stage(&self, l: &Linkage, batch: &Batch) -> Result<(), Error> {
        let audit = audit::RunAudit {
            records: &l.records,
            scored: &l.pairs,
            marks: &l.marks,
            clustering: &l.clustering,
            canonical: &l.canonical,
            summary: &l.summary,
            warnings: &l.warnings,
            scorer: &*l.scorer,
            table: l.table.as_ref(),
        };
        let table = l.table.as_ref();
        type Writer<'a> = Box<dyn Fn() -> Result<(), Error> + Send + Sync + 'a>;
        let writers: Vec<Writer> = vec![
            Box::new(|| output::write_decisions(batch, &l.pairs, &l.marks, &l.blocks, &l.records, l.model())),
            Box::new(|| match table {
                None => output::write_provenance(batch, &l.canonical, &l.records),
                Some(t) => output::write_provenance_table(batch, &l.canonical, &l.records, t),
            }),
            Box::new(|| match table {
                None => output::write_canonical(batch, &l.canonical, &l.records),
                Some(t) => output::write_canonical_table(batch, &l.canonical, &l.records, t),
            }),
            Box::new(|| audit::write_all(batch, &audit)),
            Box::new(|| output::write_warnings(batch, &l.warnings)),
            Box::new(|| output::write_blocks(batch, &l.blocks)),
            Box::new(|| l.model().map_or(Ok(()), |m| m.stage(batch))),
        ];
        // The first error in this order is reported, whichever writer finished first.
        let results: Vec<Result<(), Error>> = writers.par_iter().with_max_len(1).map(|w| w()).collect();
        results.into_iter().collect()
    }
}
