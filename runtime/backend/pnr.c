/* pnr.c - place and route on Lattice iCE40 (hardware { target = ice40 }): the core inside a
 * serial I/O shell (a real part has tens of pins, the core's ports are hundreds of bits
 * wide), synth_ice40 to JSON, nextpnr-ice40 on the part chosen by size (UP5K, else HX8K) or
 * the one the model names, icepack to the bitstream. The router's Fmax and utilisation go
 * into the report, the bitstream into OUT/pnr/. Tools absent: a note, nothing else. */
#include "backend.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ice_part {
    ir_part part;
    const char *flag, *package, *name;
    long cells; /* logic cells: a LUT4 and a flip-flop each */
} ice_part;

/* Smallest first: the order auto tries them in. */
static const ice_part parts[] = {
    {IR_PART_UP5K, "--up5k", "sg48", "iCE40 UP5K (SG48)", 5280},
    {IR_PART_HX8K, "--hx8k", "ct256", "iCE40 HX8K (CT256)", 7680},
};
enum { N_PARTS = sizeof parts / sizeof *parts };

static const ice_part *part_of(ir_part p) {
    for (int i = 0; i < N_PARTS; i++)
        if (parts[i].part == p) return &parts[i];
    return NULL;
}

/* Flip-flops the design needs whatever the tables: the shell's shift registers and every
 * pipeline register. A lower bound of its logic cells. */
static long min_cells(long iw, long ow, const long *reg_width, int n) {
    long c = iw + ow;
    for (int l = 0; l < n; l++)
        c += reg_width[l];
    return c;
}

rt_status be_pnr_check(const ir_program *ir, rt_error *e) {
    if (ir->hw.target != IR_TARGET_ICE40 || ir->n_layers < 1) return RT_OK;
    long *w = xcalloc((size_t)ir->n_layers, sizeof *w);
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        w[l] = L->reg_after ? (long)L->out_width * L->bits_out : 0;
    }
    const ir_layer *last = &ir->layers[ir->n_layers - 1];
    long need = min_cells((long)ir->layers[0].in_width * ir->layers[0].bits_in,
                          (long)last->out_width * last->bits_out, w, ir->n_layers);
    free(w);
    const ice_part *p = part_of(ir->hw.part);
    const ice_part *big = p ? p : &parts[N_PARTS - 1];
    if (need <= big->cells) return RT_OK;
    return rt_fail_prop(e, RT_ERR_MODEL, p ? "hardware.part" : "hardware.target",
                        "the design needs at least %ld logic cells for its registers (pipeline "
                        "and I/O shell), more than the %s's %ld%s",
                        need, big->name, big->cells,
                        p ? "" : ", the largest iCE40 part nltc places on (UP5K has 5,280)");
}

/* The serial I/O shell: sin shifts into the core's input vector, load captures its output
 * vector, which then shifts out on sout, most significant bit first. */
static rt_status write_shell(const rt_tables *t, const be_plan *p, const char *path, rt_error *e) {
    const rt_table_layer *last = &t->layers[t->n_layers - 1];
    int iw = t->n_inputs * t->input_bits, ow = last->n_lut * last->bits_out;
    char *text = rt_strfmt(
        "// %s_pnr - the I/O shell nltc places and routes %s in (a part has too few pins for\n"
        "// its %d-bit input and %d-bit output): sin shifts into in_data, load captures\n"
        "// out_data, which shifts out on sout (MSB first). Every core path is register to\n"
        "// register, so the router's Fmax is the core's.\n"
        "module %s_pnr (\n    input  wire %s,\n    input  wire %s,\n    input  wire sin,\n"
        "    input  wire load,\n    output wire sout\n);\n"
        "    reg  [%d:0] shift_in;\n    reg  [%d:0] shift_out;\n    wire [%d:0] y;\n"
        "    wire        y_valid;\n"
        "    %s core (.%s(%s), .%s(%s), .in_valid(1'b1), .in_data(shift_in),\n"
        "        .out_valid(y_valid), .out_data(y));\n"
        "    always @(posedge %s) begin\n        shift_in <= {shift_in, sin};\n"
        "        shift_out <= load ? y : {shift_out, 1'b0};\n    end\n"
        "    assign sout = shift_out[%d];\nendmodule\n",
        p->ident, p->ident, iw, ow, p->ident, p->clock, p->reset, iw - 1, ow - 1, ow - 1, p->ident,
        p->clock, p->clock, p->reset, p->reset, p->clock, ow - 1);
    rt_status st = be_write_text(path, text, e);
    free(text);
    return st;
}

