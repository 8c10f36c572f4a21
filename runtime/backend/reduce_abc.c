/* reduce_abc.c - the fill of the don't-cares chosen by ABC (reduce = dont_care(fill = abc)).
 *
 * ABC takes external don't-cares as the EXDC network of a BLIF file (.exdc), one function
 * of the inputs for all outputs; of its commands, `collapse` uses it: per output it
 * computes an irredundant sum of products (BDD ISOP) between the on-set outside the
 * don't-cares and the on-set with them. So every L-LUT with unseen addresses becomes one
 * BLIF model: its trained table, one output per output bit, and the unseen addresses as
 * the EXDC. One run of yosys-abc (the ABC that Yosys ships) collapses every model and
 * writes it back as a PLA; the covers are evaluated at every address and written into the
 * tables, so the C simulator, the RTL and verification all use ABC's choice. A seen
 * address keeps its code (checked: a cover that changes one is a tool failure). */
#include "reduce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

/* Whether L-LUT j of layer l has an address seen fewer than rarity times. */
static bool ra_has_dc(const rt_table_layer *L, const uint32_t *cnt, int j, long rarity) {
    size_t n = (size_t)1 << be_addr_bits(L);
    for (size_t x = 0; x < n; x++)
        if ((long long)cnt[((size_t)j << be_addr_bits(L)) | x] < rarity) return true;
    return false;
}

/* Writes address x's a bits, bit 0 first (the BLIF/PLA input order x0 x1 ...). */
static void ra_minterm(FILE *f, size_t x, int a) {
    for (int i = 0; i < a; i++)
        fputc('0' + (int)(x >> i & 1u), f);
}

static void ra_inputs(FILE *f, int a) {
    for (int i = 0; i < a; i++)
        fprintf(f, " x%d", i);
}

/* The BLIF model of L-LUT j of layer l: the trained table and the unseen addresses. */
static rt_status ra_write_blif(const char *path, const rt_table_layer *L, const uint32_t *cnt,
                               int j, long rarity, rt_error *e) {
    const int a = be_addr_bits(L);
    const size_t n = (size_t)1 << a;
    const uint16_t *c = L->codes + ((size_t)j << a);
    const uint32_t *k = cnt + ((size_t)j << a);
    FILE *f = fopen(path, "w");
    if (!f) return rt_fail(e, RT_ERR_IO, "%s: cannot write", path);
    fprintf(f, ".model l\n.inputs");
    ra_inputs(f, a);
    fprintf(f, "\n.outputs");
    for (int b = 0; b < L->bits_out; b++)
        fprintf(f, " y%d", b);
    fputc('\n', f);
    for (int b = 0; b < L->bits_out; b++) {
        bool any = false;
        for (size_t x = 0; x < n && !any; x++)
            any = c[x] >> b & 1u;
        fprintf(f, ".names");
        if (any) ra_inputs(f, a); /* a constant 0 has neither inputs nor rows */
        fprintf(f, " y%d\n", b);
        for (size_t x = 0; x < n && any; x++)
            if (c[x] >> b & 1u) ra_minterm(f, x, a), fprintf(f, " 1\n");
    }
    fprintf(f, ".exdc\n.inputs");
    ra_inputs(f, a);
    fprintf(f, "\n.outputs dc\n.names");
    ra_inputs(f, a);
    fprintf(f, " dc\n");
    for (size_t x = 0; x < n; x++)
        if ((long long)k[x] < rarity) ra_minterm(f, x, a), fprintf(f, " 1\n");
    fprintf(f, ".end\n");
    return fclose(f) == 0 ? RT_OK : rt_fail(e, RT_ERR_IO, "%s: write error", path);
}

/* Reads the PLA ABC wrote for L-LUT j of L and writes its cover's value at every address
 * into the table; a seen address whose code the cover changes is a tool failure. */
