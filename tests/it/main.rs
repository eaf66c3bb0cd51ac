//! Integration tests: one binary, one module per feature. Each test runs the real `concord`
//! binary on real inputs in its own temporary folder.

mod archives;
mod audit;
mod diff;
mod encoding;
mod engine;
mod eval;
mod hostile;
mod hostile_bounds;
mod hostile_inputs;
mod hostile_outputs;
mod hostile_pages;
mod hostile_tables;
mod html_pages;
mod identity;
mod inspect;
mod layering;
mod layouts;
mod output_format;
mod partition;
mod progress;
mod properties;
mod record_shape;
mod report;
mod roundtrip_model;
mod scorer;
mod scrape;
mod serve;
mod settled;
mod shapes;
mod spine;
mod synth;
mod table_linkage;
mod tables;
mod workdir;
