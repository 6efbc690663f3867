/*
 * A Sync Manager stand-in, in C, for the Wine proof (`cargo xtask wine-test`).
 *
 * Built by x86_64-w64-mingw32-gcc against mingw-w64's own <mobsync.h> (not mobsync-rs's header), it
 * loads the handler the way Sync Manager does -- CoCreateInstance through the registry that the
 * handler's DllRegisterServer wrote -- and drives one complete sync with a callback object written
 * here, checking every step:
 *
 *   class factory (aggregation refused, LockServer counted by DllCanUnloadNow), QueryInterface
 *   identity, Initialize with a missing source (its error text through ISupportErrorInfo and
 *   oleaut32's GetErrorInfo), Initialize(cookie), GetHandlerInfo (+ CoTaskMemFree), EnumSyncMgrItems with Next in
 *   batches, Skip, Reset, Clone and argument checks, SetProgressCallback, PrepareForSync and its
 *   completion, Synchronize and its completion (either may come on another thread: events with
 *   timeouts), per-item progress and final status, the copied files, the release of every object
 *   and of the callback, and DllCanUnloadNow through GetProcAddress.
 *
 * Usage: client.exe sta|mta SOURCE DEST DLL-FILE-NAME
 *   SOURCE  a folder whose subfolders are the handler's items (folder-sync's behaviour); items
 *           whose name starts with "skip" are left unselected and must not be copied
 *   DEST    where the selected items are copied to (must not exist yet)
 * The cookie passed to Initialize is folder-sync's: UTF-8 "source=SOURCE;dest=DEST" with `\` and
 * `;` escaped by a backslash.
 *
 * Exit status: 0 when every check passed, 1 otherwise (each check prints "ok:" or "FAIL:").
 */
#define COBJMACROS
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <initguid.h>
#include <objbase.h>
#include <oleauto.h>
#include <mobsync.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* folder-sync's class. */
DEFINE_GUID(CLSID_FolderSync, 0x632306b6, 0x690c, 0x48c1, 0xab, 0x87, 0x95, 0x3a, 0x68, 0x33,
            0xa8, 0x55);
/* An interface nobody implements. */
DEFINE_GUID(IID_Bogus, 0x0badf00d, 0x0000, 0x4000, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);

#define PREPARE_TIMEOUT_MS 30000
#define SYNC_TIMEOUT_MS 120000
#define MAX_ITEMS 64

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("ok: ");                                                                        \
        } else {                                                                                   \
            printf("FAIL: ");                                                                      \
            failures++;                                                                            \
        }                                                                                          \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
        fflush(stdout);                                                                            \
    } while (0)

