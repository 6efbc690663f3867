/*
 * A C client of the idl-server example's note document: a Rust class implementing an interface
 * of the Windows SDK's IDL, IPersistStream (objidl.idl), beside the example's own INote. The
 * header (notes.h) comes from the C header generator run on examples/idl-server/idl/notes.idl
 * with Wine's IDL directory on the include path.
 *
 * usage: client_notes IDL_SERVER.so
 *
 * The client passes the document a memory stream implemented here in C (IStream over a growing
 * buffer, reference counted, with a switch that makes Read fail), and checks: QueryInterface
 * identity (IPersist answered by the IPersistStream pointer), GetClassID, IsDirty's two success
 * codes, Save and Load round trips byte for byte, GetSizeMax, null and misaligned pointers,
 * truncated and oversized streams, a stream error passed through, a panic, the stream's
 * references all returned, and DllCanUnloadNow at the end.
 * Prints one line per check and ends with "N passed, M failed"; exits 0 only if all passed.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notes.h"
#define COM_CHECK_CALL NOTES_CALL
#include "com_check.h"

#define STG_E_READFAULT ((HRESULT)0x8003001Eu)

/* ---- a memory stream --------------------------------------------------------------------- */

typedef struct MemStream {
    IStream iface; /* first: an IStream * is a MemStream * */
    uint32_t refs;
    unsigned char *data;
    uint32_t size, capacity, position;
    int fail_reads; /* Read answers STG_E_READFAULT */
} MemStream;

static int same_guid(const GUID *a, const GUID *b) { return memcmp(a, b, sizeof(GUID)) == 0; }

