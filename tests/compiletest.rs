//! What the borrow checker and the type system must reject, pinned to error codes.
//!
//! The `.stderr` snapshots were made with the toolchain in `rust-toolchain.toml`; run
//! `TRYBUILD=overwrite cargo test --test compiletest` after changing it, and review the
//! diff.

#[test]
#[cfg_attr(miri, ignore)]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/**/*.rs");
}
