/*
 * A test-only stand-in for Windows' bcryptprimitives.dll, which Wine 8 lacks: Rust's standard
 * library takes its random numbers from ProcessPrng there (Windows 10 and later have it). This
 * one asks BCryptGenRandom, which Wine has. Built by scripts/test beside the programs under
 * test; never shipped (scripts/dist does not build it, and real Windows has the real one).
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
