/*
 * A Sync Manager handler module written in C that breaks the reference-counting contract of the
 * host's ISyncMgrSynchronizeCallback, one mode at a time. Built as a shared library by
 * tests/tests/host_rogue_module.rs and by `cargo xtask memcheck`, and run through the real
 * `mobsync-host sync --module` binary (under valgrind in memcheck).
 *
 * CLSID {0BAD0C00-0000-4000-8000-000000000001}; one item, "Only", checked. The mode is the
 * Initialize cookie (ASCII, no NUL):
 *
 *   over-release        SetProgressCallback AddRefs the callback; Synchronize completes and
 *                       Releases it; the handler's destructor Releases it again (a pointer it
 *                       forgot to clear): one Release more than it added, the classic double
 *                       release that, with a plain COM object, frees the host's callback while
 *                       the host still holds it.
 *   over-release-early  SetProgressCallback Releases the borrowed callback three times without
 *                       any AddRef, then the handler goes on using it for Progress and both
 *                       completions.
 *   well-behaved        One AddRef, one Release (the control).
 *
 * and, otherwise well-behaved, one contract break each in Synchronize:
 *
 *   complete-twice      SynchronizeCompleted twice.
 *   unknown-item        Progress for an item it never enumerated.
 *   bad-cbsize          Progress with a SYNCMGRPROGRESSITEM whose cbSize is 4.
 *   null-log-text       LogError with a null text.
 *   out-of-range        Progress with the value 150 of a maximum of 100.
 *
 * and two that the host must catch without reading past the handler's memory:
 *
 *   overcount           ISyncMgrEnumItems::Next reports one item more than it was asked for.
 *   unterminated        The handler's and the item's names fill their arrays without a NUL.
 *
 * DllCanUnloadNow answers S_OK only when no handler or enumerator of this module is alive.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mobsync_rs.h"

#define S_OK ((HRESULT)0)
#define S_FALSE ((HRESULT)1)
#define E_NOTIMPL ((HRESULT)0x80004001u)
#define E_NOINTERFACE ((HRESULT)0x80004002u)
#define E_POINTER ((HRESULT)0x80004003u)
#define E_OUTOFMEMORY ((HRESULT)0x8007000Eu)
#define CLASS_E_NOAGGREGATION ((HRESULT)0x80040110u)
#define CLASS_E_CLASSNOTAVAILABLE ((HRESULT)0x80040111u)

#if defined(__GNUC__)
#define EXPORT __attribute__((visibility("default")))
#else
#define EXPORT
#endif

/* {0BAD0C00-0000-4000-8000-000000000001} */
static const GUID CLSID_Rogue = {0x0BAD0C00, 0x0000, 0x4000, {0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}};
/* {0BAD0C00-0000-4000-8000-000000000011} */
static const GUID ITEM_Only = {0x0BAD0C00, 0x0000, 0x4000, {0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11}};
static const GUID IID_Unknown = {0x00000000, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
static const GUID IID_ClassFactory = {0x00000001, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

/* Live handlers and enumerators, for DllCanUnloadNow. */
static atomic_int live_objects;

static int same_guid(const GUID *a, const GUID *b) { return memcmp(a, b, sizeof(GUID)) == 0; }

static void put_name(uint16_t *out, size_t capacity, const char *name) {
    size_t i = 0;
    for (; name[i] != '\0' && i + 1 < capacity; i++) {
        out[i] = (uint16_t)name[i];
    }
    out[i] = 0;
}

/* ---- the handler ---------------------------------------------------------------------------- */

enum Mode {
    MODE_WELL_BEHAVED,
    MODE_OVER_RELEASE,
    MODE_OVER_RELEASE_EARLY,
    MODE_COMPLETE_TWICE,
    MODE_UNKNOWN_ITEM,
    MODE_BAD_CBSIZE,
    MODE_NULL_LOG_TEXT,
    MODE_OUT_OF_RANGE,
    MODE_OVERCOUNT,
    MODE_UNTERMINATED,
};

typedef struct Handler {
    ISyncMgrSynchronize iface;
    atomic_uint refs;
    enum Mode mode;
    ISyncMgrSynchronizeCallback *callback;
} Handler;

static Handler *handler_of(ISyncMgrSynchronize *This) { return (Handler *)This; }

static HRESULT MOBSYNC_RS_CALL h_query_interface(ISyncMgrSynchronize *This, const GUID *riid, void **ppv) {
    if (ppv == NULL || riid == NULL) {
        return E_POINTER;
    }
    *ppv = NULL;
    if (!same_guid(riid, &IID_Unknown) && !same_guid(riid, &IID_ISyncMgrSynchronize)) {
        return E_NOINTERFACE;
    }
    atomic_fetch_add(&handler_of(This)->refs, 1);
    *ppv = This;
    return S_OK;
}

static uint32_t MOBSYNC_RS_CALL h_add_ref(ISyncMgrSynchronize *This) {
    return atomic_fetch_add(&handler_of(This)->refs, 1) + 1;
}

static uint32_t MOBSYNC_RS_CALL h_release(ISyncMgrSynchronize *This) {
    Handler *h = handler_of(This);
    uint32_t left = atomic_fetch_sub(&h->refs, 1) - 1;
    if (left == 0) {
        /* over-release: the callback was already released in Synchronize, and is again here. */
        if (h->callback != NULL && h->mode != MODE_OVER_RELEASE_EARLY) {
            h->callback->lpVtbl->Release(h->callback);
        }
        free(h);
        atomic_fetch_sub(&live_objects, 1);
    }
    return left;
}

static HRESULT MOBSYNC_RS_CALL h_initialize(ISyncMgrSynchronize *This, uint32_t reserved, uint32_t flags,
                                            uint32_t cookie_len, const uint8_t *cookie) {
    (void)reserved;
    (void)flags;
    static const struct {
        const char *name;
        enum Mode mode;
    } modes[] = {
        {"well-behaved", MODE_WELL_BEHAVED},
        {"over-release", MODE_OVER_RELEASE},
        {"over-release-early", MODE_OVER_RELEASE_EARLY},
        {"complete-twice", MODE_COMPLETE_TWICE},
        {"unknown-item", MODE_UNKNOWN_ITEM},
        {"bad-cbsize", MODE_BAD_CBSIZE},
        {"null-log-text", MODE_NULL_LOG_TEXT},
        {"out-of-range", MODE_OUT_OF_RANGE},
        {"overcount", MODE_OVERCOUNT},
        {"unterminated", MODE_UNTERMINATED},
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (cookie != NULL && cookie_len == strlen(modes[i].name) && memcmp(cookie, modes[i].name, cookie_len) == 0) {
            handler_of(This)->mode = modes[i].mode;
            return S_OK;
        }
    }
    return S_FALSE; /* an unknown mode: decline */
}

static HRESULT MOBSYNC_RS_CALL h_get_handler_info(ISyncMgrSynchronize *This, LPSYNCMGRHANDLERINFO *out) {
    if (out == NULL) {
        return E_POINTER;
    }
    /* The host frees it with CoTaskMemFree, which is free() outside Windows. */
    SYNCMGRHANDLERINFO *info = calloc(1, sizeof *info);
    if (info == NULL) {
        return E_OUTOFMEMORY;
    }
    info->cbSize = sizeof *info;
    put_name(info->wszHandlerName, 32, "Rogue (C)");
    if (handler_of(This)->mode == MODE_UNTERMINATED) {
        for (size_t i = 0; i < 32; i++) {
            info->wszHandlerName[i] = 'h';
        }
    }
    *out = info;
    return S_OK;
}

/* ---- its enumerator: one item --------------------------------------------------------------- */

typedef struct Enumerator {
    ISyncMgrEnumItems iface;
    atomic_uint refs;
    uint32_t next;
    enum Mode mode;
} Enumerator;

static HRESULT MOBSYNC_RS_CALL e_query_interface(ISyncMgrEnumItems *This, const GUID *riid, void **ppv) {
    if (ppv == NULL || riid == NULL) {
        return E_POINTER;
    }
    *ppv = NULL;
    if (!same_guid(riid, &IID_Unknown) && !same_guid(riid, &IID_ISyncMgrEnumItems)) {
        return E_NOINTERFACE;
    }
    atomic_fetch_add(&((Enumerator *)This)->refs, 1);
    *ppv = This;
    return S_OK;
}

static uint32_t MOBSYNC_RS_CALL e_add_ref(ISyncMgrEnumItems *This) {
    return atomic_fetch_add(&((Enumerator *)This)->refs, 1) + 1;
}

static uint32_t MOBSYNC_RS_CALL e_release(ISyncMgrEnumItems *This) {
    uint32_t left = atomic_fetch_sub(&((Enumerator *)This)->refs, 1) - 1;
    if (left == 0) {
        free(This);
        atomic_fetch_sub(&live_objects, 1);
    }
    return left;
}

static HRESULT MOBSYNC_RS_CALL e_next(ISyncMgrEnumItems *This, uint32_t count, LPSYNCMGRITEM items, uint32_t *fetched) {
    Enumerator *e = (Enumerator *)This;
    uint32_t done = 0;
    if (items == NULL && count > 0) {
        return E_POINTER;
    }
    while (done < count && e->next < 1) {
        SYNCMGRITEM *item = &items[done];
        memset(item, 0, sizeof *item);
        item->cbSize = sizeof *item;
        item->ItemID = ITEM_Only;
        item->dwItemState = SYNCMGRITEMSTATE_CHECKED;
        put_name(item->wszItemName, 128, "Only");
        if (e->mode == MODE_UNTERMINATED) {
            for (size_t i = 0; i < 128; i++) {
                item->wszItemName[i] = 'n';
            }
        }
        done++;
        e->next++;
    }
    if (fetched != NULL) {
        *fetched = e->mode == MODE_OVERCOUNT ? count + 1 : done;
    }
    return done == count ? S_OK : S_FALSE;
}

static HRESULT MOBSYNC_RS_CALL e_skip(ISyncMgrEnumItems *This, uint32_t count) {
    Enumerator *e = (Enumerator *)This;
    uint32_t left = 1 - e->next;
    e->next += count < left ? count : left;
    return count <= left ? S_OK : S_FALSE;
}

static HRESULT MOBSYNC_RS_CALL e_reset(ISyncMgrEnumItems *This) {
    ((Enumerator *)This)->next = 0;
    return S_OK;
}

static HRESULT MOBSYNC_RS_CALL e_clone(ISyncMgrEnumItems *This, ISyncMgrEnumItems **out) {
    (void)This;
    if (out != NULL) {
        *out = NULL;
    }
    return E_NOTIMPL;
}

static const ISyncMgrEnumItemsVtbl ENUMERATOR_VTBL = {
    e_query_interface, e_add_ref, e_release, e_next, e_skip, e_reset, e_clone,
};

static HRESULT MOBSYNC_RS_CALL h_enum_items(ISyncMgrSynchronize *This, ISyncMgrEnumItems **out) {
    if (out == NULL) {
        return E_POINTER;
    }
    Enumerator *e = calloc(1, sizeof *e);
    if (e == NULL) {
        *out = NULL;
        return E_OUTOFMEMORY;
    }
    e->iface.lpVtbl = &ENUMERATOR_VTBL;
    e->mode = handler_of(This)->mode;
    atomic_init(&e->refs, 1);
    atomic_fetch_add(&live_objects, 1);
    *out = &e->iface;
    return S_OK;
}

/* ---- the rest of the handler ---------------------------------------------------------------- */

static HRESULT MOBSYNC_RS_CALL h_get_item_object(ISyncMgrSynchronize *This, REFSYNCMGRITEMID item, const GUID *riid,
                                                 void **ppv) {
    (void)This;
    (void)item;
    (void)riid;
    if (ppv != NULL) {
        *ppv = NULL;
    }
    return E_NOTIMPL;
}

static HRESULT MOBSYNC_RS_CALL h_show_properties(ISyncMgrSynchronize *This, HWND parent, REFSYNCMGRITEMID item) {
    (void)This;
    (void)parent;
    (void)item;
    return E_NOTIMPL;
}

static HRESULT MOBSYNC_RS_CALL h_set_progress_callback(ISyncMgrSynchronize *This, ISyncMgrSynchronizeCallback *cb) {
    Handler *h = handler_of(This);
    if (cb == NULL) {
        return S_OK;
    }
    h->callback = cb;
    if (h->mode == MODE_OVER_RELEASE_EARLY) {
        /* Releases of references it never added; it keeps the pointer and uses it later. */
        for (int i = 0; i < 3; i++) {
            cb->lpVtbl->Release(cb);
        }
    } else {
        cb->lpVtbl->AddRef(cb);
    }
    return S_OK;
}

static HRESULT MOBSYNC_RS_CALL h_prepare_for_sync(ISyncMgrSynchronize *This, uint32_t count, SYNCMGRITEMID *items,
                                                  HWND parent, uint32_t reserved) {
    (void)count;
    (void)items;
    (void)parent;
    (void)reserved;
    Handler *h = handler_of(This);
    return h->callback->lpVtbl->PrepareForSyncCompleted(h->callback, S_OK);
}

static HRESULT MOBSYNC_RS_CALL h_synchronize(ISyncMgrSynchronize *This, HWND parent) {
    (void)parent;
    Handler *h = handler_of(This);
    ISyncMgrSynchronizeCallback *cb = h->callback;
    static const uint16_t done[] = {'D', 'o', 'n', 'e', 0};
    SYNCMGRPROGRESSITEM progress;
    memset(&progress, 0, sizeof progress);
    progress.cbSize = sizeof progress;
    progress.mask = SYNCMGRPROGRESSITEM_STATUSTYPE | SYNCMGRPROGRESSITEM_STATUSTEXT;
    progress.dwStatusType = SYNCMGRSTATUS_SUCCEEDED;
    progress.lpcStatusText = done;
    static const GUID not_an_item = {0x0BAD0C00, 0x0000, 0x4000, {0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF}};
    SYNCMGRPROGRESSITEM odd = progress;
    switch (h->mode) {
    case MODE_UNKNOWN_ITEM:
        cb->lpVtbl->Progress(cb, &not_an_item, &progress);
        break;
    case MODE_BAD_CBSIZE:
        odd.cbSize = 4;
        cb->lpVtbl->Progress(cb, &ITEM_Only, &odd);
        break;
    case MODE_NULL_LOG_TEXT:
        cb->lpVtbl->LogError(cb, SYNCMGRLOGLEVEL_ERROR, NULL, NULL);
        break;
    case MODE_OUT_OF_RANGE:
        odd.mask = SYNCMGRPROGRESSITEM_PROGVALUE | SYNCMGRPROGRESSITEM_MAXVALUE;
        odd.iProgValue = 150;
        odd.iMaxValue = 100;
        cb->lpVtbl->Progress(cb, &ITEM_Only, &odd);
        break;
    default:
        break;
    }
    cb->lpVtbl->Progress(cb, &ITEM_Only, &progress);
    cb->lpVtbl->SynchronizeCompleted(cb, S_OK);
    if (h->mode == MODE_COMPLETE_TWICE) {
        cb->lpVtbl->SynchronizeCompleted(cb, S_OK);
    }
    if (h->mode != MODE_OVER_RELEASE_EARLY) {
        /* Its own reference, given back; over-release forgets to clear the pointer, so the
           destructor releases it a second time. */
        cb->lpVtbl->Release(cb);
        if (h->mode != MODE_OVER_RELEASE) {
            h->callback = NULL;
        }
    }
    return S_OK;
}

static HRESULT MOBSYNC_RS_CALL h_set_item_status(ISyncMgrSynchronize *This, REFSYNCMGRITEMID item, uint32_t status) {
    (void)This;
    (void)item;
    (void)status;
    return S_OK;
}

static HRESULT MOBSYNC_RS_CALL h_show_error(ISyncMgrSynchronize *This, HWND parent, REFSYNCMGRERRORID error) {
    (void)This;
    (void)parent;
    (void)error;
    return E_NOTIMPL;
}

static const ISyncMgrSynchronizeVtbl HANDLER_VTBL = {
    h_query_interface, h_add_ref,         h_release,          h_initialize,
    h_get_handler_info, h_enum_items,     h_get_item_object,  h_show_properties,
    h_set_progress_callback, h_prepare_for_sync, h_synchronize, h_set_item_status,
    h_show_error,
};

/* ---- the class factory (static) and the exports --------------------------------------------- */

typedef struct ClassFactory ClassFactory;
typedef struct ClassFactoryVtbl {
    HRESULT (MOBSYNC_RS_CALL *QueryInterface)(ClassFactory *This, const GUID *riid, void **ppv);
    uint32_t (MOBSYNC_RS_CALL *AddRef)(ClassFactory *This);
    uint32_t (MOBSYNC_RS_CALL *Release)(ClassFactory *This);
    HRESULT (MOBSYNC_RS_CALL *CreateInstance)(ClassFactory *This, void *outer, const GUID *riid, void **ppv);
    HRESULT (MOBSYNC_RS_CALL *LockServer)(ClassFactory *This, int32_t lock);
} ClassFactoryVtbl;
struct ClassFactory {
    const ClassFactoryVtbl *lpVtbl;
};

static HRESULT MOBSYNC_RS_CALL f_query_interface(ClassFactory *This, const GUID *riid, void **ppv) {
    if (ppv == NULL || riid == NULL) {
        return E_POINTER;
    }
    *ppv = NULL;
    if (!same_guid(riid, &IID_Unknown) && !same_guid(riid, &IID_ClassFactory)) {
        return E_NOINTERFACE;
    }
    *ppv = This;
    return S_OK;
}

/* The factory is static: its count is nominal. */
static uint32_t MOBSYNC_RS_CALL f_add_ref(ClassFactory *This) {
    (void)This;
    return 2;
}

static uint32_t MOBSYNC_RS_CALL f_release(ClassFactory *This) {
    (void)This;
    return 1;
}

static HRESULT MOBSYNC_RS_CALL f_create_instance(ClassFactory *This, void *outer, const GUID *riid, void **ppv) {
    (void)This;
    if (ppv == NULL) {
        return E_POINTER;
    }
    *ppv = NULL;
    if (outer != NULL) {
        return CLASS_E_NOAGGREGATION;
    }
    Handler *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return E_OUTOFMEMORY;
    }
    h->iface.lpVtbl = &HANDLER_VTBL;
    atomic_init(&h->refs, 1);
    atomic_fetch_add(&live_objects, 1);
    HRESULT hr = h_query_interface(&h->iface, riid, ppv);
    h_release(&h->iface);
    return hr;
}

static HRESULT MOBSYNC_RS_CALL f_lock_server(ClassFactory *This, int32_t lock) {
    (void)This;
    (void)lock;
    return S_OK;
}

static const ClassFactoryVtbl FACTORY_VTBL = {
    f_query_interface, f_add_ref, f_release, f_create_instance, f_lock_server,
};
static ClassFactory factory = {&FACTORY_VTBL};

EXPORT HRESULT MOBSYNC_RS_CALL DllGetClassObject(const GUID *clsid, const GUID *riid, void **ppv) {
    if (ppv == NULL || clsid == NULL || riid == NULL) {
        return E_POINTER;
    }
    *ppv = NULL;
    if (!same_guid(clsid, &CLSID_Rogue)) {
        return CLASS_E_CLASSNOTAVAILABLE;
    }
    return f_query_interface(&factory, riid, ppv);
}

EXPORT HRESULT MOBSYNC_RS_CALL DllCanUnloadNow(void) {
    return atomic_load(&live_objects) == 0 ? S_OK : S_FALSE;
}

EXPORT HRESULT MOBSYNC_RS_CALL DllRegisterServer(void) { return E_NOTIMPL; }

EXPORT HRESULT MOBSYNC_RS_CALL DllUnregisterServer(void) { return E_NOTIMPL; }
