//! The Windows backend: the registry through advapi32, Sync Manager through `ISyncMgrRegister`.
//!
//! Raw FFI (a dozen functions from advapi32 and ole32) rather than the `windows-registry` crate:
//! this code goes into every handler DLL, and the calls needed are few and simple.

use std::ffi::c_void;
use std::ptr::{null, null_mut};

use windows_core::{GUID, HRESULT};

use super::RegistryError;
use super::keys::{ReadKeys, Value, WriteKeys};
use crate::sys::{CLSID_SyncMgr, IID_ISyncMgrRegister, ISyncMgrRegister_Vtbl};

type Hkey = *mut c_void;
type Lstatus = i32;

const ERROR_SUCCESS: Lstatus = 0;
const ERROR_FILE_NOT_FOUND: Lstatus = 2;
const ERROR_ACCESS_DENIED: Lstatus = 5;
const ERROR_MORE_DATA: Lstatus = 234;
const ERROR_NO_MORE_ITEMS: Lstatus = 259;

const KEY_QUERY_VALUE: u32 = 0x0001;
const KEY_SET_VALUE: u32 = 0x0002;
const KEY_ENUMERATE_SUB_KEYS: u32 = 0x0008;
const KEY_READ: u32 = 0x2_0019;
const KEY_WRITE: u32 = 0x2_0006;

const REG_SZ: u32 = 1;
const REG_EXPAND_SZ: u32 = 2;
const REG_DWORD: u32 = 4;

#[link(name = "advapi32")]
unsafe extern "system" {
    fn RegCreateKeyExW(
        key: Hkey,
        sub_key: *const u16,
        reserved: u32,
        class: *const u16,
        options: u32,
        sam_desired: u32,
        security_attributes: *const c_void,
        result: *mut Hkey,
        disposition: *mut u32,
    ) -> Lstatus;
    fn RegOpenKeyExW(
        key: Hkey,
        sub_key: *const u16,
        options: u32,
        sam_desired: u32,
        result: *mut Hkey,
    ) -> Lstatus;
    fn RegCloseKey(key: Hkey) -> Lstatus;
    fn RegSetValueExW(
        key: Hkey,
        value_name: *const u16,
        reserved: u32,
        kind: u32,
        data: *const u8,
        size: u32,
    ) -> Lstatus;
    fn RegQueryValueExW(
        key: Hkey,
        value_name: *const u16,
        reserved: *mut u32,
        kind: *mut u32,
        data: *mut u8,
        size: *mut u32,
    ) -> Lstatus;
    fn RegDeleteValueW(key: Hkey, value_name: *const u16) -> Lstatus;
    fn RegDeleteKeyW(key: Hkey, sub_key: *const u16) -> Lstatus;
    fn RegEnumKeyExW(
        key: Hkey,
        index: u32,
        name: *mut u16,
        name_len: *mut u32,
        reserved: *mut u32,
        class: *mut u16,
        class_len: *mut u32,
        last_write_time: *mut c_void,
    ) -> Lstatus;
    fn RegQueryInfoKeyW(
        key: Hkey,
        class: *mut u16,
        class_len: *mut u32,
        reserved: *mut u32,
        sub_keys: *mut u32,
        max_sub_key_len: *mut u32,
        max_class_len: *mut u32,
        values: *mut u32,
        max_value_name_len: *mut u32,
        max_value_len: *mut u32,
        security_descriptor: *mut u32,
        last_write_time: *mut c_void,
    ) -> Lstatus;
}

#[link(name = "ole32")]
unsafe extern "system" {
    fn CoInitializeEx(reserved: *const c_void, coinit: u32) -> HRESULT;
    fn CoUninitialize();
    fn CoCreateInstance(
        clsid: *const GUID,
        outer: *mut c_void,
        cls_context: u32,
        iid: *const GUID,
        ppv: *mut *mut c_void,
    ) -> HRESULT;
}

