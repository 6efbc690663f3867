/*
 * A C client of the folder-sync example's Sync Center handler, written against the header
 * generated from idl/syncmgr.idl (mobsync-runtime/include/syncmgr_rs.h), playing Sync Center's
 * part: it creates the handler through DllGetClassObject, reads its name and handler info,
 * enumerates its items, runs a synchronization with a session creator and an
 * ISyncMgrSyncCallback written in C, a cancelled one, and checks the documented HRESULTs for
 * null, misaligned and inconsistent pointers, a failing callback and a panic in the handler.
 * Then it makes a conflict (Gamma/one.txt changed on both sides, through the paths in
 * FOLDER_SYNC_CONFLICT_SOURCE and FOLDER_SYNC_CONFLICT_DEST), sees it reported, enumerates it
 * through the handler's ISyncMgrConflictStore, reads its ID, versions and name, binds it by ID,
 * and resolves it keeping both versions through an ISyncMgrConflictResolveInfo written in C,
 * with every reference balanced. Last it reads the events the synchronizations reported back
 * through the handler's ISyncMgrEventStore: enumerates them, reads every value, finds one by ID,
 * refuses null pointers and unknown IDs, and removes one.
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
    static uint32_t next_event_id = 42; /* distinct IDs, as Sync Center gives */
    ((Callback *)This)->events++;
    if (!event_id) return E_POINTER;
    memset(event_id, 0, sizeof *event_id);
    event_id->Data1 = next_event_id++;
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

/* ---- Conflicts ------------------------------------------------------------------------------ */

/* HRESULT_FROM_WIN32(ERROR_NOT_FOUND): an unknown conflict ID. */
#define E_CONFLICT_NOT_FOUND ((HRESULT)0x80070490u)
/* PKEY_ItemNameDisplay. */
static const PROPERTYKEY PKEY_NameDisplay = {{0xB725F130, 0x47EF, 0x101A, {0xA5, 0xF1, 0x02, 0x60, 0x8C, 0x9E, 0xEB, 0xAC}}, 10};

/* An ISyncMgrConflictResolveInfo written in C: the presenter's choice, as Sync Center records it. */
typedef struct ResolveInfo {
    ISyncMgrConflictResolveInfo iface;
    uint32_t refs;
    SYNCMGR_PRESENTER_CHOICE choice;
    uint32_t choices[4];
    uint32_t count;
    int asked; /* GetPresenterChoice calls */
} ResolveInfo;

