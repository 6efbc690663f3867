//! The COM task allocator: memory that one module allocates and another frees.
//!
//! COM methods that return memory to their caller (such as `ISyncMgrSynchronize::GetHandlerInfo`)
//! allocate it with `CoTaskMemAlloc`; the caller frees it with `CoTaskMemFree`, whatever module it
//! lives in.
//!
//! * **Windows**: ole32's `CoTaskMemAlloc`, `CoTaskMemRealloc` and `CoTaskMemFree`.
//! * **Other systems** there is no ole32, so every module that links mobsync-runtime (each handler
//!   `.so` and each host) *exports* these three C symbols itself:
//!
//!   ```c
//!   void *CoTaskMemAlloc(size_t cb);            /* malloc(cb), or malloc(1) when cb == 0   */
//!   void *CoTaskMemRealloc(void *pv, size_t cb);/* realloc; pv == NULL allocates,          */
//!                                               /* cb == 0 frees pv and returns NULL       */
//!   void  CoTaskMemFree(void *pv);              /* free(pv); NULL is ignored               */
//!   ```
//!
//!   **The contract**: the task allocator is the process's C heap (`malloc`/`realloc`/`free`). Every
//!   definition of these symbols in the process is therefore interchangeable: when a host and
//!   several handler modules each export them, it does not matter which definition the dynamic
//!   linker binds a caller to (ELF symbol interposition, `RTLD_LOCAL` or not), memory allocated by
//!   any of them may be freed by any other. C code that sees none of these symbols may use
//!   `malloc`/`free` directly. The one thing a program must not do is link two different versions
//!   of mobsync-runtime into one module (the linker rejects the duplicate symbols).
//!
//! [`TaskBox`] is the safe way to hand one value to a caller through the task allocator.

use std::ffi::c_void;
use std::fmt;
use std::mem::{align_of, size_of};
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

use windows_core::HRESULT;

/// `E_OUTOFMEMORY`: what [`TaskBox::new`] returns when the task allocator has no memory.
pub use crate::hresults::E_OUTOFMEMORY;

/// The alignment every task-allocator block has (at least that of `malloc` and of
/// `CoTaskMemAlloc` on 64-bit Windows).
pub const TASK_ALIGN: usize = 2 * size_of::<usize>();

#[cfg(windows)]
mod sys {
    use std::ffi::c_void;

    #[link(name = "ole32")]
    unsafe extern "system" {
        pub(super) fn CoTaskMemAlloc(cb: usize) -> *mut c_void;
        pub(super) fn CoTaskMemRealloc(pv: *const c_void, cb: usize) -> *mut c_void;
        pub(super) fn CoTaskMemFree(pv: *const c_void);
    }
}

#[cfg(not(windows))]
mod sys {
    //! The exported allocator (see the module documentation for the contract).

    use std::ffi::c_void;

    unsafe extern "C" {
        fn malloc(size: usize) -> *mut c_void;
        fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
        fn free(ptr: *mut c_void);
    }

    /// Allocates `cb` bytes from the C heap; a zero-byte request still returns a unique block.
    /// Returns null when out of memory.
    ///
    /// # Safety
    ///
    /// Always safe to call; declared `unsafe` like every foreign function.
    #[unsafe(no_mangle)]
    pub unsafe extern "system" fn CoTaskMemAlloc(cb: usize) -> *mut c_void {
        // SAFETY: malloc accepts any size and returns null or a fresh block.
        unsafe { malloc(cb.max(1)) }
    }

    /// Resizes a block from [`CoTaskMemAlloc`]: a null `pv` allocates; `cb == 0` frees `pv` and
    /// returns null. Returns null (leaving `pv` valid) when out of memory.
    ///
    /// # Safety
    ///
    /// `pv` is null or a live block from the task allocator of this process.
    #[unsafe(no_mangle)]
    pub unsafe extern "system" fn CoTaskMemRealloc(pv: *mut c_void, cb: usize) -> *mut c_void {
        if cb == 0 {
            // SAFETY: the caller guarantees `pv` is null or a live heap block.
            unsafe { free(pv) };
            return std::ptr::null_mut();
        }
        // SAFETY: the caller guarantees `pv` is null or a live heap block; `cb` is non-zero.
        unsafe { realloc(pv, cb) }
    }

