/*
 * What the C clients share: the CHECK macro and its counters, the summary line the Rust tests
 * read, and COM's IClassFactory (an IDL file's own header does not declare it).
 *
 * Include it after the generated header, with COM_CHECK_CALL defined as that header's calling
 * convention macro (CALC_CALL, MOBSYNC_RS_CALL ...). One translation unit per client.
 */
#ifndef COM_CHECK_H
#define COM_CHECK_H

#include <stdint.h>
#include <stdio.h>

#ifndef COM_CHECK_CALL
#error "define COM_CHECK_CALL as the generated header's calling convention macro"
#endif

/* The standard COM codes the clients check (the generated headers carry only their IDL's own;
 * on Windows the SDK's headers define them already). */
#ifndef S_OK
#define S_OK ((HRESULT)0)
#endif
#ifndef S_FALSE
#define S_FALSE ((HRESULT)1)
#endif
#ifndef E_NOTIMPL
#define E_NOTIMPL ((HRESULT)0x80004001u)
#endif
#ifndef E_NOINTERFACE
#define E_NOINTERFACE ((HRESULT)0x80004002u)
#endif
#ifndef E_POINTER
#define E_POINTER ((HRESULT)0x80004003u)
#endif
#ifndef E_FAIL
#define E_FAIL ((HRESULT)0x80004005u)
#endif
#ifndef E_UNEXPECTED
#define E_UNEXPECTED ((HRESULT)0x8000FFFFu)
#endif
#ifndef E_INVALIDARG
#define E_INVALIDARG ((HRESULT)0x80070057u)
#endif
#ifndef CLASS_E_CLASSNOTAVAILABLE
#define CLASS_E_CLASSNOTAVAILABLE ((HRESULT)0x80040111u)
#endif

#if defined(__GNUC__) || defined(__clang__)
#define COM_CHECK_UNUSED __attribute__((unused))
#else
#define COM_CHECK_UNUSED
#endif

static int passed, failed;

/* One check: prints "ok: ..." or "FAILED (file:line): ..." and counts it. */
#define CHECK(cond, ...)                                                                            \
    do {                                                                                            \
        if (cond) {                                                                                 \
            passed++;                                                                               \
            printf("ok: ");                                                                         \
        } else {                                                                                    \
            failed++;                                                                               \
            printf("FAILED (%s:%d): ", __FILE__, __LINE__);                                         \
        }                                                                                           \
        printf(__VA_ARGS__);                                                                        \
        printf("\n");                                                                               \
        fflush(stdout);                                                                             \
    } while (0)

/* The last line a client prints, "N passed, M failed"; its exit status. */
static int check_summary(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

static const GUID IID_ClassFactory COM_CHECK_UNUSED = {0x00000001, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
static const GUID IID_Unknown COM_CHECK_UNUSED = {0x00000000, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
/* An IID no object implements and a CLSID no module serves. */
static const GUID IID_Other COM_CHECK_UNUSED = {0x12345678, 0x1234, 0x1234, {0x12, 0x34, 0x12, 0x34, 0x12, 0x34, 0x12, 0x34}};

/* IClassFactory is COM's own. */
typedef struct ClassFactory ClassFactory;
typedef struct ClassFactoryVtbl {
    HRESULT (COM_CHECK_CALL *QueryInterface)(ClassFactory *This, const GUID *riid, void **ppv);
    uint32_t (COM_CHECK_CALL *AddRef)(ClassFactory *This);
    uint32_t (COM_CHECK_CALL *Release)(ClassFactory *This);
    HRESULT (COM_CHECK_CALL *CreateInstance)(ClassFactory *This, void *outer, const GUID *riid, void **ppv);
    HRESULT (COM_CHECK_CALL *LockServer)(ClassFactory *This, int32_t lock);
} ClassFactoryVtbl;
struct ClassFactory {
    const ClassFactoryVtbl *lpVtbl;
};

typedef HRESULT (COM_CHECK_CALL *DllGetClassObjectFn)(const GUID *, const GUID *, void **);
typedef HRESULT (COM_CHECK_CALL *DllCanUnloadNowFn)(void);

#ifndef _WIN32
#include <dlfcn.h>

/* dlopen()s the module at `path` and finds its DllGetClassObject and DllCanUnloadNow (one
 * check); 0 when it cannot, after saying why. */
static COM_CHECK_UNUSED int load_com_module(const char *path, DllGetClassObjectFn *get_class_object, DllCanUnloadNowFn *can_unload_now) {
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
        return 0;
    }
    /* POSIX's way to turn dlsym's object pointer into a function pointer. */
    *(void **)get_class_object = dlsym(module, "DllGetClassObject");
    *(void **)can_unload_now = dlsym(module, "DllCanUnloadNow");
    CHECK(*get_class_object && *can_unload_now, "the module exports DllGetClassObject and DllCanUnloadNow");
    return *get_class_object && *can_unload_now;
}
#endif

#endif
