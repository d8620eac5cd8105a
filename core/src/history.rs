//! Ports the container package's `History` (`history.go`): a list of containers sorted by
//! creation time, newest first.

use std::borrow::Borrow;

use crate::container::Container;
use crate::store::history_order;

/// A list of containers, newest first once sorted (`History`). Holds containers or references
/// to them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History<C: Borrow<Container> = Container>(pub Vec<C>);

impl<C: Borrow<Container>> History<C> {
    /// `Len`.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Less`: whether `i` sorts before `j`, that is, `j` was created before `i`.
    ///
    /// # Panics
    /// When `i` or `j` is out of range, as the reference does.
    pub fn less(&self, i: usize, j: usize) -> bool {
        self.0[j].borrow().created < self.0[i].borrow().created
    }

    /// `Swap`: exchanges `i` and `j`.
    ///
    /// # Panics
    /// When `i` or `j` is out of range.
    pub fn swap(&mut self, i: usize, j: usize) {
        self.0.swap(i, j);
    }

    /// `sort`: newest first; containers created at the same time in ID order (the reference
    /// leaves them in any order). Time: O(n log n).
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| history_order(a.borrow(), b.borrow()));
    }

    /// `Add`: appends a container (unsorted until [`History::sort`]).
    pub fn add(&mut self, container: C) {
        self.0.push(container);
    }
}
