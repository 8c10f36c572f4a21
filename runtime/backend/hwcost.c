/* hwcost.c - hardware cost: the analytic LUT-K estimate of every table (Shannon
 * decomposition), and synthesis of the RTL with Yosys: the lean generic flow (abc -lut K),
 * and the target family's mapping (synth_xilinx's LUT1..LUT6, MUXF7/F8, FDRE for K = 6;
 * synth_ice40, synth_ecp5, synth_intel_alm for the others). Each mapped netlist is read
 * back to count cells and find the deepest path of every pipeline stage; the static timing
 * pass of timing.c then estimates delays over the family's one. */
#include "netlist.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Analytic estimate (per table: rt_lut_cost) ------------------------------------ */

void be_hw_init(be_hw *h) {
    memset(h, 0, sizeof *h);
    h->luts_estimate = h->luts_support = -1;
    h->pipeline_stages = h->latency_cycles = -1;
    h->luts_yosys = h->ffs = h->lut_levels = -1;
    h->synth_s = h->synth_cpu_s = NAN;
    h->luts_mapped = h->muxf7 = h->muxf8 = h->ffs_mapped = -1;
    h->mapped_levels = -1;
    h->period_ns = h->fmax_mhz = h->latency_ns = h->adp = NAN;
    h->pnr.fmax_mhz = h->pnr.seconds = NAN;
    h->pnr.cells = h->pnr.cells_total = -1;
    h->luts_enc_estimate = h->luts_head_estimate = h->luts_enc_yosys = h->luts_head_yosys = -1;
    h->luts_core_yosys = -1;
    h->enc_comparators = h->enc_thresholds = -1;
}

void be_hw_free(be_hw *h) {
    free(h->layer_luts);
    free(h->stage_depth);
    free(h->stage_ns);
    be_hw_init(h);
}

/* Support size of output bit k of an L-LUT; *wire set when the bit is one address bit. */
static int bit_support(const uint16_t *rows, int a, int k, bool *wire) {
    int n = 0, var = -1;
    for (int v = 0; v < a; v++)
        for (unsigned r = 0; r < 1u << a; r++)
            if (!(r >> v & 1u) && ((rows[r] ^ rows[r | 1u << v]) >> k & 1u)) {
                n++;
                var = v;
                break;
            }
    *wire = false;
    if (n == 1) {
        *wire = true;
        for (unsigned r = 0; r < 1u << a && *wire; r++)
            *wire = (unsigned)(rows[r] >> k & 1u) == (r >> var & 1u);
    }
    return n;
}

/* The address bits an L-LUT's table depends on (bit v set: some output changes with it). */
static uint32_t addr_deps(const uint16_t *rows, int a) {
    uint32_t m = 0;
    for (int v = 0; v < a; v++)
        for (unsigned r = 0; r < 1u << a; r++)
            if (!(r >> v & 1u) && rows[r] != rows[r | 1u << v]) {
                m |= 1u << v;
                break;
            }
    return m;
}

/* live[l][j]: every L-LUT of the last layer, and each one a live L-LUT of the next layer
 * reads through an address bit its table depends on. */
int be_live_luts(const rt_tables *t, bool **live) {
    int dead = 0;
    for (int l = t->n_layers - 1; l >= 0; l--) {
        const rt_table_layer *L = &t->layers[l];
        live[l] = xcalloc((size_t)L->n_lut, sizeof **live);
        for (int j = 0; j < L->n_lut; j++)
            live[l][j] = l == t->n_layers - 1;
    }
    for (int l = t->n_layers - 1; l >= 0; l--) {
        const rt_table_layer *L = &t->layers[l];
        int a = be_addr_bits(L);
        for (int j = 0; j < L->n_lut; j++) {
            if (!live[l][j]) {
                dead++;
                continue;
            }
            if (l == 0) continue;
            uint32_t dep = addr_deps(L->codes + ((size_t)j << a), a);
            for (int v = 0; v < a; v++)
                if (dep >> v & 1u) live[l - 1][L->inputs[j * L->fanin + v / L->bits_in]] = true;
        }
    }
    return dead;
}

