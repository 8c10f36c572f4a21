/* csim_check.c - the exhaustive check of the C simulator: for every L-LUT and every
 * address, what the generated code holds and computes equals the tables. A driver that
 * includes the generated <ident>.c (so it sees its static tables and sliced functions)
 * dumps each layer's wiring and table rows as the plain path reads them and, on the
 * sliced path, the value the word operations of every L-LUT compute at every address;
 * the dump is compared here with rt_tables. The test-split replay checks only the
 * addresses the test samples reach; this checks the rest. */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

/* The driver's fixed part: little-endian writers and the dump of the plain path. */
static const char drv_head[] =
    "static FILE *dump;\n"
    "static void put16(unsigned v) {\n"
    "    fputc((int)(v & 255u), dump);\n"
    "    fputc((int)(v >> 8 & 255u), dump);\n"
    "}\n"
    "static void put32(unsigned long v) {\n"
    "    put16((unsigned)(v & 65535u));\n"
    "    put16((unsigned)(v >> 16 & 65535u));\n"
    "}\n"
    "static void dump_plain(void) {\n"
    "    int l;\n"
    "    size_t i;\n"
    "    for (l = 0; l < (int)(sizeof layers / sizeof layers[0]); l++) {\n"
    "        const struct layer *L = &layers[l];\n"
    "        for (i = 0; i < (size_t)L->n_lut * (size_t)L->fanin; i++)\n"
    "            put32((unsigned long)L->wire[i]);\n"
    "        for (i = 0; i < (size_t)L->n_lut << L->addr_bits; i++)\n"
    "            put16((unsigned)L->table[i]);\n"
    "    }\n"
    "}\n";

/* The sliced part: per L-LUT, 64 addresses per word, the address bits as input planes
 * at the codes its plain wiring reads (a code read by two slots takes the later slot's
 * bits), one call of the function holding the L-LUT, the output planes read back. */
static const char drv_sliced[] =
    "struct chunk {\n"
    "    int layer, j0, j1, bits_out;\n"
    "    void (*fn)(const uint64_t *, uint64_t *);\n"
    "};\n"
    "static void dump_chunk(const struct chunk *c, uint64_t *s, size_t ns, uint64_t *d) {\n"
    "    const struct layer *L = &layers[c->layer];\n"
    "    unsigned long rows = 1ul << L->addr_bits, w, x;\n"
    "    int j, k, b;\n"
    "    for (j = c->j0; j < c->j1; j++)\n"
    "        for (w = 0; w * 64 < rows; w++) {\n"
    "            memset(s, 0, sizeof *s * ns);\n"
    "            for (k = 0; k < L->fanin; k++)\n"
    "                for (b = 0; b < L->bits_in; b++) {\n"
    "                    uint64_t pat = 0;\n"
    "                    for (x = 0; x < 64; x++)\n"
    "                        if ((w * 64 + x) >> (k * L->bits_in + b) & 1u)\n"
    "                            pat |= (uint64_t)1 << x;\n"
    "                    s[(size_t)L->wire[(size_t)j * L->fanin + k] * L->bits_in + b] = pat;\n"
    "                }\n"
    "            c->fn(s, d);\n"
    "            for (x = 0; x < 64 && w * 64 + x < rows; x++) {\n"
    "                unsigned v = 0;\n"
    "                for (b = 0; b < c->bits_out; b++)\n"
    "                    v |= (unsigned)(d[j * c->bits_out + b] >> x & 1u) << b;\n"
    "                put16(v);\n"
    "            }\n"
    "        }\n"
    "}\n";

/* Writes the driver for t (sliced functions numbered as be_csim_emit_sliced numbers
 * them: per layer, one per BE_SLICE_CHUNK L-LUTs). */
static rt_status write_driver(const rt_tables *t, const be_plan *p, bool sliced, const char *path,
                              rt_error *e) {
    rt_buf b = {0};
    rt_buf_printf(&b,
                  "/* check.c - dumps the tables of the C simulator \"%s\" for nltc verify. "
                  "*/\n#include \"%s.c\"\n\n#include <stdio.h>\n\n%s",
                  p->model, p->ident, drv_head);
    long ns = 1, nd = 1;
    if (sliced) {
        rt_buf_printf(&b, "%s\nstatic const struct chunk chunks[] = {\n", drv_sliced);
        int fn = 0;
        for (int l = 0; l < t->n_layers; l++) {
            const rt_table_layer *L = &t->layers[l];
            long in = (long)L->in_width * L->bits_in, out = (long)L->n_lut * L->bits_out;
            ns = in > ns ? in : ns;
            nd = out > nd ? out : nd;
            for (int j0 = 0; j0 < L->n_lut; j0 += BE_SLICE_CHUNK, fn++) {
                int j1 = j0 + BE_SLICE_CHUNK < L->n_lut ? j0 + BE_SLICE_CHUNK : L->n_lut;
                rt_buf_printf(&b, "    {%d, %d, %d, %d, slice%d},\n", l, j0, j1, L->bits_out, fn);
            }
        }
        rt_buf_printf(&b, "};\nstatic uint64_t planes_s[%ld], planes_d[%ld];\n", ns, nd);
    }
    rt_buf_printf(&b, "\nint main(int argc, char **argv) {\n"
                      "    if (argc != 2 || !(dump = fopen(argv[1], \"wb\")))\n"
                      "        return 2;\n"
                      "    dump_plain();\n");
    if (sliced)
        rt_buf_printf(&b,
                      "    {\n"
                      "        size_t c;\n"
                      "        for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++)\n"
                      "            dump_chunk(&chunks[c], planes_s, %ld, planes_d);\n"
                      "    }\n",
                      ns);
    rt_buf_printf(&b, "    return fclose(dump) == 0 ? 0 : 2;\n}\n");
    char *text = rt_buf_take(&b);
    rt_status st = be_write_text(path, text, e);
    free(text);
    return st;
}

