/* tamper_tool.c - makes the tampered output folders of tamper.sh, edits that the test
 * split cannot see:
 *   tamper_tool unreached OUT   flips a table entry at an address no test sample reaches
 *                               and writes the table files again (the manifest's FNV
 *                               recomputed, as a careful forger would)
 *   tamper_tool hidden OUT      changes a C-simulator table entry of an early layer whose
 *                               effect a later layer hides on every test sample (OUT/csim
 *                               emitted again from the changed tables; OUT/tables kept)
 * Each prints "LAYER LUT ADDRESS" of the entry it changed; exit 1 when it finds none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

/* Reads OUT/tables and OUT/vectors/test.codes. */
static void load(const char *out, rt_tables *t, be_plan *p, rt_codes *c) {
    rt_error e = {0};
    char *td = rt_path_join(out, "tables"), *cp = rt_path_join(out, "vectors/test.codes");
    if (be_tables_read(td, t, p, &e) || be_codes_read(cp, c, &e)) {
        fprintf(stderr, "tamper_tool: %s\n", e.msg);
        exit(2);
    }
    free(td);
    free(cp);
}

/* Whether some test sample reads address a of L-LUT j of layer l. */
static bool reached(const rt_tables *t, const rt_codes *c, int l, int j, long a) {
    const rt_table_layer *L = &t->layers[l];
    const uint16_t *src = l ? c->layer[l - 1] : c->input;
    int w = l ? c->widths[l - 1] : c->n_inputs;
    for (int s = 0; s < c->n_samples; s++) {
        long addr = 0;
        for (int f = 0; f < L->fanin; f++) {
            unsigned code = src[(size_t)s * (size_t)w + (size_t)L->inputs[j * L->fanin + f]];
            addr |= (long)(code & ((1u << L->bits_in) - 1)) << (f * L->bits_in);
        }
        if (addr == a) return true;
    }
    return false;
}

static int cmd_unreached(const char *out) {
    rt_tables t;
    be_plan p;
    rt_codes c;
    load(out, &t, &p, &c);
    for (int l = t.n_layers - 1; l >= 0; l--) {
        rt_table_layer *L = &t.layers[l];
        long rows = 1L << be_addr_bits(L);
        for (int j = 0; j < L->n_lut; j++)
            for (long a = rows - 1; a >= 0; a--) {
                if (reached(&t, &c, l, j, a)) continue;
                uint16_t *v = &L->codes[(size_t)j * (size_t)rows + (size_t)a];
                *v = (uint16_t)(*v ^ 1u);
                rt_error e = {0};
                char *td = rt_path_join(out, "tables");
                if (be_tables_write(&t, &p, td, &e)) {
                    fprintf(stderr, "tamper_tool: %s\n", e.msg);
                    return 2;
                }
                printf("%d %d %ld\n", l, j, a);
                free(td);
                return 0;
            }
    }
    return 1;
}

/* Whether the final outputs of the test split through t equal the reference codes. */
static bool outputs_same(const rt_tables *t, const rt_codes *c) {
    rt_codes got;
    be_lookup_codes(t, c, &got);
    int last = t->n_layers - 1;
    bool same =
        memcmp(got.layer[last], c->layer[last],
               sizeof *got.layer[last] * (size_t)c->n_samples * (size_t)c->widths[last]) == 0;
    rt_codes_free(&got);
    return same;
}

static int cmd_hidden(const char *out) {
    rt_tables t;
    be_plan p;
    rt_codes c;
    load(out, &t, &p, &c);
    rt_table_layer *L = &t.layers[0];
    long rows = 1L << be_addr_bits(L);
    /* a reached entry of the first layer whose change leaves every output as it was */
    for (int j = 0; j < L->n_lut; j++)
        for (long a = 0; a < rows; a++) {
            if (!reached(&t, &c, 0, j, a)) continue;
            uint16_t *v = &L->codes[(size_t)j * (size_t)rows + (size_t)a];
            uint16_t old = *v;
            *v = (uint16_t)(old ^ 1u);
            if (outputs_same(&t, &c)) {
                be_input in = {&t, &p, NULL};
                rt_error e = {0};
                char *cd = rt_path_join(out, "csim");
                if (be_emit_csim(&in, cd, &e)) {
                    fprintf(stderr, "tamper_tool: %s\n", e.msg);
                    return 2;
                }
                printf("0 %d %ld\n", j, a);
                free(cd);
                return 0;
            }
            *v = old;
        }
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "unreached") == 0) return cmd_unreached(argv[2]);
    if (argc == 3 && strcmp(argv[1], "hidden") == 0) return cmd_hidden(argv[2]);
    fprintf(stderr, "usage: tamper_tool unreached|hidden OUT\n");
    return 2;
}
