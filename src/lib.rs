//! concord: turns overlapping scrapes of archive result pages into one canonical dataset,
//! and shows its work.
//!
//! The pipeline, one module per stage, typed values flowing one way:
//! [`ingest`] (raw records with provenance) -> [`normalize`] (records ready to compare) ->
//! [`block`] (candidate pairs) -> [`compare`] (scored pairs with decisions, by the
//! [`score::Scorer`] in force, which also owns the match and review bands) -> [`cluster`]
//! (clusters under constraints) -> [`merge`] (canonical records) -> [`output`] (CSV files).
//! [`pipeline`] runs them in order: [`pipeline::Run`] has one method per stage, and
//! [`link`] links records already read in memory, the same engine `concord run` uses;
//! [`rules`] holds the policy every stage reads.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod block;
pub mod cluster;
pub mod compare;
pub mod date;
pub mod error;
pub mod eval;
pub mod ingest;
pub mod merge;
pub mod model;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod record;
pub mod rules;
pub mod schema;
pub mod score;
pub mod similarity;
pub mod summary;
pub mod synth;

pub use error::{Error, Warning};
pub use pipeline::{Input, Linkage, Run, RunOptions, RunReport, Summary, link, run};
pub use rules::Rules;
