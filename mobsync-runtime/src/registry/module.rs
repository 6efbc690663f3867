//! Finding the file a module (DLL, shared object, executable) was loaded from.

use std::ffi::c_void;
use std::path::PathBuf;

use super::RegistryError;

/// The path of the module that contains `addr` (the address of any function or static in it).
///
/// On Windows, `GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS)` and
/// `GetModuleFileNameW`; on Unix, `dladdr`, made absolute and resolved (the main program resolves to
/// [`std::env::current_exe`]).
pub fn module_path_of(addr: *const c_void) -> Result<PathBuf, RegistryError> {
    imp::module_path_of(addr)
}

/// The path of the module mobsync-runtime is linked into.
///
/// mobsync-runtime is an rlib, linked statically into each handler's cdylib, so in a handler this
/// is the handler's DLL or shared object; in a host executable it is the executable.
pub fn current_module_path() -> Result<PathBuf, RegistryError> {
    // Any function of this crate is inside the module this crate was linked into.
    module_path_of(current_module_path as *const c_void)
}

#[cfg(windows)]
mod imp {
    use std::ffi::{OsString, c_void};
    use std::os::windows::ffi::OsStringExt;
    use std::path::PathBuf;

    use super::RegistryError;

    type Hmodule = *mut c_void;
    const GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT: u32 = 0x2;
    const GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS: u32 = 0x4;

    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetModuleHandleExW(flags: u32, module_name: *const u16, module: *mut Hmodule) -> i32;
        fn GetModuleFileNameW(module: Hmodule, filename: *mut u16, size: u32) -> u32;
    }

    pub(super) fn module_path_of(addr: *const c_void) -> Result<PathBuf, RegistryError> {
        let mut module: Hmodule = std::ptr::null_mut();
        // SAFETY: with FROM_ADDRESS the name argument is an address, which the call only compares
        // against module ranges; `module` is a valid out pointer. UNCHANGED_REFCOUNT means no
        // reference is taken, so there is nothing to release.
        let ok = unsafe {
            GetModuleHandleExW(
                GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS
                    | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                addr.cast(),
                &mut module,
            )
        };
        if ok == 0 {
            return Err(RegistryError::ModulePath(format!(
                "GetModuleHandleExW: {}",
                std::io::Error::last_os_error()
            )));
        }
        let mut buf = vec![0u16; 260];
        loop {
            let size = u32::try_from(buf.len()).unwrap_or(u32::MAX);
            // SAFETY: `buf` has room for `size` UTF-16 units; `module` is a loaded module (it
            // contains `addr`, which belongs to code that is running).
            let len = unsafe { GetModuleFileNameW(module, buf.as_mut_ptr(), size) };
            if len == 0 {
                return Err(RegistryError::ModulePath(format!(
                    "GetModuleFileNameW: {}",
                    std::io::Error::last_os_error()
                )));
            }
            // A result that fills the whole buffer may be truncated: grow and retry.
            if len < size {
                buf.truncate(len as usize);
                return Ok(PathBuf::from(OsString::from_wide(&buf)));
            }
            if buf.len() >= 32 * 1024 {
                return Err(RegistryError::ModulePath(
                    "GetModuleFileNameW: path longer than 32767 characters".to_owned(),
                ));
            }
            buf.resize(buf.len() * 2, 0);
        }
    }
}

#[cfg(unix)]
mod imp {
    use std::ffi::{CStr, OsStr, c_char, c_int, c_void};
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Path, PathBuf};

    use super::RegistryError;

    /// `Dl_info` from `<dlfcn.h>`.
    #[repr(C)]
    struct DlInfo {
        dli_fname: *const c_char,
        dli_fbase: *mut c_void,
        dli_sname: *const c_char,
        dli_saddr: *mut c_void,
    }

    unsafe extern "C" {
        fn dladdr(addr: *const c_void, info: *mut DlInfo) -> c_int;
    }

    pub(super) fn module_path_of(addr: *const c_void) -> Result<PathBuf, RegistryError> {
        let mut info = DlInfo {
            dli_fname: std::ptr::null(),
            dli_fbase: std::ptr::null_mut(),
            dli_sname: std::ptr::null(),
            dli_saddr: std::ptr::null_mut(),
        };
        // SAFETY: `info` is a valid, writable Dl_info; dladdr only inspects `addr`.
        let found = unsafe { dladdr(addr, &mut info) };
        if found == 0 || info.dli_fname.is_null() {
            return Err(RegistryError::ModulePath(format!(
                "no loaded module contains address {addr:p}"
            )));
        }
        // SAFETY: dladdr succeeded and dli_fname is non-null: it points at the NUL-terminated
        // name the dynamic loader keeps for the module's lifetime (it contains `addr`, so it is
        // loaded while we run).
        let name = unsafe { CStr::from_ptr(info.dli_fname) };
        let name = Path::new(OsStr::from_bytes(name.to_bytes()));
        // glibc reports the main program by the name it was started with (`argv[0]`, possibly a
        // bare name found through PATH), or by an empty name: ask the OS for the executable instead.
        let argv0 = std::env::args_os().next();
        if name.as_os_str().is_empty() || argv0.as_deref() == Some(name.as_os_str()) {
            return std::env::current_exe().map_err(|err| {
                RegistryError::ModulePath(format!("cannot find the executable: {err}"))
            });
        }
        std::fs::canonicalize(name).map_err(|err| {
            RegistryError::ModulePath(format!("cannot resolve {}: {err}", name.display()))
        })
    }
}
