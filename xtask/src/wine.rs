//! `cargo xtask wine-test`: the example handler, cross-built for Windows, driven by Wine's COM.
//!
//! Steps (see `shared/WINDOWS.md` for the toolchain):
//!
//! 1. Cross-build the handler (`-p folder-sync`) for `x86_64-pc-windows-gnu` with Debian's Rust
//!    (`/usr/bin/cargo`, `RUSTC_BOOTSTRAP=1`, `-Zbuild-std`) into `target/windows`.
//! 2. Prepare a Wine prefix in `target/wineprefix` (`wineboot`; kept between runs) and install the
//!    project's `ProcessPrng` shim (`tests/wine/processprng.c`) as `bcryptprimitives.dll`, which
//!    Wine 8 lacks and every Rust std binary imports.
//! 3. Build the C client (`tests/wine/client.c`) with `x86_64-w64-mingw32-gcc` against mingw-w64's
//!    own `<mobsync.h>`.
//! 4. `wine regsvr32` the DLL (its `DllRegisterServer` writes Wine's registry) and check the keys.
//! 5. Run the client in a multithreaded and in a single-threaded apartment over a sample tree;
//!    it `CoCreateInstance`s the handler and drives a full sync, then the copies are compared
//!    byte for byte here.
//!    The Sync Center class of the same DLL (its registration under Sync Center's handler key
//!    checked in step 4) is driven by `tests/c/client_sync_center.c` built against the generated
//!    `syncmgr_rs.h` (see [`sync_center`]).
//! 6. `wine regsvr32 /u` and check that the keys are gone.
//! 7. Run mobsync-runtime's registry tests under Wine (the Windows registry backend checked with
//!    `reg.exe`, four processes registering at once) and its task allocator tests.
//!
//! Everything it builds or creates lives under `target/` (`target/windows`, `target/wineprefix`,
//! `target/wine-test`).

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

mod sync_center;

use crate::project_root;

/// folder-sync's class.
const FOLDER_SYNC_CLSID: &str = "{632306B6-690C-48C1-AB87-953A6833A855}";
/// The Windows target.
const TARGET: &str = "x86_64-pc-windows-gnu";
/// Debian's Rust (rustc-web / cargo-web), which `-Zbuild-std` works with.
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_RUSTDOC: &str = "/usr/bin/rustdoc";
/// Where `rust-web-src` puts std's sources.
const RUST_SRC: &str = "/usr/lib/rustlib/src/rust";
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";
/// Written into the prefix once it is fully set up, with the Wine version.
const PREFIX_STAMP: &str = ".mobsync-prefix";

/// Command-line arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The handler package to cross-build.
    #[arg(long, short = 'p', default_value = "folder-sync")]
    package: String,
    /// Test this prebuilt handler DLL instead of building `--package`.
    #[arg(long, value_name = "PATH")]
    dll: Option<PathBuf>,
    /// Build the handler with the release profile.
    #[arg(long)]
    release: bool,
    /// Skip running mobsync-runtime's registry tests under Wine.
    #[arg(long)]
    skip_runtime_tests: bool,
    /// Delete and recreate the Wine prefix.
    #[arg(long)]
    fresh_prefix: bool,
    /// Seconds any one Wine command may take before it is killed.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

