/*
 * A Sync Manager client written in C, playing Sync Manager's part against the folder-sync example
 * handler through the C header generated from idl/mobsync.idl (mobsync-runtime/include/mobsync_rs.h).
 *
 * usage: client_folder_sync HANDLER.so SOURCE_DIR DEST_DIR CANCEL_DEST_DIR
 *
 * It dlopen()s the handler module, gets its class factory from DllGetClassObject, creates the
 * handler, and runs the whole protocol with a callback object implemented here in C:
 * Initialize (with a `source=...;dest=...` cookie) -> GetHandlerInfo -> EnumSyncMgrItems/Next ->
 * SetProgressCallback -> PrepareForSync -> PrepareForSyncCompleted -> Synchronize ->
 * SynchronizeCompleted. A second handler instance, syncing to CANCEL_DEST_DIR, is then cancelled
 * through Progress (S_SYNCMGR_CANCELALL) at its first report. Finally every object is released and DllCanUnloadNow must say S_OK.
 * The Rust test (tests/tests/c_client.rs) checks the copied files.
 *
 * Prints one line per check and ends with "N passed, M failed"; exits 0 only if all passed.
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "mobsync_rs.h"
#define COM_CHECK_CALL MOBSYNC_RS_CALL
#include "com_check.h"

/* {632306B6-690C-48C1-AB87-953A6833A855} */
static const GUID CLSID_FolderSync = {0x632306B6, 0x690C, 0x48C1, {0xAB, 0x87, 0x95, 0x3A, 0x68, 0x33, 0xA8, 0x55}};
typedef void (MOBSYNC_RS_CALL *CoTaskMemFreeFn)(void *);

#define MAX_ITEMS 16

/* ------------------------------------------------------------------------------------------ */
/* The callback object                                                                         */
/* ------------------------------------------------------------------------------------------ */

typedef struct Callback {
    ISyncMgrSynchronizeCallback iface; /* first: the interface pointer is the object pointer */
    long refs;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int prepare_completed, sync_completed; /* how many times each was called */
    HRESULT prepare_hr, sync_hr;
    int cancel_all;                       /* answer Progress with S_SYNCMGR_CANCELALL */
    int nitems;
    GUID ids[MAX_ITEMS];
    int progress_calls[MAX_ITEMS];
    uint32_t last_status[MAX_ITEMS];
    int last_value[MAX_ITEMS], last_max[MAX_ITEMS];
    int unknown_item_progress, bad_progress_struct, errors_logged;
} Callback;

static Callback *from_iface(ISyncMgrSynchronizeCallback *This) { return (Callback *)This; }

static int guid_eq(const GUID *a, const GUID *b) { return memcmp(a, b, sizeof(GUID)) == 0; }