/* Records a differing entry in k (the first one located). */
static void differ(be_check *k, const char *what, int l, int j, long a, unsigned got,
                   unsigned want) {
    if (k->m.samples++ == 0) {
        snprintf(k->what, sizeof k->what, "%s", what);
        k->m.layer = l, k->m.index = j, k->addr = a, k->m.got = got, k->m.want = want;
    }
}

/* Reads n little-endian values of w bytes; false at a short read. */
static bool read_le(FILE *f, int w, unsigned *v) {
    unsigned char b[4];
    if (fread(b, 1, (size_t)w, f) != (size_t)w) return false;
    *v = 0;
    for (int i = w - 1; i >= 0; i--)
        *v = *v << 8 | b[i];
    return true;
}

/* The address slot values reach through the planes: a code read by two slots takes the
 * later slot's bits. */
static long effective_addr(const rt_table_layer *L, int j, long a) {
    const int *w = L->inputs + (size_t)j * (size_t)L->fanin;
    long eff = 0, mask = (1L << L->bits_in) - 1;
    for (int s = 0; s < L->fanin; s++) {
        int last = s;
        for (int s2 = s + 1; s2 < L->fanin; s2++)
            if (w[s2] == w[s]) last = s2;
        eff |= (a >> (last * L->bits_in) & mask) << (s * L->bits_in);
    }
    return eff;
}

/* Compares the dump with t; false when it ends early. */
static bool compare_dump(FILE *f, const rt_tables *t, bool sliced, be_check *k) {
    unsigned v;
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        long rows = 1L << be_addr_bits(L);
        for (long i = 0; i < (long)L->n_lut * L->fanin; i++, k->entries++) {
            if (!read_le(f, 4, &v)) return false;
            if (v != (unsigned)L->inputs[i])
                differ(k, "wiring", l, (int)(i / L->fanin), i % L->fanin, v,
                       (unsigned)L->inputs[i]);
        }
        for (long i = 0; i < (long)L->n_lut * rows; i++, k->entries++) {
            if (!read_le(f, 2, &v)) return false;
            if (v != L->codes[i]) differ(k, "table", l, (int)(i / rows), i % rows, v, L->codes[i]);
        }
    }
    for (int l = 0; sliced && l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        long rows = 1L << be_addr_bits(L);
        for (int j = 0; j < L->n_lut; j++)
            for (long a = 0; a < rows; a++, k->entries++) {
                if (!read_le(f, 2, &v)) return false;
                unsigned want =
                    L->codes[(size_t)j * (size_t)rows + (size_t)effective_addr(L, j, a)];
                if (v != want) differ(k, "sliced", l, j, a, v, want);
            }
    }
    return fgetc(f) == EOF;
}

void be_csim_check_tables(const rt_tables *t, const be_plan *p, const char *csim_dir,
                          const char *work, const char *cc, be_check *k) {
    double t0 = rt_now();
    char name[256];
    snprintf(name, sizeof name, "%s.c", p->ident);
    char *src = rt_path_join(csim_dir, name), *drv = rt_path_join(work, "csim_check.c");
    char *exe = rt_path_join(work, "csim_check"), *log = rt_path_join(work, "csim_check.log");
    char *dump = rt_path_join(work, "csim_tables.bin"), *inc = rt_strfmt("-I%s", csim_dir);
    bool sliced = be_csim_can_slice(t);
    rt_error e = {0};
    k->ran = true;
    k->entries = 0;
    if (write_driver(t, p, sliced, drv, &e)) {
        snprintf(k->note, sizeof k->note, "%.250s", e.msg);
        k->m.samples = 1;
        goto done;
    }
    char *cc_argv[] = {(char *)cc, "-std=c99", "-O0", inc, "-o", exe, drv, NULL};
    int st = be_spawn(cc_argv, NULL, log, log);
    char *run_argv[] = {exe, dump, NULL};
    if (st == 0) st = be_spawn(run_argv, NULL, log, log);
    FILE *f = st == 0 ? fopen(dump, "rb") : NULL;
    if (!f) {
        snprintf(k->note, sizeof k->note, "the table dump of %s failed (exit %d); see %s", src, st,
                 log);
        k->m.samples = 1;
        goto done;
    }
    bool whole = compare_dump(f, t, sliced, k);
    fclose(f);
    if (!whole) {
        snprintf(k->note, sizeof k->note, "the table dump of %s is not the size of the tables",
                 src);
        k->m.samples += k->m.samples == 0;
        goto done;
    }
    snprintf(k->note, sizeof k->note, "every L-LUT at every address: wiring, table%s",
             sliced ? " and the sliced word operations" : "");
done:
    k->seconds = rt_now() - t0;
    free(src), free(drv), free(exe), free(log), free(dump), free(inc);
}
