/*
 * bcryptprimitives.dll replacement for Wine 8.0, which lacks it.
 *
 * Every Rust std binary for Windows imports ProcessPrng from bcryptprimitives.dll; without the DLL
 * a Rust DLL or EXE fails to load (status c0000135). This shim provides ProcessPrng on top of
 * RtlGenRandom (exported by advapi32 as SystemFunction036), which Wine implements.
 *
 * Built and installed into the test prefix by `cargo xtask wine-test`; see xtask/src/wine.rs.
 */
#include <windows.h>

/* RtlGenRandom; declared here rather than through <ntsecapi.h> to keep the shim self-contained. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* The largest request passed to RtlGenRandom at once (its length is a ULONG; stay well inside). */
#define CHUNK 0x7fffffffu

/* Fills `data` with `size` random bytes. Returns TRUE, or FALSE if the system generator failed. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > CHUNK ? CHUNK : (ULONG)size;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH)
        DisableThreadLibraryCalls(instance);
    return TRUE;
}