static HRESULT SYNCMGR_RS_CALL ri_qi(ISyncMgrConflictResolveInfo *This, const GUID *riid, void **ppv) {
    if (!ppv) return E_POINTER;
    if (memcmp(riid, &IID_Unknown, sizeof(GUID)) == 0 || memcmp(riid, &IID_ISyncMgrConflictResolveInfo, sizeof(GUID)) == 0) {
        *ppv = This;
        This->lpVtbl->AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static uint32_t SYNCMGR_RS_CALL ri_addref(ISyncMgrConflictResolveInfo *This) { return ++((ResolveInfo *)This)->refs; }
static uint32_t SYNCMGR_RS_CALL ri_release(ISyncMgrConflictResolveInfo *This) { return --((ResolveInfo *)This)->refs; }
static HRESULT SYNCMGR_RS_CALL ri_iteration(ISyncMgrConflictResolveInfo *This, uint32_t *current, uint32_t *count, uint32_t *remaining) {
    (void)This;
    if (!current || !count || !remaining) return E_POINTER;
    *current = 1; *count = 1; *remaining = 0;
    return S_OK;
}
static HRESULT SYNCMGR_RS_CALL ri_get_next(ISyncMgrConflictResolveInfo *This, SYNCMGR_PRESENTER_NEXT_STEP *next) {
    (void)This;
    if (!next) return E_POINTER;
    *next = SYNCMGR_PNS_CONTINUE;
    return S_OK;
}
static HRESULT SYNCMGR_RS_CALL ri_get_choice(ISyncMgrConflictResolveInfo *This, SYNCMGR_PRESENTER_CHOICE *choice, int32_t *all) {
    ResolveInfo *ri = (ResolveInfo *)This;
    if (!choice || !all) return E_POINTER;
    ri->asked++;
    *choice = ri->choice;
    *all = 0;
    return S_OK;
}
static HRESULT SYNCMGR_RS_CALL ri_get_count(ISyncMgrConflictResolveInfo *This, uint32_t *count) {
    if (!count) return E_POINTER;
    *count = ((ResolveInfo *)This)->count;
    return S_OK;
}
static HRESULT SYNCMGR_RS_CALL ri_get_item(ISyncMgrConflictResolveInfo *This, uint32_t n, uint32_t *index) {
    ResolveInfo *ri = (ResolveInfo *)This;
    if (!index) return E_POINTER;
    if (n >= ri->count) return E_INVALIDARG;
    *index = ri->choices[n];
    return S_OK;
}
static HRESULT SYNCMGR_RS_CALL ri_set_next(ISyncMgrConflictResolveInfo *This, SYNCMGR_PRESENTER_NEXT_STEP next) { (void)This; (void)next; return S_OK; }
static HRESULT SYNCMGR_RS_CALL ri_set_choice(ISyncMgrConflictResolveInfo *This, SYNCMGR_PRESENTER_CHOICE choice, int32_t all) {
    (void)all;
    ((ResolveInfo *)This)->choice = choice;
    return S_OK;
}
static HRESULT SYNCMGR_RS_CALL ri_set_items(ISyncMgrConflictResolveInfo *This, uint32_t *indexes, uint32_t count) {
    ResolveInfo *ri = (ResolveInfo *)This;
    if (!indexes && count) return E_INVALIDARG;
    ri->count = count < 4 ? count : 4;
    for (uint32_t i = 0; i < ri->count; i++) ri->choices[i] = indexes[i];
    return S_OK;
}

static const ISyncMgrConflictResolveInfoVtbl resolve_info_vtbl = {
    ri_qi, ri_addref, ri_release, ri_iteration, ri_get_next, ri_get_choice, ri_get_count, ri_get_item,
    ri_set_next, ri_set_choice, ri_set_items,
};

static void resolve_info(ResolveInfo *ri, SYNCMGR_PRESENTER_CHOICE choice, uint32_t a, uint32_t b, uint32_t count) {
    memset(ri, 0, sizeof *ri);
    ri->iface.lpVtbl = &resolve_info_vtbl;
    ri->refs = 1;
    ri->choice = choice;
    ri->choices[0] = a;
    ri->choices[1] = b;
    ri->count = count;
}

/* A caller's SYNCMGR_CONFLICT_ID_INFO blob: the size, then the bytes (4-byte aligned). */
typedef struct IdBlob {
    uint32_t clSize;
    char data[60];
} IdBlob;

static void id_blob(IdBlob *blob, const char *id) {
    memset(blob, 0, sizeof *blob);
    blob->clSize = (uint32_t)strlen(id);
    memcpy(blob->data, id, blob->clSize);
}

/* Reads a task-allocated BYTE_BLOB as text and frees it; "" for null. */
static void take_blob(BYTE_BLOB *blob, char *out, size_t size) {
    out[0] = 0;
    if (!blob) return;
    size_t n = blob->clSize < size - 1 ? blob->clSize : size - 1;
    memcpy(out, blob->abData, n);
    out[n] = 0;
    task_free(blob);
}

static int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static int file_is(const char *path, const char *text) {
    char buffer[128] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buffer, 1, sizeof buffer - 1, f);
    fclose(f);
    buffer[n] = 0;
    return strcmp(buffer, text) == 0;
}

/* The one conflict's checks: ID, versions, name, resolution handler. */
static void check_conflict(ISyncMgrConflict *conflict) {
    SYNCMGR_CONFLICT_ID_INFO info = {0};
    char text[128];
    CHECK(conflict->lpVtbl->GetConflictIdInfo(conflict, &info) == S_OK && info.pblobID && info.pblobExtra,
          "GetConflictIdInfo gives both blobs");
    uint32_t extra = info.pblobExtra ? info.pblobExtra->clSize : 99;
    take_blob(info.pblobID, text, sizeof text);
    take_blob(info.pblobExtra, text + 64, 64);
    CHECK(strcmp(text, "Gamma/one.txt") == 0 && extra == 0, "the conflict ID is Gamma/one.txt (got %s)", text);
    CHECK(conflict->lpVtbl->GetConflictIdInfo(conflict, NULL) == E_POINTER, "GetConflictIdInfo(NULL) gives E_POINTER");

    ISyncMgrConflictItems *items = NULL;
    CHECK(conflict->lpVtbl->GetItemsArray(conflict, &items) == S_OK && items, "GetItemsArray");
    if (items) {
        uint32_t count = 0;
        CHECK(items->lpVtbl->GetCount(items, &count) == S_OK && count == 2, "two versions (got %u)", count);
        const char *where[2] = {"Source", "Backup"};
        for (uint32_t i = 0; i < 2; i++) {
            CONFIRM_CONFLICT_ITEM item;
            memset(&item, 0xAB, sizeof item);
            CHECK(items->lpVtbl->GetItem(items, i, &item) == S_OK, "GetItem(%u)", i);
            CHECK(item.pShellItem == NULL, "version %u has no Shell item on this platform", i);
            CHECK(item.nType == SYNCMGR_CIT_UPDATED, "version %u was updated", i);
            take(item.pszOriginalName, text, sizeof text);
            CHECK(strcmp(text, "one.txt") == 0, "version %u is one.txt (got %s)", i, text);
            take(item.pszLocationShort, text, sizeof text);
            CHECK(strcmp(text, where[i]) == 0, "version %u is in the %s (got %s)", i, where[i], text);
            take(item.pszLocationFull, text, sizeof text);
            CHECK(strstr(text, "one.txt") != NULL, "version %u's full location is a path (%s)", i, text);
            take(item.pszAlternateName, text, sizeof text);
            CHECK(strcmp(text, i == 0 ? "" : "one (backup).txt") == 0, "version %u's alternate name (%s)", i, text);
        }
        CONFIRM_CONFLICT_ITEM none;
        CHECK(items->lpVtbl->GetItem(items, 2, &none) == E_INVALIDARG, "GetItem past the versions gives E_INVALIDARG");
        CHECK(items->lpVtbl->GetItem(items, 0, NULL) == E_POINTER, "GetItem(0, NULL) gives E_POINTER");
        CHECK(items->lpVtbl->Release(items) == 0, "the versions are released to zero");
    }

    tagPROPVARIANT value;
    memset(&value, 0, sizeof value);
    CHECK(conflict->lpVtbl->GetProperty(conflict, &PKEY_NameDisplay, &value) == S_OK && value.vt == 31,
          "GetProperty(PKEY_ItemNameDisplay) gives a VT_LPWSTR");
    if (value.vt == 31) {
        take(value.pwszVal, text, sizeof text);
        CHECK(strcmp(text, "one.txt") == 0, "the conflict's name is one.txt (got %s)", text);
    }
    CHECK(conflict->lpVtbl->GetProperty(conflict, NULL, &value) == E_POINTER, "GetProperty(NULL) gives E_POINTER");

    ISyncMgrResolutionHandler *resolution = NULL;
    CHECK(conflict->lpVtbl->GetResolutionHandler(conflict, &IID_ISyncMgrResolutionHandler, (void **)&resolution) == S_OK
              && resolution,
          "GetResolutionHandler gives an ISyncMgrResolutionHandler");
    if (resolution) {
        uint32_t abilities = 0;
        CHECK(resolution->lpVtbl->QueryAbilities(resolution, &abilities) == S_OK
                  && abilities == (SYNCMGR_RA_KEEP_SINGLE | SYNCMGR_RA_KEEP_MULTIPLE),
              "it offers keeping one version or several (0x%x)", abilities);
        SYNCMGR_RESOLUTION_FEEDBACK feedback;
        CHECK(resolution->lpVtbl->KeepOther(resolution, NULL, &feedback) == E_NOTIMPL, "KeepOther gives E_NOTIMPL");
        CHECK(resolution->lpVtbl->KeepRecent(resolution, NULL) == E_POINTER, "KeepRecent(NULL) gives E_POINTER");
        CHECK(resolution->lpVtbl->Release(resolution) == 0, "the resolution handler is released to zero");
    }
}

static void check_conflicts(ISyncMgrHandler *handler) {
    const char *source_file = getenv("FOLDER_SYNC_CONFLICT_SOURCE");
    const char *dest_file = getenv("FOLDER_SYNC_CONFLICT_DEST");
    CHECK(source_file && dest_file, "FOLDER_SYNC_CONFLICT_SOURCE and _DEST are set");
    if (!source_file || !dest_file) return;
    const uint16_t *handler_id = w("{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}");
    uint16_t hid[64];
    memcpy(hid, handler_id, sizeof hid);

    SYNCMGR_HANDLER_CAPABILITIES caps = 0;
    CHECK(handler->lpVtbl->GetCapabilities(handler, &caps) == S_OK && (caps & SYNCMGR_HCM_CONFLICT_STORE),
          "the handler has a conflict store (SYNCMGR_HCM_CONFLICT_STORE)");
    ISyncMgrConflictStore *store = NULL;
    CHECK(handler->lpVtbl->GetObject(handler, &SYNCMGR_OBJECTID_ConflictStore, &IID_ISyncMgrConflictStore, (void **)&store)
              == S_OK && store,
          "GetObject(SYNCMGR_OBJECTID_ConflictStore) gives it");
    if (!store) return;
    uint32_t count = 99;
    CHECK(store->lpVtbl->GetCount(store, hid, NULL, &count) == S_OK && count == 0, "no conflicts yet (%u)", count);
    CHECK(store->lpVtbl->GetCount(store, NULL, NULL, &count) == E_POINTER, "GetCount without a handler ID gives E_POINTER");
    CHECK(store->lpVtbl->GetCount(store, hid, NULL, NULL) == E_POINTER, "GetCount(..., NULL) gives E_POINTER");

    /* Both sides change; the next synchronization reports the conflict and does not overwrite. */
    CHECK(write_file(source_file, "1, edited in the source") && write_file(dest_file, "1, edited in the backup copy"),
          "Gamma/one.txt changed on both sides");
    char ids[3][64];
    CHECK(item_ids(handler, ids) == 3, "the item IDs again");
    uint16_t gamma[64];
    memcpy(gamma, w(ids[2]), sizeof gamma);
    const uint16_t *one[1] = {gamma};
    Creator cr;
    Callback cb;
    reset(&cr, &cb);
    CHECK(handler->lpVtbl->Synchronize(handler, one, 1, NULL, &cr.iface, NULL) == S_OK && cb.succeeded == 1
              && cb.events == 1,
          "Synchronize(Gamma) succeeds and reports the conflict as an event (%d events)", cb.events);
    CHECK(file_is(dest_file, "1, edited in the backup copy"), "the backup's version was not overwritten");

    CHECK(store->lpVtbl->GetCount(store, hid, NULL, &count) == S_OK && count == 1, "one conflict (%u)", count);
    CHECK(store->lpVtbl->GetCount(store, hid, gamma, &count) == S_OK && count == 1, "one conflict of Gamma (%u)", count);
    CHECK(store->lpVtbl->GetCount(store, w("{another handler}"), NULL, &count) == S_OK && count == 0,
          "none for another handler ID");

    IEnumSyncMgrConflict *conflicts = NULL;
    CHECK(store->lpVtbl->EnumConflicts(store, hid, NULL, &conflicts) == S_OK && conflicts, "EnumConflicts");
    CHECK(store->lpVtbl->EnumConflicts(store, hid, NULL, NULL) == E_POINTER, "EnumConflicts(..., NULL) gives E_POINTER");
    if (conflicts) {
        ISyncMgrConflict *batch[2] = {0};
        uint32_t fetched = 99;
        CHECK(conflicts->lpVtbl->Next(conflicts, 2, batch, &fetched) == S_FALSE && fetched == 1 && batch[0] && !batch[1],
              "Next(2) gives S_FALSE with the one conflict");
        if (batch[0]) {
            check_conflict(batch[0]);
            CHECK(batch[0]->lpVtbl->Release(batch[0]) == 0, "the enumerated conflict is released to zero");
        }
        CHECK(conflicts->lpVtbl->Next(conflicts, 1, NULL, &fetched) == E_INVALIDARG, "Next(1, NULL) gives E_INVALIDARG");
        CHECK(conflicts->lpVtbl->Release(conflicts) == 0, "the conflict enumerator is released to zero");
    }

    /* Binding by ID: the conflict; an unknown ID, a null info and a misaligned blob refused. */
    IdBlob blob;
    SYNCMGR_CONFLICT_ID_INFO info = {(BYTE_BLOB *)&blob, NULL};
    ISyncMgrConflict *conflict = (ISyncMgrConflict *)&info;
    id_blob(&blob, "Gamma/nope.txt");
    CHECK(store->lpVtbl->BindToConflict(store, &info, &IID_ISyncMgrConflict, (void **)&conflict) == E_CONFLICT_NOT_FOUND
              && conflict == NULL,
          "an unknown conflict ID gives HRESULT_FROM_WIN32(ERROR_NOT_FOUND) and a null conflict");
    CHECK(store->lpVtbl->BindToConflict(store, NULL, &IID_ISyncMgrConflict, (void **)&conflict) == E_POINTER,
          "BindToConflict(NULL) gives E_POINTER");
    SYNCMGR_CONFLICT_ID_INFO misaligned = {(BYTE_BLOB *)((char *)&blob + 1), NULL};
    CHECK(store->lpVtbl->BindToConflict(store, &misaligned, &IID_ISyncMgrConflict, (void **)&conflict) == E_INVALIDARG,
          "a misaligned ID blob gives E_INVALIDARG");
    id_blob(&blob, "Gamma/one.txt");
    CHECK(store->lpVtbl->BindToConflict(store, &info, &IID_ISyncMgrConflict, (void **)&conflict) == S_OK && conflict,
          "BindToConflict finds Gamma/one.txt");
    if (conflict) {
        ResolveInfo ri;
        CHECK(conflict->lpVtbl->Resolve(conflict, NULL) == E_POINTER, "Resolve(NULL) gives E_POINTER");
        resolve_info(&ri, SYNCMGR_PC_KEEP_ONE, 7, 0, 1);
        CHECK(conflict->lpVtbl->Resolve(conflict, &ri.iface) == E_INVALIDARG && ri.refs == 1,
              "keeping a version that does not exist gives E_INVALIDARG");
        resolve_info(&ri, SYNCMGR_PC_SKIP, 0, 0, 0);
        CHECK(conflict->lpVtbl->Resolve(conflict, &ri.iface) == S_OK && ri.asked == 1,
              "SYNCMGR_PC_SKIP leaves the conflict");
        CHECK(file_is(dest_file, "1, edited in the backup copy"), "skipping changed nothing");
        resolve_info(&ri, SYNCMGR_PC_KEEP_MULTIPLE, 0, 1, 2);
        CHECK(conflict->lpVtbl->Resolve(conflict, &ri.iface) == S_OK, "Resolve keeping both versions");
        CHECK(ri.refs == 1, "the resolve info's references are balanced (%u)", ri.refs);
        CHECK(file_is(dest_file, "1, edited in the source"), "the source's version was copied over");
        CHECK(conflict->lpVtbl->Release(conflict) == 0, "the bound conflict is released to zero");
    }
    CHECK(store->lpVtbl->GetCount(store, hid, NULL, &count) == S_OK && count == 0, "no conflicts left (%u)", count);
    CHECK(store->lpVtbl->Release(store) == 0, "the conflict store is released to zero");

    ISyncMgrConflictStore *same = NULL;
    CHECK(handler->lpVtbl->QueryInterface(handler, &IID_ISyncMgrConflictStore, (void **)&same) == S_OK && same,
          "the handler object answers ISyncMgrConflictStore too");
    if (same) {
        CHECK(same->lpVtbl->GetCount(same, hid, NULL, &count) == S_OK && count == 0, "and counts none");
        CHECK(same->lpVtbl->Release(same) == 1, "its reference is released (the handler's stays)");
    }
}

/* ---- Events -------------------------------------------------------------------------------- */

/* Reads one event's values; counts its level in `levels` (index SYNCMGR_EL_*). */
static void check_event(ISyncMgrEvent *event, GUID *id, int levels[4]) {
    char text[512];
    uint16_t *out = NULL;
    CHECK(event->lpVtbl->GetEventID(event, id) == S_OK && id->Data1 >= 42, "GetEventID gives the ID ReportEvent returned");
    CHECK(event->lpVtbl->GetEventID(event, NULL) == E_POINTER, "GetEventID(NULL) gives E_POINTER");
    SYNCMGR_EVENT_LEVEL level = 99;
    CHECK(event->lpVtbl->GetLevel(event, &level) == S_OK && level >= 1 && level <= 3, "GetLevel (%d)", (int)level);
    if (level >= 1 && level <= 3) levels[level]++;
    SYNCMGR_EVENT_FLAGS flags = 99;
    CHECK(event->lpVtbl->GetFlags(event, &flags) == S_OK && flags == 0, "GetFlags gives none");
    FILETIME time = {0, 0};
    CHECK(event->lpVtbl->GetTime(event, &time) == S_OK && time.dwHighDateTime != 0, "GetTime gives a time");
    CHECK(event->lpVtbl->GetHandlerID(event, &out) == S_OK, "GetHandlerID");
    take(out, text, sizeof text);
    CHECK(strcmp(text, "{7D1E5A40-2C8B-4F6E-9A31-5B0C4E2F8A17}") == 0, "the handler ID is the CLSID in braces (%s)", text);
    CHECK(event->lpVtbl->GetItemID(event, &out) == S_OK, "GetItemID");
    take(out, text, sizeof text);
    CHECK(text[0] == '{', "the event names its item (%s)", text);
    CHECK(event->lpVtbl->GetName(event, &out) == S_OK, "GetName");
    take(out, text, sizeof text);
    CHECK(strcmp(text, "Unknown item") == 0 || strcmp(text, "Conflict") == 0, "the name is one reported (%s)", text);
    CHECK(event->lpVtbl->GetDescription(event, &out) == S_OK, "GetDescription");
    take(out, text, sizeof text);
    CHECK(text[0] != 0, "a description");
    CHECK(event->lpVtbl->GetLinkText(event, &out) == S_OK, "GetLinkText");
    take(out, text, sizeof text);
    CHECK(text[0] == 0, "no link: an empty link text");
    CHECK(event->lpVtbl->GetContext(event, NULL) == E_POINTER, "GetContext(NULL) gives E_POINTER");
}

static void check_events(ISyncMgrHandler *handler) {
    ISyncMgrEventStore *store = NULL;
    CHECK(handler->lpVtbl->GetObject(handler, &SYNCMGR_OBJECTID_EventStore, &IID_ISyncMgrEventStore, (void **)&store)
              == S_OK && store,
          "GetObject(SYNCMGR_OBJECTID_EventStore) gives the event store");
    if (!store) return;
    uint32_t count = 99;
    /* The unknown item's error event and the conflict's warning. */
    CHECK(store->lpVtbl->GetEventCount(store, &count) == S_OK && count == 2, "the two events reported are kept (%u)", count);
    CHECK(store->lpVtbl->GetEventCount(store, NULL) == E_POINTER, "GetEventCount(NULL) gives E_POINTER");
    CHECK(store->lpVtbl->GetEventEnumerator(store, NULL) == E_POINTER, "GetEventEnumerator(NULL) gives E_POINTER");
    IEnumSyncMgrEvents *events = NULL;
    CHECK(store->lpVtbl->GetEventEnumerator(store, &events) == S_OK && events, "GetEventEnumerator");
    GUID ids[2];
    memset(ids, 0, sizeof ids);
    int levels[4] = {0, 0, 0, 0};
    if (events) {
        ISyncMgrEvent *batch[3] = {0};
        uint32_t fetched = 99;
        CHECK(events->lpVtbl->Next(events, 3, batch, &fetched) == S_FALSE && fetched == 2 && batch[0] && batch[1] && !batch[2],
              "Next(3) gives S_FALSE with the two events (%u)", fetched);
        for (uint32_t i = 0; i < fetched && i < 2; i++) {
            check_event(batch[i], &ids[i], levels);
            CHECK(batch[i]->lpVtbl->Release(batch[i]) == 0, "the enumerated event is released to zero");
        }
        CHECK(memcmp(&ids[0], &ids[1], sizeof(GUID)) != 0, "the two events have distinct IDs");
        CHECK(events->lpVtbl->Next(events, 1, NULL, &fetched) == E_INVALIDARG, "Next(1, NULL) gives E_INVALIDARG");
        CHECK(events->lpVtbl->Reset(events) == S_OK && events->lpVtbl->Skip(events, 1) == S_OK, "Reset, then Skip(1)");
        IEnumSyncMgrEvents *copy = NULL;
        CHECK(events->lpVtbl->Clone(events, &copy) == S_OK && copy, "Clone");
        if (copy) {
            CHECK(copy->lpVtbl->Skip(copy, 2) == S_FALSE, "the clone, at the same position, has one event left");
            CHECK(copy->lpVtbl->Release(copy) == 0, "the clone is released to zero");
        }
        CHECK(events->lpVtbl->Release(events) == 0, "the event enumerator is released to zero");
    }
    CHECK(levels[SYNCMGR_EL_ERROR] == 1 && levels[SYNCMGR_EL_WARNING] == 1,
          "one error (the unknown item) and one warning (the conflict)");

    /* By ID: the event; an unknown ID, a null ID and a null out-pointer refused. */
    GUID unknown = {0x12345678, 0x1234, 0x1234, {1, 2, 3, 4, 5, 6, 7, 8}};
    ISyncMgrEvent *event = (ISyncMgrEvent *)&unknown;
    CHECK(store->lpVtbl->GetEvent(store, &unknown, &event) == E_CONFLICT_NOT_FOUND && event == NULL,
          "an unknown event ID gives HRESULT_FROM_WIN32(ERROR_NOT_FOUND) and a null event");
    CHECK(store->lpVtbl->GetEvent(store, NULL, &event) == E_POINTER, "GetEvent(NULL, ...) gives E_POINTER");
    CHECK(store->lpVtbl->GetEvent(store, &ids[0], NULL) == E_POINTER, "GetEvent(..., NULL) gives E_POINTER");
    CHECK(store->lpVtbl->GetEvent(store, &ids[0], &event) == S_OK && event, "GetEvent finds the first event by its ID");
    if (event) {
        GUID id;
        CHECK(event->lpVtbl->GetEventID(event, &id) == S_OK && memcmp(&id, &ids[0], sizeof id) == 0, "the same event");
        CHECK(event->lpVtbl->Release(event) == 0, "the event is released to zero");
    }

    /* Removing: all the IDs or none. */
    CHECK(store->lpVtbl->RemoveEvent(store, NULL, 1) == E_INVALIDARG, "RemoveEvent(NULL, 1) gives E_INVALIDARG");
    GUID some[2] = {ids[0], unknown};
    CHECK(store->lpVtbl->RemoveEvent(store, some, 2) == E_CONFLICT_NOT_FOUND
              && store->lpVtbl->GetEventCount(store, &count) == S_OK && count == 2,
          "an unknown ID among them removes none (%u left)", count);
    CHECK(store->lpVtbl->RemoveEvent(store, ids, 1) == S_OK && store->lpVtbl->GetEventCount(store, &count) == S_OK
              && count == 1,
          "RemoveEvent removes the first (%u left)", count);
    CHECK(store->lpVtbl->Release(store) == 0, "the event store is released to zero");

    ISyncMgrEventStore *same = NULL;
    CHECK(handler->lpVtbl->QueryInterface(handler, &IID_ISyncMgrEventStore, (void **)&same) == S_OK && same,
          "the handler object answers ISyncMgrEventStore too");
    if (same) {
        CHECK(same->lpVtbl->GetEventCount(same, &count) == S_OK && count == 1, "and sees the one left (%u)", count);
        CHECK(same->lpVtbl->Release(same) == 1, "its reference is released (the handler's stays)");
    }
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
    CHECK(handler->lpVtbl->GetCapabilities(handler, &caps) == S_OK
              && caps == (SYNCMGR_HCM_CONFLICT_STORE | SYNCMGR_HCM_EVENT_STORE),
          "its capabilities are a conflict store and an event store");
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
    check_conflicts(handler);
    check_events(handler);

    CHECK(handler->lpVtbl->Release(handler) == 0, "the handler is released to zero");
    CHECK(can_unload_now() == S_OK, "DllCanUnloadNow gives S_OK once everything is released");

    return check_summary();
}
