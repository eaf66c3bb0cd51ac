//! Integration tests: one binary, one module per feature. Each test runs the real `concord`
//! binary on real inputs in its own temporary folder.

mod audit;
mod eval;
mod layouts;
mod spine;
mod synth;
mod tables;
mod workdir;