static HRESULT MOBSYNC_RS_CALL cb_QueryInterface(ISyncMgrSynchronizeCallback *This, const GUID *riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (guid_eq(riid, &IID_Unknown) || guid_eq(riid, &IID_ISyncMgrSynchronizeCallback)) {
        *ppv = This;
        This->lpVtbl->AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static uint32_t MOBSYNC_RS_CALL cb_AddRef(ISyncMgrSynchronizeCallback *This)
{
    return (uint32_t)__atomic_add_fetch(&from_iface(This)->refs, 1, __ATOMIC_RELAXED);
}

static uint32_t MOBSYNC_RS_CALL cb_Release(ISyncMgrSynchronizeCallback *This)
{
    /* The object lives on main's stack; it is never freed here, the count is only checked. */
    return (uint32_t)__atomic_sub_fetch(&from_iface(This)->refs, 1, __ATOMIC_ACQ_REL);
}

static HRESULT MOBSYNC_RS_CALL cb_ShowPropertiesCompleted(ISyncMgrSynchronizeCallback *This, HRESULT hr)
{
    (void)This; (void)hr;
    return S_OK;
}

static HRESULT complete(Callback *cb, int *count, HRESULT *slot, HRESULT hr)
{
    pthread_mutex_lock(&cb->lock);
    (*count)++;
    *slot = hr;
    pthread_cond_broadcast(&cb->changed);
    pthread_mutex_unlock(&cb->lock);
    return S_OK;
}

static HRESULT MOBSYNC_RS_CALL cb_PrepareForSyncCompleted(ISyncMgrSynchronizeCallback *This, HRESULT hr)
{
    Callback *cb = from_iface(This);
    return complete(cb, &cb->prepare_completed, &cb->prepare_hr, hr);
}

static HRESULT MOBSYNC_RS_CALL cb_SynchronizeCompleted(ISyncMgrSynchronizeCallback *This, HRESULT hr)
{
    Callback *cb = from_iface(This);
    return complete(cb, &cb->sync_completed, &cb->sync_hr, hr);
}

static HRESULT MOBSYNC_RS_CALL cb_ShowErrorCompleted(ISyncMgrSynchronizeCallback *This, HRESULT hr, uint32_t n, SYNCMGRITEMID *ids)
{
    (void)This; (void)hr; (void)n; (void)ids;
    return S_OK;
}

static HRESULT MOBSYNC_RS_CALL cb_EnableModeless(ISyncMgrSynchronizeCallback *This, int32_t enable)
{
    (void)This; (void)enable;
    return S_OK;
}

static HRESULT MOBSYNC_RS_CALL cb_Progress(ISyncMgrSynchronizeCallback *This, REFSYNCMGRITEMID item, LPSYNCMGRPROGRESSITEM p)
{
    Callback *cb = from_iface(This);
    HRESULT answer = S_OK;
    if (!item || !p)
        return E_POINTER;
    pthread_mutex_lock(&cb->lock);
    if (p->cbSize != sizeof(SYNCMGRPROGRESSITEM)) {
        cb->bad_progress_struct++;
        pthread_mutex_unlock(&cb->lock);
        return E_INVALIDARG;
    }
    int i;
    for (i = 0; i < cb->nitems && !guid_eq(item, &cb->ids[i]); i++)
        ;
    if (i == cb->nitems) {
        cb->unknown_item_progress++;
    } else {
        cb->progress_calls[i]++;
        if (p->mask & SYNCMGRPROGRESSITEM_STATUSTYPE)
            cb->last_status[i] = p->dwStatusType;
        if (p->mask & SYNCMGRPROGRESSITEM_PROGVALUE)
            cb->last_value[i] = p->iProgValue;
        if (p->mask & SYNCMGRPROGRESSITEM_MAXVALUE)
            cb->last_max[i] = p->iMaxValue;
    }
    if (cb->cancel_all)
        answer = S_SYNCMGR_CANCELALL;
    pthread_mutex_unlock(&cb->lock);
    return answer;
}

static HRESULT MOBSYNC_RS_CALL cb_LogError(ISyncMgrSynchronizeCallback *This, uint32_t level, const uint16_t *text, LPSYNCMGRLOGERRORINFO info)
{
    Callback *cb = from_iface(This);
    (void)level; (void)text; (void)info;
    pthread_mutex_lock(&cb->lock);
    cb->errors_logged++;
    pthread_mutex_unlock(&cb->lock);
    return S_OK;
}

static HRESULT MOBSYNC_RS_CALL cb_DeleteLogError(ISyncMgrSynchronizeCallback *This, REFSYNCMGRERRORID id, uint32_t reserved)
{
    (void)This; (void)id; (void)reserved;
    return S_OK;
}

static HRESULT MOBSYNC_RS_CALL cb_EstablishConnection(ISyncMgrSynchronizeCallback *This, const uint16_t *name, uint32_t reserved)
{
    (void)This; (void)name; (void)reserved;
    return S_OK;
}

static const ISyncMgrSynchronizeCallbackVtbl callback_vtbl = {
    cb_QueryInterface,          cb_AddRef,          cb_Release,
    cb_ShowPropertiesCompleted, cb_PrepareForSyncCompleted, cb_SynchronizeCompleted,
    cb_ShowErrorCompleted,      cb_EnableModeless,  cb_Progress,
    cb_LogError,                cb_DeleteLogError,  cb_EstablishConnection,
};

static void callback_init(Callback *cb)
{
    memset(cb, 0, sizeof *cb);
    cb->iface.lpVtbl = &callback_vtbl;
    cb->refs = 1;
    pthread_mutex_init(&cb->lock, NULL);
    pthread_cond_init(&cb->changed, NULL);
}

/* Waits until *count becomes nonzero (at most 30 s). Returns the count. */
static int wait_for(Callback *cb, int *count)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&cb->lock);
    while (*count == 0) {
        if (pthread_cond_timedwait(&cb->changed, &cb->lock, &until) == ETIMEDOUT)
            break;
    }
    int n = *count;
    pthread_mutex_unlock(&cb->lock);
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* The protocol                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void utf16_to_ascii(const uint16_t *w, char *out, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n && w[i]; i++)
        out[i] = w[i] < 128 ? (char)w[i] : '?';
    out[i] = 0;
}

static ISyncMgrSynchronize *create_handler(ClassFactory *factory)
{
    void *obj = NULL;
    HRESULT hr = factory->lpVtbl->CreateInstance(factory, NULL, &IID_ISyncMgrSynchronize, &obj);
    CHECK(hr == S_OK && obj != NULL, "CreateInstance(IID_ISyncMgrSynchronize) -> 0x%08X", (unsigned)hr);
    return (ISyncMgrSynchronize *)obj;
}

