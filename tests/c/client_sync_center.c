/*
 * A C client of the folder-sync example's Sync Center handler, written against the header
 * generated from idl/syncmgr.idl (mobsync-runtime/include/syncmgr_rs.h), playing Sync Center's
 * part: it creates the handler through DllGetClassObject, reads its name and handler info,
 * enumerates its items, runs a synchronization with a session creator and an
 * ISyncMgrSyncCallback written in C, a cancelled one, and checks the documented HRESULTs for
 * null, misaligned and inconsistent pointers, a failing callback and a panic in the handler.
 *
 * usage: client_sync_center MODULE
 * The handler reads its configuration from FOLDER_SYNC_COOKIE (source=...;dest=...), which the
 * caller sets; the source has the subfolders Alpha, Beta and Gamma. FOLDER_SYNC_CANCEL_COOKIE is
 * the configuration of the cancelled run (the same source, another destination). Prints one
 * line per check and ends with "N passed, M failed"; exits 0 only if all passed.
 *
 * Builds on Linux (cc, dlopen) and for Windows (x86_64-w64-mingw32-gcc, LoadLibrary; run under
 * Wine by `cargo xtask wine-test`).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
/* The header's own base types, without <windows.h>; the few Win32 functions used are declared
   below. */
#define SYNCMGR_RS_STANDALONE
#else
#include <dlfcn.h>
#endif

#include "syncmgr_rs.h"
#define COM_CHECK_CALL SYNCMGR_RS_CALL
#include "com_check.h"

#ifdef _WIN32
__declspec(dllimport) void *__stdcall LoadLibraryA(const char *name);
__declspec(dllimport) void *__stdcall GetProcAddress(void *module, const char *name);
static void *load_module(const char *path) { return LoadLibraryA(path); }
static void *module_symbol(void *module, const char *name) { return GetProcAddress(module, name); }
static const char *load_error(void) { return "LoadLibraryA failed"; }
/* The process environment, which the handler reads (msvcrt's _putenv updates it). */
static void set_env(const char *name, const char *value) {
    static char entries[4][2200];
    static int next;
    char *entry = entries[next++ % 4];
    snprintf(entry, sizeof entries[0], "%s=%s", name, value);
    _putenv(entry);
}
static void unset_env(const char *name) { set_env(name, ""); }
#else
static void *load_module(const char *path) { return dlopen(path, RTLD_NOW | RTLD_LOCAL); }
static void *module_symbol(void *module, const char *name) { return dlsym(module, name); }
static const char *load_error(void) { return dlerror(); }
static void set_env(const char *name, const char *value) { setenv(name, value, 1); }
static void unset_env(const char *name) { unsetenv(name); }
#endif

/* {7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}: the example's Sync Center class. */
static const GUID CLSID_FolderSyncCenter = {0x7D1E5A40, 0x2C8B, 0x4F6E, {0x9A, 0x31, 0x5B, 0x0C, 0x4E, 0x2F, 0x8A, 0x17}};
typedef void (SYNCMGR_RS_CALL *CoTaskMemFreeFn)(void *);

static CoTaskMemFreeFn task_free;
static DllGetClassObjectFn get_class_object;

/* A new handler from the module's class factory, or NULL. */
static ISyncMgrHandler *create_handler(void) {
    ClassFactory *factory = NULL;
    ISyncMgrHandler *handler = NULL;
    if (get_class_object(&CLSID_FolderSyncCenter, &IID_ClassFactory, (void **)&factory) != S_OK) return NULL;
    if (factory->lpVtbl->CreateInstance(factory, NULL, &IID_ISyncMgrHandler, (void **)&handler) != S_OK) handler = NULL;
    factory->lpVtbl->Release(factory);
    return handler;
}

/* ---- UTF-16 helpers ---------------------------------------------------------------------- */