fn hresult_from_win32(status: Lstatus) -> HRESULT {
    if status <= 0 {
        HRESULT(status)
    } else {
        HRESULT(((status as u32 & 0xffff) | 0x8007_0000) as i32)
    }
}

/// A predefined key for a hive abbreviation.
fn hive(name: &str) -> Option<Hkey> {
    // The predefined HKEYs are the sign-extended values 0x80000000.. (winreg.h).
    let value: i32 = match name.to_ascii_uppercase().as_str() {
        "HKCR" | "HKEY_CLASSES_ROOT" => 0x8000_0000_u32 as i32,
        "HKCU" | "HKEY_CURRENT_USER" => 0x8000_0001_u32 as i32,
        "HKLM" | "HKEY_LOCAL_MACHINE" => 0x8000_0002_u32 as i32,
        _ => return None,
    };
    Some(std::ptr::without_provenance_mut(value as isize as usize))
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Splits `HKCR\CLSID\{…}` into the predefined key and the NUL-terminated subkey path.
fn split(key: &str) -> Result<(Hkey, Vec<u16>), RegistryError> {
    let (root, rest) = key.split_once('\\').unwrap_or((key, ""));
    let root = hive(root).ok_or_else(|| RegistryError::Os {
        operation: "open",
        key: key.to_owned(),
        code: hresult_from_win32(ERROR_FILE_NOT_FOUND),
    })?;
    Ok((root, wide(rest)))
}

fn os_error(operation: &'static str, key: &str, status: Lstatus) -> RegistryError {
    RegistryError::Os {
        operation,
        key: key.to_owned(),
        code: hresult_from_win32(status),
    }
}

/// An open registry key, closed on drop.
struct Key(Hkey);

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by RegOpenKeyExW/RegCreateKeyExW and is closed once.
        unsafe { RegCloseKey(self.0) };
    }
}

fn open(key: &str, access: u32) -> Result<Option<Key>, RegistryError> {
    let (root, sub) = split(key)?;
    let mut handle: Hkey = null_mut();
    // SAFETY: `sub` is NUL-terminated; `handle` is a valid out pointer.
    let status = unsafe { RegOpenKeyExW(root, sub.as_ptr(), 0, access, &mut handle) };
    match status {
        ERROR_SUCCESS => Ok(Some(Key(handle))),
        ERROR_FILE_NOT_FOUND => Ok(None),
        _ => Err(os_error("RegOpenKeyExW", key, status)),
    }
}

fn create(key: &str) -> Result<Key, RegistryError> {
    let (root, sub) = split(key)?;
    let mut handle: Hkey = null_mut();
    // SAFETY: `sub` is NUL-terminated; optional arguments are null; `handle` is a valid out
    // pointer.
    let status = unsafe {
        RegCreateKeyExW(
            root,
            sub.as_ptr(),
            0,
            null(),
            0,
            KEY_READ | KEY_WRITE,
            null(),
            &mut handle,
            null_mut(),
        )
    };
    if status == ERROR_SUCCESS {
        Ok(Key(handle))
    } else {
        Err(os_error("RegCreateKeyExW", key, status))
    }
}

/// The registry seen through [`ReadKeys`]/[`WriteKeys`]. Each call is one registry operation.
#[derive(Debug)]
pub(crate) struct RegistryView;

impl ReadKeys for RegistryView {
    fn value(&self, key: &str, name: &str) -> Result<Option<Value>, RegistryError> {
        let Some(handle) = open(key, KEY_QUERY_VALUE)? else {
            return Ok(None);
        };
        let name_w = wide(name);
        let mut data: Vec<u8> = vec![0; 256];
        loop {
            let mut kind = 0u32;
            let mut size = u32::try_from(data.len()).unwrap_or(u32::MAX);
            // SAFETY: `data` has room for `size` bytes; the other out pointers are valid.
            let status = unsafe {
                RegQueryValueExW(
                    handle.0,
                    name_w.as_ptr(),
                    null_mut(),
                    &mut kind,
                    data.as_mut_ptr(),
                    &mut size,
                )
            };
            match status {
                ERROR_SUCCESS => {
                    data.truncate(size as usize);
                    return Ok(decode(kind, &data));
                }
                ERROR_MORE_DATA => data.resize(size as usize, 0),
                ERROR_FILE_NOT_FOUND => return Ok(None),
                _ => return Err(os_error("RegQueryValueExW", key, status)),
            }
        }
    }

