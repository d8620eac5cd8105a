//! Ports the container package's `Store` interface and its memory store (`NewMemoryStore`), with
//! `History`'s order: newest first by creation time.

use std::collections::HashMap;

use crate::container::Container;

/// A container store (`Store`).
pub trait Store {
    /// `Add`: adds or replaces the container stored under `id`.
    fn add(&mut self, id: &str, container: Container);
    /// `Get`.
    fn get(&self, id: &str) -> Option<&Container>;
    /// Mutable access.
    fn get_mut(&mut self, id: &str) -> Option<&mut Container>;
    /// `Delete`; returns the container if it was there.
    fn delete(&mut self, id: &str) -> Option<Container>;
    /// `List`: every container, newest first (ties by ID, so the order is total).
    fn list(&self) -> Vec<&Container>;
    /// `Size`.
    fn size(&self) -> usize;
    /// `First`: the first container, in no particular order, that `filter` accepts.
    fn first(&self, filter: &mut dyn FnMut(&Container) -> bool) -> Option<&Container>;
    /// `ApplyAll`: calls `f` with every container.
    fn apply_all(&mut self, f: &mut dyn FnMut(&mut Container));
}

/// The memory store: a hash map by ID. Time: O(1) add, get and delete; O(n log n) list.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    by_id: HashMap<String, Container>,
}

impl MemoryStore {
    /// `NewMemoryStore`.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

/// `History`'s order: newest first by `Created`, ties by ID.
pub fn history_order(a: &Container, b: &Container) -> std::cmp::Ordering {
    b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id))
}

impl Store for MemoryStore {
    fn add(&mut self, id: &str, container: Container) {
        self.by_id.insert(id.to_owned(), container);
    }
    fn get(&self, id: &str) -> Option<&Container> {
        self.by_id.get(id)
    }
    fn get_mut(&mut self, id: &str) -> Option<&mut Container> {
        self.by_id.get_mut(id)
    }
    fn delete(&mut self, id: &str) -> Option<Container> {
        self.by_id.remove(id)
    }
    fn list(&self) -> Vec<&Container> {
        let mut all: Vec<&Container> = self.by_id.values().collect();
        all.sort_by(|a, b| history_order(a, b));
        all
    }
    fn size(&self) -> usize {
        self.by_id.len()
    }
    fn first(&self, filter: &mut dyn FnMut(&Container) -> bool) -> Option<&Container> {
        self.by_id.values().find(|c| filter(c))
    }
    fn apply_all(&mut self, f: &mut dyn FnMut(&mut Container)) {
        for c in self.by_id.values_mut() {
            f(c);
        }
    }
}
