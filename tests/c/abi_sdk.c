/*
 * ABI check of the SDK-compatible <mobsync.h> from mingw-w64 against the numbers of the Rust
 * side (mobsync_runtime::sys), which tests/tests/c_header.rs writes into "abi_expected.h".
 *
 * Compiled (not run) with x86_64-w64-mingw32-gcc. abi_header.c asserts that the generated
 * header has these same numbers, so together they prove that the generated header, the Rust
 * bindings and the SDK's header agree: struct sizes, alignments and field offsets, vtable slot
 * counts and indices, constant values, and the IIDs and CLSID (compared at compile time by
 * redefining DEFINE_GUID before <mobsync.h> expands it).
 */
#include <stddef.h>
#include <windows.h>
#include <ole2.h>
#include <objidl.h>
#include <oleidl.h>

#define MOBSYNC_ABI_ASSERT(cond, msg) _Static_assert(cond, msg)

#define MOBSYNC_ABI_PART_GUIDS
#include "abi_expected.h"
#undef MOBSYNC_ABI_PART_GUIDS

#define MOBSYNC_ABI_GUID_EQ(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8, \
                            el, ew1, ew2, eb1, eb2, eb3, eb4, eb5, eb6, eb7, eb8) \
    MOBSYNC_ABI_ASSERT((l) == (el) && (w1) == (ew1) && (w2) == (ew2) && (b1) == (eb1) && \
                       (b2) == (eb2) && (b3) == (eb3) && (b4) == (eb4) && (b5) == (eb5) && \
                       (b6) == (eb6) && (b7) == (eb7) && (b8) == (eb8), \
                       "SDK GUID " #name " differs from the Rust side"); \
    enum { mobsync_abi_seen_##name = 1 };
#define MOBSYNC_ABI_GUID_EQ_(...) MOBSYNC_ABI_GUID_EQ(__VA_ARGS__)

/* <mobsync.h> defines its IIDs with DEFINE_GUID: compare them instead of defining them. */
#undef DEFINE_GUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    MOBSYNC_ABI_GUID_EQ_(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8, MOBSYNC_EXPECT_##name)

#include <mobsync.h>

#define MOBSYNC_ABI_STRUCT(T, size, align) \
    MOBSYNC_ABI_ASSERT(sizeof(T) == (size), "SDK sizeof(" #T ")"); \
    MOBSYNC_ABI_ASSERT(_Alignof(T) == (align), "SDK alignof(" #T ")");
#define MOBSYNC_ABI_FIELD(T, f, off) MOBSYNC_ABI_ASSERT(offsetof(T, f) == (off), "SDK offsetof(" #T ", " #f ")");
#define MOBSYNC_ABI_VTBL(I, slots) \
    MOBSYNC_ABI_ASSERT(sizeof(I##Vtbl) == (slots) * sizeof(void *), "SDK slot count of " #I);
#define MOBSYNC_ABI_SLOT(I, m, slot) \
    MOBSYNC_ABI_ASSERT(offsetof(I##Vtbl, m) == (slot) * sizeof(void *), "SDK slot of " #I "::" #m);
#define MOBSYNC_ABI_CONST(name, value) \
    MOBSYNC_ABI_ASSERT((long long)(name) == (value##LL), "SDK value of " #name);
/* Every GUID of the Rust side was seen in <mobsync.h>. */
#define MOBSYNC_ABI_GUID(name) MOBSYNC_ABI_ASSERT(mobsync_abi_seen_##name == 1, "SDK defines " #name);
#include "abi_expected.h"
