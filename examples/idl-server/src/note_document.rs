//! A class that implements an interface of the Windows SDK's IDL: `IPersistStream` (from
//! `objidl.idl`, through `idl/notes.idl`) beside `INote`, an interface of the example's own.
//!
//! The document is a UTF-16 text. Its stream form is the number of code units (`u32`,
//! little-endian) followed by the code units (little-endian).

use std::sync::{Mutex, MutexGuard, PoisonError};

use mobsync_runtime::hresults::{E_FAIL, E_INVALIDARG, E_POINTER};
use mobsync_runtime::{ComObject, WStr};
use windows_core::{Error, GUID, HRESULT, Result};

use crate::notes::implement::{IsDirtyOutcome, Note, Persist, PersistStream};
use crate::notes::{self, IStream, ULARGE_INTEGER};

/// The longest text a stream may hold, in code units: a larger count is a corrupt stream.
pub const MAX_TEXT: u32 = 1 << 20;

/// A note document: its text, and whether it changed since it was loaded or saved.
#[derive(Debug, Default, ComObject)]
#[com_object(
    clsid = "0C6F5D1E-3B7A-4E29-8D44-91A2B6C7E3F5",
    name = "mobsync-rs example note document",
    interfaces(notes::INote, notes::IPersistStream)
)]
pub struct NoteDocument {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    text: Vec<u16>,
    dirty: bool,
}

impl NoteDocument {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held left the state whole (every write is one
        // assignment), so the document stays usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Note for NoteDocument {
    fn set_text(&self, text: &WStr) -> Result<()> {
        let mut state = self.state();
        state.text = text.as_units().to_vec();
        state.dirty = true;
        Ok(())
    }

    fn get_length(&self) -> Result<u32> {
        u32::try_from(self.state().text.len()).map_err(|_| Error::from_hresult(E_FAIL))
    }

    fn fail(&self) -> Result<()> {
        // Panics while holding the lock, to show that the document survives that too.
        let _state = self.state();
        panic!("the example's Fail method always panics");
    }
}

impl Persist for NoteDocument {
    fn get_class_id(&self) -> Result<GUID> {
        Ok(notes::CLSID_NoteDocument)
    }
}

impl PersistStream for NoteDocument {
    fn is_dirty(&self) -> Result<IsDirtyOutcome> {
        Ok(if self.state().dirty {
            IsDirtyOutcome::S_OK
        } else {
            IsDirtyOutcome::S_FALSE
        })
    }

    fn load(&self, stm: Option<IStream>) -> Result<()> {
        let stm = stm.ok_or_else(|| Error::from_hresult(E_POINTER))?;
        let mut count = [0u8; 4];
        read_exact(&stm, &mut count)?;
        let count = u32::from_le_bytes(count);
        if count > MAX_TEXT {
            return Err(Error::new(
                E_INVALIDARG,
                format!("the stream holds {count} code units, more than {MAX_TEXT}"),
            ));
        }
        let mut bytes = vec![0u8; count as usize * 2];
        read_exact(&stm, &mut bytes)?;
        let text = bytes
            .chunks_exact(2)
            .map(|unit| u16::from_le_bytes([unit[0], unit[1]]))
            .collect();
        let mut state = self.state();
        state.text = text;
        state.dirty = false;
        Ok(())
    }

    fn save(&self, stm: Option<IStream>, clear_dirty: bool) -> Result<()> {
        let stm = stm.ok_or_else(|| Error::from_hresult(E_POINTER))?;
        let mut state = self.state();
        let count = u32::try_from(state.text.len()).map_err(|_| Error::from_hresult(E_FAIL))?;
        let mut bytes = Vec::with_capacity(4 + state.text.len() * 2);
        bytes.extend_from_slice(&count.to_le_bytes());
        for unit in &state.text {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        write_all(&stm, &bytes)?;
        if clear_dirty {
            state.dirty = false;
        }
        Ok(())
    }

    fn get_size_max(&self) -> Result<ULARGE_INTEGER> {
        let units = self.state().text.len() as u64;
        Ok(ULARGE_INTEGER {
            QuadPart: 4 + units * 2,
        })
    }
}

/// Reads `buf.len()` bytes from `stm`; a short read is `E_FAIL` (the stream ended early).
fn read_exact(stm: &IStream, buf: &mut [u8]) -> Result<()> {
    let len = u32::try_from(buf.len()).map_err(|_| Error::from_hresult(E_INVALIDARG))?;
    let mut read = 0u32;
    // SAFETY: `buf` is writable for `len` bytes and `read` for a u32 during the call, and `stm`
    // is a live stream (the shim holds the caller's reference).
    let hr: HRESULT = unsafe { stm.Read(buf.as_mut_ptr().cast(), len, &mut read) };
    hr.ok()?;
    if read != len {
        return Err(Error::new(
            E_FAIL,
            format!("the stream ended after {read} of {len} bytes"),
        ));
    }
    Ok(())
}

/// Writes all of `bytes` to `stm`; a short write is `E_FAIL`.
fn write_all(stm: &IStream, bytes: &[u8]) -> Result<()> {
    let len = u32::try_from(bytes.len()).map_err(|_| Error::from_hresult(E_INVALIDARG))?;
    let mut written = 0u32;
    // SAFETY: `bytes` is readable for `len` bytes and `written` writable during the call, and
    // `stm` is a live stream.
    let hr: HRESULT = unsafe { stm.Write(bytes.as_ptr().cast(), len, &mut written) };
    hr.ok()?;
    if written != len {
        return Err(Error::new(
            E_FAIL,
            format!("the stream took {written} of {len} bytes"),
        ));
    }
    Ok(())
}