/// Runs the subcommand.
pub fn run(args: Args) -> Result<ExitCode> {
    let started = Instant::now();
    let root = project_root();
    let ctx = Ctx::new(&root, Duration::from_secs(args.timeout));
    check_tools()?;
    fs::create_dir_all(&ctx.work).with_context(|| format!("creating {}", ctx.work.display()))?;
    // One wine-test at a time per checkout: they share the prefix, its registry and the work dir.
    let lock_path = root.join("target").join("wine-test.lock");
    let lock = fs::File::create(&lock_path)
        .with_context(|| format!("creating {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        println!("waiting for another `cargo xtask wine-test` in this checkout to finish");
        lock.lock()
            .with_context(|| format!("locking {}", lock_path.display()))?;
    }

    step("cross-building the handler");
    let dll = match &args.dll {
        Some(dll) => std::path::absolute(dll)?,
        None => ctx.build_handler(&args.package, args.release)?,
    };
    ensure!(dll.is_file(), "{} does not exist", dll.display());
    println!("handler: {}", dll.display());

    step("preparing the Wine prefix");
    ctx.prepare_prefix(args.fresh_prefix)?;

    step("building the C client against mingw-w64's <mobsync.h>");
    let client = ctx.build_client()?;

    step("registering with wine regsvr32");
    let dll_win = windows_path(&dll)?;
    // Leftovers of an interrupted run would hide a DllRegisterServer that writes nothing.
    if ctx.reg_key_exists(&clsid_key())?
        || ctx.reg_key_exists(&handler_key())?
        || ctx.reg_key_exists(&sync_center::sync_center_key())?
    {
        println!("removing the registration left by an earlier run");
        let _ = ctx.wine(["regsvr32", "/s", "/u", &dll_win])?;
        ctx.reg_delete(&clsid_key())?;
        ctx.reg_delete(&handler_key())?;
        ctx.reg_delete(&sync_center::sync_center_key())?;
    }
    let status = ctx.wine(["regsvr32", "/s", &dll_win])?;
    ensure!(
        status == 0,
        "wine regsvr32 failed with exit status {status}"
    );
    ctx.check_registered(&dll_win)?;
    sync_center::check_registered(&ctx)?;

    step("driving a full sync from the C client");
    let dll_name = dll
        .file_name()
        .and_then(OsStr::to_str)
        .context("the DLL has no file name")?
        .to_owned();
    for apartment in ["mta", "sta"] {
        let data = ctx.work.join(format!("data-{apartment}"));
        let (source, dest) = make_sample_tree(&data)?;
        let status = ctx.wine_program(
            &client,
            [
                apartment,
                &windows_path(&source)?,
                &windows_path(&dest)?,
                &dll_name,
            ],
        )?;
        ensure!(
            status == 0,
            "the C client ({apartment}) failed with exit status {status}"
        );
        compare_trees(&source, &dest)?;
        println!("{apartment}: the copies match the source byte for byte");
    }

    step("driving a synchronization through Sync Center's interfaces (the Sync Center C client)");
    sync_center::drive(&ctx, &dll)?;

    step("unregistering with wine regsvr32 /u");
    let status = ctx.wine(["regsvr32", "/s", "/u", &dll_win])?;
    ensure!(
        status == 0,
        "wine regsvr32 /u failed with exit status {status}"
    );
    ensure!(
        !ctx.reg_key_exists(&clsid_key())?,
        "HKCR\\CLSID\\{FOLDER_SYNC_CLSID} is still there after DllUnregisterServer"
    );
    ensure!(
        !ctx.reg_key_exists(&handler_key())?,
        "the Sync Manager registration is still there after DllUnregisterServer"
    );
    ensure!(
        !ctx.reg_key_exists(&sync_center::sync_center_key())?,
        "the Sync Center registration is still there after DllUnregisterServer"
    );
    println!("ok: every key DllRegisterServer wrote is gone");

    if args.skip_runtime_tests {
        println!("(mobsync-runtime's registry tests under Wine skipped: --skip-runtime-tests)");
    } else {
        step("mobsync-runtime's registry tests against Wine's registry");
        ctx.runtime_tests()?;
    }

    ctx.wineserver_wait()?;
    drop(lock);
    println!(
        "\nwine-test: all steps passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn step(what: &str) {
    println!("\n== wine-test: {what}");
}

fn clsid_key() -> String {
    format!("HKCR\\CLSID\\{FOLDER_SYNC_CLSID}")
}

fn handler_key() -> String {
    format!("HKCU\\Software\\mobsync-rs\\Handlers\\{FOLDER_SYNC_CLSID}")
}

/// Fails with the package to install when a tool is missing.
fn check_tools() -> Result<()> {
    let mut missing = Vec::new();
    for (path, package) in [
        (DEBIAN_CARGO, "cargo-web"),
        (DEBIAN_RUSTC, "rustc-web"),
        (RUST_SRC, "rust-web-src"),
    ] {
        if !Path::new(path).exists() {
            missing.push(format!("{path} (Debian package {package})"));
        }
    }
    for (tool, package) in [
        (MINGW_GCC, "gcc-mingw-w64-x86-64"),
        ("wine", "wine + wine64"),
        ("wineserver", "wine64"),
    ] {
        if find_in_path(tool).is_none() {
            missing.push(format!("{tool} (Debian package {package})"));
        }
    }
    ensure!(
        missing.is_empty(),
        "missing tools: {}; `.ci/run` installs them",
        missing.join(", ")
    );
    Ok(())
}

fn find_in_path(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}

/// `Z:\…` for an absolute Linux path (Wine maps `Z:` to `/`).
fn windows_path(path: &Path) -> Result<String> {
    let path = std::path::absolute(path)?;
    let text = path
        .to_str()
        .with_context(|| format!("{} is not UTF-8", path.display()))?;
    ensure!(text.starts_with('/'), "{text} is not absolute");
    Ok(format!("Z:{}", text.replace('/', "\\")))
}

struct Ctx {
    root: PathBuf,
    prefix: PathBuf,
    /// `target/wine-test`: the shim, the client, the sample trees.
    work: PathBuf,
    timeout: Duration,
}

impl Ctx {
    fn new(root: &Path, timeout: Duration) -> Self {
        let target = root.join("target");
        Self {
            root: root.to_path_buf(),
            prefix: target.join("wineprefix"),
            work: target.join("wine-test"),
            timeout,
        }
    }

    /// The environment of the cross build: Debian's Rust, not rustup's, with nothing inherited
    /// from the `cargo xtask` invocation that could redirect it.
    fn cross_cargo(&self) -> Command {
        let mut cmd = Command::new(DEBIAN_CARGO);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            let inherited_from_cargo_run = key.starts_with("CARGO_PKG_")
                || key.starts_with("CARGO_BUILD_")
                || key.starts_with("RUSTUP_")
                || matches!(
                    key.as_str(),
                    "CARGO"
                        | "CARGO_MANIFEST_DIR"
                        | "CARGO_MANIFEST_PATH"
                        | "CARGO_CRATE_NAME"
                        | "CARGO_BIN_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "CARGO_MAKEFLAGS"
                        | "CARGO_ENCODED_RUSTFLAGS"
                        | "RUSTC"
                        | "RUSTDOC"
                        | "RUSTC_WRAPPER"
                        | "RUSTC_WORKSPACE_WRAPPER"
                        | "RUSTFLAGS"
                        | "RUSTDOCFLAGS"
                );
            if inherited_from_cargo_run {
                cmd.env_remove(&key);
            }
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![PathBuf::from("/usr/bin")];
        dirs.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(dirs).expect("PATH entries"))
            .env("RUSTC", DEBIAN_RUSTC)
            .env("RUSTDOC", DEBIAN_RUSTDOC)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER", MINGW_GCC)
            .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", "wine")
            .env("CARGO_TARGET_DIR", self.root.join("target").join("windows"))
            .current_dir(&self.root);
        self.wine_env(&mut cmd);
        cmd
    }

    fn build_handler(&self, package: &str, release: bool) -> Result<PathBuf> {
        let mut cmd = self.cross_cargo();
        cmd.args(["build", "-Zbuild-std=std,panic_abort", "--target", TARGET]);
        cmd.args(["-p", package]);
        if release {
            cmd.arg("--release");
        }
        run_checked(&mut cmd, "the cross build")?;
        let dll = self
            .root
            .join("target/windows")
            .join(TARGET)
            .join(if release { "release" } else { "debug" })
            .join(format!("{}.dll", package.replace('-', "_")));
        ensure!(
            dll.is_file(),
            "the build produced no {} — is `{package}` a cdylib exporting DllRegisterServer, \
             DllGetClassObject and DllCanUnloadNow?",
            dll.display()
        );
        Ok(dll)
    }

    fn wine_env(&self, cmd: &mut Command) {
        cmd.env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            // No Mono/Gecko installers, no windows.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
    }

    fn wine_command(&self) -> Command {
        let mut cmd = Command::new("wine");
        self.wine_env(&mut cmd);
        cmd.current_dir(&self.work);
        cmd
    }

    /// Runs a Wine program with the timeout; its output goes to ours. Returns the exit status.
    fn wine<I, S>(&self, args: I) -> Result<i32>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.wine_command();
        cmd.args(args);
        run_with_timeout(&mut cmd, self.timeout)
    }

    fn wine_program<'a>(&self, exe: &Path, args: impl IntoIterator<Item = &'a str>) -> Result<i32> {
        let mut cmd = self.wine_command();
        cmd.arg(exe).args(args);
        run_with_timeout(&mut cmd, self.timeout)
    }

    /// `wine reg query KEY`: whether the key exists.
    fn reg_key_exists(&self, key: &str) -> Result<bool> {
        Ok(self.reg_query(key)?.is_some())
    }

    /// `wine reg query KEY`: its output, or `None` when the key does not exist.
    fn reg_query(&self, key: &str) -> Result<Option<String>> {
        let mut cmd = self.wine_command();
        cmd.args(["reg", "query", key]);
        let (status, out) = capture_with_timeout(&mut cmd, self.timeout)?;
        Ok((status == 0).then_some(out))
    }

    fn reg_delete(&self, key: &str) -> Result<()> {
        let mut cmd = self.wine_command();
        cmd.args(["reg", "delete", key, "/f"]);
        capture_with_timeout(&mut cmd, self.timeout)?;
        Ok(())
    }

    /// The value `name` (`(Default)` for the default) of `key`, from `reg query` output.
    fn reg_value(&self, key: &str, name: &str) -> Result<Option<String>> {
        let Some(out) = self.reg_query(key)? else {
            return Ok(None);
        };
        for line in out.lines() {
            let mut fields = line.trim().splitn(3, "    ");
            if let (Some(n), Some(_kind), Some(data)) =
                (fields.next(), fields.next(), fields.next())
                && n.eq_ignore_ascii_case(name)
            {
                return Ok(Some(data.trim().to_owned()));
            }
        }
        Ok(None)
    }

    fn check_registered(&self, dll_win: &str) -> Result<()> {
        let class = clsid_key();
        let inproc = format!("{class}\\InprocServer32");
        let name = self
            .reg_value(&class, "(Default)")?
            .with_context(|| format!("{class} has no name after DllRegisterServer"))?;
        println!("ok: {class} = {name:?}");
        let module = self
            .reg_value(&inproc, "(Default)")?
            .with_context(|| format!("{inproc} has no module path"))?;
        ensure!(
            module.eq_ignore_ascii_case(dll_win),
            "InprocServer32 is {module:?}, expected {dll_win:?}"
        );
        println!("ok: InprocServer32 = {module:?}");
        let model = self
            .reg_value(&inproc, "ThreadingModel")?
            .with_context(|| format!("{inproc} has no ThreadingModel"))?;
        ensure!(
            ["Apartment", "Both", "Free"].contains(&model.as_str()),
            "unexpected ThreadingModel {model:?}"
        );
        println!("ok: ThreadingModel = {model:?}");
        // Wine has no Sync Manager: the registration is recorded under our own key.
        let flags = self.reg_value(&handler_key(), "Flags")?.with_context(|| {
            format!(
                "no Sync Manager registration under {} (Wine has no Sync Manager, so \
                     DllRegisterServer must record it there)",
                handler_key()
            )
        })?;
        let description = self
            .reg_value(&handler_key(), "Description")?
            .unwrap_or_default();
        println!("ok: Sync Manager registration recorded: {description:?}, flags {flags}");
        Ok(())
    }

    fn prepare_prefix(&self, fresh: bool) -> Result<()> {
        let (_, out) = capture_with_timeout(Command::new("wine").arg("--version"), self.timeout)?;
        // stderr may carry warnings (no wine32); the version is the line that starts with "wine-".
        let version = out
            .lines()
            .find(|line| line.starts_with("wine-"))
            .with_context(|| format!("unexpected `wine --version` output: {out}"))?
            .trim()
            .to_owned();
        let stamp = self.prefix.join(PREFIX_STAMP);
        let up_to_date = fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == version);
        if fresh || !up_to_date {
            if self.prefix.exists() {
                println!("recreating {}", self.prefix.display());
                let _ = self.wineserver(["-k"]);
                fs::remove_dir_all(&self.prefix)
                    .with_context(|| format!("removing {}", self.prefix.display()))?;
            }
            fs::create_dir_all(&self.prefix)?;
            println!("wineboot ({version}) in {}", self.prefix.display());
            let mut cmd = self.wine_command();
            cmd.args(["wineboot", "-i"]);
            let (status, out) = capture_with_timeout(&mut cmd, self.timeout)?;
            ensure!(status == 0, "wineboot failed ({status}):\n{out}");
            self.wineserver_wait()?;
            fs::write(&stamp, &version)?;
        } else {
            println!("reusing {} ({version})", self.prefix.display());
        }
        // The ProcessPrng shim.
        let shim = self.work.join("bcryptprimitives.dll");
        let sources = [
            self.root.join("tests/wine/processprng.c"),
            self.root.join("tests/wine/processprng.def"),
        ];
        if is_stale(&shim, &sources)? {
            let mut cmd = Command::new(MINGW_GCC);
            cmd.args(["-shared", "-O2", "-s", "-Wall", "-Wextra", "-Werror", "-o"])
                .arg(&shim)
                .args(&sources)
                .arg("-ladvapi32");
            run_checked(&mut cmd, "building the ProcessPrng shim")?;
        }
        let installed = self
            .prefix
            .join("drive_c/windows/system32/bcryptprimitives.dll");
        if fs::read(&installed).ok() != Some(fs::read(&shim)?) {
            fs::copy(&shim, &installed)
                .with_context(|| format!("installing the shim as {}", installed.display()))?;
            println!("installed the ProcessPrng shim as {}", installed.display());
        }
        Ok(())
    }

    fn build_client(&self) -> Result<PathBuf> {
        let client = self.work.join("client.exe");
        let source = self.root.join("tests/wine/client.c");
        if is_stale(&client, std::slice::from_ref(&source))? {
            let mut cmd = Command::new(MINGW_GCC);
            cmd.args([
                "-std=c99",
                "-O1",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-municode",
                "-o",
            ])
            .arg(&client)
            .arg(&source)
            .args(["-lole32", "-loleaut32", "-luuid"]);
            run_checked(&mut cmd, "building the C client")?;
        }
        Ok(client)
    }

    fn runtime_tests(&self) -> Result<()> {
        let mut cmd = self.cross_cargo();
        cmd.args(["test", "-Zbuild-std=std,panic_abort", "--target", TARGET])
            .args(["-p", "mobsync-runtime"])
            .args([
                "--test",
                "registry_windows",
                "--test",
                "registry_concurrent",
            ]);
        run_checked(&mut cmd, "mobsync-runtime's registry tests under Wine")?;
        let mut cmd = self.cross_cargo();
        cmd.args(["test", "-Zbuild-std=std,panic_abort", "--target", TARGET])
            .args(["-p", "mobsync-runtime", "--lib", "--", "task_mem"]);
        run_checked(
            &mut cmd,
            "mobsync-runtime's task allocator tests under Wine",
        )
    }

    fn wineserver<I, S>(&self, args: I) -> Result<i32>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("wineserver");
        self.wine_env(&mut cmd);
        cmd.args(args);
        run_with_timeout(&mut cmd, self.timeout)
    }

    /// Waits for the prefix's wineserver (and so every Wine process) to exit.
    fn wineserver_wait(&self) -> Result<()> {
        self.wineserver(["-w"])?;
        Ok(())
    }
}

