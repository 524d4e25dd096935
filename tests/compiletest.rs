//! The macro's compile-time behaviour, with trybuild: every mistake in
//! `tests/ui/*.rs` must fail with exactly the error in its `.stderr` file,
//! and every program in `tests/ui/pass/` must compile and run.
//!
//! After changing an error, regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p genserver-tests --test compiletest`
//! and read the diff before committing it.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
    cases.pass("ui/pass/*.rs");
}