void be_hw_estimate(const rt_tables *t, const be_plan *p, be_hw *h) {
    int k = p->lut_inputs > 0 ? p->lut_inputs : 6;
    free(h->layer_luts);
    h->n_layers = t->n_layers;
    h->layer_luts = xcalloc((size_t)t->n_layers, sizeof *h->layer_luts);
    h->luts_estimate = h->luts_support = 0;
    bool **live = xcalloc((size_t)t->n_layers, sizeof *live);
    h->luts_dead = be_live_luts(t, live);
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        int a = be_addr_bits(L);
        h->layer_luts[l] = (long)L->n_lut * L->bits_out * rt_lut_cost(a, k);
        h->luts_estimate += h->layer_luts[l];
        for (int j = 0; j < L->n_lut; j++)
            for (int b = 0; b < L->bits_out && live[l][j]; b++) {
                bool wire;
                int s = bit_support(L->codes + ((size_t)j << a), a, b, &wire);
                if (s > 0 && !wire) h->luts_support += rt_lut_cost(s, k);
            }
        free(live[l]);
    }
    free(live);
    h->pipeline_stages = h->latency_cycles = be_plan_stages(p);
    h->estimate_note[0] = '\0';
    for (int l = 0; l < t->n_layers; l++) {
        int a = be_addr_bits(&t->layers[l]);
        if (a <= k) continue;
        snprintf(h->estimate_note, sizeof h->estimate_note,
                 "layer %s has %d-bit table addresses, wider than the %d-input LUT: each output "
                 "bit is a Shannon decomposition of %ld LUT%d",
                 p->layers[l].name, a, k, rt_lut_cost(a, k), k);
        break;
    }
    be_hw_estimate_io(t, k, h);
}

/* ---- Reading the mapped netlist (BLIF) ---------------------------------------------- */

static int net_get(netlist *nl, const char *name) {
    if ((size_t)nl->n * 2 >= nl->hcap) {
        size_t cap = nl->hcap ? nl->hcap * 2 : 1024;
        int *slot = xmalloc(sizeof *slot * cap);
        for (size_t i = 0; i < cap; i++)
            slot[i] = -1;
        for (int i = 0; i < nl->n; i++) {
            size_t h = rt_fnv1a(RT_FNV_INIT, nl->nets[i].name, strlen(nl->nets[i].name));
            while (slot[h & (cap - 1)] >= 0)
                h++;
            slot[h & (cap - 1)] = i;
        }
        free(nl->slot);
        nl->slot = slot;
        nl->hcap = cap;
    }
    size_t h = rt_fnv1a(RT_FNV_INIT, name, strlen(name));
    for (;; h++) {
        int i = nl->slot[h & (nl->hcap - 1)];
        if (i < 0) break;
        if (strcmp(nl->nets[i].name, name) == 0) return i;
    }
    if (nl->n == nl->cap) {
        nl->cap = nl->cap ? 2 * nl->cap : 1024;
        nl->nets = xrealloc(nl->nets, sizeof *nl->nets * (size_t)nl->cap);
    }
    net *x = &nl->nets[nl->n];
    memset(x, 0, sizeof *x);
    x->name = xstrdup(name);
    x->depth = -1;
    nl->slot[h & (nl->hcap - 1)] = nl->n;
    return nl->n++;
}

static void netlist_free(netlist *nl) {
    for (int i = 0; i < nl->n; i++) {
        free(nl->nets[i].name);
        free(nl->nets[i].in);
        free(nl->nets[i].pin_local);
    }
    free(nl->nets);
    free(nl->slot);
    free(nl->ff_d);
    free(nl->ff_q);
    free(nl->outs);
}

/* Splits a line into whitespace-separated words in place. */
static int split(char *s, char **w, int max) {
    int n = 0;
    while (*s) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s) break;
        if (n < max) w[n] = s;
        n++;
        while (*s && !isspace((unsigned char)*s))
            s++;
        if (*s) *s++ = '\0';
    }
    return n;
}

