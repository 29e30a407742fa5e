// The declaration is in include/CFuzzer.h; libFuzzer defines it when linked with -sanitize=fuzzer.
#include "CFuzzer.h"
