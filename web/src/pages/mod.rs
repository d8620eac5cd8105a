//! The dashboard's pages.

pub mod container;
pub mod containers;
pub mod history;