#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        CHECK(cond, __VA_ARGS__);                                                                  \
        if (!(cond)) {                                                                             \
            printf("stopping: a later step depends on this one\n");                                \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------------------------------------------------------
 * The callback object (ISyncMgrSynchronizeCallback), free-threaded: the handler may call it from
 * any thread.
 */

typedef struct {
    GUID id;
    LONG progress_calls;
    DWORD last_status; /* last dwStatusType reported, or ~0 */
    int last_value, last_max;
} ItemProgress;

typedef struct {
    ISyncMgrSynchronizeCallback iface;
    LONG refs;
    CRITICAL_SECTION lock;
    HANDLE prepare_done, sync_done;
    LONG prepare_calls, sync_calls;
    HRESULT prepare_hr, sync_hr;
    LONG progress_calls, bad_progress, log_errors, other_calls;
    DWORD main_thread;
    LONG calls_off_main_thread;
    ItemProgress items[MAX_ITEMS];
    int item_count; /* the selected items, filled before PrepareForSync */
} Callback;

static Callback *impl(ISyncMgrSynchronizeCallback *iface)
{
    return CONTAINING_RECORD(iface, Callback, iface);
}

static void note_thread(Callback *cb)
{
    if (GetCurrentThreadId() != cb->main_thread)
        InterlockedIncrement(&cb->calls_off_main_thread);
}

static HRESULT WINAPI cb_QueryInterface(ISyncMgrSynchronizeCallback *This, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ISyncMgrSynchronizeCallback)) {
        *ppv = This;
        ISyncMgrSynchronizeCallback_AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG WINAPI cb_AddRef(ISyncMgrSynchronizeCallback *This)
{
    return (ULONG)InterlockedIncrement(&impl(This)->refs);
}

static ULONG WINAPI cb_Release(ISyncMgrSynchronizeCallback *This)
{
    /* The object lives on main()'s stack: the count only proves that the handler released it. */
    return (ULONG)InterlockedDecrement(&impl(This)->refs);
}

static HRESULT WINAPI cb_ShowPropertiesCompleted(ISyncMgrSynchronizeCallback *This, HRESULT hr)
{
    (void)hr;
    InterlockedIncrement(&impl(This)->other_calls);
    return S_OK;
}

static HRESULT WINAPI cb_PrepareForSyncCompleted(ISyncMgrSynchronizeCallback *This, HRESULT hr)
{
    Callback *cb = impl(This);
    note_thread(cb);
    cb->prepare_hr = hr;
    InterlockedIncrement(&cb->prepare_calls);
    SetEvent(cb->prepare_done);
    return S_OK;
}

static HRESULT WINAPI cb_SynchronizeCompleted(ISyncMgrSynchronizeCallback *This, HRESULT hr)
{
    Callback *cb = impl(This);
    note_thread(cb);
    cb->sync_hr = hr;
    InterlockedIncrement(&cb->sync_calls);
    SetEvent(cb->sync_done);
    return S_OK;
}

static HRESULT WINAPI cb_ShowErrorCompleted(ISyncMgrSynchronizeCallback *This, HRESULT hr,
                                            ULONG count, SYNCMGRITEMID *ids)
{
    (void)hr;
    (void)count;
    (void)ids;
    InterlockedIncrement(&impl(This)->other_calls);
    return S_OK;
}

static HRESULT WINAPI cb_EnableModeless(ISyncMgrSynchronizeCallback *This, WINBOOL enable)
{
    (void)This;
    (void)enable;
    return S_OK;
}

static HRESULT WINAPI cb_Progress(ISyncMgrSynchronizeCallback *This, REFSYNCMGRITEMID id,
                                  LPSYNCMGRPROGRESSITEM item)
{
    Callback *cb = impl(This);
    int i;
    note_thread(cb);
    InterlockedIncrement(&cb->progress_calls);
    if (!id || !item || item->cbSize != sizeof(SYNCMGRPROGRESSITEM)) {
        InterlockedIncrement(&cb->bad_progress);
        return E_INVALIDARG;
    }
    EnterCriticalSection(&cb->lock);
    for (i = 0; i < cb->item_count; i++) {
        if (IsEqualGUID(id, &cb->items[i].id))
            break;
    }
    if (i == cb->item_count) {
        LeaveCriticalSection(&cb->lock);
        InterlockedIncrement(&cb->bad_progress); /* progress for an item that was not selected */
        return E_INVALIDARG;
    }
    cb->items[i].progress_calls++;
    if (item->mask & SYNCMGRPROGRESSITEM_STATUSTYPE)
        cb->items[i].last_status = item->dwStatusType;
    if (item->mask & SYNCMGRPROGRESSITEM_PROGVALUE)
        cb->items[i].last_value = item->iProgValue;
    if (item->mask & SYNCMGRPROGRESSITEM_MAXVALUE)
        cb->items[i].last_max = item->iMaxValue;
    LeaveCriticalSection(&cb->lock);
    return S_OK;
}

static HRESULT WINAPI cb_LogError(ISyncMgrSynchronizeCallback *This, DWORD level, LPCWSTR text,
                                  LPSYNCMGRLOGERRORINFO info)
{
    (void)info;
    note_thread(impl(This));
    InterlockedIncrement(&impl(This)->log_errors);
    printf("handler logged (level %lu): %ls\n", (unsigned long)level, text ? text : L"(null)");
    return S_OK;
}

static HRESULT WINAPI cb_DeleteLogError(ISyncMgrSynchronizeCallback *This, REFSYNCMGRERRORID id,
                                        DWORD reserved)
{
    (void)id;
    (void)reserved;
    InterlockedIncrement(&impl(This)->other_calls);
    return S_OK;
}

static HRESULT WINAPI cb_EstablishConnection(ISyncMgrSynchronizeCallback *This, LPCWSTR name,
                                             DWORD reserved)
{
    (void)name;
    (void)reserved;
    InterlockedIncrement(&impl(This)->other_calls);
    return S_OK;
}

static ISyncMgrSynchronizeCallbackVtbl callback_vtbl = {
    cb_QueryInterface,       cb_AddRef,          cb_Release,
    cb_ShowPropertiesCompleted, cb_PrepareForSyncCompleted, cb_SynchronizeCompleted,
    cb_ShowErrorCompleted,   cb_EnableModeless,  cb_Progress,
    cb_LogError,             cb_DeleteLogError,  cb_EstablishConnection,
};

/* ------------------------------------------------------------------------------------------------
 * Helpers
 */

/* Appends `s` to the UTF-8 cookie with `\` and `;` escaped. Returns the new length or -1. */
static int append_escaped(char *out, int len, int cap, const wchar_t *s)
{
    char utf8[4 * MAX_PATH];
    int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, utf8, sizeof utf8, NULL, NULL);
    int i;
    if (n <= 0)
        return -1;
    for (i = 0; i < n - 1; i++) {
        if (utf8[i] == '\\' || utf8[i] == ';') {
            if (len >= cap)
                return -1;
            out[len++] = '\\';
        }
        if (len >= cap)
            return -1;
        out[len++] = utf8[i];
    }
    return len;
}

