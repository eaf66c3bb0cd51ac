//! concord: turns overlapping scrapes of archive result pages into one canonical dataset,
//! and shows its work.
//!
//! The pipeline, one folder per stage, typed values flowing one way:
//! [`source`] (raw records with provenance, one shape for pages and tables) -> [`normalize`]
//! (records ready to compare) -> [`linkage`] (blocking, scoring by the
//! [`linkage::score::Scorer`] in force, which owns the match and review bands, clustering
//! under constraints, merging into canonical records, part by part) -> [`output`] (typed
//! rows through a CSV or Parquet sink, committed all together) and [`audit`] (review, links,
//! summary, report, explain). [`pipeline`] runs them in order: [`pipeline::Run`] has one
//! method per stage, and [`link`] links records already read in memory, the same engine
//! `concord run` uses; [`rules`] holds the policy every stage reads.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod completeness;
pub mod error;
pub mod eval;
pub mod identity;
pub mod lineage;
pub mod linkage;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod record;
pub mod rules;
pub mod schema;
pub mod serve;
pub mod source;
pub mod summary;
pub mod synth;

pub use error::{Error, Warning};
pub use pipeline::{Input, Linkage, Run, RunOptions, RunReport, Summary, link, run};
pub use rules::Rules;