    fn key_exists(&self, key: &str) -> Result<bool, RegistryError> {
        Ok(open(key, KEY_QUERY_VALUE)?.is_some())
    }

    fn subkeys(&self, key: &str) -> Result<Vec<String>, RegistryError> {
        let Some(handle) = open(key, KEY_ENUMERATE_SUB_KEYS)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        // Key names are at most 255 characters.
        let mut name = [0u16; 256];
        for index in 0.. {
            let mut len = name.len() as u32;
            // SAFETY: `name` has room for `len` UTF-16 units; unused out pointers are null.
            let status = unsafe {
                RegEnumKeyExW(
                    handle.0,
                    index,
                    name.as_mut_ptr(),
                    &mut len,
                    null_mut(),
                    null_mut(),
                    null_mut(),
                    null_mut(),
                )
            };
            match status {
                ERROR_SUCCESS => out.push(String::from_utf16_lossy(&name[..len as usize])),
                ERROR_NO_MORE_ITEMS => break,
                _ => return Err(os_error("RegEnumKeyExW", key, status)),
            }
        }
        Ok(out)
    }

    fn lists_classes(&self) -> bool {
        false
    }
}

fn decode(kind: u32, data: &[u8]) -> Option<Value> {
    match kind {
        REG_SZ | REG_EXPAND_SZ => {
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
            Some(Value::Sz(String::from_utf16_lossy(&units[..end])))
        }
        REG_DWORD if data.len() == 4 => Some(Value::Dword(u32::from_le_bytes([
            data[0], data[1], data[2], data[3],
        ]))),
        _ => None,
    }
}

impl WriteKeys for RegistryView {
    fn set_value(&mut self, key: &str, name: &str, value: Value) -> Result<(), RegistryError> {
        let handle = create(key)?;
        let name_w = wide(name);
        let (kind, bytes): (u32, Vec<u8>) = match value {
            Value::Sz(s) => (
                REG_SZ,
                wide(&s).iter().flat_map(|u| u.to_le_bytes()).collect(),
            ),
            Value::Dword(d) => (REG_DWORD, d.to_le_bytes().to_vec()),
        };
        let size = u32::try_from(bytes.len()).map_err(|_| {
            os_error(
                "RegSetValueExW",
                key,
                206, /* ERROR_FILENAME_EXCED_RANGE */
            )
        })?;
        // SAFETY: `bytes` holds `size` bytes of data of type `kind` (strings NUL-terminated).
        let status =
            unsafe { RegSetValueExW(handle.0, name_w.as_ptr(), 0, kind, bytes.as_ptr(), size) };
        if status == ERROR_SUCCESS {
            Ok(())
        } else {
            Err(os_error("RegSetValueExW", key, status))
        }
    }

    fn delete_value(&mut self, key: &str, name: &str) -> Result<bool, RegistryError> {
        let Some(handle) = open(key, KEY_SET_VALUE)? else {
            return Ok(false);
        };
        let name_w = wide(name);
        // SAFETY: `name_w` is NUL-terminated; `handle` is open with KEY_SET_VALUE.
        let status = unsafe { RegDeleteValueW(handle.0, name_w.as_ptr()) };
        match status {
            ERROR_SUCCESS => Ok(true),
            ERROR_FILE_NOT_FOUND => Ok(false),
            _ => Err(os_error("RegDeleteValueW", key, status)),
        }
    }

