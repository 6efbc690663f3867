//! The command line, declared with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use mobsync_idl::codegen::SuccessCodes;

/// Checks MIDL files and generates Rust bindings and C headers from them.
///
/// Exit status: 0 success; 1 the IDL has errors (each reported with file:line:col, the source
/// line and a caret); 2 bad usage, an input that cannot be read or an output that cannot be
/// written.
#[derive(Debug, Parser)]
#[command(name = "mobsync-idl", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and fully check IDL files (imports, names, types, constants, attributes).
    Check {
        #[command(flatten)]
        front: FrontEnd,
        /// The IDL files to check.
        #[arg(required = true, value_name = "FILE.idl")]
        files: Vec<PathBuf>,
    },
    /// Write Rust bindings of an IDL file: one formatted, self-contained module for a crate
    /// that depends on `windows-core` 0.100 (of each of several files with --out-dir).
    Rust {
        #[command(flatten)]
        front: FrontEnd,
        /// The IDL file (with --out-dir, one or more).
        #[arg(required = true, value_name = "FILE.idl")]
        files: Vec<PathBuf>,
        /// Where to write the Rust file (with --modules: the directory of the modules).
        #[arg(
            short,
            long,
            value_name = "OUT.rs",
            required_unless_present = "out_dir",
            conflicts_with = "out_dir"
        )]
        output: Option<PathBuf>,
        /// Write the bindings of each FILE.idl to DIR/<file stem>.rs, each as -o would write
        /// it, from one load: every file and import is read, parsed and checked once, however
        /// many of the files import it. The way to generate many files.
        #[arg(long, value_name = "DIR", conflicts_with = "modules")]
        out_dir: Option<PathBuf>,
        /// Also write, in a child module `implement`, a safe trait and checked
        /// `extern "system"` shims for every interface derived from IUnknown, so that a Rust
        /// type can implement it as a COM object with `#[derive(mobsync_runtime::ComObject)]`
        /// (the crate then depends on `mobsync-runtime` too).
        #[arg(long)]
        implement: bool,
        /// Write one module per IDL file instead (FILE.idl and every file it imports, each
        /// with its own declarations, naming the others' through `use super::<module>::*`)
        /// into the directory given by -o, with a `mod.rs` declaring them.
        #[arg(long)]
        modules: bool,
        /// Give a method success codes its IDL does not state, `S_OK` first, so that its
        /// trait method returns an outcome enum instead of `Result<()>`:
        /// `--success-codes IPersistStream::IsDirty=S_OK,S_FALSE`. Each code is S_OK,
        /// S_FALSE or a constant of the IDL. Repeatable.
        #[arg(long, value_name = "IFACE::METHOD=CODES", value_parser = parse_success_codes)]
        success_codes: Vec<SuccessCodes>,
    },
    /// Write a C header for C and C++ clients of one IDL file's interfaces.
    CHeader {
        #[command(flatten)]
        front: FrontEnd,
        /// The IDL file.
        #[arg(value_name = "FILE.idl")]
        file: PathBuf,
        /// Where to write the header.
        #[arg(short, long, value_name = "OUT.h")]
        output: PathBuf,
    },
    /// Write RDL (the metadata text of windows-rdl) of one IDL file and what it uses from its
    /// imports, for windows-rdl and windows-bindgen.
    #[command(after_help = mobsync_idl::codegen::rdl::DROPPED_FEATURES)]
    Rdl {
        #[command(flatten)]
        front: FrontEnd,
        #[command(flatten)]
        rdl: RdlArgs,
    },
    /// Write a .winmd (Windows metadata, for windows-bindgen) of one IDL file: its RDL, as
    /// `rdl` writes it, compiled by windows-rdl.
    #[cfg(feature = "winmd")]
    #[command(after_help = mobsync_idl::codegen::rdl::DROPPED_FEATURES)]
    Winmd {
        #[command(flatten)]
        front: FrontEnd,
        #[command(flatten)]
        rdl: RdlArgs,
    },
}

/// The arguments of `rdl` (and `winmd`).
#[derive(Debug, Args)]
pub struct RdlArgs {
    /// The IDL file.
    #[arg(value_name = "FILE.idl")]
    pub file: PathBuf,
    /// Where to write the output.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// The metadata namespace, `.`-separated (default: the file's stem, `objidl`).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Declare `BSTR` as a typedef of the namespace (`*mut u16`) instead of using Win32
    /// metadata's, which windows-bindgen maps to `windows_core::BSTR`: that type exists on
    /// Windows only, and this makes bindings that compile on every target.
    #[arg(long)]
    pub portable: bool,
}

/// The preprocessor and import options every subcommand takes.
#[derive(Debug, Args)]
pub struct FrontEnd {
    /// Add DIR to the search path of `import` and `#include` (searched in order, after the
    /// importing file's own directory; the bundled base files of mobsync-idl come last).
    #[arg(short = 'I', value_name = "DIR")]
    pub include: Vec<PathBuf>,
    /// Define a preprocessor macro: `NAME` (as 1), `NAME=VALUE` or `F(x)=VALUE`.
    #[arg(short = 'D', value_name = "NAME[=VALUE]")]
    pub define: Vec<String>,
    /// Undefine a preprocessor macro (after the predefined ones and every -D).
    #[arg(short = 'U', value_name = "NAME")]
    pub undefine: Vec<String>,
}

/// `--success-codes`'s value.
fn parse_success_codes(value: &str) -> Result<SuccessCodes, String> {
    value.parse()
}
