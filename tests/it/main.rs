//! Integration tests: one binary, one module per feature. Each test runs the real `concord`
//! binary on real inputs in its own temporary folder.

mod audit;
mod eval;
mod hostile;
mod hostile_bounds;
mod layouts;
mod properties;
mod spine;
mod synth;
mod tables;
mod workdir;