    /// Frees a block from [`CoTaskMemAlloc`] (of any module in the process); null is ignored.
    ///
    /// # Safety
    ///
    /// `pv` is null or a live block from the task allocator of this process, not used afterwards.
    #[unsafe(no_mangle)]
    pub unsafe extern "system" fn CoTaskMemFree(pv: *mut c_void) {
        // SAFETY: the caller guarantees `pv` is null or a live heap block.
        unsafe { free(pv) }
    }
}

/// Allocates `size` bytes from the COM task allocator (`CoTaskMemAlloc`); `None` when out of
/// memory. The block is aligned to [`TASK_ALIGN`] and uninitialized; a zero-size request returns a
/// unique block.
pub fn task_alloc(size: usize) -> Option<NonNull<c_void>> {
    // At least TASK_ALIGN bytes: C only promises a block aligned for the objects that fit in the
    // requested size (jemalloc and Miri hand out 8-aligned blocks for 8 bytes), so a smaller
    // request would not be TASK_ALIGN-aligned, nor fit a zero-sized type aligned to 16.
    // SAFETY: CoTaskMemAlloc accepts any size and returns null or a fresh block.
    NonNull::new(unsafe { sys::CoTaskMemAlloc(size.max(TASK_ALIGN)) })
}

/// Resizes a block from the task allocator (`CoTaskMemRealloc`), keeping its content up to the
/// smaller size. On failure returns `None` and `ptr` stays valid.
///
/// # Safety
///
/// `ptr` is a live block from the task allocator, not used again if this returns `Some`.
pub unsafe fn task_realloc(ptr: NonNull<c_void>, size: usize) -> Option<NonNull<c_void>> {
    // SAFETY: the caller guarantees `ptr` is a live task block; the size is non-zero, so the block
    // is never freed here (at least TASK_ALIGN bytes, for the alignment, as in `task_alloc`).
    NonNull::new(unsafe { sys::CoTaskMemRealloc(ptr.as_ptr(), size.max(TASK_ALIGN)) })
}

/// Frees a block from the task allocator (`CoTaskMemFree`), whichever module allocated it. Null
/// is ignored.
///
/// # Safety
///
/// `ptr` is null or a live block from the task allocator, not used afterwards.
pub unsafe fn task_free(ptr: *mut c_void) {
    // SAFETY: guaranteed by the caller.
    unsafe { sys::CoTaskMemFree(ptr) }
}

/// One `T` in task-allocator memory: what a COM method hands to its caller through an out
/// pointer, for the caller to free with `CoTaskMemFree`.
///
/// Dropping a `TaskBox` drops the value and frees the block. [`into_raw`](Self::into_raw) gives
/// the block away instead; whoever frees it with `CoTaskMemFree` does not run `T`'s destructor, so
/// `T` should be plain data (a `#[repr(C)]` struct), as it is for every such COM out parameter.
///
/// ```
/// use mobsync_runtime::task_mem::TaskBox;
///
/// #[repr(C)]
/// struct Info { cb_size: u32, flags: u32 }
///
/// let info = TaskBox::new(Info { cb_size: 8, flags: 1 }).unwrap();
/// let raw: *mut Info = info.into_raw(); // what the method stores in its out parameter
/// // ... the caller reads it, then frees it (here through a TaskBox again):
/// // SAFETY: `raw` came from `into_raw` and is not used afterwards.
/// let back = unsafe { TaskBox::from_raw(raw) };
/// assert_eq!(back.flags, 1);
/// ```
pub struct TaskBox<T> {
    ptr: NonNull<T>,
}

// SAFETY: a TaskBox owns its T exclusively, like Box<T>; the task allocator may be used from any
// thread.
unsafe impl<T: Send> Send for TaskBox<T> {}
// SAFETY: shared access to a TaskBox only gives &T.
unsafe impl<T: Sync> Sync for TaskBox<T> {}

