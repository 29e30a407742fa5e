#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt), for an executable whose `main` is its own: SwiftPM names
/// an executable's entry point `<Target>_main`, so each target calls the driver from there.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