static HRESULT NOTES_CALL ms_query_interface(IStream *This, const GUID *riid, void **ppv) {
    if (!ppv) {
        return E_POINTER;
    }
    if (same_guid(riid, &IID_Unknown) || same_guid(riid, &IID_ISequentialStream) || same_guid(riid, &IID_IStream)) {
        *ppv = This;
        This->lpVtbl->AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static uint32_t NOTES_CALL ms_add_ref(IStream *This) { return ++((MemStream *)This)->refs; }

static uint32_t NOTES_CALL ms_release(IStream *This) {
    MemStream *s = (MemStream *)This;
    uint32_t left = --s->refs;
    if (left == 0) {
        free(s->data);
        free(s);
    }
    return left;
}

static HRESULT NOTES_CALL ms_read(IStream *This, void *pv, uint32_t cb, uint32_t *pcbRead) {
    MemStream *s = (MemStream *)This;
    if (s->fail_reads) {
        return STG_E_READFAULT;
    }
    if (!pv && cb) {
        return E_POINTER;
    }
    uint32_t n = s->size - s->position < cb ? s->size - s->position : cb;
    if (n) {
        memcpy(pv, s->data + s->position, n);
    }
    s->position += n;
    if (pcbRead) {
        *pcbRead = n;
    }
    return n == cb ? S_OK : S_FALSE;
}

static HRESULT NOTES_CALL ms_write(IStream *This, const void *pv, uint32_t cb, uint32_t *pcbWritten) {
    MemStream *s = (MemStream *)This;
    if (!pv && cb) {
        return E_POINTER;
    }
    if (s->position + cb > s->capacity) {
        uint32_t capacity = (s->position + cb) * 2;
        unsigned char *grown = realloc(s->data, capacity);
        if (!grown) {
            return E_FAIL;
        }
        s->data = grown;
        s->capacity = capacity;
    }
    if (cb) {
        memcpy(s->data + s->position, pv, cb);
    }
    s->position += cb;
    if (s->position > s->size) {
        s->size = s->position;
    }
    if (pcbWritten) {
        *pcbWritten = cb;
    }
    return S_OK;
}

static HRESULT NOTES_CALL ms_seek(IStream *This, LARGE_INTEGER move, uint32_t origin, ULARGE_INTEGER *newpos) {
    MemStream *s = (MemStream *)This;
    int64_t base = origin == 0 ? 0 : origin == 1 ? (int64_t)s->position : (int64_t)s->size;
    int64_t target = base + move.QuadPart;
    if (origin > 2 || target < 0 || target > (int64_t)s->size) {
        return E_INVALIDARG;
    }
    s->position = (uint32_t)target;
    if (newpos) {
        newpos->QuadPart = (uint64_t)target;
    }
    return S_OK;
}

/* The rest of IStream: the document does not call them. */
static HRESULT NOTES_CALL ms_set_size(IStream *This, ULARGE_INTEGER size) {
    (void)This, (void)size;
    return E_NOTIMPL;
}
static HRESULT NOTES_CALL ms_copy_to(IStream *This, IStream *to, ULARGE_INTEGER cb, ULARGE_INTEGER *r,
                                     ULARGE_INTEGER *w) {
    (void)This, (void)to, (void)cb, (void)r, (void)w;
    return E_NOTIMPL;
}
static HRESULT NOTES_CALL ms_commit(IStream *This, uint32_t flags) {
    (void)This, (void)flags;
    return S_OK;
}
static HRESULT NOTES_CALL ms_revert(IStream *This) {
    (void)This;
    return E_NOTIMPL;
}
static HRESULT NOTES_CALL ms_lock(IStream *This, ULARGE_INTEGER offset, ULARGE_INTEGER cb, uint32_t type) {
    (void)This, (void)offset, (void)cb, (void)type;
    return E_NOTIMPL;
}
static HRESULT NOTES_CALL ms_stat(IStream *This, STATSTG *stat, uint32_t flag) {
    (void)This, (void)stat, (void)flag;
    return E_NOTIMPL;
}
static HRESULT NOTES_CALL ms_clone(IStream *This, IStream **out) {
    (void)This;
    if (out) {
        *out = NULL;
    }
    return E_NOTIMPL;
}

static const IStreamVtbl mem_stream_vtbl = {
    .QueryInterface = ms_query_interface,
    .AddRef = ms_add_ref,
    .Release = ms_release,
    .Read = ms_read,
    .Write = ms_write,
    .Seek = ms_seek,
    .SetSize = ms_set_size,
    .CopyTo = ms_copy_to,
    .Commit = ms_commit,
    .Revert = ms_revert,
    .LockRegion = ms_lock,
    .UnlockRegion = ms_lock,
    .Stat = ms_stat,
    .Clone = ms_clone,
};

/* A stream holding `size` bytes of `data` (none when NULL), positioned at its start. */
static MemStream *mem_stream(const void *data, uint32_t size) {
    MemStream *s = calloc(1, sizeof *s);
    if (!s) {
        abort();
    }
    s->iface.lpVtbl = &mem_stream_vtbl;
    s->refs = 1;
    if (data) {
        ms_write(&s->iface, data, size, NULL);
        s->position = 0;
    }
    return s;
}

/* ---- the client ------------------------------------------------------------------------------ */

static void *create(DllGetClassObjectFn get_class_object, const GUID *iid) {
    void *raw = NULL, *object = NULL;
    if (get_class_object(&CLSID_NoteDocument, &IID_ClassFactory, &raw) != S_OK || !raw) {
        return NULL;
    }
    ClassFactory *factory = raw;
    factory->lpVtbl->CreateInstance(factory, NULL, iid, &object);
    factory->lpVtbl->Release(factory);
    return object;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s IDL_SERVER.so\n", argv[0]);
        return 2;
    }
    DllGetClassObjectFn get_class_object;
    DllCanUnloadNowFn can_unload_now;
    if (!load_com_module(argv[1], &get_class_object, &can_unload_now)) {
        return 1;
    }

    /* Creation. */
    void *raw = NULL, *object = NULL;
    HRESULT hr = get_class_object(&CLSID_NoteDocument, &IID_ClassFactory, &raw);
    CHECK(hr == S_OK && raw, "DllGetClassObject(CLSID_NoteDocument) gives the class factory (0x%08x)", (unsigned)hr);
    if (!raw) {
        return 1;
    }
    ClassFactory *factory = raw;
    hr = factory->lpVtbl->CreateInstance(factory, NULL, &IID_Other, &object);
    CHECK(hr == E_NOINTERFACE && !object, "CreateInstance with an unknown IID gives E_NOINTERFACE");
    hr = factory->lpVtbl->CreateInstance(factory, NULL, &IID_IPersistStream, &object);
    CHECK(hr == S_OK && object, "CreateInstance(IID_IPersistStream) succeeds (0x%08x)", (unsigned)hr);
    factory->lpVtbl->Release(factory);
    if (!object) {
        return 1;
    }
    IPersistStream *persist = object;

    /* Identity: IPersist is answered with the IPersistStream pointer, IUnknown is one pointer. */
    void *as_persist = NULL, *as_note = NULL, *unknown1 = NULL, *unknown2 = NULL, *other = (void *)1;
    CHECK(persist->lpVtbl->QueryInterface(persist, &IID_IPersist, &as_persist) == S_OK &&
              as_persist == (void *)persist,
          "QueryInterface(IID_IPersist) gives the IPersistStream pointer (its vtable starts with IPersist's)");
    CHECK(persist->lpVtbl->QueryInterface(persist, &IID_INote, &as_note) == S_OK && as_note,
          "QueryInterface(IID_INote) succeeds");
    INote *note = as_note;
    CHECK(persist->lpVtbl->QueryInterface(persist, &IID_Unknown, &unknown1) == S_OK &&
              note->lpVtbl->QueryInterface(note, &IID_Unknown, &unknown2) == S_OK && unknown1 == unknown2,
          "QueryInterface(IID_IUnknown) gives one pointer from either interface");
    CHECK(persist->lpVtbl->QueryInterface(persist, &IID_Other, &other) == E_NOINTERFACE && !other,
          "QueryInterface with an unknown IID gives E_NOINTERFACE and clears the out pointer");
    CHECK(persist->lpVtbl->QueryInterface(persist, &IID_IStream, NULL) == E_POINTER,
          "QueryInterface with a null out pointer gives E_POINTER");
    ((IPersist *)as_persist)->lpVtbl->Release((IPersist *)as_persist);
    ((INote *)unknown1)->lpVtbl->Release((INote *)unknown1);
    ((INote *)unknown2)->lpVtbl->Release((INote *)unknown2);

    /* IPersist::GetClassID. */
    GUID clsid;
    memset(&clsid, 0xAB, sizeof clsid);
    CHECK(persist->lpVtbl->GetClassID(persist, &clsid) == S_OK && same_guid(&clsid, &CLSID_NoteDocument),
          "GetClassID gives CLSID_NoteDocument");
    CHECK(persist->lpVtbl->GetClassID(persist, NULL) == E_POINTER, "GetClassID with a null pointer gives E_POINTER");

    /* IsDirty's two success codes, around INote::SetText. */
    CHECK(persist->lpVtbl->IsDirty(persist) == S_FALSE, "a new document is clean: IsDirty gives S_FALSE");
    const uint16_t hello[] = {'h', 0xE9, 'l', 'l', 'o', 0};
    CHECK(note->lpVtbl->SetText(note, hello) == S_OK, "SetText(\"h\\u00e9llo\") succeeds");
    CHECK(note->lpVtbl->SetText(note, NULL) == E_POINTER, "SetText with a null string gives E_POINTER");
    CHECK(persist->lpVtbl->IsDirty(persist) == S_OK, "after SetText the document is dirty: IsDirty gives S_OK");

    /* GetSizeMax: a count and five UTF-16 code units. */
    ULARGE_INTEGER size;
    size.QuadPart = 0;
    CHECK(persist->lpVtbl->GetSizeMax(persist, &size) == S_OK && size.QuadPart == 14, "GetSizeMax = %llu",
          (unsigned long long)size.QuadPart);
    CHECK(persist->lpVtbl->GetSizeMax(persist, NULL) == E_POINTER, "GetSizeMax with a null pointer gives E_POINTER");
    _Alignas(8) unsigned char buffer[16];
    CHECK(persist->lpVtbl->GetSizeMax(persist, (ULARGE_INTEGER *)(void *)(buffer + 1)) == E_INVALIDARG,
          "GetSizeMax with a misaligned pointer gives E_INVALIDARG");

    /* Save without clearing, then with: the bytes, the dirty flag, the stream's references. */
    MemStream *saved = mem_stream(NULL, 0);
    CHECK(persist->lpVtbl->Save(persist, &saved->iface, 0) == S_OK, "Save(stream, FALSE) succeeds");
    CHECK(persist->lpVtbl->IsDirty(persist) == S_OK, "Save(.., FALSE) leaves the document dirty");
    const unsigned char expected[] = {5, 0, 0, 0, 'h', 0, 0xE9, 0, 'l', 0, 'l', 0, 'o', 0};
    CHECK(saved->size == sizeof expected && memcmp(saved->data, expected, sizeof expected) == 0,
          "the stream holds the count and the code units, little-endian (%u bytes)", (unsigned)saved->size);
    saved->position = 0;
    saved->size = 0;
    CHECK(persist->lpVtbl->Save(persist, &saved->iface, 1) == S_OK && saved->size == sizeof expected,
          "Save(stream, TRUE) writes the document again");
    CHECK(persist->lpVtbl->IsDirty(persist) == S_FALSE, "Save(.., TRUE) makes the document clean");
    CHECK(saved->refs == 1, "the document returned every reference it took on the stream (%u left)",
          (unsigned)saved->refs);
    CHECK(persist->lpVtbl->Save(persist, NULL, 1) == E_POINTER, "Save with a null stream gives E_POINTER");

    /* Load into a second document: the same text, clean. */
    IPersistStream *copy = create(get_class_object, &IID_IPersistStream);
    CHECK(copy != NULL, "a second document is created");
    if (!copy) {
        return check_summary();
    }
    saved->position = 0;
    CHECK(copy->lpVtbl->Load(copy, &saved->iface) == S_OK, "Load of the saved stream succeeds");
    void *copy_note_raw = NULL;
    copy->lpVtbl->QueryInterface(copy, &IID_INote, &copy_note_raw);
    INote *copy_note = copy_note_raw;
    uint32_t length = 0;
    CHECK(copy_note && copy_note->lpVtbl->GetLength(copy_note, &length) == S_OK && length == 5,
          "the loaded document has the text's 5 code units (%u)", (unsigned)length);
    CHECK(copy->lpVtbl->IsDirty(copy) == S_FALSE, "a loaded document is clean");
    MemStream *resaved = mem_stream(NULL, 0);
    CHECK(copy->lpVtbl->Save(copy, &resaved->iface, 1) == S_OK && resaved->size == saved->size &&
              memcmp(resaved->data, saved->data, saved->size) == 0,
          "saving the loaded document gives the same bytes");
    CHECK(copy->lpVtbl->Load(copy, NULL) == E_POINTER, "Load with a null stream gives E_POINTER");

    /* Bad streams: the document keeps its text. */
    MemStream *truncated = mem_stream(expected, 9);
    CHECK(copy->lpVtbl->Load(copy, &truncated->iface) == E_FAIL, "Load of a truncated stream gives E_FAIL");
    const unsigned char huge[] = {0xFF, 0xFF, 0xFF, 0x7F};
    MemStream *oversized = mem_stream(huge, sizeof huge);
    CHECK(copy->lpVtbl->Load(copy, &oversized->iface) == E_INVALIDARG,
          "Load of a stream announcing 2^31 code units gives E_INVALIDARG");
    MemStream *failing = mem_stream(expected, sizeof expected);
    failing->fail_reads = 1;
    CHECK(copy->lpVtbl->Load(copy, &failing->iface) == STG_E_READFAULT,
          "a stream's own error (STG_E_READFAULT) is passed through");
    length = 0;
    CHECK(copy_note && copy_note->lpVtbl->GetLength(copy_note, &length) == S_OK && length == 5,
          "after the failed loads the document still has its text (%u)", (unsigned)length);
    CHECK(truncated->refs == 1 && oversized->refs == 1 && failing->refs == 1 && resaved->refs == 1,
          "no reference on any stream is kept");

    /* A panic inside Rust, with the document's lock held. */
    CHECK(note->lpVtbl->Fail(note) == E_UNEXPECTED, "a panic in the implementation gives E_UNEXPECTED");
    CHECK(note->lpVtbl->SetText(note, hello) == S_OK && persist->lpVtbl->IsDirty(persist) == S_OK,
          "the document still works after the panic");

    /* Release everything. */
    ms_release(&saved->iface);
    ms_release(&resaved->iface);
    ms_release(&truncated->iface);
    ms_release(&oversized->iface);
    ms_release(&failing->iface);
    if (copy_note) {
        copy_note->lpVtbl->Release(copy_note);
    }
    CHECK(copy->lpVtbl->Release(copy) == 0, "the second document's last Release returns 0");
    note->lpVtbl->Release(note);
    CHECK(persist->lpVtbl->Release(persist) == 0, "the document's last Release returns 0");
    CHECK(can_unload_now() == S_OK, "DllCanUnloadNow says S_OK once every object is released");
    return check_summary();
}
