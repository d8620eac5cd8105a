//! The dashboard's building blocks.

pub mod actions;
pub mod badge;
pub mod banners;
pub mod diagram;
pub mod flags;
pub mod header;
pub mod sign_in;
pub mod table;
pub mod theme;
