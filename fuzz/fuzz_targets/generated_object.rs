//! Fuzzes shims that `mobsync-idl rust --implement` generated for IDL that is not ours: the
//! idl-server example's `Calc` (`ICalculator`, from its own `calc.idl`) and `NoteDocument`
//! (`INote` and `IPersistStream`, the latter from Wine's `objidl.idl`), called through their raw
//! vtables as a C client would, with null, misaligned and valid pointers, random IIDs (the base
//! interface `IPersist` among them), counts with and without their arrays, and strings.
//!
//! A model of both objects (reference counts, the calculator's call count, the document's text
//! and dirty flag) predicts each call's HRESULT and out-values; a call with a bad pointer must be
//! refused before the implementation runs (the call count does not move). After every step the
//! module's live-object count must be 2 while the objects live, and 0 once every reference the
//! program owns is released. `Fail`, which panics by design, is not called: libFuzzer's panic
//! hook aborts even on a panic the shim catches (the C client tests cover that path).
#![no_main]

use std::ffi::c_void;
use std::ptr;

use idl_server::{Calc, NoteDocument, calc, notes};
use libfuzzer_sys::fuzz_target;
use mobsync_runtime::hresults::{E_INVALIDARG, E_NOINTERFACE, E_POINTER, S_FALSE, S_OK};
use mobsync_runtime::{ComObject, module};
use windows_core::{GUID, HRESULT, IUnknown, IUnknown_Vtbl, Interface};

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&first, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        first
    }
    fn i32(&mut self) -> i32 {
        i32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }
    /// A pointer argument's kind.
    fn arg(&mut self) -> Arg {
        match self.byte() % 4 {
            0 => Arg::Null,
            1 => Arg::Misaligned,
            _ => Arg::Valid,
        }
    }
    /// A NUL-terminated UTF-16 string of up to 40 units, no NUL inside.
    fn text(&mut self) -> Vec<u16> {
        let len = self.below(41);
        let mut units: Vec<u16> = (0..len)
            .map(|_| u16::from(self.byte()).max(1) | (u16::from(self.byte() & 0x7) << 8))
            .collect();
        units.push(0);
        units
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Arg {
    Null,
    Misaligned,
    Valid,
}

/// Memory for out-values and arrays, 8-aligned, so that `+1` is misaligned for every type here.
#[repr(C, align(8))]
struct Scratch([u8; 512]);

impl Scratch {
    fn ptr<T>(&mut self, arg: Arg) -> *mut T {
        match arg {
            Arg::Null => ptr::null_mut(),
            Arg::Misaligned => self.0.as_mut_ptr().wrapping_add(1).cast(),
            Arg::Valid => self.0.as_mut_ptr().cast(),
        }
    }
}

/// The vtable of interface pointer `this`.
///
/// # Safety
///
/// `this` is a live interface pointer whose vtable is a `V`.
unsafe fn vtable<'a, V>(this: *mut c_void) -> &'a V {
    // SAFETY: per the contract, `this` points to a pointer to a `V`.
    unsafe { &**this.cast::<*const V>() }
}

/// What a call whose arguments include bad pointers may return: `E_POINTER` for a null one,
/// `E_INVALIDARG` for a misaligned one (either, when both kinds are present: the shim checks
/// in parameter order).
fn refused(args: &[Arg]) -> Option<Vec<HRESULT>> {
    let mut codes = Vec::new();
    for arg in args {
        match arg {
            Arg::Null => codes.push(E_POINTER),
            Arg::Misaligned => codes.push(E_INVALIDARG),
            Arg::Valid => {}
        }
    }
    (!codes.is_empty()).then_some(codes)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Object {
    Calc,
    Note,
}

struct World {
    /// Owned references: the object and the interface pointer.
    refs: Vec<(Object, *mut c_void)>,
    /// The model's reference count of each object.
    counts: [u32; 2],
    /// A pointer of each interface, kept for calls (owned by `refs[0]` and `refs[1..4]`).
    calc: *mut c_void,
    note: *mut c_void,
    persist: *mut c_void,
    calls: u32,
    text_len: usize,
    dirty: bool,
    scratch: Scratch,
}

impl World {
    fn count(&mut self, object: Object) -> &mut u32 {
        &mut self.counts[object as usize]
    }

    fn check(&self, what: &str) {
        let alive = self.counts.iter().filter(|&&c| c > 0).count();
        assert_eq!(module::object_count(), alive, "{what}: live objects");
    }
}

/// The IIDs a program may ask for, and whether each object answers them.
fn iid(input: &mut Input<'_>) -> (GUID, [bool; 2]) {
    match input.byte() % 8 {
        0 => (IUnknown::IID, [true, true]),
        1 => (calc::ICalculator::IID, [true, false]),
        2 => (notes::INote::IID, [false, true]),
        3 => (notes::IPersistStream::IID, [false, true]),
        // The base of IPersistStream, answered with its slot.
        4 => (notes::IPersist::IID, [false, true]),
        5 => (notes::IStream::IID, [false, false]),
        _ => {
            let bytes: [u8; 16] = std::array::from_fn(|_| input.byte());
            (GUID::from_u128(u128::from_le_bytes(bytes)), [false, false])
        }
    }
}

fn step(input: &mut Input<'_>, w: &mut World) {
    match input.byte() % 14 {
        // QueryInterface on an owned reference.
        0 => {
            let (object, this) = w.refs[input.below(w.refs.len())];
            let (iid, answers) = iid(input);
            let arg = input.arg();
            let out: *mut *mut c_void = w.scratch.ptr(arg);
            if arg == Arg::Valid {
                // SAFETY: valid scratch memory for a pointer.
                unsafe { out.write(ptr::dangling_mut()) };
            }
            // SAFETY: `this` is a live interface pointer the program owns; `out` is null,
            // misaligned (refused untouched) or writable; the IID is readable.
            let hr =
                unsafe { (vtable::<IUnknown_Vtbl>(this).QueryInterface)(this, &iid, out.cast()) };
            match arg {
                Arg::Null => assert_eq!(hr, E_POINTER),
                Arg::Misaligned => assert_eq!(hr, E_INVALIDARG),
                Arg::Valid => {
                    // SAFETY: written by QueryInterface (or cleared).
                    let got = unsafe { out.read() };
                    if answers[object as usize] {
                        assert_eq!(hr, S_OK, "QueryInterface({iid:?}) on {object:?}");
                        assert!(!got.is_null());
                        *w.count(object) += 1;
                        w.refs.push((object, got));
                    } else {
                        assert_eq!((hr, got), (E_NOINTERFACE, ptr::null_mut()), "{iid:?}");
                    }
                }
            }
        }
        // AddRef on an owned reference: the program owns one more.
        1 => {
            let (object, this) = w.refs[input.below(w.refs.len())];
            // SAFETY: a live interface pointer the program owns.
            let n = unsafe { (vtable::<IUnknown_Vtbl>(this).AddRef)(this) };
            *w.count(object) += 1;
            assert_eq!(n, *w.count(object));
            w.refs.push((object, this));
        }
        // Release an owned reference, never one of the four the calls use.
        2 if w.refs.len() > 4 => {
            let (object, this) = w.refs.remove(4 + input.below(w.refs.len() - 4));
            // SAFETY: the program owns this reference and gives it up.
            let n = unsafe { (vtable::<IUnknown_Vtbl>(this).Release)(this) };
            *w.count(object) -= 1;
            assert_eq!(n, *w.count(object));
        }
        // ICalculator::Add.
        3 => {
            let (a, b, arg) = (input.i32(), input.i32(), input.arg());
            let out: *mut i32 = w.scratch.ptr(arg);
            let this = w.calc;
            // SAFETY: a live ICalculator; `out` null, misaligned or writable.
            let hr = unsafe { (vtable::<calc::ICalculator_Vtbl>(this).Add)(this, a, b, out) };
            if let Some(codes) = refused(&[arg]) {
                assert!(codes.contains(&hr), "Add: {hr:?}");
                return;
            }
            w.calls += 1;
            match a.checked_add(b) {
                // SAFETY: written by the call.
                Some(sum) => assert_eq!((hr, unsafe { out.read() }), (S_OK, sum)),
                None => assert_eq!(hr, E_INVALIDARG),
            }
        }
        // ICalculator::Sum: a [size_is(count)] array.
        4 => {
            let n = input.below(32);
            let values: Vec<i32> = (0..n).map(|_| i32::from(input.byte() as i8)).collect();
            let (array, out_arg) = (input.arg(), input.arg());
            let count = if array == Arg::Valid || input.byte() % 2 == 0 {
                n as u32
            } else {
                0
            };
            let values_ptr = match array {
                Arg::Null => ptr::null(),
                Arg::Misaligned => values.as_ptr().cast::<u8>().wrapping_add(1).cast(),
                Arg::Valid => values.as_ptr(),
            };
            let out: *mut i32 = w.scratch.ptr(out_arg);
            let this = w.calc;
            // SAFETY: a live ICalculator; the array is `count` readable values, or null or
            // misaligned (refused untouched when count > 0); `out` as above.
            let hr = unsafe {
                (vtable::<calc::ICalculator_Vtbl>(this).Sum)(this, count, values_ptr, out)
            };
            // No array with no count is fine; a misaligned one is refused even then.
            let array_arg = if count == 0 && array == Arg::Null {
                Arg::Valid
            } else {
                array
            };
            if let Some(mut codes) = refused(&[array_arg, out_arg]) {
                // A count without its array is E_INVALIDARG, whatever the pointer.
                codes.push(E_INVALIDARG);
                assert!(codes.contains(&hr), "Sum: {hr:?}");
                return;
            }
            w.calls += 1;
            let sum: i32 = values[..count as usize].iter().sum();
            // SAFETY: written by the call.
            assert_eq!((hr, unsafe { out.read() }), (S_OK, sum));
        }
        // ICalculator::Length: a [string].
        5 => {
            let text = input.text();
            let (text_arg, out_arg) = (input.arg(), input.arg());
            let text_ptr = match text_arg {
                Arg::Null => ptr::null(),
                Arg::Misaligned => text.as_ptr().cast::<u8>().wrapping_add(1).cast(),
                Arg::Valid => text.as_ptr(),
            };
            let out: *mut u32 = w.scratch.ptr(out_arg);
            let this = w.calc;
            // SAFETY: a live ICalculator; the string NUL-terminated, null or misaligned
            // (refused untouched); `out` as above.
            let hr =
                unsafe { (vtable::<calc::ICalculator_Vtbl>(this).Length)(this, text_ptr, out) };
            if let Some(codes) = refused(&[text_arg, out_arg]) {
                assert!(codes.contains(&hr), "Length: {hr:?}");
                return;
            }
            w.calls += 1;
            // SAFETY: written by the call.
            assert_eq!((hr, unsafe { out.read() }), (S_OK, (text.len() - 1) as u32));
        }
        // ICalculator::Calls: no HRESULT, the count of calls served, this one included.
        6 => {
            let this = w.calc;
            // SAFETY: a live ICalculator.
            let n = unsafe { (vtable::<calc::ICalculator_Vtbl>(this).Calls)(this) };
            w.calls += 1;
            assert_eq!(n, w.calls);
        }
        // INote::SetText.
        7 => {
            let text = input.text();
            let arg = input.arg();
            let text_ptr = match arg {
                Arg::Null => ptr::null(),
                Arg::Misaligned => text.as_ptr().cast::<u8>().wrapping_add(1).cast(),
                Arg::Valid => text.as_ptr(),
            };
            let this = w.note;
            // SAFETY: a live INote; the string NUL-terminated, null or misaligned.
            let hr = unsafe { (vtable::<notes::INote_Vtbl>(this).SetText)(this, text_ptr) };
            if let Some(codes) = refused(&[arg]) {
                assert!(codes.contains(&hr), "SetText: {hr:?}");
                return;
            }
            assert_eq!(hr, S_OK);
            w.text_len = text.len() - 1;
            w.dirty = true;
        }
        // INote::GetLength.
        8 => {
            let arg = input.arg();
            let out: *mut u32 = w.scratch.ptr(arg);
            let this = w.note;
            // SAFETY: a live INote; `out` null, misaligned or writable.
            let hr = unsafe { (vtable::<notes::INote_Vtbl>(this).GetLength)(this, out) };
            if let Some(codes) = refused(&[arg]) {
                assert!(codes.contains(&hr), "GetLength: {hr:?}");
                return;
            }
            // SAFETY: written by the call.
            assert_eq!((hr, unsafe { out.read() }), (S_OK, w.text_len as u32));
        }
        // IPersistStream::IsDirty: S_OK or S_FALSE, both success codes.
        9 => {
            let this = w.persist;
            // SAFETY: a live IPersistStream.
            let hr = unsafe { (vtable::<notes::IPersistStream_Vtbl>(this).IsDirty)(this) };
            assert_eq!(hr, if w.dirty { S_OK } else { S_FALSE });
        }
        // IPersistStream::GetSizeMax: a struct out-value.
        10 => {
            let arg = input.arg();
            let out: *mut notes::ULARGE_INTEGER = w.scratch.ptr(arg);
            let this = w.persist;
            // SAFETY: a live IPersistStream; `out` null, misaligned or writable.
            let hr = unsafe { (vtable::<notes::IPersistStream_Vtbl>(this).GetSizeMax)(this, out) };
            if let Some(codes) = refused(&[arg]) {
                assert!(codes.contains(&hr), "GetSizeMax: {hr:?}");
                return;
            }
            // SAFETY: written by the call.
            let size = unsafe { out.read() }.QuadPart;
            assert_eq!((hr, size), (S_OK, 4 + 2 * w.text_len as u64));
        }
        // IPersist::GetClassID, through the IPersistStream vtable (its base).
        11 => {
            let arg = input.arg();
            let out: *mut GUID = w.scratch.ptr(arg);
            let this = w.persist;
            // SAFETY: a live IPersistStream, whose vtable starts with IPersist's.
            let hr = unsafe { (vtable::<notes::IPersist_Vtbl>(this).GetClassID)(this, out) };
            if let Some(codes) = refused(&[arg]) {
                assert!(codes.contains(&hr), "GetClassID: {hr:?}");
                return;
            }
            // SAFETY: written by the call.
            assert_eq!(
                (hr, unsafe { out.read() }),
                (S_OK, notes::CLSID_NoteDocument)
            );
        }
        // IPersistStream::Load and Save without a stream: E_POINTER, the document unchanged.
        12 => {
            let this = w.persist;
            let clear = i32::from(input.byte() % 2 == 0);
            // SAFETY: a live IPersistStream; a null stream is a valid (refused) argument.
            let hr = unsafe {
                if input.byte() % 2 == 0 {
                    (vtable::<notes::IPersistStream_Vtbl>(this).Load)(this, ptr::null_mut())
                } else {
                    (vtable::<notes::IPersistStream_Vtbl>(this).Save)(this, ptr::null_mut(), clear)
                }
            };
            assert_eq!(hr, E_POINTER);
        }
        // A null `this` on any slot: E_POINTER, nothing else happens.
        _ => {
            // SAFETY: the shims check `this` before anything else.
            let hr = unsafe {
                (vtable::<notes::INote_Vtbl>(w.note).GetLength)(ptr::null_mut(), ptr::null_mut())
            };
            assert_eq!(hr, E_POINTER);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    assert_eq!(
        module::object_count(),
        0,
        "a previous run left objects alive"
    );
    let calc: calc::ICalculator = ComObject::new(Calc::default()).into_interface();
    let note: notes::INote = ComObject::new(NoteDocument::default()).into_interface();
    let persist: notes::IPersistStream = note.cast().expect("the document is an IPersistStream");
    let calc_raw = calc.into_raw();
    let persist_raw = persist.into_raw();
    let note_raw = note.into_raw();
    let mut w = World {
        refs: vec![
            (Object::Calc, calc_raw),
            (Object::Note, note_raw),
            (Object::Note, persist_raw),
            (Object::Calc, calc_raw),
        ],
        counts: [2, 2],
        calc: calc_raw,
        note: note_raw,
        persist: persist_raw,
        calls: 0,
        text_len: 0,
        dirty: false,
        scratch: Scratch([0; 512]),
    };
    // The fourth reference: the calculator's second, so that the first four are two each.
    // SAFETY: a live interface pointer.
    assert_eq!(
        unsafe { (vtable::<IUnknown_Vtbl>(calc_raw).AddRef)(calc_raw) },
        2
    );
    w.check("setup");

    let mut steps = 0;
    while !input.0.is_empty() && steps < 256 {
        steps += 1;
        step(&mut input, &mut w);
        w.check("step");
    }

    while let Some((object, this)) = w.refs.pop() {
        // SAFETY: the program owns this reference and gives it up.
        let n = unsafe { (vtable::<IUnknown_Vtbl>(this).Release)(this) };
        *w.count(object) -= 1;
        assert_eq!(n, *w.count(object));
        w.check("release");
    }
    assert_eq!(module::object_count(), 0, "objects left alive");
});