static rt_status ra_read_pla(const char *path, const rt_table_layer *L, const uint32_t *cnt, int j,
                             long rarity, rt_error *e) {
    const int a = be_addr_bits(L);
    const size_t n = (size_t)1 << a;
    uint16_t *c = L->codes + ((size_t)j << a);
    const uint32_t *k = cnt + ((size_t)j << a);
    FILE *f = fopen(path, "r");
    if (!f) return rt_fail(e, RT_ERR_TOOL, "%s: ABC wrote no cover (see abc.log)", path);
    int var[16], outs = 0, ins = 0; /* PLA input column -> address bit; output -> bit */
    int out_bit[16];
    uint16_t *v = xcalloc(n, sizeof *v);
    char line[4096];
    rt_status st = RT_OK;
    while (!st && fgets(line, sizeof line, f)) {
        char *tok = strtok(line, " \t\r\n");
        if (!tok || tok[0] == '#') continue;
        if (!strcmp(tok, ".ilb") || !strcmp(tok, ".ob")) {
            bool in = tok[1] == 'i';
            int *dst = in ? var : out_bit, *cnt_p = in ? &ins : &outs;
            for (char *w; (w = strtok(NULL, " \t\r\n")) && *cnt_p < 16;)
                dst[(*cnt_p)++] = atoi(w + 1); /* x<i>, y<b> */
            continue;
        }
        if (tok[0] == '.') continue;
        char *o = strtok(NULL, " \t\r\n");
        if (!o || (int)strlen(tok) != ins || (int)strlen(o) != outs || ins != a) {
            st = rt_fail(e, RT_ERR_TOOL, "%s: unexpected cube '%s'", path, tok);
            break;
        }
        for (size_t x = 0; x < n; x++) { /* the addresses the cube covers */
            bool in = true;
            for (int i = 0; i < ins && in; i++)
                in = tok[i] == '-' || (unsigned)(tok[i] - '0') == (x >> var[i] & 1u);
            for (int q = 0; q < outs && in; q++)
                if (o[q] == '1') v[x] |= (uint16_t)(1u << out_bit[q]);
        }
    }
    fclose(f);
    for (size_t x = 0; x < n && !st; x++) {
        if ((long long)k[x] >= rarity && v[x] != c[x])
            st = rt_fail(e, RT_ERR_TOOL, "%s: ABC's cover changes the seen address %zu", path, x);
        c[x] = v[x];
    }
    free(v);
    return st;
}

rt_status be_reduce_abc_check(rt_error *e) {
    char *abc = be_find_tool("NLTC_YOSYS_ABC", "yosys-abc");
    free(abc);
    return abc ? RT_OK
               : rt_fail_prop(e, RT_ERR_TOOL, "hardware.reduce",
                              "fill = abc needs yosys-abc (the ABC that Yosys installs; "
                              "NLTC_YOSYS_ABC names another), which is not on PATH");
}

rt_status be_reduce_abc(rt_tables *t, const be_counts *c, long rarity, rt_error *e) {
    rt_status found = be_reduce_abc_check(e);
    if (found) return found;
    char *abc = be_find_tool("NLTC_YOSYS_ABC", "yosys-abc");
    char *dir = rt_scratch_new("nltc-reduce-abc", e);
    rt_status st = dir ? RT_OK : e->status;
    char *script = dir ? rt_path_join(dir, "fill.abc") : NULL, name[64];
    FILE *s = script ? fopen(script, "w") : NULL;
    if (!st && !s) st = rt_fail(e, RT_ERR_IO, "%s: cannot write", script);
    for (int l = 0; !st && l < t->n_layers; l++)
        for (int j = 0; !st && j < t->layers[l].n_lut; j++) {
            if (!ra_has_dc(&t->layers[l], c->counts[l], j, rarity)) continue;
            snprintf(name, sizeof name, "l%d_%d.blif", l, j);
            char *path = rt_path_join(dir, name);
            st = ra_write_blif(path, &t->layers[l], c->counts[l], j, rarity, e);
            free(path);
            fprintf(s, "read_blif l%d_%d.blif; collapse; write_pla l%d_%d.pla\n", l, j, l, j);
        }
    if (s && fclose(s) != 0 && !st) st = rt_fail(e, RT_ERR_IO, "%s: write error", script);
    if (!st) {
        char *log = rt_path_join(dir, "abc.log");
        char *argv[] = {abc, "-f", "fill.abc", NULL};
        if (be_spawn(argv, dir, log, log) != 0)
            st = rt_fail(e, RT_ERR_TOOL, "reduce: %s failed (log: %s)", abc, log);
        free(log);
    }
    for (int l = 0; !st && l < t->n_layers; l++)
        for (int j = 0; !st && j < t->layers[l].n_lut; j++)
            if (ra_has_dc(&t->layers[l], c->counts[l], j, rarity)) {
                snprintf(name, sizeof name, "l%d_%d.pla", l, j);
                char *path = rt_path_join(dir, name);
                st = ra_read_pla(path, &t->layers[l], c->counts[l], j, rarity, e);
                free(path);
            }
    free(script);
    if (dir) rt_scratch_free(dir, st != RT_OK);
    free(abc);
    return st;
}
