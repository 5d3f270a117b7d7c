//! `ucsim`: the Unity Catalog workspace simulator (see the crate README).
fn main() {}