static int append_raw(char *out, int len, int cap, const char *s)
{
    size_t n = strlen(s);
    if (len < 0 || len + (int)n > cap)
        return -1;
    memcpy(out + len, s, n);
    return len + (int)n;
}

typedef struct {
    wchar_t name[MAX_PATH];
    int files;
    LONGLONG bytes;
} Folder;

/* The subfolders of `dir` (the items folder-sync must list), with their file counts. */
static int list_subfolders(const wchar_t *dir, Folder *out, int cap)
{
    wchar_t pattern[MAX_PATH];
    WIN32_FIND_DATAW found;
    HANDLE h;
    int n = 0;
    swprintf(pattern, MAX_PATH, L"%ls\\*", dir);
    h = FindFirstFileW(pattern, &found);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    do {
        if ((found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && wcscmp(found.cFileName, L".") &&
            wcscmp(found.cFileName, L"..") && n < cap) {
            wchar_t sub[MAX_PATH], subpattern[MAX_PATH];
            WIN32_FIND_DATAW f;
            HANDLE h2;
            wcscpy(out[n].name, found.cFileName);
            out[n].files = 0;
            out[n].bytes = 0;
            swprintf(sub, MAX_PATH, L"%ls\\%ls", dir, found.cFileName);
            swprintf(subpattern, MAX_PATH, L"%ls\\*", sub);
            h2 = FindFirstFileW(subpattern, &f);
            if (h2 != INVALID_HANDLE_VALUE) {
                do {
                    if (!(f.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
                        out[n].files++;
                        out[n].bytes += ((LONGLONG)f.nFileSizeHigh << 32) | f.nFileSizeLow;
                    }
                } while (FindNextFileW(h2, &f));
                FindClose(h2);
            }
            n++;
        }
    } while (FindNextFileW(h, &found));
    FindClose(h);
    return n;
}

static const Folder *find_folder(const Folder *folders, int n, const wchar_t *name)
{
    int i;
    for (i = 0; i < n; i++) {
        if (!wcscmp(folders[i].name, name))
            return &folders[i];
    }
    return NULL;
}

/* Initialize with a source folder that does not exist fails with the path's error, and the
 * handler's text reaches us the COM way: ISupportErrorInfo says S_OK for ISyncMgrSynchronize,
 * and oleaut32's GetErrorInfo hands over its error object, naming the folder. */
static void check_error_info(ISyncMgrSynchronize *sync)
{
    static const char missing[] = "source=C:\\\\mobsync-no-such-folder;dest=C:\\\\mobsync-no-dest";
    ISupportErrorInfo *support = NULL;
    IErrorInfo *info = NULL;
    BSTR text = NULL;
    GUID guid;
    HRESULT hr;

    hr = ISyncMgrSynchronize_Initialize(sync, 0, SYNCMGRFLAG_MANUAL, (DWORD)strlen(missing),
                                        (const BYTE *)missing);
    CHECK(hr == HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND),
          "Initialize with a missing source: %#lx (0x80070003 expected)", (unsigned long)hr);
    hr = ISyncMgrSynchronize_QueryInterface(sync, &IID_ISupportErrorInfo, (void **)&support);
    CHECK(hr == S_OK && support, "QueryInterface(ISupportErrorInfo): %#lx", (unsigned long)hr);
    if (!support)
        return;
    hr = ISupportErrorInfo_InterfaceSupportsErrorInfo(support, &IID_ISyncMgrSynchronize);
    CHECK(hr == S_OK, "InterfaceSupportsErrorInfo(ISyncMgrSynchronize): %#lx", (unsigned long)hr);
    hr = ISupportErrorInfo_InterfaceSupportsErrorInfo(support, &IID_IClassFactory);
    CHECK(hr == S_FALSE, "InterfaceSupportsErrorInfo(IClassFactory): %#lx (S_FALSE expected)",
          (unsigned long)hr);
    ISupportErrorInfo_Release(support);
    hr = GetErrorInfo(0, &info);
    CHECK(hr == S_OK && info, "GetErrorInfo after the failure: %#lx", (unsigned long)hr);
    if (!info)
        return;
    hr = IErrorInfo_GetDescription(info, &text);
    CHECK(hr == S_OK && text && wcsstr(text, L"cannot list the source folder") &&
              wcsstr(text, L"mobsync-no-such-folder"),
          "the error object's description names the folder: %#lx \"%ls\"", (unsigned long)hr,
          text ? text : L"(null)");
    SysFreeString(text);
    hr = IErrorInfo_GetGUID(info, &guid);
    CHECK(hr == S_OK && IsEqualGUID(&guid, &IID_ISyncMgrSynchronize),
          "the error object's GUID is IID_ISyncMgrSynchronize: %#lx", (unsigned long)hr);
    IErrorInfo_Release(info);
    hr = GetErrorInfo(0, &info);
    CHECK(hr == S_FALSE && info == NULL, "GetErrorInfo hands the object over once: %#lx",
          (unsigned long)hr);
}

static int name_terminated(const WCHAR *name, int cap)
{
    int i;
    for (i = 0; i < cap; i++) {
        if (!name[i])
            return 1;
    }
    return 0;
}

static HRESULT dll_can_unload_now(HMODULE module)
{
    typedef HRESULT(WINAPI * CanUnloadFn)(void);
    CanUnloadFn fn = (CanUnloadFn)(void (*)(void))GetProcAddress(module, "DllCanUnloadNow");
    return fn ? fn() : E_NOTIMPL;
}

/* Polls DllCanUnloadNow until it gives `want` (a handler's worker thread may still be dropping its
 * last references just after reporting completion). */
static HRESULT wait_can_unload(HMODULE module, HRESULT want, DWORD timeout_ms)
{
    DWORD start = GetTickCount();
    HRESULT hr;
    for (;;) {
        hr = dll_can_unload_now(module);
        if (hr == want || GetTickCount() - start > timeout_ms)
            return hr;
        Sleep(20);
    }
}

/* ------------------------------------------------------------------------------------------------
 * The sync
 */

int wmain(int argc, wchar_t **argv)
{
    const wchar_t *source, *dest, *dll_name;
    DWORD coinit;
    HRESULT hr;
    HMODULE module;
    IClassFactory *factory = NULL;
    IUnknown *unk = NULL, *unk2 = NULL;
    ISyncMgrSynchronize *sync = NULL;
    ISyncMgrEnumItems *items_enum = NULL, *clone = NULL;
    LPSYNCMGRHANDLERINFO info = NULL;
    SYNCMGRITEM items[MAX_ITEMS], batch[2], one;
    SYNCMGRITEMID selected[MAX_ITEMS];
    Folder folders[MAX_ITEMS];
    int item_count = 0, folder_count, selected_count = 0, i, cookie_len;
    ULONG fetched;
    char cookie[8 * MAX_PATH];
    Callback cb;
    DWORD wait;
    void *bogus = (void *)1;

    if (argc != 5 || (wcscmp(argv[1], L"sta") && wcscmp(argv[1], L"mta"))) {
        fprintf(stderr, "usage: client.exe sta|mta SOURCE DEST DLL-FILE-NAME\n");
        return 2;
    }
    coinit = wcscmp(argv[1], L"sta") ? COINIT_MULTITHREADED : COINIT_APARTMENTTHREADED;
    source = argv[2];
    dest = argv[3];
    dll_name = argv[4];
    printf("client: %ls apartment, source %ls, dest %ls\n", argv[1], source, dest);

    folder_count = list_subfolders(source, folders, MAX_ITEMS);
    REQUIRE(folder_count >= 3, "the source has %d subfolders (at least 3 needed)", folder_count);

    hr = CoInitializeEx(NULL, coinit);
    REQUIRE(SUCCEEDED(hr), "CoInitializeEx: %#lx", (unsigned long)hr);

    /* --- the class factory, through the registry --- */
    hr = CoGetClassObject(&CLSID_FolderSync, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                          (void **)&factory);
    REQUIRE(hr == S_OK && factory, "CoGetClassObject(CLSID_FolderSync): %#lx", (unsigned long)hr);
    module = GetModuleHandleW(dll_name);
    REQUIRE(module != NULL, "the handler DLL %ls is loaded", dll_name);

    hr = IClassFactory_CreateInstance(factory, (IUnknown *)factory, &IID_IUnknown, (void **)&unk);
    CHECK(hr == CLASS_E_NOAGGREGATION && unk == NULL, "aggregation is refused: %#lx",
          (unsigned long)hr);
    hr = IClassFactory_LockServer(factory, TRUE);
    CHECK(hr == S_OK, "LockServer(TRUE): %#lx", (unsigned long)hr);
    IClassFactory_Release(factory);
    factory = NULL;
    hr = dll_can_unload_now(module);
    CHECK(hr == S_FALSE, "DllCanUnloadNow with a server lock: %#lx (S_FALSE expected)",
          (unsigned long)hr);
    hr = CoGetClassObject(&CLSID_FolderSync, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                          (void **)&factory);
    REQUIRE(hr == S_OK && factory, "CoGetClassObject again: %#lx", (unsigned long)hr);
    hr = IClassFactory_LockServer(factory, FALSE);
    CHECK(hr == S_OK, "LockServer(FALSE): %#lx", (unsigned long)hr);
    IClassFactory_Release(factory);
    factory = NULL;

    /* --- the handler, through CoCreateInstance --- */
    hr = CoCreateInstance(&CLSID_FolderSync, NULL, CLSCTX_INPROC_SERVER, &IID_ISyncMgrSynchronize,
                          (void **)&sync);
    REQUIRE(hr == S_OK && sync, "CoCreateInstance(CLSID_FolderSync, ISyncMgrSynchronize): %#lx",
            (unsigned long)hr);
    hr = dll_can_unload_now(module);
    CHECK(hr == S_FALSE, "DllCanUnloadNow with a live object: %#lx (S_FALSE expected)",
          (unsigned long)hr);

    hr = ISyncMgrSynchronize_QueryInterface(sync, &IID_IUnknown, (void **)&unk);
    CHECK(hr == S_OK && unk, "QueryInterface(IUnknown): %#lx", (unsigned long)hr);
    hr = ISyncMgrSynchronize_QueryInterface(sync, &IID_ISyncMgrSynchronize, (void **)&unk2);
    CHECK(hr == S_OK && unk2, "QueryInterface(ISyncMgrSynchronize): %#lx", (unsigned long)hr);
    if (unk2) {
        IUnknown *unk3 = NULL;
        hr = IUnknown_QueryInterface(unk2, &IID_IUnknown, (void **)&unk3);
        CHECK(hr == S_OK && unk3 == unk, "COM identity: IUnknown is the same pointer");
        if (unk3)
            IUnknown_Release(unk3);
        IUnknown_Release(unk2);
    }
    if (unk)
        IUnknown_Release(unk);
    hr = ISyncMgrSynchronize_QueryInterface(sync, &IID_Bogus, &bogus);
    CHECK(hr == E_NOINTERFACE && bogus == NULL,
          "QueryInterface(unknown IID): %#lx and *ppv cleared", (unsigned long)hr);
    hr = ISyncMgrSynchronize_QueryInterface(sync, &IID_IUnknown, NULL);
    CHECK(hr == E_POINTER, "QueryInterface(ppv = NULL): %#lx", (unsigned long)hr);

    /* --- Initialize with folder-sync's cookie --- */
    cookie_len = append_raw(cookie, 0, sizeof cookie, "source=");
    cookie_len = append_escaped(cookie, cookie_len, sizeof cookie, source);
    cookie_len = append_raw(cookie, cookie_len, sizeof cookie, ";dest=");
    cookie_len = append_escaped(cookie, cookie_len, sizeof cookie, dest);
    REQUIRE(cookie_len > 0, "cookie built (%d bytes)", cookie_len);
    hr = ISyncMgrSynchronize_Initialize(sync, 0, SYNCMGRFLAG_MANUAL, 5, NULL);
    CHECK(hr == E_POINTER || hr == E_INVALIDARG,
          "Initialize with a cookie length but no buffer: %#lx", (unsigned long)hr);
    check_error_info(sync);
    hr = ISyncMgrSynchronize_Initialize(sync, 0, SYNCMGRFLAG_MANUAL, (DWORD)cookie_len,
                                        (const BYTE *)cookie);
    REQUIRE(hr == S_OK, "Initialize(SYNCMGRFLAG_MANUAL, cookie): %#lx", (unsigned long)hr);

    /* --- GetHandlerInfo: task-allocator memory, freed here --- */
    hr = ISyncMgrSynchronize_GetHandlerInfo(sync, NULL);
    CHECK(hr == E_POINTER, "GetHandlerInfo(NULL): %#lx", (unsigned long)hr);
    hr = ISyncMgrSynchronize_GetHandlerInfo(sync, &info);
    REQUIRE(hr == S_OK && info, "GetHandlerInfo: %#lx", (unsigned long)hr);
    CHECK(info->cbSize == sizeof(SYNCMGRHANDLERINFO), "handler info cbSize %lu",
          (unsigned long)info->cbSize);
    CHECK(name_terminated(info->wszHandlerName, MAX_SYNCMGRHANDLERNAME) &&
              info->wszHandlerName[0] != 0,
          "handler name \"%ls\"",
          name_terminated(info->wszHandlerName, MAX_SYNCMGRHANDLERNAME) ? info->wszHandlerName
                                                                          : L"?");
    CoTaskMemFree(info);
    info = NULL;

    /* --- the items: Next in batches of two until S_FALSE --- */
    hr = ISyncMgrSynchronize_EnumSyncMgrItems(sync, NULL);
    CHECK(hr == E_POINTER, "EnumSyncMgrItems(NULL): %#lx", (unsigned long)hr);
    hr = ISyncMgrSynchronize_EnumSyncMgrItems(sync, &items_enum);
    REQUIRE(hr == S_OK && items_enum, "EnumSyncMgrItems: %#lx", (unsigned long)hr);
    for (;;) {
        fetched = 99;
        memset(batch, 0, sizeof batch);
        hr = ISyncMgrEnumItems_Next(items_enum, 2, batch, &fetched);
        if (FAILED(hr) || fetched > 2 || (hr == S_OK && fetched != 2) ||
            (hr == S_FALSE && fetched >= 2)) {
            CHECK(0, "Next(2): %#lx, %lu fetched", (unsigned long)hr, (unsigned long)fetched);
            break;
        }
        for (i = 0; i < (int)fetched && item_count < MAX_ITEMS; i++)
            items[item_count++] = batch[i];
        if (hr == S_FALSE)
            break;
    }
    CHECK(item_count == folder_count, "%d items enumerated in batches, %d subfolders", item_count,
          folder_count);
    for (i = 0; i < item_count; i++) {
        const Folder *f;
        int terminated = name_terminated(items[i].wszItemName, MAX_SYNCMGRITEMNAME);
        CHECK(items[i].cbSize == sizeof(SYNCMGRITEM) && terminated,
              "item %d: cbSize %lu, name terminated", i, (unsigned long)items[i].cbSize);
        f = terminated ? find_folder(folders, folder_count, items[i].wszItemName) : NULL;
        CHECK(f != NULL, "item \"%ls\" is a subfolder of the source",
              terminated ? items[i].wszItemName : L"?");
    }
    REQUIRE(item_count >= 3, "at least 3 items to test Skip/Reset/Clone");

    hr = ISyncMgrEnumItems_Next(items_enum, 1, &one, &fetched);
    CHECK(hr == S_FALSE && fetched == 0, "Next at the end: %#lx, %lu fetched", (unsigned long)hr,
          (unsigned long)fetched);
    hr = ISyncMgrEnumItems_Next(items_enum, 2, batch, NULL);
    CHECK(hr == E_POINTER || hr == E_INVALIDARG,
          "Next(2, pceltFetched = NULL) is refused: %#lx", (unsigned long)hr);
    hr = ISyncMgrEnumItems_Next(items_enum, 1, NULL, &fetched);
    CHECK(hr == E_POINTER || hr == E_INVALIDARG, "Next(1, rgelt = NULL): %#lx",
          (unsigned long)hr);
    hr = ISyncMgrEnumItems_Reset(items_enum);
    CHECK(hr == S_OK, "Reset: %#lx", (unsigned long)hr);
    hr = ISyncMgrEnumItems_Skip(items_enum, 1);
    CHECK(hr == S_OK, "Skip(1): %#lx", (unsigned long)hr);
    memset(&one, 0, sizeof one);
    hr = ISyncMgrEnumItems_Next(items_enum, 1, &one, NULL);
    CHECK(hr == S_OK && IsEqualGUID(&one.ItemID, &items[1].ItemID),
          "Next(1, pceltFetched = NULL) after Skip(1) gives the second item: %#lx",
          (unsigned long)hr);
    hr = ISyncMgrEnumItems_Clone(items_enum, &clone);
    CHECK(hr == S_OK && clone, "Clone: %#lx", (unsigned long)hr);
    if (clone) {
        memset(&one, 0, sizeof one);
        hr = ISyncMgrEnumItems_Next(clone, 1, &one, &fetched);
        CHECK(hr == S_OK && fetched == 1 && IsEqualGUID(&one.ItemID, &items[2].ItemID),
              "the clone continues at the third item");
        hr = ISyncMgrEnumItems_Skip(clone, 1000);
        CHECK(hr == S_FALSE, "Skip past the end: %#lx (S_FALSE expected)", (unsigned long)hr);
        memset(&one, 0, sizeof one);
        hr = ISyncMgrEnumItems_Next(items_enum, 1, &one, &fetched);
        CHECK(hr == S_OK && fetched == 1 && IsEqualGUID(&one.ItemID, &items[2].ItemID),
              "the original is independent of its clone");
        ISyncMgrEnumItems_Release(clone);
        clone = NULL;
    }
    ISyncMgrEnumItems_Release(items_enum);
    items_enum = NULL;

    /* --- the callback --- */
    memset(&cb, 0, sizeof cb);
    cb.iface.lpVtbl = &callback_vtbl;
    cb.refs = 1;
    InitializeCriticalSection(&cb.lock);
    cb.prepare_done = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb.sync_done = CreateEventW(NULL, TRUE, FALSE, NULL);
    cb.main_thread = GetCurrentThreadId();
    cb.prepare_hr = cb.sync_hr = E_FAIL;
    REQUIRE(cb.prepare_done && cb.sync_done, "events created");
    hr = ISyncMgrSynchronize_SetProgressCallback(sync, &cb.iface);
    CHECK(hr == S_OK, "SetProgressCallback: %#lx", (unsigned long)hr);

    /* Select every item except those named skip*. */
    for (i = 0; i < item_count; i++) {
        if (wcsncmp(items[i].wszItemName, L"skip", 4)) {
            selected[selected_count] = items[i].ItemID;
            cb.items[selected_count].id = items[i].ItemID;
            cb.items[selected_count].last_status = ~0u;
            selected_count++;
        }
    }
    cb.item_count = selected_count;
    REQUIRE(selected_count > 0 && selected_count < item_count,
            "%d of %d items selected", selected_count, item_count);

    hr = ISyncMgrSynchronize_PrepareForSync(sync, 2, NULL, NULL, 0);
    CHECK(hr == E_POINTER || hr == E_INVALIDARG, "PrepareForSync(2, NULL): %#lx",
          (unsigned long)hr);
    CHECK(cb.prepare_calls == 0, "no PrepareForSyncCompleted for a refused call");
    hr = ISyncMgrSynchronize_PrepareForSync(sync, (ULONG)selected_count, selected, NULL, 0);
    REQUIRE(hr == S_OK, "PrepareForSync(%d items): %#lx", selected_count, (unsigned long)hr);
    wait = WaitForSingleObject(cb.prepare_done, PREPARE_TIMEOUT_MS);
    REQUIRE(wait == WAIT_OBJECT_0, "PrepareForSyncCompleted arrived (within %d s)",
            PREPARE_TIMEOUT_MS / 1000);
    CHECK(cb.prepare_hr == S_OK, "PrepareForSyncCompleted(%#lx)", (unsigned long)cb.prepare_hr);

    hr = ISyncMgrSynchronize_Synchronize(sync, NULL);
    REQUIRE(hr == S_OK, "Synchronize: %#lx", (unsigned long)hr);
    wait = WaitForSingleObject(cb.sync_done, SYNC_TIMEOUT_MS);
    REQUIRE(wait == WAIT_OBJECT_0, "SynchronizeCompleted arrived (within %d s)",
            SYNC_TIMEOUT_MS / 1000);
    CHECK(cb.sync_hr == S_OK, "SynchronizeCompleted(%#lx)", (unsigned long)cb.sync_hr);

    /* --- what the callback saw --- */
    Sleep(100); /* a duplicate completion would arrive now */
    CHECK(cb.prepare_calls == 1 && cb.sync_calls == 1,
          "each completion arrived exactly once (%ld, %ld)", cb.prepare_calls, cb.sync_calls);
    CHECK(cb.bad_progress == 0, "every Progress call was well-formed and for a selected item "
          "(%ld bad)", cb.bad_progress);
    CHECK(cb.log_errors == 0, "no errors logged (%ld)", cb.log_errors);
    printf("info: %ld Progress calls, %ld calls from other threads\n", cb.progress_calls,
           cb.calls_off_main_thread);
    for (i = 0; i < selected_count; i++) {
        const SYNCMGRITEM *it = NULL;
        const Folder *f;
        int j;
        for (j = 0; j < item_count; j++) {
            if (IsEqualGUID(&items[j].ItemID, &cb.items[i].id))
                it = &items[j];
        }
        f = it ? find_folder(folders, folder_count, it->wszItemName) : NULL;
        CHECK(f && cb.items[i].progress_calls >= f->files,
              "item \"%ls\": %ld Progress calls for %d files", it ? it->wszItemName : L"?",
              cb.items[i].progress_calls, f ? f->files : -1);
        CHECK(cb.items[i].last_status == SYNCMGRSTATUS_SUCCEEDED,
              "item \"%ls\": final status %lu (SYNCMGRSTATUS_SUCCEEDED = 4 expected)",
              it ? it->wszItemName : L"?", (unsigned long)cb.items[i].last_status);
    }

    /* --- the copies --- */
    {
        Folder copied[MAX_ITEMS];
        int copied_count = list_subfolders(dest, copied, MAX_ITEMS);
        for (i = 0; i < item_count; i++) {
            const Folder *src = find_folder(folders, folder_count, items[i].wszItemName);
            const Folder *dst = find_folder(copied, copied_count, items[i].wszItemName);
            if (wcsncmp(items[i].wszItemName, L"skip", 4)) {
                CHECK(src && dst && dst->files == src->files && dst->bytes == src->bytes,
                      "\"%ls\" copied: %d files, %lld bytes (source: %d files, %lld bytes)",
                      items[i].wszItemName, dst ? dst->files : -1, dst ? dst->bytes : -1LL,
                      src ? src->files : -1, src ? src->bytes : -1LL);
            } else {
                CHECK(dst == NULL, "unselected \"%ls\" was not copied", items[i].wszItemName);
            }
        }
    }

    /* --- teardown: every reference goes back --- */
    ISyncMgrSynchronize_Release(sync);
    sync = NULL;
    hr = wait_can_unload(module, S_OK, 10000);
    CHECK(hr == S_OK, "DllCanUnloadNow after the last Release: %#lx (S_OK expected)",
          (unsigned long)hr);
    CHECK(cb.refs == 1, "the handler released the callback (refcount %ld, 1 expected)", cb.refs);

    CloseHandle(cb.prepare_done);
    CloseHandle(cb.sync_done);
    DeleteCriticalSection(&cb.lock);
    CoUninitialize();

    if (failures) {
        printf("client: %d check(s) FAILED\n", failures);
        return 1;
    }
    printf("client: all checks passed\n");
    return 0;
}
