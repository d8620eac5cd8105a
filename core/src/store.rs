//! Ports the container package's `Store` interface and its memory store (`NewMemoryStore`), with
//! `History`'s order: newest first by creation time.

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

/// The memory store: a persistent hash map by ID (imbl), so a copy of the store is O(1) and
/// shares its containers with the original until either changes one. Time: O(log n) add, get
/// and delete (effectively constant); O(n log n) list.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    /// Each container behind its own `Arc`: a change copies only the nodes on its path, with
    /// pointers in them, and the container changed (when another copy of the store shares it).
    by_id: im::HashMap<String, std::sync::Arc<Container>>,
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
        self.by_id
            .insert(id.to_owned(), std::sync::Arc::new(container));
    }
    fn get(&self, id: &str) -> Option<&Container> {
        self.by_id.get(id).map(|c| &**c)
    }
    fn get_mut(&mut self, id: &str) -> Option<&mut Container> {
        self.by_id.get_mut(id).map(std::sync::Arc::make_mut)
    }
    fn delete(&mut self, id: &str) -> Option<Container> {
        self.by_id
            .remove(id)
            .map(|c| std::sync::Arc::try_unwrap(c).unwrap_or_else(|shared| (*shared).clone()))
    }
    fn list(&self) -> Vec<&Container> {
        let mut all: Vec<&Container> = self.by_id.values().map(|c| &**c).collect();
        all.sort_by(|a, b| history_order(a, b));
        all
    }
    fn size(&self) -> usize {
        self.by_id.len()
    }
    fn first(&self, filter: &mut dyn FnMut(&Container) -> bool) -> Option<&Container> {
        self.by_id.values().map(|c| &**c).find(|c| filter(c))
    }
    fn apply_all(&mut self, f: &mut dyn FnMut(&mut Container)) {
        for (_, c) in self.by_id.iter_mut() {
            f(std::sync::Arc::make_mut(c));
        }
    }
}
