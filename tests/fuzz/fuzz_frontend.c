/* fuzz_frontend.c - libFuzzer harness of the front end and the formatter.
 *
 * Each input is compiled as a model held in memory (nltc_compile_buffer: scanner,
 * parser, imports from the standard library, sema, lowering, IR verifier, IR printer);
 * any crash, sanitizer report, leak or hang is a finding. Inputs that parse are also
 * formatted: the formatter verifies that its output parses to the same tree and is a
 * fixed point, and a failed verification aborts here so that the fuzzer keeps the input.
 * Built by tests/fuzz/CMakeLists.txt when NLTC_FUZZ=ON; run by scripts/fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "fmt.h"

#ifndef NLTC_FUZZ_STDLIB
#error "NLTC_FUZZ_STDLIB (the stdlib directory) must be defined"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *null_out;
    if (!null_out) null_out = fopen("/dev/null", "w");

    nltc_arena *a = nltc_arena_new();
    nltc_compile_opts o = {.stdlib_dir = NLTC_FUZZ_STDLIB, .no_env = true, .quiet = true};
    nltc_status st;
    ir_program *p = nltc_compile_buffer("fuzz/input.nlt", (const char *)data, size, &o, a, &st);
    if (p && null_out) ir_print(null_out, p);
    nltc_arena_free(a);

    a = nltc_arena_new();
    src_file *src = nltc_arena_alloc(a, sizeof *src);
    src->path = "fuzz/input.nlt";
    src->text = nltc_arena_strndup(a, (const char *)data, size);
    src->len = size;
    diag_ctx d = {.out = NULL};
    char *out;
    size_t out_len;
    if (fmt_source(a, src, &d, &out, &out_len) == FMT_INTERNAL) {
        /* Say why on stderr (the crash report names the input). */
        diag_ctx loud = {.out = stderr};
        fmt_source(a, src, &loud, &out, &out_len);
        abort();
    }
    nltc_arena_free(a);
    return 0;
}