/* The count after "NAME" on the lines of a Yosys stat report that start with it. */
static long stat_count(const char *text, const char *prefix) {
    long n = 0;
    for (const char *s = text; (s = strstr(s, prefix)) != NULL; s++) {
        const char *q = s + strlen(prefix);
        while (*q && *q != ' ' && *q != '\n')
            q++;
        n += strtol(q, NULL, 10);
    }
    return n;
}

/* The last "Max frequency for clock ...: F MHz" and "ICESTORM_LC: U/ T" of nextpnr's log. */
static void read_pnr_log(const char *text, be_hw *h) {
    for (const char *s = text; (s = strstr(s, "Max frequency for clock")) != NULL; s++) {
        const char *c = strstr(s, "': ");
        if (c) h->pnr.fmax_mhz = strtod(c + 3, NULL);
    }
    for (const char *s = text; (s = strstr(s, "ICESTORM_LC:")) != NULL; s++) {
        long u, tot;
        if (sscanf(s + 12, " %ld/ %ld", &u, &tot) == 2) h->pnr.cells = u, h->pnr.cells_total = tot;
    }
}

/* Runs argv with its output into log; a tool error names the log kept in OUT/pnr. */
static rt_status run_tool(char **argv, const char *log, const char *out_dir, rt_error *e) {
    remove(log);
    int st = be_spawn(argv, NULL, log, log);
    if (st == 0) return RT_OK;
    const char *base = strrchr(log, '/');
    char *kept = be_keep_log(out_dir, log, base ? base + 1 : log);
    rt_fail(e, RT_ERR_TOOL, "%s failed (exit %d); log kept at %s", argv[0], st, kept);
    free(kept);
    return RT_ERR_TOOL;
}

/* Copies the file src to dst atomically. */
static rt_status copy_atomic(const char *src, const char *dst, rt_error *e) {
    size_t len;
    uint8_t *b = be_read_file(src, &len, e);
    if (!b) return RT_ERR_IO;
    rt_afile a;
    rt_status st = be_afile_open(&a, dst, e);
    if (!st) {
        if (fwrite(b, 1, len, a.f) != len) st = rt_fail(e, RT_ERR_IO, "%s: write failed", dst);
        rt_status c = be_afile_close(&a, e);
        if (!st) st = c;
    }
    free(b);
    return st;
}

/* Synthesizes shell and core with synth_ice40 into json; *luts, *ffs from its stat. */
static rt_status synth_json(const char *yosys, const char *rtl, const char *shell, const be_plan *p,
                            const char *work, const char *out_dir, long *luts, long *ffs,
                            rt_error *e) {
    char *script = rt_path_join(work, "pnr.ys"), *json = rt_path_join(work, "pnr.json");
    char *stat = rt_path_join(work, "pnr_stat.txt"), *log = rt_path_join(work, "yosys_pnr.log");
    char *text = rt_strfmt("read_verilog \"%s\"\nread_verilog \"%s\"\n"
                           "synth_ice40 -top %s_pnr -json \"%s\"\ntee -q -o %s stat\n",
                           rtl, shell, p->ident, json, stat);
    rt_status st = be_write_text(script, text, e);
    free(text);
    char *argv[] = {(char *)yosys, "-q", "-s", script, NULL};
    if (!st) st = run_tool(argv, log, out_dir, e);
    size_t len;
    char *s = st ? NULL : (char *)be_read_file(stat, &len, e);
    if (!st && !s) st = RT_ERR_IO;
    if (s) {
        s = xrealloc(s, len + 1);
        s[len] = '\0';
        *luts = stat_count(s, "SB_LUT4 ");
        *ffs = stat_count(s, "SB_DFF");
        free(s);
    }
    free(script), free(json), free(stat), free(log);
    return st;
}

/* The part: the model's, or the smallest whose logic cells hold LUTs plus flip-flops (an
 * upper bound: a LUT and the flip-flop it feeds share a cell). NULL: none is big enough. */
static const ice_part *choose(const be_plan *p, long luts, long ffs, be_hw *h) {
    const ice_part *q = part_of(p->part);
    long need = luts > ffs ? luts : ffs, bound = luts + ffs;
    if (q) {
        snprintf(h->pnr.why, sizeof h->pnr.why, "the model's hardware.part");
        return need <= q->cells ? q : NULL;
    }
    for (int i = 0; i < N_PARTS; i++)
        if (bound <= parts[i].cells || (i == N_PARTS - 1 && need <= parts[i].cells)) {
            snprintf(h->pnr.why, sizeof h->pnr.why,
                     "the smallest that holds %ld LUT4 + %ld flip-flops in %ld logic cells", luts,
                     ffs, parts[i].cells);
            return &parts[i];
        }
    return NULL;
}

