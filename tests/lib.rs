//! Integration tests of `genserver`, one file per concern, run by
//! `cargo test --workspace`. This library is empty.