impl<T> TaskBox<T> {
    /// Moves `value` into a new task-allocator block. `Err(E_OUTOFMEMORY)` if there is no memory.
    ///
    /// Fails to compile for a `T` aligned beyond [`TASK_ALIGN`].
    pub fn new(value: T) -> Result<Self, HRESULT> {
        const {
            assert!(
                align_of::<T>() <= TASK_ALIGN,
                "the task allocator cannot align this type"
            );
        }
        let ptr = task_alloc(size_of::<T>()).ok_or(E_OUTOFMEMORY)?.cast::<T>();
        // SAFETY: the block is fresh, large enough for T and aligned to TASK_ALIGN >= align_of T.
        unsafe { ptr.as_ptr().write(value) };
        Ok(Self { ptr })
    }

    /// Gives the block away (for example through a COM out parameter); the receiver frees it with
    /// `CoTaskMemFree` or [`TaskBox::from_raw`]. Never null.
    pub fn into_raw(self) -> *mut T {
        let ptr = self.ptr.as_ptr();
        std::mem::forget(self);
        ptr
    }

    /// Takes ownership of a task-allocator block holding an initialized `T` (for example what a
    /// COM method returned through an out parameter), so that dropping the box frees it.
    ///
    /// # Safety
    ///
    /// `ptr` is non-null, was allocated with the task allocator (`CoTaskMemAlloc` in any module of
    /// this process), holds an initialized `T`, is suitably aligned, and is owned by nobody else.
    pub unsafe fn from_raw(ptr: *mut T) -> Self {
        debug_assert!(!ptr.is_null(), "TaskBox::from_raw(null)");
        Self {
            // SAFETY: the caller guarantees `ptr` is non-null.
            ptr: unsafe { NonNull::new_unchecked(ptr) },
        }
    }

    /// The block's address, still owned by the box.
    pub fn as_ptr(&self) -> *const T {
        self.ptr.as_ptr()
    }

    /// The value, moved out of the block, which is freed.
    pub fn into_inner(self) -> T {
        let ptr = self.into_raw();
        // SAFETY: the box owned an initialized T at `ptr`; it is read once and the block, which
        // came from the task allocator, is freed without dropping the moved-out value again.
        unsafe {
            let value = ptr.read();
            task_free(ptr.cast());
            value
        }
    }
}