    fn delete_key_if_empty(&mut self, key: &str) -> Result<bool, RegistryError> {
        if !self.is_empty_key(key)? {
            return Ok(false);
        }
        let (root, sub) = split(key)?;
        // SAFETY: `sub` is NUL-terminated and names a key under the predefined `root`.
        let status = unsafe { RegDeleteKeyW(root, sub.as_ptr()) };
        match status {
            ERROR_SUCCESS => Ok(true),
            ERROR_FILE_NOT_FOUND => Ok(false),
            // Another writer added a subkey between the check and the delete (the registry
            // refuses to delete a key that has subkeys): the key is in use, not empty.
            ERROR_ACCESS_DENIED if !self.is_empty_key(key)? => Ok(false),
            _ => Err(os_error("RegDeleteKeyW", key, status)),
        }
    }
}

impl RegistryView {
    /// Whether `key` exists and has neither subkeys nor values.
    fn is_empty_key(&self, key: &str) -> Result<bool, RegistryError> {
        let Some(handle) = open(key, KEY_QUERY_VALUE)? else {
            return Ok(false);
        };
        let (mut sub_keys, mut values) = (0u32, 0u32);
        // SAFETY: `handle` is open with KEY_QUERY_VALUE; the two counts are valid out pointers and
        // every other argument is null (not wanted).
        let status = unsafe {
            RegQueryInfoKeyW(
                handle.0,
                null_mut(),
                null_mut(),
                null_mut(),
                &mut sub_keys,
                null_mut(),
                null_mut(),
                &mut values,
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
            )
        };
        if status != ERROR_SUCCESS {
            return Err(os_error("RegQueryInfoKeyW", key, status));
        }
        drop(handle);
        Ok(sub_keys == 0 && values == 0)
    }
}

// ---- Sync Manager ----

const CLSCTX_INPROC_SERVER: u32 = 0x1;
const CLSCTX_LOCAL_SERVER: u32 = 0x4;
const COINIT_APARTMENTTHREADED: u32 = 0x2;
const S_OK: HRESULT = HRESULT(0);
/// `RPC_E_CHANGED_MODE`: COM is already initialized on this thread in another mode (fine).
const RPC_E_CHANGED_MODE: HRESULT = HRESULT(0x8001_0106_u32 as i32);
/// Results of `CoCreateInstance(CLSID_SyncMgr)` that mean "Sync Manager is not installed".
const SYNC_MGR_ABSENT: [HRESULT; 4] = [
    HRESULT(0x8004_0154_u32 as i32), // REGDB_E_CLASSNOTREG
    HRESULT(0x8004_01F3_u32 as i32), // CO_E_CLASSSTRING
    HRESULT(0x8007_0002_u32 as i32), // HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)
    HRESULT(0x8007_007E_u32 as i32), // HRESULT_FROM_WIN32(ERROR_MOD_NOT_FOUND)
];

/// COM initialized for the current thread for the guard's lifetime (if it was not already).
struct ComScope {
    uninitialize: bool,
}

impl ComScope {
    fn enter() -> Result<Self, RegistryError> {
        // SAFETY: the reserved argument must be null; paired with CoUninitialize on drop when it
        // succeeds.
        let hr = unsafe { CoInitializeEx(null(), COINIT_APARTMENTTHREADED) };
        if hr.0 >= 0 {
            Ok(Self { uninitialize: true })
        } else if hr == RPC_E_CHANGED_MODE {
            Ok(Self {
                uninitialize: false,
            })
        } else {
            Err(RegistryError::SyncMgr {
                operation: "CoInitializeEx",
                code: hr,
            })
        }
    }
}

impl Drop for ComScope {
    fn drop(&mut self) {
        if self.uninitialize {
            // SAFETY: balances the successful CoInitializeEx of `enter`, on the same thread (the
            // guard is not Send).
            unsafe { CoUninitialize() };
        }
    }
}