rt_status be_pnr(const char *rtl, const rt_tables *t, const be_plan *p, const char *work,
                 const char *out_dir, be_hw *h, rt_error *e) {
    if (p->target != IR_TARGET_ICE40) return RT_OK;
    char *yosys = be_find_tool("NLTC_YOSYS", "yosys");
    char *nextpnr = be_find_tool("NLTC_NEXTPNR", "nextpnr-ice40");
    char *icepack = be_find_tool("NLTC_ICEPACK", "icepack");
    if (!yosys || !nextpnr || !icepack) {
        snprintf(h->pnr.note, sizeof h->pnr.note,
                 "%s not installed: place and route skipped (Debian: nextpnr-ice40, "
                 "fpga-icestorm)",
                 !yosys     ? "yosys"
                 : !nextpnr ? "nextpnr-ice40"
                            : "icepack");
        free(yosys), free(nextpnr), free(icepack);
        return RT_OK;
    }
    char name[300];
    snprintf(name, sizeof name, "%s_pnr.v", p->ident);
    char *shell = rt_path_join(work, name), *json = rt_path_join(work, "pnr.json");
    char *asc = rt_path_join(work, "pnr.asc"), *bin = rt_path_join(work, "pnr.bin");
    char *log = rt_path_join(work, "nextpnr.log"), *plog = rt_path_join(work, "icepack.log");
    long luts = 0, ffs = 0;
    double t0 = rt_now();
    rt_status st = write_shell(t, p, shell, e);
    if (!st) st = synth_json(yosys, rtl, shell, p, work, out_dir, &luts, &ffs, e);
    const ice_part *q = st ? NULL : choose(p, luts, ffs, h);
    if (!st && !q) {
        const ice_part *big = part_of(p->part) ? part_of(p->part) : &parts[N_PARTS - 1];
        st = rt_fail_prop(
            e, RT_ERR_MODEL, big == part_of(p->part) ? "hardware.part" : "hardware.target",
            "the design does not fit: %ld LUT4 and %ld flip-flops after synth_ice40 "
            "(I/O shell included), the %s has %ld logic cells%s",
            luts, ffs, big->name, big->cells, p->part == IR_PART_AUTO ? " (the UP5K 5,280)" : "");
    }
    if (!st) {
        char *argv[] = {nextpnr,
                        (char *)q->flag,
                        "--package",
                        (char *)q->package,
                        "--json",
                        json,
                        "--asc",
                        asc,
                        "--seed",
                        "1",
                        "--freq",
                        "12",
                        "--pcf-allow-unconstrained",
                        NULL};
        st = run_tool(argv, log, out_dir, e);
    }
    if (!st) {
        char *argv[] = {icepack, asc, bin, NULL};
        st = run_tool(argv, plog, out_dir, e);
    }
    size_t len;
    char *text = st ? NULL : (char *)be_read_file(log, &len, e);
    if (!st && !text) st = RT_ERR_IO;
    if (text) {
        text = xrealloc(text, len + 1);
        text[len] = '\0';
        read_pnr_log(text, h);
        free(text);
    }
    char *dir = rt_path_join(out_dir, "pnr");
    snprintf(name, sizeof name, "%s.bin", p->ident);
    char *dst = rt_path_join(dir, name);
    if (!st) st = be_mkdirs(dir, e);
    if (!st) st = copy_atomic(bin, dst, e);
    snprintf(name, sizeof name, "%s_pnr.v", p->ident);
    char *dshell = rt_path_join(dir, name), *dlog = rt_path_join(dir, "nextpnr.log");
    if (!st) st = copy_atomic(shell, dshell, e);
    if (!st) st = copy_atomic(log, dlog, e);
    if (!st) {
        h->pnr.ran = true;
        h->pnr.seconds = rt_now() - t0;
        snprintf(h->pnr.part, sizeof h->pnr.part, "%s", q->name);
        snprintf(h->pnr.bitstream, sizeof h->pnr.bitstream, "pnr/%s.bin", p->ident);
        snprintf(h->pnr.note, sizeof h->pnr.note,
                 "nextpnr-ice40 %s --package %s --seed 1, I/O pins unconstrained; the core in "
                 "the serial I/O shell pnr/%s_pnr.v",
                 q->flag, q->package, p->ident);
    }
    free(dir), free(dst), free(dshell), free(dlog);
    free(shell), free(json), free(asc), free(bin), free(log), free(plog);
    free(yosys), free(nextpnr), free(icepack);
    return st;
}
