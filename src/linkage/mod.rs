//! Linkage: which records are one document. Blocking makes candidate pairs ([`block`]), a
//! [`score::Scorer`] scores them ([`compare`] and [`similarity`] for the weighted scorer,
//! [`model`] for Fellegi-Sunter), constraint-aware clustering joins the matches
//! ([`cluster`]) and each cluster becomes a canonical record ([`merge`]). [`partition`]
//! cuts a run into parts no candidate pair crosses, the unit each stage runs on.

pub mod block;
pub mod cluster;
pub mod compare;
pub mod key;
pub mod merge;
pub mod model;
pub mod must_link;
pub mod partition;
pub mod score;
pub mod similarity;