impl<T> Deref for TaskBox<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the box owns an initialized, aligned T for its whole life.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> DerefMut for TaskBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the box owns the T exclusively, and `&mut self` guarantees unique access.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for TaskBox<T> {
    fn drop(&mut self) {
        // SAFETY: the box owns an initialized T in a task block: drop it once, then free the block.
        unsafe {
            self.ptr.as_ptr().drop_in_place();
            task_free(self.ptr.as_ptr().cast());
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for TaskBox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaskBox").field(&**self).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct DropCounter(Arc<AtomicUsize>);

    impl Drop for DropCounter {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn task_box_drops_its_value_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        drop(TaskBox::new(DropCounter(drops.clone())).unwrap());
        assert_eq!(drops.load(Ordering::SeqCst), 1);

        let raw = TaskBox::new(DropCounter(drops.clone())).unwrap().into_raw();
        assert!(!raw.is_null());
        assert_eq!(raw as usize % TASK_ALIGN, 0);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "into_raw must not drop");
        // SAFETY: `raw` came from into_raw and is owned by nobody else.
        drop(unsafe { TaskBox::from_raw(raw) });
        assert_eq!(drops.load(Ordering::SeqCst), 2);

        let inner = TaskBox::new(DropCounter(drops.clone()))
            .unwrap()
            .into_inner();
        assert_eq!(drops.load(Ordering::SeqCst), 2, "into_inner must not drop");
        drop(inner);
        assert_eq!(drops.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn task_box_gives_access_to_its_value() {
        #[repr(C)]
        #[derive(Debug, PartialEq)]
        struct Info {
            cb_size: u32,
            name: [u16; 4],
        }
        let mut info = TaskBox::new(Info {
            cb_size: 12,
            name: [0; 4],
        })
        .unwrap();
        info.name[0] = u16::from(b'x');
        assert_eq!(info.cb_size, 12);
        assert_eq!(
            format!("{info:?}"),
            "TaskBox(Info { cb_size: 12, name: [120, 0, 0, 0] })"
        );
        // Zero-sized values get a real block too.
        let unit = TaskBox::new(()).unwrap();
        assert!(!unit.as_ptr().is_null());
    }

    #[test]
    fn raw_allocation_functions() {
        let a = task_alloc(0).unwrap();
        let b = task_alloc(0).unwrap();
        assert_ne!(a, b, "zero-size blocks are unique");
        let big = task_alloc(16).unwrap();
        // SAFETY: `big` has 16 writable bytes.
        unsafe {
            big.cast::<u8>()
                .as_ptr()
                .copy_from(b"0123456789abcdef".as_ptr(), 16)
        };
        // SAFETY: `big` is a live task block, not used after a successful realloc.
        let grown = unsafe { task_realloc(big, 4096) }.unwrap();
        // SAFETY: the first 16 bytes were kept by realloc.
        let kept = unsafe { std::slice::from_raw_parts(grown.cast::<u8>().as_ptr(), 16) };
        assert_eq!(kept, b"0123456789abcdef");
        // SAFETY: each pointer is a live task block freed once; null is allowed.
        unsafe {
            task_free(a.as_ptr());
            task_free(b.as_ptr());
            task_free(grown.as_ptr());
            task_free(std::ptr::null_mut());
        }
    }

    /// The contract: the exported allocator is the C heap, so memory crosses freely between it,
    /// `malloc`/`free`, and other modules' definitions of the same symbols.
    #[cfg(target_os = "linux")]
    #[test]
    // Runs the C compiler and dlopens the result: neither exists under Miri.
    #[cfg_attr(miri, ignore)]
    fn memory_crosses_modules() {
        use std::ffi::{CStr, c_char};

        unsafe extern "C" {
            fn malloc(size: usize) -> *mut c_void;
            fn free(ptr: *mut c_void);
        }

        // Our exported symbols against plain malloc/free.
        // SAFETY: malloc'd memory is freed once by the exported CoTaskMemFree (same heap).
        unsafe { sys::CoTaskMemFree(malloc(10)) };
        // SAFETY: CoTaskMemAlloc'd memory is freed once by free (same heap).
        unsafe { free(sys::CoTaskMemAlloc(10)) };

        // Another module (a C "handler") with its own definitions, as the contract allows.
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("handler.c");
        let library = dir.path().join("libhandler.so");
        std::fs::write(
            &source,
            r#"
            #include <stdlib.h>
            #include <string.h>
            void *CoTaskMemAlloc(size_t cb) { return malloc(cb ? cb : 1); }
            void CoTaskMemFree(void *pv) { free(pv); }
            char *handler_name(void) {
                char *p = CoTaskMemAlloc(13);
                if (p) memcpy(p, "Folder Sync!", 13);
                return p;
            }
            size_t handler_take(char *p) { size_t n = strlen(p); CoTaskMemFree(p); return n; }
            "#,
        )
        .unwrap();
        let status = std::process::Command::new("cc")
            .args(["-shared", "-fPIC", "-o"])
            .arg(&library)
            .arg(&source)
            .status()
            .expect("the C compiler `cc` is needed");
        assert!(status.success());
        // SAFETY: loading a library we just built; its initializers do nothing.
        let lib = unsafe { libloading::Library::new(&library) }.unwrap();
        // SAFETY: the signatures match the C definitions above.
        unsafe {
            let name: libloading::Symbol<'_, unsafe extern "C" fn() -> *mut c_char> =
                lib.get(b"handler_name").unwrap();
            let take: libloading::Symbol<'_, unsafe extern "C" fn(*mut c_char) -> usize> =
                lib.get(b"handler_take").unwrap();
            // Allocated there, freed here.
            let p = name();
            assert_eq!(CStr::from_ptr(p).to_str().unwrap(), "Folder Sync!");
            task_free(p.cast());
            // Allocated here, freed there.
            let mine = task_alloc(6).unwrap().cast::<u8>();
            mine.as_ptr().copy_from(c"hello".as_ptr().cast(), 6);
            assert_eq!(take(mine.as_ptr().cast()), 5);
        }
    }
}
