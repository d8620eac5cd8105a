//! Specification of `History` (`history.go`): newest first by creation time. The reference has
//! no test of its own; this is SEMANTICS.md's order as a table.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::history::History;
use berth_core::{Container, Time};

fn at(id: &str, secs: i64) -> Container {
    let mut c = Container::new_base(id);
    c.created = Time::from_unix_secs(secs);
    c
}

fn ids<C: std::borrow::Borrow<Container>>(h: &History<C>) -> Vec<&str> {
    h.0.iter().map(|c| c.borrow().id.as_str()).collect()
}

#[test]
fn sort_is_newest_first() {
    // ((ID, created) in insertion order, IDs once sorted)
    type Case = (&'static [(&'static str, i64)], &'static [&'static str]);
    let cases: &[Case] = &[
        (&[], &[]),
        (&[("a", 1)], &["a"]),
        (&[("a", 1), ("b", 2), ("c", 3)], &["c", "b", "a"]),
        (&[("c", 3), ("a", 1), ("b", 2)], &["c", "b", "a"]),
        // Same creation time: by ID, so the order is total.
        (&[("b", 5), ("a", 5), ("c", 1)], &["a", "b", "c"]),
    ];
    for &(input, want) in cases {
        let mut h = History(input.iter().map(|&(id, t)| at(id, t)).collect());
        h.sort();
        assert_eq!(ids(&h), want, "{input:?}");
        assert_eq!(h.len(), want.len());
        assert_eq!(h.is_empty(), want.is_empty());
    }
}

#[test]
fn less_len_swap_add() {
    let mut h: History = History::default();
    h.add(at("old", 10));
    h.add(at("new", 20));
    assert_eq!(h.len(), 2);
    assert!(h.less(1, 0), "the newer sorts first");
    assert!(!h.less(0, 1));
    assert!(!h.less(0, 0), "not less than itself");
    h.swap(0, 1);
    assert_eq!(ids(&h), ["new", "old"]);
}

#[test]
fn holds_references_too() {
    let (a, b) = (at("a", 1), at("b", 2));
    let mut h = History(vec![&a, &b]);
    h.sort();
    assert_eq!(ids(&h), ["b", "a"]);
}

/// The memory store lists in the same order.
#[test]
fn matches_the_memory_store() {
    use berth_core::{MemoryStore, Store};
    let mut store = MemoryStore::new();
    let mut h = History::default();
    for (id, t) in [("x", 3), ("y", 9), ("z", 3), ("w", 1)] {
        store.add(id, at(id, t));
        h.add(at(id, t));
    }
    h.sort();
    let listed: Vec<&str> = store.list().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(listed, ids(&h));
}
