//! Integration, ABI and compile-fail tests for mobsync-rs.
//!
//! The tests live in `tests/tests/` (Rust), `tests/c/` (C clients and ABI harnesses), `tests/ui/`
//! (trybuild compile-fail cases) and `tests/wine/` (the Windows client run under Wine). This library
//! itself only carries the README's code as a doctest, so the quick start shown to users always
//! compiles.

/// The README's Rust code blocks, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
