//! The berth web app.
fn main() {}
