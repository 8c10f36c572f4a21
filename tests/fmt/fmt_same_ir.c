/* fmt_same_ir.c - checks that formatting never changes a model: for each .nlt file that
 * compiles, the IR of the formatted text (compiled from memory under the file's own name,
 * so imports and data paths resolve alike) must print exactly as the IR of the file.
 * usage: fmt_same_ir FILE...   exit 0 all same, 1 a difference, 77 no file compiled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "fmt.h"

/* The --emit=ir text of p, malloc'd. */
static char *same_ir_text(const ir_program *p) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        perror("open_memstream");
        exit(2);
    }
    ir_print(f, p);
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    int compared = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        nltc_arena *a = nltc_arena_new();
        nltc_compile_opts o = {.quiet = true};
        ir_program *p = nltc_compile(argv[i], &o, a, NULL);
        src_file *src = p ? nltc_read_source(a, argv[i]) : NULL;
        if (!src) { /* not a model on its own (a module, or an error golden) */
            nltc_arena_free(a);
            continue;
        }
        diag_ctx d = {.out = stderr};
        char *text;
        size_t len;
        if (fmt_source(a, src, &d, &text, &len) != FMT_OK) {
            printf("FAIL: %s: nltc fmt failed\n", argv[i]);
            bad++;
            nltc_arena_free(a);
            continue;
        }
        nltc_compile_opts loud = {0};
        ir_program *q = nltc_compile_buffer(argv[i], text, len, &loud, a, NULL);
        compared++;
        if (!q) {
            printf("FAIL: %s: the formatted text does not compile\n", argv[i]);
            bad++;
        } else {
            char *x = same_ir_text(p), *y = same_ir_text(q);
            if (strcmp(x, y) != 0) {
                printf("FAIL: %s: the IR differs after formatting\n", argv[i]);
                bad++;
            }
            free(x);
            free(y);
        }
        nltc_arena_free(a);
    }
    printf("%d models compared, %d differ\n", compared, bad);
    if (compared == 0) {
        puts("SKIP: no model compiled");
        return 77;
    }
    return bad ? 1 : 0;
}