/* A static UTF-16 copy of an ASCII string (one of a few rotating buffers). */
static const uint16_t *w(const char *ascii) {
    static uint16_t buffers[8][128];
    static int next;
    uint16_t *out = buffers[next++ % 8];
    size_t i = 0;
    for (; ascii[i] && i < 127; i++) out[i] = (uint16_t)(unsigned char)ascii[i];
    out[i] = 0;
    return out;
}

/* An ASCII copy of a UTF-16 string (non-ASCII units become '?'). */
static void narrow(const uint16_t *text, char *out, size_t size) {
    size_t i = 0;
    for (; text && text[i] && i + 1 < size; i++) out[i] = text[i] < 128 ? (char)text[i] : '?';
    out[i] = 0;
}

/* Reads and frees a task-allocated string; "" for null. */
static void take(uint16_t *text, char *out, size_t size) {
    narrow(text, out, size);
    if (text) task_free(text);
}

static int wide_eq(const uint16_t *a, const char *b) {
    char buffer[256];
    narrow(a, buffer, sizeof buffer);
    return a && strcmp(buffer, b) == 0;
}

/* ---- The session: a creator and a callback written in C ------------------------------------ */

typedef struct Callback {
    ISyncMgrSyncCallback iface;
    uint32_t refs;
    int progress;           /* ReportProgress calls */
    int succeeded, failed_items, cancelled; /* final states reported */
    int events;
    SYNCMGR_CANCEL_REQUEST cancel_at_first; /* answered from the first ReportProgress on */
    HRESULT progress_result;  /* what ReportProgress returns */
    int bad_items;            /* progress for an item the session was not created for */
    char items[4][80];        /* the session's items */
    int item_count;
    char refuse[80];          /* CanContinue answers S_FALSE for this item */
} Callback;

typedef struct Creator {
    ISyncMgrSessionCreator iface;
    uint32_t refs;
    Callback *callback;
    int sessions;
    char handler_id[80];
    int item_count;
    int give_null; /* succeed without a callback */
} Creator;