/// Whether `output` is missing or older than any of `inputs`.
fn is_stale(output: &Path, inputs: &[PathBuf]) -> Result<bool> {
    let Ok(built) = fs::metadata(output).and_then(|m| m.modified()) else {
        return Ok(true);
    };
    for input in inputs {
        let changed = fs::metadata(input)
            .and_then(|m| m.modified())
            .with_context(|| format!("reading {}", input.display()))?;
        if changed > built {
            return Ok(true);
        }
    }
    Ok(false)
}

fn run_checked(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("{what}: cannot run {:?}", cmd.get_program()))?;
    ensure!(status.success(), "{what} failed ({status})");
    Ok(())
}

fn cannot_run(cmd: &Command) -> String {
    match cmd.get_current_dir() {
        Some(dir) => format!(
            "cannot run {:?} in {} (exists: {})",
            cmd.get_program(),
            dir.display(),
            dir.is_dir()
        ),
        None => format!("cannot run {:?}", cmd.get_program()),
    }
}

/// Runs `cmd` with inherited output; kills it after `timeout`.
fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Result<i32> {
    let mut child = cmd.spawn().with_context(|| cannot_run(cmd))?;
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status.code().unwrap_or(-1));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{:?} {:?} did not finish within {} s",
                cmd.get_program(),
                cmd.get_args().collect::<Vec<_>>(),
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `cmd` capturing stdout and stderr (together); kills it after `timeout`.
fn capture_with_timeout(cmd: &mut Command, timeout: Duration) -> Result<(i32, String)> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| cannot_run(cmd))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{:?} {:?} did not finish within {} s",
                cmd.get_program(),
                cmd.get_args().collect::<Vec<_>>(),
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The pipes may stay open in a process the command left behind (wineserver): do not wait
    // for them indefinitely.
    let mut text = String::new();
    for reader in [out_reader, err_reader] {
        let wait_until = Instant::now() + Duration::from_secs(5);
        while !reader.is_finished() && Instant::now() < wait_until {
            std::thread::sleep(Duration::from_millis(10));
        }
        if reader.is_finished() {
            let bytes = reader.join().unwrap_or_default();
            // `reg` writes UTF-8 with CRLF line ends.
            text.push_str(&String::from_utf8_lossy(&bytes).replace("\r\n", "\n"));
        }
    }
    Ok((status.code().unwrap_or(-1), text))
}