/// Calls `f` with Sync Manager's `ISyncMgrRegister`; `Ok(None)` when Sync Manager is not there.
fn with_sync_mgr<R>(
    f: impl FnOnce(*mut c_void, &ISyncMgrRegister_Vtbl) -> R,
) -> Result<Option<R>, RegistryError> {
    let _com = ComScope::enter()?;
    let mut object: *mut c_void = null_mut();
    // SAFETY: CLSID/IID point at valid GUIDs; `object` is a valid out pointer.
    let hr = unsafe {
        CoCreateInstance(
            &CLSID_SyncMgr,
            null_mut(),
            CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER,
            &IID_ISyncMgrRegister,
            &mut object,
        )
    };
    if SYNC_MGR_ABSENT.contains(&hr) {
        return Ok(None);
    }
    if hr.0 < 0 || object.is_null() {
        return Err(RegistryError::SyncMgr {
            operation: "CoCreateInstance(CLSID_SyncMgr)",
            code: hr,
        });
    }
    // SAFETY: CoCreateInstance succeeded, so `object` is an ISyncMgrRegister whose first field is
    // its vtable pointer, valid until the Release below.
    let result = unsafe {
        let vtbl = &**object.cast::<*const ISyncMgrRegister_Vtbl>();
        let result = f(object, vtbl);
        (vtbl.base__.Release)(object);
        result
    };
    Ok(Some(result))
}

/// Registers with Sync Manager; `Ok(false)` if Sync Manager is not there.
pub(crate) fn sync_mgr_register(
    clsid: &GUID,
    description: &str,
    flags: u32,
) -> Result<bool, RegistryError> {
    let description = wide(description);
    let hr = with_sync_mgr(|this, vtbl| {
        // SAFETY: `this` is a live ISyncMgrRegister; the CLSID and the NUL-terminated description
        // outlive the call.
        unsafe { (vtbl.RegisterSyncMgrHandler)(this, clsid, description.as_ptr(), flags) }
    })?;
    match hr {
        None => Ok(false),
        Some(hr) if hr.0 >= 0 => Ok(true),
        Some(code) => Err(RegistryError::SyncMgr {
            operation: "RegisterSyncMgrHandler",
            code,
        }),
    }
}

/// Unregisters from Sync Manager; `Ok(false)` if Sync Manager is not there or did not know it.
pub(crate) fn sync_mgr_unregister(clsid: &GUID) -> Result<bool, RegistryError> {
    let hr = with_sync_mgr(|this, vtbl| {
        // SAFETY: `this` is a live ISyncMgrRegister; the CLSID outlives the call.
        unsafe { (vtbl.UnregisterSyncMgrHandler)(this, clsid, 0) }
    })?;
    match hr {
        None => Ok(false),
        Some(hr) if hr.0 >= 0 => Ok(hr == S_OK),
        Some(code) => Err(RegistryError::SyncMgr {
            operation: "UnregisterSyncMgrHandler",
            code,
        }),
    }
}

/// The flags Sync Manager has for a handler; `None` if it is not registered there, or Sync
/// Manager is not there.
pub(crate) fn sync_mgr_flags(clsid: &GUID) -> Result<Option<u32>, RegistryError> {
    let mut flags = 0u32;
    let hr = with_sync_mgr(|this, vtbl| {
        // SAFETY: `this` is a live ISyncMgrRegister; the CLSID and `flags` outlive the call.
        unsafe { (vtbl.GetHandlerRegistrationInfo)(this, clsid, &mut flags) }
    })?;
    match hr {
        None => Ok(None),
        Some(hr) if hr == S_OK => Ok(Some(flags)),
        Some(hr) if hr.0 >= 0 => Ok(None),
        Some(code) => Err(RegistryError::SyncMgr {
            operation: "GetHandlerRegistrationInfo",
            code,
        }),
    }
}