static HRESULT SYNCMGR_RS_CALL cb_qi(ISyncMgrSyncCallback *This, const GUID *riid, void **ppv) {
    if (!ppv) return E_POINTER;
    if (memcmp(riid, &IID_Unknown, sizeof(GUID)) == 0 || memcmp(riid, &IID_ISyncMgrSyncCallback, sizeof(GUID)) == 0) {
        *ppv = This;
        This->lpVtbl->AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static uint32_t SYNCMGR_RS_CALL cb_addref(ISyncMgrSyncCallback *This) { return ++((Callback *)This)->refs; }
static uint32_t SYNCMGR_RS_CALL cb_release(ISyncMgrSyncCallback *This) { return --((Callback *)This)->refs; }
static HRESULT SYNCMGR_RS_CALL cb_progress(ISyncMgrSyncCallback *This, const uint16_t *item, const uint16_t *text,
                                           SYNCMGR_PROGRESS_STATUS status, uint32_t step, uint32_t max,
                                           SYNCMGR_CANCEL_REQUEST *cancel) {
    Callback *cb = (Callback *)This;
    char id[80];
    (void)text;
    narrow(item, id, sizeof id);
    int known = 0;
    for (int i = 0; i < cb->item_count; i++) known |= strcmp(cb->items[i], id) == 0;
    if (!known || step > max) cb->bad_items++;
    cb->progress++;
    if (status == SYNCMGR_PS_SUCCEEDED) cb->succeeded++;
    if (status == SYNCMGR_PS_FAILED) cb->failed_items++;
    if (status == SYNCMGR_PS_CANCELED) cb->cancelled++;
    if (cancel) *cancel = cb->cancel_at_first;
    return cb->progress_result;
}
static HRESULT SYNCMGR_RS_CALL cb_text(ISyncMgrSyncCallback *This, const uint16_t *text, SYNCMGR_CANCEL_REQUEST *cancel) {
    (void)This; (void)text;
    if (cancel) *cancel = SYNCMGR_CR_NONE;
    return S_OK;
}
static HRESULT SYNCMGR_RS_CALL cb_event(ISyncMgrSyncCallback *This, const uint16_t *item, SYNCMGR_EVENT_LEVEL level,
                                        SYNCMGR_EVENT_FLAGS flags, const uint16_t *name, const uint16_t *description,
                                        const uint16_t *link_text, const uint16_t *link_reference,
                                        const uint16_t *context, GUID *event_id) {
    (void)item; (void)level; (void)flags; (void)name; (void)description; (void)link_text; (void)link_reference; (void)context;
    ((Callback *)This)->events++;
    if (!event_id) return E_POINTER;
    memset(event_id, 0, sizeof *event_id);
    event_id->Data1 = 42;
    return S_OK;
}
static HRESULT SYNCMGR_RS_CALL cb_can_continue(ISyncMgrSyncCallback *This, const uint16_t *item) {
    Callback *cb = (Callback *)This;
    return cb->refuse[0] && wide_eq(item, cb->refuse) ? S_FALSE : S_OK;
}
static HRESULT SYNCMGR_RS_CALL cb_query(ISyncMgrSyncCallback *This, IEnumString **ids, IEnumUnknown **punks) {
    (void)This;
    if (ids) *ids = NULL;
    if (punks) *punks = NULL;
    return S_FALSE;
}
static HRESULT SYNCMGR_RS_CALL cb_add_item(ISyncMgrSyncCallback *This, const uint16_t *item) { (void)This; (void)item; return E_NOTIMPL; }
static HRESULT SYNCMGR_RS_CALL cb_add_unknown(ISyncMgrSyncCallback *This, IUnknown *punk) { (void)This; (void)punk; return E_NOTIMPL; }
static HRESULT SYNCMGR_RS_CALL cb_propose(ISyncMgrSyncCallback *This, ISyncMgrSyncItem *item) { (void)This; (void)item; return E_NOTIMPL; }
static HRESULT SYNCMGR_RS_CALL cb_commit(ISyncMgrSyncCallback *This, const uint16_t *item) { (void)This; (void)item; return E_NOTIMPL; }
static HRESULT SYNCMGR_RS_CALL cb_manual(ISyncMgrSyncCallback *This) { (void)This; return S_OK; }

static const ISyncMgrSyncCallbackVtbl callback_vtbl = {
    cb_qi, cb_addref, cb_release, cb_progress, cb_text, cb_event, cb_can_continue, cb_query,
    cb_add_item, cb_add_unknown, cb_propose, cb_commit, cb_manual,
};

static HRESULT SYNCMGR_RS_CALL cr_qi(ISyncMgrSessionCreator *This, const GUID *riid, void **ppv) {
    if (!ppv) return E_POINTER;
    if (memcmp(riid, &IID_Unknown, sizeof(GUID)) == 0 || memcmp(riid, &IID_ISyncMgrSessionCreator, sizeof(GUID)) == 0) {
        *ppv = This;
        This->lpVtbl->AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static uint32_t SYNCMGR_RS_CALL cr_addref(ISyncMgrSessionCreator *This) { return ++((Creator *)This)->refs; }
static uint32_t SYNCMGR_RS_CALL cr_release(ISyncMgrSessionCreator *This) { return --((Creator *)This)->refs; }
static HRESULT SYNCMGR_RS_CALL cr_create(ISyncMgrSessionCreator *This, const uint16_t *handler_id,
                                         const uint16_t **item_ids, uint32_t count, ISyncMgrSyncCallback **out) {
    Creator *cr = (Creator *)This;
    if (!out) return E_POINTER;
    *out = NULL;
    cr->sessions++;
    narrow(handler_id, cr->handler_id, sizeof cr->handler_id);
    cr->item_count = (int)count;
    cr->callback->item_count = 0;
    for (uint32_t i = 0; i < count && i < 4; i++) {
        narrow(item_ids[i], cr->callback->items[i], sizeof cr->callback->items[i]);
        cr->callback->item_count++;
    }
    if (cr->give_null) return S_OK;
    *out = &cr->callback->iface;
    cb_addref(*out);
    return S_OK;
}

static const ISyncMgrSessionCreatorVtbl creator_vtbl = {cr_qi, cr_addref, cr_release, cr_create};

static void reset(Creator *cr, Callback *cb) {
    memset(cb, 0, sizeof *cb);
    cb->iface.lpVtbl = &callback_vtbl;
    cb->refs = 1;
    cb->cancel_at_first = SYNCMGR_CR_NONE;
    cb->progress_result = S_OK;
    memset(cr, 0, sizeof *cr);
    cr->iface.lpVtbl = &creator_vtbl;
    cr->refs = 1;
    cr->callback = cb;
}

/* ---- The checks ------------------------------------------------------------------------------ */

static void check_handler_info(ISyncMgrHandler *handler) {
    ISyncMgrHandlerInfo *info = NULL;
    CHECK(handler->lpVtbl->GetHandlerInfo(handler, &info) == S_OK && info, "GetHandlerInfo gives an object");
    if (!info) return;
    SYNCMGR_HANDLER_TYPE type = SYNCMGR_HT_UNSPECIFIED;
    CHECK(info->lpVtbl->GetType(info, &type) == S_OK && type == SYNCMGR_HT_FOLDER, "GetType is SYNCMGR_HT_FOLDER");
    CHECK(info->lpVtbl->GetType(info, NULL) == E_POINTER, "GetType(NULL) gives E_POINTER");
    uint16_t *text = NULL;
    char buffer[128];
    CHECK(info->lpVtbl->GetTypeLabel(info, &text) == S_OK, "GetTypeLabel succeeds");
    take(text, buffer, sizeof buffer);
    CHECK(strcmp(buffer, "Folders") == 0, "the type label is \"Folders\" (got \"%s\")", buffer);
    text = NULL;
    CHECK(info->lpVtbl->GetComment(info, &text) == S_OK, "GetComment succeeds");
    take(text, buffer, sizeof buffer);
    CHECK(strcmp(buffer, "3 folders") == 0, "the comment counts the folders (got \"%s\")", buffer);
    CHECK(info->lpVtbl->GetComment(info, NULL) == E_POINTER, "GetComment(NULL) gives E_POINTER");
    CHECK(info->lpVtbl->IsConnected(info) == S_OK, "IsConnected gives S_OK");
    CHECK(info->lpVtbl->IsActive(info) == E_NOTIMPL, "IsActive gives E_NOTIMPL (Sync Center keeps the state)");
    FILETIME when;
    memset(&when, 0xAB, sizeof when);
    CHECK(info->lpVtbl->GetLastSyncTime(info, &when) == E_NOTIMPL && when.dwLowDateTime == 0,
          "GetLastSyncTime gives E_NOTIMPL and clears the out value");
    CHECK(info->lpVtbl->Release(info) == 0, "the handler info is released to zero");
}

static void check_items(ISyncMgrHandler *handler) {
    ISyncMgrSyncItemContainer *container = NULL;
    CHECK(handler->lpVtbl->QueryInterface(handler, &IID_ISyncMgrSyncItemContainer, (void **)&container) == S_OK,
          "the handler answers ISyncMgrSyncItemContainer");
    if (!container) return;
    uint32_t count = 0;
    CHECK(container->lpVtbl->GetSyncItemCount(container, &count) == S_OK && count == 3, "three items (got %u)", count);
    CHECK(container->lpVtbl->GetSyncItemCount(container, NULL) == E_POINTER, "GetSyncItemCount(NULL) gives E_POINTER");
    CHECK(container->lpVtbl->GetSyncItemCount(container, (uint32_t *)((char *)&count + 1)) == E_INVALIDARG,
          "a misaligned out-pointer gives E_INVALIDARG");

    IEnumSyncMgrSyncItems *items = NULL;
    CHECK(container->lpVtbl->GetSyncItemEnumerator(container, &items) == S_OK && items, "GetSyncItemEnumerator");
    if (items) {
        ISyncMgrSyncItem *batch[5] = {0};
        uint32_t fetched = 99;
        CHECK(items->lpVtbl->Next(items, 5, batch, &fetched) == S_FALSE && fetched == 3,
              "Next(5) gives S_FALSE with the 3 items (got %u)", fetched);
        CHECK(batch[3] == NULL && batch[4] == NULL, "the slots past the items are null");
        const char *names[3] = {"Alpha", "Beta", "Gamma"};
        for (uint32_t i = 0; i < fetched && i < 3; i++) {
            uint16_t *text = NULL;
            char name[128], id[128];
            CHECK(batch[i]->lpVtbl->GetName(batch[i], &text) == S_OK, "item %u: GetName", i);
            take(text, name, sizeof name);
            CHECK(strcmp(name, names[i]) == 0, "item %u is %s (got %s)", i, names[i], name);
            text = NULL;
            CHECK(batch[i]->lpVtbl->GetItemID(batch[i], &text) == S_OK, "item %u: GetItemID", i);
            take(text, id, sizeof id);
            CHECK(id[0] == '{' && strlen(id) == 38, "item %u's ID is a braced GUID (%s)", i, id);
            ISyncMgrSyncItem *again = NULL;
            CHECK(container->lpVtbl->GetSyncItem(container, w(id), &again) == S_OK && again,
                  "GetSyncItem finds item %u by its ID", i);
            if (again) {
                ISyncMgrSyncItemInfo *item_info = NULL;
                CHECK(again->lpVtbl->GetItemInfo(again, &item_info) == S_OK && item_info, "GetItemInfo");
                if (item_info) {
                    text = NULL;
                    CHECK(item_info->lpVtbl->GetTypeLabel(item_info, &text) == S_OK, "the item's type label");
                    take(text, name, sizeof name);
                    CHECK(strcmp(name, "Folder") == 0, "the item's type label is \"Folder\" (got %s)", name);
                    CHECK(item_info->lpVtbl->Release(item_info) == 0, "the item info is released to zero");
                }
                CHECK(again->lpVtbl->Release(again) == 0, "the item is released to zero");
            }
            CHECK(batch[i]->lpVtbl->Release(batch[i]) == 0, "item %u is released to zero", i);
        }
        CHECK(items->lpVtbl->Next(items, 1, batch, &fetched) == S_FALSE && fetched == 0 && batch[0] == NULL,
              "Next at the end gives S_FALSE, none fetched");
        CHECK(items->lpVtbl->Next(items, 1, NULL, &fetched) == E_INVALIDARG, "Next(1, NULL) gives E_INVALIDARG");
        CHECK(items->lpVtbl->Reset(items) == S_OK, "Reset");
        CHECK(items->lpVtbl->Skip(items, 2) == S_OK, "Skip(2) gives S_OK");
        IEnumSyncMgrSyncItems *copy = NULL;
        CHECK(items->lpVtbl->Clone(items, &copy) == S_OK && copy, "Clone");
        CHECK(items->lpVtbl->Skip(items, 2) == S_FALSE, "Skip past the end gives S_FALSE");
        if (copy) {
            CHECK(copy->lpVtbl->Next(copy, 1, batch, &fetched) == S_OK && fetched == 1 && batch[0],
                  "the clone kept the position: one item left");
            if (batch[0]) batch[0]->lpVtbl->Release(batch[0]);
            CHECK(copy->lpVtbl->Release(copy) == 0, "the clone is released to zero");
        }
        CHECK(items->lpVtbl->Release(items) == 0, "the enumerator is released to zero");
    }
    ISyncMgrSyncItem *none = (ISyncMgrSyncItem *)&none;
    CHECK(container->lpVtbl->GetSyncItem(container, w("{no such item}"), &none) == E_INVALIDARG && none == NULL,
          "an unknown item ID gives E_INVALIDARG and a null item");
    CHECK(container->lpVtbl->GetSyncItem(container, NULL, &none) == E_POINTER, "a null item ID gives E_POINTER");
    CHECK(container->lpVtbl->Release(container) == 1, "the container reference is released (the handler's stays)");
}

/* The IDs of the items, from the enumerator (braced GUIDs). */
static int item_ids(ISyncMgrHandler *handler, char ids[3][64]) {
    ISyncMgrSyncItemContainer *container = NULL;
    IEnumSyncMgrSyncItems *items = NULL;
    int n = 0;
    if (handler->lpVtbl->QueryInterface(handler, &IID_ISyncMgrSyncItemContainer, (void **)&container) != S_OK) return 0;
    if (container->lpVtbl->GetSyncItemEnumerator(container, &items) == S_OK) {
        ISyncMgrSyncItem *item = NULL;
        uint32_t fetched = 0;
        while (n < 3 && items->lpVtbl->Next(items, 1, &item, &fetched) == S_OK && fetched == 1) {
            uint16_t *text = NULL;
            item->lpVtbl->GetItemID(item, &text);
            take(text, ids[n++], 64);
            item->lpVtbl->Release(item);
        }
        items->lpVtbl->Release(items);
    }
    container->lpVtbl->Release(container);
    return n;
}

static void check_sync(ISyncMgrHandler *handler) {
    char ids[3][64];
    int n = item_ids(handler, ids);
    CHECK(n == 3, "three item IDs to synchronize");
    if (n != 3) return;
    const uint16_t *two[2];
    uint16_t id0[64], id1[64], id2[64];
    memcpy(id0, w(ids[0]), sizeof id0);
    memcpy(id1, w(ids[1]), sizeof id1);
    memcpy(id2, w(ids[2]), sizeof id2);
    Creator cr;
    Callback cb;

    /* Alpha and Beta: every file reported, both succeed. */
    reset(&cr, &cb);
    two[0] = id0;
    two[1] = id1;
    HRESULT hr = handler->lpVtbl->Synchronize(handler, two, 2, NULL, &cr.iface, NULL);
    CHECK(hr == S_OK, "Synchronize(Alpha, Beta) gives S_OK (got 0x%08x)", (unsigned)hr);
    CHECK(cr.sessions == 1 && cr.item_count == 2, "one session for the two items");
    CHECK(cr.handler_id[0] == '{', "the session names the handler (%s)", cr.handler_id);
    CHECK(cb.progress >= 6, "progress reported per file (%d reports)", cb.progress);
    CHECK(cb.succeeded == 2 && cb.failed_items == 0 && cb.cancelled == 0, "both items end SYNCMGR_PS_SUCCEEDED");
    CHECK(cb.bad_items == 0, "every report is about a session item, its step within its maximum");
    CHECK(cb.events == 0, "no events");
    CHECK(cb.refs == 1 && cr.refs == 1, "the handler released the callback and the creator");

    /* Gamma again, and Alpha: Alpha is already up to date. */
    reset(&cr, &cb);
    two[0] = id2;
    two[1] = id0;
    CHECK(handler->lpVtbl->Synchronize(handler, two, 2, NULL, &cr.iface, NULL) == S_OK && cb.succeeded == 2,
          "Synchronize(Gamma, Alpha) succeeds");

    /* An unknown item: an error event and SYNCMGR_PS_FAILED for it. */
    reset(&cr, &cb);
    two[0] = w("{00000000-0000-0000-0000-000000000000}");
    CHECK(handler->lpVtbl->Synchronize(handler, two, 1, NULL, &cr.iface, NULL) == S_OK
              && cb.failed_items == 1 && cb.events == 1,
          "an unknown item is reported failed, with an error event");

    /* The callback fails: the handler stops and returns the callback's error. */
    reset(&cr, &cb);
    cb.progress_result = E_FAIL;
    two[0] = id1;
    hr = handler->lpVtbl->Synchronize(handler, two, 1, NULL, &cr.iface, NULL);
    CHECK(hr == E_FAIL, "a failing ReportProgress makes Synchronize fail with its HRESULT (got 0x%08x)", (unsigned)hr);
    CHECK(cb.refs == 1, "the failing callback was released");

    /* The session creator succeeds without a callback: E_UNEXPECTED. */
    reset(&cr, &cb);
    cr.give_null = 1;
    CHECK(handler->lpVtbl->Synchronize(handler, two, 1, NULL, &cr.iface, NULL) == E_UNEXPECTED,
          "a session without a callback gives E_UNEXPECTED");

    /* CanContinue refuses Beta: Beta ends SYNCMGR_PS_CANCELED, Alpha succeeds. */
    reset(&cr, &cb);
    snprintf(cb.refuse, sizeof cb.refuse, "%s", ids[1]);
    two[0] = id0;
    two[1] = id1;
    CHECK(handler->lpVtbl->Synchronize(handler, two, 2, NULL, &cr.iface, NULL) == S_OK
              && cb.succeeded == 1 && cb.cancelled == 1,
          "an item CanContinue refuses ends SYNCMGR_PS_CANCELED, the other succeeds");

    /* Cancel everything at the first report, on a handler writing to CANCEL_DEST: every item
       ends SYNCMGR_PS_CANCELED. */
    const char *cancel_cookie = getenv("FOLDER_SYNC_CANCEL_COOKIE");
    CHECK(cancel_cookie != NULL, "FOLDER_SYNC_CANCEL_COOKIE is set");
    if (!cancel_cookie) return;
    set_env("FOLDER_SYNC_COOKIE", cancel_cookie);
    ISyncMgrHandler *cancelling = create_handler();
    CHECK(cancelling != NULL, "a second handler for the cancelled run");
    if (cancelling) {
        reset(&cr, &cb);
        cb.cancel_at_first = SYNCMGR_CR_CANCEL_ALL;
        const uint16_t *three[3] = {id0, id1, id2};
        hr = cancelling->lpVtbl->Synchronize(cancelling, three, 3, NULL, &cr.iface, NULL);
        CHECK(hr == S_OK, "a cancelled synchronization still gives S_OK");
        CHECK(cb.cancelled == 3 && cb.succeeded == 0, "all three items end SYNCMGR_PS_CANCELED (%d)", cb.cancelled);
        CHECK(cancelling->lpVtbl->Release(cancelling) == 0, "the second handler is released to zero");
    }

    /* Bad arguments, refused before the handler runs. */
    reset(&cr, &cb);
    CHECK(handler->lpVtbl->Synchronize(handler, NULL, 2, NULL, &cr.iface, NULL) == E_INVALIDARG,
          "a count without an ID array gives E_INVALIDARG");
    const uint16_t *with_null[2] = {id0, NULL};
    CHECK(handler->lpVtbl->Synchronize(handler, with_null, 2, NULL, &cr.iface, NULL) == E_POINTER,
          "a null ID in the array gives E_POINTER");
    CHECK(handler->lpVtbl->Synchronize(handler, two, 1, NULL, NULL, NULL) == E_POINTER,
          "a null session creator gives E_POINTER");
    CHECK(cr.sessions == 0, "no session was created for refused calls");

    /* A panic in the handler: E_UNEXPECTED, and the handler stays usable. */
    set_env("FOLDER_SYNC_FAULT", "panic");
    CHECK(handler->lpVtbl->Synchronize(handler, two, 1, NULL, &cr.iface, NULL) == E_UNEXPECTED,
          "a panic in Synchronize gives E_UNEXPECTED");
    unset_env("FOLDER_SYNC_FAULT");
    reset(&cr, &cb);
    two[0] = id0;
    CHECK(handler->lpVtbl->Synchronize(handler, two, 1, NULL, &cr.iface, NULL) == S_OK && cb.succeeded == 1,
          "after the panic the handler synchronizes again");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODULE\n", argv[0]);
        return 2;
    }
    void *module = load_module(argv[1]);
    if (!module) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], load_error());
        return 2;
    }
    DllCanUnloadNowFn can_unload_now;
    *(void **)&get_class_object = module_symbol(module, "DllGetClassObject");
    *(void **)&can_unload_now = module_symbol(module, "DllCanUnloadNow");
#ifdef _WIN32
    /* Windows' task allocator is ole32's. */
    *(void **)&task_free = module_symbol(load_module("ole32.dll"), "CoTaskMemFree");
#else
    /* Elsewhere every module built with mobsync-runtime exports one. */
    *(void **)&task_free = module_symbol(module, "CoTaskMemFree");
#endif
    CHECK(get_class_object && can_unload_now && task_free,
          "the module exports DllGetClassObject, DllCanUnloadNow and CoTaskMemFree");
    if (!get_class_object || !can_unload_now || !task_free) return 1;

    ClassFactory *factory = NULL;
    CHECK(get_class_object(&CLSID_FolderSyncCenter, &IID_ClassFactory, NULL) == E_POINTER,
          "DllGetClassObject with a null out-pointer gives E_POINTER");
    CHECK(get_class_object(&CLSID_FolderSyncCenter, &IID_ClassFactory, (void **)&factory) == S_OK && factory,
          "DllGetClassObject serves the Sync Center class");
    if (!factory) return 1;
    ISyncMgrHandler *handler = NULL;
    CHECK(factory->lpVtbl->CreateInstance(factory, NULL, &IID_ISyncMgrHandler, (void **)&handler) == S_OK && handler,
          "CreateInstance gives an ISyncMgrHandler");
    CHECK(factory->lpVtbl->Release(factory) == 0, "the factory is released to zero");
    if (!handler) return 1;

    uint16_t *name = NULL;
    char buffer[128];
    CHECK(handler->lpVtbl->GetName(handler, &name) == S_OK, "GetName succeeds");
    take(name, buffer, sizeof buffer);
    CHECK(strcmp(buffer, "Folder Sync (Sync Center)") == 0, "the name is \"Folder Sync (Sync Center)\" (got \"%s\")", buffer);
    CHECK(handler->lpVtbl->GetName(handler, NULL) == E_POINTER, "GetName(NULL) gives E_POINTER");
    SYNCMGR_HANDLER_CAPABILITIES caps = SYNCMGR_HCM_VALID_MASK;
    CHECK(handler->lpVtbl->GetCapabilities(handler, &caps) == S_OK && caps == SYNCMGR_HCM_NONE, "no capabilities");
    SYNCMGR_HANDLER_POLICIES policies;
    CHECK(handler->lpVtbl->GetPolicies(handler, &policies) == S_OK && policies == SYNCMGR_HPM_NONE, "no policies");
    CHECK(handler->lpVtbl->GetPolicies(handler, (SYNCMGR_HANDLER_POLICIES *)((char *)&policies + 2)) == E_INVALIDARG,
          "a misaligned out-pointer gives E_INVALIDARG");
    CHECK(handler->lpVtbl->Activate(handler, 1) == E_NOTIMPL, "Activate is optional: E_NOTIMPL");
    void *object = (void *)&object;
    CHECK(handler->lpVtbl->GetObject(handler, &SYNCMGR_OBJECTID_Icon, &IID_Unknown, &object) == E_NOTIMPL
              && object == NULL,
          "GetObject is optional: E_NOTIMPL and a null object");

    check_handler_info(handler);
    check_items(handler);
    check_sync(handler);

    CHECK(handler->lpVtbl->Release(handler) == 0, "the handler is released to zero");
    CHECK(can_unload_now() == S_OK, "DllCanUnloadNow gives S_OK once everything is released");

    return check_summary();
}