/* Initialize + enumerate into cb->ids; returns the number of items. */
static int initialize_and_enumerate(ISyncMgrSynchronize *h, Callback *cb, const char *cookie, char names[][MAX_SYNCMGRITEMNAME])
{
    HRESULT hr = h->lpVtbl->Initialize(h, 0, SYNCMGRFLAG_MANUAL, (uint32_t)strlen(cookie), (const uint8_t *)cookie);
    CHECK(hr == S_OK, "Initialize(MANUAL, cookie) -> 0x%08X", (unsigned)hr);

    ISyncMgrEnumItems *en = NULL;
    hr = h->lpVtbl->EnumSyncMgrItems(h, &en);
    CHECK(hr == S_OK && en != NULL, "EnumSyncMgrItems -> 0x%08X", (unsigned)hr);
    if (!en)
        return 0;
    SYNCMGRITEM items[MAX_ITEMS];
    uint32_t fetched = 0;
    hr = en->lpVtbl->Next(en, MAX_ITEMS, items, &fetched);
    CHECK(hr == S_FALSE, "Next(%d) returns S_FALSE when fewer are left -> 0x%08X, %u fetched", MAX_ITEMS, (unsigned)hr, (unsigned)fetched);
    cb->nitems = (int)fetched;
    for (uint32_t i = 0; i < fetched; i++) {
        CHECK(items[i].cbSize == sizeof(SYNCMGRITEM), "item %u cbSize %u", (unsigned)i, (unsigned)items[i].cbSize);
        cb->ids[i] = items[i].ItemID;
        utf16_to_ascii(items[i].wszItemName, names[i], MAX_SYNCMGRITEMNAME);
    }
    /* The enumerator contract: Reset, then Next(1) with a null pceltFetched is allowed. */
    hr = en->lpVtbl->Reset(en);
    CHECK(hr == S_OK, "Reset -> 0x%08X", (unsigned)hr);
    hr = en->lpVtbl->Next(en, 1, items, NULL);
    CHECK(hr == S_OK && guid_eq(&items[0].ItemID, &cb->ids[0]), "Next(1, NULL) after Reset gives the first item again -> 0x%08X", (unsigned)hr);
    hr = en->lpVtbl->Next(en, 2, items, NULL);
    CHECK(hr == E_INVALIDARG || hr == E_POINTER, "Next(2) with a null pceltFetched is refused -> 0x%08X", (unsigned)hr);
    CHECK(en->lpVtbl->Release(en) == 0, "the enumerator is freed by its last Release");
    return (int)fetched;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s HANDLER.so SOURCE DEST CANCEL_DEST\n", argv[0]);
        return 2;
    }
    void *module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    /* POSIX's way to turn dlsym's object pointer into a function pointer. */
    DllGetClassObjectFn get_class_object;
    DllCanUnloadNowFn can_unload_now;
    CoTaskMemFreeFn task_free;
    *(void **)&get_class_object = dlsym(module, "DllGetClassObject");
    *(void **)&can_unload_now = dlsym(module, "DllCanUnloadNow");
    *(void **)&task_free = dlsym(module, "CoTaskMemFree");
    CHECK(get_class_object && can_unload_now && task_free, "the module exports DllGetClassObject, DllCanUnloadNow, CoTaskMemFree");
    if (!get_class_object || !can_unload_now || !task_free)
        return 1;

    char cookie[4096];
    snprintf(cookie, sizeof cookie, "source=%s;dest=%s", argv[2], argv[3]);

    ClassFactory *factory = NULL;
    HRESULT hr = get_class_object(&CLSID_FolderSync, &IID_ClassFactory, (void **)&factory);
    CHECK(hr == S_OK && factory, "DllGetClassObject(CLSID_FolderSync) -> 0x%08X", (unsigned)hr);
    if (!factory)
        return 1;
    GUID other = CLSID_FolderSync;
    other.Data1 ^= 1;
    void *none = (void *)1;
    hr = get_class_object(&other, &IID_ClassFactory, &none);
    CHECK(hr == CLASS_E_CLASSNOTAVAILABLE && none == NULL, "an unknown CLSID gives CLASS_E_CLASSNOTAVAILABLE -> 0x%08X", (unsigned)hr);
    CHECK(can_unload_now() == S_FALSE, "DllCanUnloadNow is S_FALSE while the factory lives");

    /* ---- Run 1: a full sync ---- */
    Callback cb;
    callback_init(&cb);
    ISyncMgrSynchronize *h = create_handler(factory);
    if (!h)
        return 1;

    SYNCMGRHANDLERINFO *info = NULL;
    hr = h->lpVtbl->GetHandlerInfo(h, &info);
    CHECK(hr == S_OK && info, "GetHandlerInfo -> 0x%08X", (unsigned)hr);
    if (info) {
        char name[MAX_SYNCMGRHANDLERNAME + 1];
        utf16_to_ascii(info->wszHandlerName, name, sizeof name);
        CHECK(info->cbSize == sizeof(SYNCMGRHANDLERINFO), "SYNCMGRHANDLERINFO.cbSize = %u", (unsigned)info->cbSize);
        CHECK(strcmp(name, "Folder Sync") == 0, "handler name is \"%s\"", name);
        task_free(info); /* task memory: the caller frees it */
    }

    char names[MAX_ITEMS][MAX_SYNCMGRITEMNAME];
    int n = initialize_and_enumerate(h, &cb, cookie, names);
    CHECK(n == 3, "three items (one per subfolder): %d", n);
    for (int i = 0; i < n; i++)
        printf("item %d: %s\n", i, names[i]);

    hr = h->lpVtbl->SetProgressCallback(h, &cb.iface);
    CHECK(hr == S_OK, "SetProgressCallback -> 0x%08X", (unsigned)hr);
    CHECK(cb.refs >= 2, "the handler holds a reference to the callback (%ld)", cb.refs);

    hr = h->lpVtbl->PrepareForSync(h, (uint32_t)n, cb.ids, NULL, 0);
    CHECK(hr == S_OK, "PrepareForSync(%d items) -> 0x%08X", n, (unsigned)hr);
    CHECK(wait_for(&cb, &cb.prepare_completed) == 1 && cb.prepare_hr == S_OK, "PrepareForSyncCompleted(S_OK) once");

    hr = h->lpVtbl->Synchronize(h, NULL);
    CHECK(hr == S_OK, "Synchronize -> 0x%08X", (unsigned)hr);
    CHECK(wait_for(&cb, &cb.sync_completed) == 1 && cb.sync_hr == S_OK, "SynchronizeCompleted(S_OK) once");

    for (int i = 0; i < n; i++) {
        CHECK(cb.last_status[i] == SYNCMGRSTATUS_SUCCEEDED, "item %s ends SUCCEEDED (status %u)", names[i], (unsigned)cb.last_status[i]);
        CHECK(cb.progress_calls[i] >= 2, "item %s got %d Progress calls", names[i], cb.progress_calls[i]);
        CHECK(cb.last_value[i] == cb.last_max[i] && cb.last_max[i] > 0, "item %s progress %d/%d", names[i], cb.last_value[i], cb.last_max[i]);
    }
    CHECK(cb.unknown_item_progress == 0 && cb.bad_progress_struct == 0, "Progress only for known items, with a correct cbSize");
    CHECK(cb.errors_logged == 0, "no errors logged (%d)", cb.errors_logged);
    CHECK(h->lpVtbl->Release(h) == 0, "the handler is freed by its last Release");
    CHECK(cb.refs == 1, "the handler released the callback (%ld left)", cb.refs);

    /* ---- Run 2: cancel everything from Progress ---- */
    Callback cancel;
    callback_init(&cancel);
    cancel.cancel_all = 1;
    h = create_handler(factory);
    if (!h)
        return 1;
    snprintf(cookie, sizeof cookie, "source=%s;dest=%s", argv[2], argv[4]);
    n = initialize_and_enumerate(h, &cancel, cookie, names);
    hr = h->lpVtbl->SetProgressCallback(h, &cancel.iface);
    hr = h->lpVtbl->PrepareForSync(h, (uint32_t)n, cancel.ids, NULL, 0);
    CHECK(hr == S_OK && wait_for(&cancel, &cancel.prepare_completed) == 1, "run 2: prepared");
    hr = h->lpVtbl->Synchronize(h, NULL);
    CHECK(hr == S_OK && wait_for(&cancel, &cancel.sync_completed) == 1, "run 2: SynchronizeCompleted after CANCELALL");
    for (int i = 0; i < n; i++)
        CHECK(cancel.last_status[i] == SYNCMGRSTATUS_SKIPPED, "run 2: item %s ends SKIPPED (status %u)", names[i], (unsigned)cancel.last_status[i]);
    CHECK(h->lpVtbl->Release(h) == 0, "run 2: the handler is freed by its last Release");
    CHECK(cancel.refs == 1, "run 2: the handler released the callback");

    CHECK(factory->lpVtbl->Release(factory) == 0, "the factory is freed by its last Release");
    hr = can_unload_now();
    CHECK(hr == S_OK, "DllCanUnloadNow is S_OK after the last Release -> 0x%08X", (unsigned)hr);

    return check_summary();
}