/* The number of words split would find in s (s unchanged). */
static int count_words(const char *s) {
    int n = 0;
    for (bool in = false; *s; s++) {
        bool sp = isspace((unsigned char)*s);
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

static void add_ff(netlist *nl, int d, int q) {
    nl->ff_d = xrealloc(nl->ff_d, sizeof *nl->ff_d * (size_t)(nl->n_ff + 1));
    nl->ff_q = xrealloc(nl->ff_q, sizeof *nl->ff_q * (size_t)(nl->n_ff + 1));
    nl->ff_d[nl->n_ff] = d;
    nl->ff_q[nl->n_ff] = q;
    nl->n_ff++;
    nl->ffs++;
    nl->nets[q].kind = DRV_FF;
    nl->nets[q].cell = BE_CELL_FF;
    nl->nets[q].depth = 0;
}

/* The kind of a library cell by its type name, BE_CELL_NONE when unknown: Xilinx (LUTn,
 * MUXF7/F8, FDRE), iCE40 (SB_LUT4, SB_DFF*), ECP5 (LUT4, PFUMX and L6MUX21 counted as the
 * wide multiplexers, TRELLIS_FF), Cyclone V (MISTRAL_ALUTn, MISTRAL_NOT, MISTRAL_FF). */
static be_cell cell_kind(const char *type) {
    size_t n = strlen(type);
    if (strstr(type, "DFF") || strstr(type, "DLATCH") || strncmp(type, "FD", 2) == 0 ||
        (n > 3 && strcmp(type + n - 3, "_FF") == 0))
        return BE_CELL_FF;
    if (strncmp(type, "SB_", 3) == 0) type += 3;
    if (strncmp(type, "MISTRAL_A", 9) == 0) type += 9;
    if (strncmp(type, "LUT", 3) == 0 && isdigit((unsigned char)type[3])) return BE_CELL_LUT;
    if (strcmp(type, "MUXF7") == 0 || strcmp(type, "PFUMX") == 0) return BE_CELL_MUXF7;
    if (strcmp(type, "MUXF8") == 0 || strcmp(type, "L6MUX21") == 0) return BE_CELL_MUXF8;
    if (strcmp(type, "INV") == 0 || strcmp(type, "MISTRAL_NOT") == 0) return BE_CELL_INV;
    return BE_CELL_NONE;
}

/* Pins by role: a flip-flop's data (D, DI, DATAIN) and output (Q), a logic cell's output
 * (O, Y, Z; Q of an ALUT), and a multiplexer's inputs from its own slice (I0/I1 of
 * MUXF7/F8, ALUT/BLUT of PFUMX, D0/D1 of L6MUX21). */
static bool pin_is(const char *pin, const char *const *names) {
    for (; *names; names++)
        if (strcmp(pin, *names) == 0) return true;
    return false;
}
static const char *const ff_d_pins[] = {"D", "DI", "DATAIN", NULL};
static const char *const out_pins[] = {"O", "Y", "Z", "Q", NULL};
static const char *const local_pins[] = {"I0", "I1", "ALUT", "BLUT", "D0", "D1", NULL};

/* A .subckt or .gate line: a flip-flop (D, Q) or a logic cell (output O, data inputs the
 * other pins; I0/I1 of a MUXF7/F8 come from its own slice). false for an unknown cell. */
static bool read_cell(netlist *nl, char **w, int n) {
    be_cell c = n >= 2 ? cell_kind(w[1]) : BE_CELL_NONE;
    if (c == BE_CELL_NONE) return false;
    nl->cells[c]++;
    int out = -1, n_in = 0, ins[16], local[16];
    for (int i = 2; i < n; i++) {
        char *eq = strchr(w[i], '=');
        if (!eq) continue;
        *eq = '\0';
        const char *pin = w[i], *val = eq + 1;
        if (c == BE_CELL_FF) {
            if (pin_is(pin, ff_d_pins)) ins[0] = net_get(nl, val), n_in = 1;
            if (strcmp(pin, "Q") == 0) out = net_get(nl, val);
        } else if (pin_is(pin, out_pins)) {
            out = net_get(nl, val);
        } else if (n_in < 16) {
            local[n_in] = (c == BE_CELL_MUXF7 || c == BE_CELL_MUXF8) && pin_is(pin, local_pins);
            ins[n_in++] = net_get(nl, val);
        }
    }
    if (out < 0) return true; /* an unconnected output */
    if (c == BE_CELL_FF) {
        if (n_in == 1) add_ff(nl, ins[0], out);
        return true;
    }
    net *x = &nl->nets[out];
    free(x->in);
    free(x->pin_local);
    x->kind = DRV_LUT; /* a logic level, counted as a LUT only when it is one */
    x->cell = c;
    x->n_in = n_in;
    x->in = xmalloc(sizeof *x->in * (size_t)(n_in ? n_in : 1));
    x->pin_local = xmalloc(sizeof *x->pin_local * (size_t)(n_in ? n_in : 1));
    memcpy(x->in, ins, sizeof *ins * (size_t)n_in);
    memcpy(x->pin_local, local, sizeof *local * (size_t)n_in);
    if (c == BE_CELL_LUT) nl->luts++;
    return true;
}

/* A .subckt of a module kept apart (nl->apart): not counted, its outputs left undriven. */
static bool kept_apart(const netlist *nl, char **w, int n) {
    for (const char *const *m = nl->apart; m && *m && n >= 2; m++)
        if (strcmp(w[1], *m) == 0) return true;
    return false;
}

/* Reads the BLIF Yosys wrote after mapping. */
static rt_status read_blif(const char *path, netlist *nl, rt_error *e) {
    size_t len;
    char *text = (char *)be_read_file(path, &len, e);
    if (!text) return RT_ERR_IO;
    text = xrealloc(text, len + 1);
    text[len] = '\0';
    /* Joins continued lines ("\" at the end). */
    for (size_t i = 0; i + 1 < len; i++)
        if (text[i] == '\\' && (text[i + 1] == '\n' || text[i + 1] == '\r'))
            text[i] = ' ', text[i + 1] = ' ';
    int cap = 4096; /* words per line; grows for long .inputs lines (raw encoder inputs) */
    char **w = xmalloc(sizeof *w * (size_t)cap);
    int cur = -1; /* net driven by the .names being read */
    bool models = false;
    int lineno = 0;
    for (char *line = text, *next; line && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        int need = count_words(line);
        if (need > cap) {
            cap = need;
            w = xrealloc(w, sizeof *w * (size_t)cap);
        }
        int n = split(line, w, cap);
        if (n == 0) continue;
        if (w[0][0] != '.') {
            /* a cover row of the current .names: "1 1" keeps it a buffer */
            if (cur >= 0 && nl->nets[cur].kind == DRV_BUF &&
                !(n == 2 && strcmp(w[0], "1") == 0 && strcmp(w[1], "1") == 0)) {
                nl->nets[cur].kind = DRV_LUT;
                nl->nets[cur].cell = BE_CELL_LUT;
                nl->luts++;
            }
            continue;
        }
        cur = -1;
        if (strcmp(w[0], ".model") == 0) {
            if (models) break; /* only the top model: the design was flattened */
            models = true;
        } else if (strcmp(w[0], ".inputs") == 0) {
            for (int i = 1; i < n; i++) {
                int x = net_get(nl, w[i]);
                nl->nets[x].kind = DRV_INPUT;
                nl->nets[x].depth = 0;
            }
        } else if (strcmp(w[0], ".outputs") == 0) {
            nl->outs = xrealloc(nl->outs, sizeof *nl->outs * (size_t)(nl->n_out + n));
            for (int i = 1; i < n; i++)
                nl->outs[nl->n_out++] = net_get(nl, w[i]);
        } else if (strcmp(w[0], ".names") == 0) {
            int out = net_get(nl, w[n - 1]);
            net *x = &nl->nets[out];
            free(x->in);
            x->n_in = n - 2;
            x->in = xmalloc(sizeof *x->in * (size_t)(n > 2 ? n - 2 : 1));
            for (int i = 1; i < n - 1; i++) {
                int src = net_get(nl, w[i]); /* may move nl->nets */
                nl->nets[out].in[i - 1] = src;
            }
            x = &nl->nets[out];
            if (x->n_in == 0) {
                x->kind = DRV_CONST;
                x->depth = 0;
            } else if (x->n_in == 1) {
                x->kind = DRV_BUF; /* until a cover row says otherwise */
                cur = out;
            } else {
                x->kind = DRV_LUT;
                x->cell = BE_CELL_LUT;
                nl->luts++;
            }
        } else if (strcmp(w[0], ".latch") == 0 && n >= 3) {
            int d = net_get(nl, w[1]);
            add_ff(nl, d, net_get(nl, w[2]));
        } else if ((strcmp(w[0], ".subckt") == 0 || strcmp(w[0], ".gate") == 0) &&
                   !kept_apart(nl, w, n) && !read_cell(nl, w, n)) {
            rt_fail(e, RT_ERR_TOOL, "%s:%d: unexpected cell %s after LUT mapping", path, lineno,
                    n >= 2 ? w[1] : "?");
            free(w);
            free(text);
            return RT_ERR_TOOL;
        }
    }
    free(w);
    free(text);
    return RT_OK;
}

/* LUT levels from the nearest register or input to net i. */
static int net_depth(netlist *nl, int i) {
    net *x = &nl->nets[i];
    if (x->depth >= 0) return x->depth;
    if (x->depth == -2 || x->kind == DRV_NONE || x->kind == DRV_INPUT || x->kind == DRV_CONST ||
        x->kind == DRV_FF)
        return x->depth = 0; /* undriven, or a loop (none in this RTL) */
    x->depth = -2;
    int d = 0;
    for (int k = 0; k < nl->nets[i].n_in; k++) {
        int s = net_depth(nl, nl->nets[i].in[k]);
        if (s > d) d = s;
    }
    x = &nl->nets[i];
    x->depth = d + (x->kind == DRV_LUT);
    return x->depth;
}

/* Layer index of a pipeline register from its name "r<k>[i]" or "v<k>" (n_layers: the
 * head's "rh[i]", "vh"), or -1. */
static int reg_layer(const char *name, int n_layers) {
    if (name[0] == '\\') name++;
    if ((name[0] == 'r' || name[0] == 'v') && name[1] == 'h' && (!name[2] || name[2] == '['))
        return n_layers;
    if ((name[0] != 'r' && name[0] != 'v') || !isdigit((unsigned char)name[1])) return -1;
    char *end;
    long k = strtol(name + 1, &end, 10);
    return *end == '\0' || *end == '[' ? (int)k : -1;
}

/* Register stages by structure, for the flip-flops whose names the mapping replaced
 * (synth_ice40, synth_ecp5 and synth_intel_alm often name a register after the ROM input
 * it feeds): such a flip-flop closes the stage after the latest one in its D cone. */
typedef struct cone {
    const netlist *nl;
    int *ff_of_q;  /* [n nets] flip-flop whose Q the net is, -1 none */
    int *ff_stage; /* [n_ff] stage, -1 none, -2 not known yet, -3 in progress */
    int *memo;     /* [n nets] latest stage in the cone, -2 not known yet */
} cone;

static int ff_stage_of(cone *c, int f);

static int cone_stage(cone *c, int i) {
    if (c->memo[i] != -2) return c->memo[i];
    c->memo[i] = -1; /* a loop (none in this RTL) ends here */
    const net *x = &c->nl->nets[i];
    int s = -1;
    if (x->kind == DRV_FF)
        s = c->ff_of_q[i] >= 0 ? ff_stage_of(c, c->ff_of_q[i]) : -1;
    else
        for (int k = 0; k < x->n_in; k++) {
            int t = cone_stage(c, x->in[k]);
            if (t > s) s = t;
        }
    return c->memo[i] = s;
}

static int ff_stage_of(cone *c, int f) {
    if (c->ff_stage[f] == -2) {
        c->ff_stage[f] = -3;
        c->ff_stage[f] = cone_stage(c, c->nl->ff_d[f]) + 1;
    }
    return c->ff_stage[f] == -3 ? -1 : c->ff_stage[f];
}

static void stage_by_cone(const netlist *nl, int *ff_stage, int n_stages) {
    cone c = {nl, xmalloc(sizeof(int) * (size_t)(nl->n + 1)), ff_stage,
              xmalloc(sizeof(int) * (size_t)(nl->n + 1))};
    for (int i = 0; i < nl->n; i++)
        c.ff_of_q[i] = -1, c.memo[i] = -2;
    for (int f = 0; f < nl->n_ff; f++) {
        c.ff_of_q[nl->ff_q[f]] = f;
        if (ff_stage[f] < 0) ff_stage[f] = -2;
    }
    for (int f = 0; f < nl->n_ff; f++)
        if (ff_stage_of(&c, f) >= n_stages) ff_stage[f] = -1;
    free(c.ff_of_q);
    free(c.memo);
}

/* Pipeline stage of every flip-flop of nl (-1 none), from the register names (for the
 * other families than UltraScale+ completed by structure), and the deepest path of each
 * stage into depth[n_stages] (the outputs close the last when tail). */
static int *stage_map(netlist *nl, const be_plan *p, bool tail, int n_stages, int *depth,
                      long *maxd) {
    int *stage_of = xmalloc(sizeof *stage_of * (size_t)(p->n_layers + 1));
    int s = 0;
    for (int l = 0; l < p->n_layers; l++)
        stage_of[l] = p->layers[l].reg_after ? s++ : -1;
    stage_of[p->n_layers] = be_plan_head_reg(p) ? s : -1;
    int *ff_stage = xmalloc(sizeof *ff_stage * (size_t)(nl->n_ff + 1));
    for (int i = 0; i < nl->n_ff; i++) {
        int l = reg_layer(nl->nets[nl->ff_q[i]].name, p->n_layers);
        ff_stage[i] = l >= 0 && l <= p->n_layers ? stage_of[l] : -1;
    }
    if (p->target != IR_TARGET_ULTRASCALE_PLUS) stage_by_cone(nl, ff_stage, be_plan_stages(p));
    *maxd = 0;
    for (int i = 0; i < nl->n_ff; i++) {
        int d = net_depth(nl, nl->ff_d[i]);
        if (ff_stage[i] >= 0 && d > depth[ff_stage[i]]) depth[ff_stage[i]] = d;
        if (d > *maxd) *maxd = d;
    }
    for (int i = 0; i < nl->n_out; i++) {
        int d = net_depth(nl, nl->outs[i]);
        if (tail && d > depth[n_stages - 1]) depth[n_stages - 1] = d;
        if (d > *maxd) *maxd = d;
    }
    free(stage_of);
    return ff_stage;
}

/* The Yosys script: the lean generic flow of TOOLCHAIN.md (memory_map turns the case ROMs
 * into logic) to gen, and from the same elaborated design the target family's mapping to
 * vendor (NULL: none): synth_xilinx's LUT, wide-mux and flip-flop steps, or synth_ice40,
 * synth_ecp5, synth_intel_alm (Cyclone V) without I/O buffers. */
static void write_script(FILE *f, const char *rtl, const char *top, const char *const *apart,
                         ir_target target, int k, const char *gen, const char *vendor) {
    fprintf(f, "read_verilog \"%s\"\n", rtl);
    for (; apart && *apart; apart++)
        fprintf(f, "blackbox %s\n", *apart);
    fprintf(f,
            "hierarchy -top %s\nproc\nflatten\nmemory_map\ntechmap\n"
            "design -save lean\nabc -fast -lut %d\nopt_clean\nstat\nwrite_blif \"%s\"\n",
            top, k, gen);
    if (!vendor) return;
    fprintf(f, "design -load lean\n");
    const char *opts = "-flatten -noiopad -noclkbuf -nodsp -nosrl";
    switch (target) {
    case IR_TARGET_ULTRASCALE_PLUS:
        fprintf(f,
                "synth_xilinx -top %s %s -run begin:prepare\n"
                "synth_xilinx -top %s %s -run map_ffs:check\n",
                top, opts, top, opts);
        break;
    case IR_TARGET_ICE40:
    case IR_TARGET_ECP5:
        fprintf(f, "%s -top %s -flatten\n", be_target_synth(target), top);
        break;
    case IR_TARGET_CYCLONE_V:
        fprintf(f, "%s -top %s -family cyclonev -noiopad -noclkbuf\n", be_target_synth(target),
                top);
        break;
    }
    fprintf(f, "write_blif -gates \"%s\"\n", vendor);
}

const char *be_target_synth(ir_target t) {
    static const char *const cmd[] = {"synth_xilinx", "synth_ice40", "synth_ecp5",
                                      "synth_intel_alm"};
    return (unsigned)t < sizeof cmd / sizeof *cmd ? cmd[t] : "?";
}

rt_status be_hw_read_mapped(const char *gen, const char *xil, const be_plan *p, be_hw *h,
                            rt_error *e) {
    netlist nl = {0}, nx = {0};
    rt_status rc = read_blif(gen, &nl, e);
    if (!rc && xil) rc = read_blif(xil, &nx, e);
    if (rc) {
        netlist_free(&nl);
        netlist_free(&nx);
        return rc;
    }
    int stages = be_plan_stages(p);
    bool tail = p->n_layers > 0 && !p->layers[p->n_layers - 1].reg_after;
    free(h->stage_depth);
    h->n_stage_depth = stages + tail;
    h->stage_depth = xcalloc((size_t)h->n_stage_depth + 1, sizeof *h->stage_depth);
    long maxd;
    int *ff_stage = stage_map(&nl, p, tail, h->n_stage_depth, h->stage_depth, &maxd);
    h->luts_yosys = nl.luts;
    h->ffs = nl.ffs;
    h->lut_levels = maxd;
    if (xil) {
        int *depth = xcalloc((size_t)h->n_stage_depth + 1, sizeof *depth);
        free(ff_stage);
        ff_stage = stage_map(&nx, p, tail, h->n_stage_depth, depth, &maxd);
        free(depth);
        h->luts_mapped = nx.luts;
        h->muxf7 = nx.cells[BE_CELL_MUXF7];
        h->muxf8 = nx.cells[BE_CELL_MUXF8];
        h->ffs_mapped = nx.ffs;
        h->mapped_levels = (int)maxd;
        be_sta(&nx, be_timing_of(p->target), p, ff_stage, h->n_stage_depth, tail, h);
    } else {
        snprintf(h->timing_note, sizeof h->timing_note,
                 "no timing estimate: lut_inputs = %d is not the LUT6 of the UltraScale+ "
                 "model (set hardware { target = ... } for another family)",
                 p->lut_inputs);
    }
    free(ff_stage);
    netlist_free(&nl);
    netlist_free(&nx);
    return RT_OK;
}

rt_status be_synth_module_luts(const char *yosys, const char *rtl, const char *module,
                               const char *const *apart, int k, const char *work, long *luts,
                               rt_error *e) {
    char name[300];
    snprintf(name, sizeof name, "%s.ys", module);
    char *script = rt_path_join(work, name);
    snprintf(name, sizeof name, "%s.blif", module);
    char *blif = rt_path_join(work, name);
    snprintf(name, sizeof name, "%s.log", module);
    char *log = rt_path_join(work, name);
    FILE *f = fopen(script, "w");
    rt_status rc = RT_OK;
    if (!f)
        rc = rt_fail(e, RT_ERR_IO, "%s: cannot create: %s", script, strerror(errno));
    else {
        write_script(f, rtl, module, apart, IR_TARGET_ULTRASCALE_PLUS, k, blif, NULL);
        fclose(f);
        char *argv[] = {(char *)yosys, "-q", "-s", script, NULL};
        int st = be_spawn(argv, NULL, log, log);
        netlist nl = {.apart = apart};
        if (st != 0)
            rc = rt_fail(e, RT_ERR_TOOL, "yosys failed (exit %d) on module %s of %s; see %s", st,
                         module, rtl, log);
        else if (!(rc = read_blif(blif, &nl, e)))
            *luts = nl.luts;
        netlist_free(&nl);
    }
    free(script), free(blif), free(log);
    return rc;
}

rt_status be_synth(const char *rtl, const be_plan *p, const char *work_dir, be_hw *h, rt_error *e) {
    h->synthesized = false;
    h->target = p->target;
    const char *env = getenv("NLTC_YOSYS");
    char *yosys = be_which(env && *env ? env : "yosys");
    if (!yosys) {
        snprintf(h->synth_note, sizeof h->synth_note, "yosys not installed: synthesis skipped");
        return RT_OK;
    }
    rt_status rc = be_mkdirs(work_dir, e);
    if (rc) {
        free(yosys);
        return rc;
    }
    int k = p->lut_inputs > 0 ? p->lut_inputs : 6;
    char *script = rt_path_join(work_dir, "synth.ys"), *log = rt_path_join(work_dir, "yosys.log");
    char *gen = rt_path_join(work_dir, "mapped.blif");
    bool vendor = p->target != IR_TARGET_ULTRASCALE_PLUS || k == 6;
    char *xil = vendor ? rt_path_join(work_dir, "vendor.blif") : NULL;
    FILE *f = fopen(script, "w");
    if (!f) {
        rc = rt_fail(e, RT_ERR_IO, "%s: cannot create: %s", script, strerror(errno));
        free(yosys), free(script), free(gen), free(xil), free(log);
        return rc;
    }
    write_script(f, rtl, p->ident, NULL, p->target, k, gen, xil);
    fclose(f);
    snprintf(h->synth_note, sizeof h->synth_note,
             "yosys: hierarchy; proc; flatten; memory_map; techmap; abc -fast -lut %d; "
             "opt_clean%s%s%s",
             k, xil ? "; then " : "", xil ? be_target_synth(p->target) : "",
             xil && p->target == IR_TARGET_ULTRASCALE_PLUS ? "'s LUT/MUXF7/F8/FDRE mapping" : "");
    remove(log);
    remove(gen);
    if (xil) remove(xil);
    char *argv[] = {yosys, "-q", "-s", script, NULL};
    double t0 = rt_now(), c0 = be_children_cpu();
    int st = be_spawn(argv, NULL, log, log);
    h->synth_s = rt_now() - t0;
    h->synth_cpu_s = be_children_cpu() - c0;
    if (st != 0)
        rc = rt_fail(e, RT_ERR_TOOL, "yosys failed (exit %d) on %s; see %s", st, rtl, log);
    else
        rc = be_hw_read_mapped(gen, xil, p, h, e);
    if (rc == RT_OK) h->synthesized = true;
    char enc[200], head[200];
    snprintf(enc, sizeof enc, "%s_enc", p->ident);
    snprintf(head, sizeof head, "%s_head", p->ident);
    const char *apart[3] = {NULL, NULL, NULL};
    int n_apart = 0;
    if (!rc && h->luts_enc_estimate >= 0) {
        rc = be_synth_module_luts(yosys, rtl, enc, NULL, k, work_dir, &h->luts_enc_yosys, e);
        apart[n_apart++] = enc;
    }
    if (!rc && h->luts_head_estimate >= 0) {
        rc = be_synth_module_luts(yosys, rtl, head, NULL, k, work_dir, &h->luts_head_yosys, e);
        apart[n_apart++] = head;
    }
    if (!rc && n_apart > 0)
        rc = be_synth_module_luts(yosys, rtl, p->ident, apart, k, work_dir, &h->luts_core_yosys, e);
    free(yosys), free(script), free(gen), free(xil), free(log);
    return rc;
}
