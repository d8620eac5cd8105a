//! Placeholder replaced by the benchmark suite below.
fn main() {}
