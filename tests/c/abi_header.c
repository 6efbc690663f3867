/*
 * ABI check of the generated header mobsync-runtime/include/mobsync_rs.h.
 *
 * Built by tests/tests/c_header.rs, which writes "abi_expected.h" from the Rust side's
 * size_of/offset_of values (mobsync_runtime::sys), then compiles this file with the system C
 * compiler (and runs it), with the C++ compiler, and with x86_64-w64-mingw32-gcc (Windows x64,
 * compile only). Every number is checked at compile time with static assertions; the run
 * repeats the checks on live objects and compares the IID/CLSID bytes.
 *
 * Optional defines:
 *   MOBSYNC_ABI_WINDOWS_FIRST  include <windows.h> before the header (Windows only)
 *   MOBSYNC_ABI_WINDOWS_AFTER  include <windows.h> after the header (Windows only)
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#if defined(MOBSYNC_ABI_WINDOWS_FIRST)
#include <windows.h>
#endif

#ifdef __cplusplus
#define MOBSYNC_ABI_ASSERT(cond, msg) static_assert(cond, msg)
#define MOBSYNC_ABI_ALIGNOF(T) alignof(T)
#else
#define MOBSYNC_ABI_ASSERT(cond, msg) _Static_assert(cond, msg)
#define MOBSYNC_ABI_ALIGNOF(T) _Alignof(T)
#endif

/* The expected GUIDs, as MOBSYNC_EXPECT_<name> component lists. */
#define MOBSYNC_ABI_PART_GUIDS
#include "abi_expected.h"
#undef MOBSYNC_ABI_PART_GUIDS

/* Every GUID the header defines is compared, component by component, with the Rust value. */
#define MOBSYNC_ABI_GUID_EQ(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8, \
                            el, ew1, ew2, eb1, eb2, eb3, eb4, eb5, eb6, eb7, eb8) \
    MOBSYNC_ABI_ASSERT((l) == (el) && (w1) == (ew1) && (w2) == (ew2) && (b1) == (eb1) && \
                       (b2) == (eb2) && (b3) == (eb3) && (b4) == (eb4) && (b5) == (eb5) && \
                       (b6) == (eb6) && (b7) == (eb7) && (b8) == (eb8), \
                       "GUID " #name " differs from the Rust side");
#define MOBSYNC_ABI_GUID_EQ_(...) MOBSYNC_ABI_GUID_EQ(__VA_ARGS__)
#define MOBSYNC_RS_DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    static const GUID name MOBSYNC_RS_UNUSED = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}; \
    MOBSYNC_ABI_GUID_EQ_(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8, MOBSYNC_EXPECT_##name)

#include "mobsync_rs.h"

#if defined(MOBSYNC_ABI_WINDOWS_AFTER)
#include <windows.h>
/* The header made <mobsync.h> a no-op: this must not redeclare anything. */
#include <mobsync.h>
#endif

/* Compile-time checks. */
#define MOBSYNC_ABI_STRUCT(T, size, align) \
    MOBSYNC_ABI_ASSERT(sizeof(T) == (size), "sizeof(" #T ")"); \
    MOBSYNC_ABI_ASSERT(MOBSYNC_ABI_ALIGNOF(T) == (align), "alignof(" #T ")");
#define MOBSYNC_ABI_FIELD(T, f, off) MOBSYNC_ABI_ASSERT(offsetof(T, f) == (off), "offsetof(" #T ", " #f ")");
#define MOBSYNC_ABI_VTBL(I, slots) \
    MOBSYNC_ABI_ASSERT(sizeof(I##Vtbl) == (slots) * sizeof(void *), "slot count of " #I);
#define MOBSYNC_ABI_SLOT(I, m, slot) \
    MOBSYNC_ABI_ASSERT(offsetof(I##Vtbl, m) == (slot) * sizeof(void *), "slot of " #I "::" #m);
#define MOBSYNC_ABI_CONST(name, value) \
    MOBSYNC_ABI_ASSERT((long long)(name) == (value##LL), "value of " #name);
#define MOBSYNC_ABI_GUID(name) MOBSYNC_ABI_ASSERT(sizeof(name) == 16, "GUID " #name " is defined");
#include "abi_expected.h"
#undef MOBSYNC_ABI_STRUCT
#undef MOBSYNC_ABI_FIELD
#undef MOBSYNC_ABI_VTBL
#undef MOBSYNC_ABI_SLOT
#undef MOBSYNC_ABI_CONST
#undef MOBSYNC_ABI_GUID

/* The same checks at run time, on live objects. */
static int failures = 0;
static int checks = 0;

static void check(int ok, const char *what) {
    checks++;
    if (!ok) {
        failures++;
        fprintf(stderr, "ABI mismatch: %s\n", what);
    }
}

static void check_guid(const GUID *actual, unsigned long l, unsigned w1, unsigned w2,
                       unsigned b1, unsigned b2, unsigned b3, unsigned b4, unsigned b5,
                       unsigned b6, unsigned b7, unsigned b8, const char *name) {
    GUID expected;
    memset(&expected, 0, sizeof expected);
    expected.Data1 = l;
    expected.Data2 = (uint16_t)w1;
    expected.Data3 = (uint16_t)w2;
    expected.Data4[0] = (uint8_t)b1;
    expected.Data4[1] = (uint8_t)b2;
    expected.Data4[2] = (uint8_t)b3;
    expected.Data4[3] = (uint8_t)b4;
    expected.Data4[4] = (uint8_t)b5;
    expected.Data4[5] = (uint8_t)b6;
    expected.Data4[6] = (uint8_t)b7;
    expected.Data4[7] = (uint8_t)b8;
    check(memcmp(actual, &expected, sizeof expected) == 0, name);
}
#define MOBSYNC_ABI_CHECK_GUID_(name, ...) check_guid(&name, __VA_ARGS__, #name)
#define MOBSYNC_ABI_CHECK_GUID(name, ...) MOBSYNC_ABI_CHECK_GUID_(name, __VA_ARGS__)

int main(void) {
#define MOBSYNC_ABI_STRUCT(T, size, align) \
    { T value; check(sizeof value == (size), "sizeof(" #T ")"); }
#define MOBSYNC_ABI_FIELD(T, f, off) \
    { T value; check((size_t)((char *)&value.f - (char *)&value) == (off), "offset of " #T "." #f); }
#define MOBSYNC_ABI_VTBL(I, slots) \
    { I##Vtbl value; check(sizeof value == (slots) * sizeof(void *), "slots of " #I); }
#define MOBSYNC_ABI_SLOT(I, m, slot) \
    { I##Vtbl value; check((size_t)((char *)&value.m - (char *)&value) == (slot) * sizeof(void *), "slot of " #I "::" #m); }
#define MOBSYNC_ABI_CONST(name, value) check((long long)(name) == (value##LL), "value of " #name);
#define MOBSYNC_ABI_GUID(name) MOBSYNC_ABI_CHECK_GUID(name, MOBSYNC_EXPECT_##name);
#include "abi_expected.h"
    if (failures != 0) {
        fprintf(stderr, "%d of %d ABI checks failed\n", failures, checks);
        return 1;
    }
    printf("%d ABI checks passed\n", checks);
    return 0;
}
