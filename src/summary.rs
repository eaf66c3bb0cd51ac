//! The figures of a run (`summary.csv`, the printout of `concord run`): their own module, so
//! that the pipeline that counts them and the audit that writes them import it and not each
//! other.

use std::fmt;

/// The figures a run prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Input files read.
    pub files: usize,
    /// Input files that could not be used.
    pub failed_files: usize,
    /// Malformed table rows skipped (each reported with its file and line).
    pub skipped_rows: usize,
    /// Records ingested.
    pub records: usize,
    /// Blocks with at least two records.
    pub blocks: usize,
    /// Largest block.
    pub largest_block: usize,
    /// Pairs compared.
    pub pairs_compared: usize,
    /// Pairs not compared because both records are on one page.
    pub same_page_pairs_skipped: usize,
    /// Pairs decided match.
    pub match_pairs: usize,
    /// Pairs sent to review.
    pub review_pairs: usize,
    /// Overrides that named records of this run.
    pub overrides_applied: usize,
    /// Overrides naming a record not in this run (reported as warnings, kept in the file).
    pub overrides_stale: usize,
    /// Matched links cut by a constraint.
    pub cut_links: usize,
    /// Matched links left for review because the record matched two documents equally.
    pub ambiguous_links: usize,
    /// Clusters.
    pub clusters: usize,
    /// Canonical records written.
    pub canonical_records: usize,
    /// Clusters of more than one record.
    pub merged_clusters: usize,
    /// Queries the pages are pages of ([`crate::completeness`]).
    pub queries: usize,
    /// Queries with results their range headers state that were not scraped.
    pub incomplete_queries: usize,
    /// Warnings.
    pub warnings: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.rows() {
            writeln!(f, "{name:<25} {value}")?;
        }
        Ok(())
    }
}

impl Summary {
    /// The figures as (name, value), in display order.
    pub fn rows(&self) -> [(&'static str, usize); 20] {
        [
            ("files read", self.files),
            ("files failed", self.failed_files),
            ("malformed rows skipped", self.skipped_rows),
            ("records", self.records),
            ("blocks", self.blocks),
            ("largest block", self.largest_block),
            ("pairs compared", self.pairs_compared),
            ("same-page pairs skipped", self.same_page_pairs_skipped),
            ("match pairs", self.match_pairs),
            ("review pairs", self.review_pairs),
            ("overrides applied", self.overrides_applied),
            ("overrides not found", self.overrides_stale),
            ("links cut by constraints", self.cut_links),
            ("ambiguous links", self.ambiguous_links),
            ("clusters", self.clusters),
            ("merged clusters", self.merged_clusters),
            ("canonical records", self.canonical_records),
            ("queries", self.queries),
            ("incomplete queries", self.incomplete_queries),
            ("warnings", self.warnings),
        ]
    }
}
