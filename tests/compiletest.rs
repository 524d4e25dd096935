//! The macro's compile-time behaviour, with trybuild: every mistake in
//! `tests/ui/*.rs` must fail with exactly the error in its `.stderr` file,
//! and every program in `tests/ui/pass/` must compile and run.
//!
//! After changing an error, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p genserver-tests --test compiletest`
//! and read the diff before committing it.
//!
//! The `.stderr` files hold the wording of rustc 1.95, the stable compiler
//! they were written with; other compilers word some errors differently,
//! so there the suite is skipped (listed as ignored) rather than failed.
//! Moving to a new compiler means regenerating them and moving the gate.

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the .stderr files hold rustc 1.95's wording"
)]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
    cases.pass("ui/pass/*.rs");
}