/// Creates `data/src` with folder-sync's items (subfolders; `skip-me` is left unselected by the
/// client) and an empty place for `data/dst`. Returns (source, dest).
fn make_sample_tree(data: &Path) -> Result<(PathBuf, PathBuf)> {
    if data.exists() {
        fs::remove_dir_all(data).with_context(|| format!("removing {}", data.display()))?;
    }
    let source = data.join("src");
    let dest = data.join("dst");
    let files: &[(&str, Vec<u8>)] = &[
        ("alpha/readme.txt", b"alpha\n".to_vec()),
        ("alpha/data.bin", pseudo_random_bytes(256 * 1024 + 17)),
        ("alpha/empty.txt", Vec::new()),
        ("beta/notes.txt", b"beta notes\r\nsecond line\r\n".to_vec()),
        (
            "gamma docs/with space.txt",
            b"a name with a space\n".to_vec(),
        ),
        (
            "gamma docs/unicode-\u{e9}t\u{e9}.txt",
            "été\n".as_bytes().to_vec(),
        ),
        ("skip-me/not-copied.txt", b"unselected\n".to_vec()),
        ("top-level-file.txt", b"not an item\n".to_vec()),
    ];
    for (name, content) in files {
        let path = source.join(name);
        fs::create_dir_all(path.parent().expect("a file in a folder"))?;
        fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok((source, dest))
}

/// Deterministic bytes (xorshift), so a copy that mixes up blocks is caught.
fn pseudo_random_bytes(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Every selected item (subfolders not named `skip*`) is copied file by file, byte for byte; the
/// others are not copied.
fn compare_trees(source: &Path, dest: &Path) -> Result<()> {
    let mut compared = 0;
    for entry in fs::read_dir(source)? {
        let entry = entry?;
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let name = entry.file_name();
        let copy = dest.join(&name);
        if name.to_string_lossy().starts_with("skip") {
            ensure!(!copy.exists(), "unselected {} was copied", copy.display());
            continue;
        }
        for file in fs::read_dir(entry.path())? {
            let file = file?;
            let copied = copy.join(file.file_name());
            let want = fs::read(file.path())?;
            let got = fs::read(&copied)
                .with_context(|| format!("{} was not copied", copied.display()))?;
            ensure!(want == got, "{} differs from its source", copied.display());
            compared += 1;
        }
    }
    ensure!(compared > 0, "no file was compared");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_paths_use_drive_z() {
        assert_eq!(
            windows_path(Path::new("/work/target/x.dll")).unwrap(),
            "Z:\\work\\target\\x.dll"
        );
    }

    #[test]
    fn sample_tree_and_comparison() {
        let dir = std::env::temp_dir().join(format!("wine-test-unit-{}", std::process::id()));
        let (source, dest) = make_sample_tree(&dir).unwrap();
        assert!(compare_trees(&source, &dest).is_err(), "nothing copied yet");
        for folder in ["alpha", "beta", "gamma docs"] {
            fs::create_dir_all(dest.join(folder)).unwrap();
            for file in fs::read_dir(source.join(folder)).unwrap() {
                let file = file.unwrap();
                fs::copy(file.path(), dest.join(folder).join(file.file_name())).unwrap();
            }
        }
        compare_trees(&source, &dest).unwrap();
        fs::write(dest.join("alpha/readme.txt"), b"changed").unwrap();
        assert!(
            compare_trees(&source, &dest).is_err(),
            "a changed file is caught"
        );
        fs::write(dest.join("alpha/readme.txt"), b"alpha\n").unwrap();
        fs::create_dir_all(dest.join("skip-me")).unwrap();
        assert!(
            compare_trees(&source, &dest).is_err(),
            "an unselected copy is caught"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
