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

static void release(rt_tables *t, be_plan *p, rt_codes *c) {
    rt_tables_free(t);
    be_plan_free(p);
    rt_codes_free(c);
}

/* Flips the last entry (from the last layer back) that no test sample reaches; 1 when
 * every entry is reached. */
static int flip_unreached(const char *out, rt_tables *tp, be_plan *p, const rt_codes *c) {
    rt_tables t = *tp;
    for (int l = t.n_layers - 1; l >= 0; l--) {
        rt_table_layer *L = &t.layers[l];
        long rows = 1L << be_addr_bits(L);
        for (int j = 0; j < L->n_lut; j++)
            for (long a = rows - 1; a >= 0; a--) {
                if (reached(&t, c, l, j, a)) continue;
                uint16_t *v = &L->codes[(size_t)j * (size_t)rows + (size_t)a];
                *v = (uint16_t)(*v ^ 1u);
                rt_error e = {0};
                char *td = rt_path_join(out, "tables");
                int rc = be_tables_write(&t, p, td, &e) ? 2 : 0;
                free(td);
                if (rc) fprintf(stderr, "tamper_tool: %s\n", e.msg);
                if (!rc) printf("%d %d %ld\n", l, j, a);
                return rc;
            }
    }
    return 1;
}

static int cmd_unreached(const char *out) {
    rt_tables t;
    be_plan p;
    rt_codes c;
    load(out, &t, &p, &c);
    int rc = flip_unreached(out, &t, &p, &c);
    release(&t, &p, &c);
    return rc;
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

/* Changes the first reached entry of layer 0 whose change leaves every output as it was,
 * and emits OUT/csim from the changed tables; 1 when there is none. */
static int hide_change(const char *out, rt_tables *tp, const be_plan *p, const rt_codes *cp) {
    rt_tables t = *tp;
    const rt_codes c = *cp;
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
                be_input in = {&t, p, NULL};
                rt_error e = {0};
                char *cd = rt_path_join(out, "csim");
                int rc = be_emit_csim(&in, cd, &e) ? 2 : 0;
                free(cd);
                if (rc) fprintf(stderr, "tamper_tool: %s\n", e.msg);
                if (!rc) printf("0 %d %ld\n", j, a);
                return rc;
            }
            *v = old;
        }
    return 1;
}

static int cmd_hidden(const char *out) {
    rt_tables t;
    be_plan p;
    rt_codes c;
    load(out, &t, &p, &c);
    int rc = hide_change(out, &t, &p, &c);
    release(&t, &p, &c);
    return rc;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "unreached") == 0) return cmd_unreached(argv[2]);
    if (argc == 3 && strcmp(argv[1], "hidden") == 0) return cmd_hidden(argv[2]);
    fprintf(stderr, "usage: tamper_tool unreached|hidden OUT\n");
    return 2;
}
