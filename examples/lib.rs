//! Runnable examples of `genserver`, one file each; run one with
//! `cargo run --example NAME`. This library is empty: it only gives the
//! examples a package to live in.
