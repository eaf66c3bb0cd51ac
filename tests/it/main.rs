//! Integration tests: one binary, one module per feature. Each test runs the real `concord`
//! binary on real inputs in its own temporary folder.

mod audit;
mod layouts;
mod spine;
mod tables;
mod workdir;
