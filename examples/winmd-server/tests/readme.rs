//! The README's section "IDL to .winmd to windows-bindgen" shows this crate's build script as it
//! is, so the build script a user copies from there is the one built and tested here.

#[test]
fn the_readme_shows_this_build_script_verbatim() {
    let readme = include_str!("../../../README.md");
    let build = include_str!("../build.rs");
    assert!(
        readme.contains(&format!("```rust,no_run\n{build}```\n")),
        "README.md does not show examples/winmd-server/build.rs as it is"
    );
}
