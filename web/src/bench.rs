//! Timing hooks for the benchmark page (`/?bench=N`): a mark is started before a dispatch and
//! finished after the render it causes; the results are shown on the page (`#bench-result`) for
//! the end-to-end harness to read. Measured with `performance.now()`, never asserted.

use std::cell::RefCell;
use std::collections::BTreeMap;

thread_local! {
    static MARKS: RefCell<BTreeMap<&'static str, f64>> = const { RefCell::new(BTreeMap::new()) };
    static RESULTS: RefCell<BTreeMap<&'static str, f64>> = const { RefCell::new(BTreeMap::new()) };
}

/// `performance.now()` in milliseconds (0 where there is no window).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Starts mark `name`.
pub fn start(name: &'static str) {
    MARKS.with(|m| m.borrow_mut().insert(name, now_ms()));
}

/// Finishes mark `name` if started, recording its duration.
pub fn finish(name: &'static str) {
    let Some(started) = MARKS.with(|m| m.borrow_mut().remove(name)) else {
        return;
    };
    record(name, now_ms() - started);
}

/// Records a duration measured elsewhere.
pub fn record(name: &'static str, ms: f64) {
    RESULTS.with(|r| r.borrow_mut().insert(name, ms));
}

/// Every result so far, as `name=1.23ms` pairs.
pub fn results() -> Vec<(&'static str, f64)> {
    RESULTS.with(|r| r.borrow().iter().map(|(k, v)| (*k, *v)).collect())
}
