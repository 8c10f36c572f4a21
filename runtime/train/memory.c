/* memory.c - the memory a run of a model needs, known before anything is allocated.
 *
 * The estimate follows the allocations of a run phase by phase and takes the largest:
 *   dense stage   the dense model's parameter block, its optimizer state (gradients and two
 *                 Adam moments), the best checkpoint's copy, the buffer the checkpoint file is
 *                 built in, the training workspace, the data;
 *   sparse stage  the same for the sparse model, plus the parameter average and the live
 *                 copy when the model averages;
 *   after         the evaluation model and workspace, the truth tables (2 bytes per L-LUT and
 *                 address) and the reference codes of the test split, each twice (the back
 *                 ends' table lookup and the files read back hold a second copy), the data.
 * Sizes of the model's blocks come from the layout code itself (tr_layout_measure), so they
 * are the bytes the run allocates. A fixed part covers the program, its libraries, thread
 * stacks and OpenBLAS's buffers. The property blamed is the one that makes the largest part
 * of the peak large: a lut's hidden or fanin, a tree's neurons, the batch size.
 */
#include "train_int.h"

#include <stdio.h>
#include <string.h>

#define MEM_BASE        (UINT64_C(8) << 20) /* the program and its libraries */
#define MEM_PER_THREAD  (UINT64_C(1) << 20) /* a worker's stack and BLAS buffers, touched */
#define MEM_COPIES_POST 2                   /* copies of the tables and codes after training */

const char *tr_mem_part_name(tr_mem_part p) {
    static const char *const names[TR_MEM_N] = {"program",         "parameters", "optimizer state",
                                                "batch workspace", "data",       "truth tables",
                                                "reference codes"};
    return (unsigned)p < TR_MEM_N ? names[p] : "unknown";
}

void tr_mem_format(uint64_t bytes, char *buf, size_t n) {
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%llu bytes", (unsigned long long)bytes);
    else
        snprintf(buf, n, "%.1f %s", v, units[u]);
}

int tr_rows_max(const ir_program *ir) {
    /* a head with own batches: a step holds one batch per member */
    int rows = 256, k = ir->head_batches == IR_MBATCH_OWN ? ir->head_members : 1;
    for (int s = 0; s < ir->train.n_stages; s++)
        if (ir->train.stages[s].batch * k > rows) rows = ir->train.stages[s].batch * k;
    return rows;
}

/* Whether the model file wrote property prop (else ir_locate would name the model). */
static bool mem_written(const ir_program *ir, const char *prop) {
    for (int i = 0; i < ir->n_locs; i++)
        if (ir->locs[i].prop && strcmp(ir->locs[i].prop, prop) == 0) return true;
    return false;
}

/* The property that sets layer l's L-LUT count: its tree's neurons (or leaves). */
static void mem_prop_width(const ir_program *ir, int l, char *prop, size_t n) {
    const char *name = ir->layers[l].name ? ir->layers[l].name : "";
    int len = (int)strcspn(name, ".");
    snprintf(prop, n, "tree %.*s.leaves", len, name);
    if (!mem_written(ir, prop)) snprintf(prop, n, "tree %.*s.neurons", len, name);
}

/* The property of layer l's lut declaration named key ("hidden", "fanin"); the width's
 * property when the layer has no lut name. */
static void mem_prop_lut(const ir_program *ir, int l, const char *key, char *prop, size_t n) {
    if (ir->layers[l].lut)
        snprintf(prop, n, "lut %s.%s", ir->layers[l].lut, key);
    else
        mem_prop_width(ir, l, prop, n);
}

/* The batch size's property: the train block's (it sets every stage's), else the first
 * stage's that was written. */
static void mem_prop_batch(const ir_program *ir, char *prop, size_t n) {
    snprintf(prop, n, "train.batch");
    if (mem_written(ir, prop)) return;
    for (int i = 0; i < ir->n_locs; i++) {
        const char *q = ir->locs[i].prop;
        size_t len = q ? strlen(q) : 0;
        if (len > 6 && strncmp(q, "stage ", 6) == 0 && strcmp(q + len - 6, ".batch") == 0) {
            snprintf(prop, n, "%s", q);
            return;
        }
    }
}

/* Bytes of layer l's parameters in the stage's layout: per-L-LUT records (sparse) or the
 * dense weights; *per_lut receives the floats of one L-LUT. */
static uint64_t mem_layer_params(const ir_layer *L, bool dense, uint64_t *per_lut) {
    uint64_t F = (uint64_t)L->fanin, N = (uint64_t)L->hidden;
    uint64_t D = L->hidden > 0 && L->depth > 1 ? (uint64_t)L->depth - 1 : 0;
    if (dense && L->connect == IR_CONNECT_LEARNED)
        *per_lut = (uint64_t)L->in_width + 3;
    else
        *per_lut = F * N + D * N * N + N + (L->lut_skip ? F : 0) + N + D * N + 3;
    if (L->kind == IR_KIND_TABLE) /* the entries */
        *per_lut += (uint64_t)1 << (L->fanin * L->bits_in);
    if (L->connect == IR_CONNECT_MAPPING) /* the selection weights of its slots */
        *per_lut += F * (uint64_t)tr_map_pad(L->in_width);
    return *per_lut * (uint64_t)L->out_width * sizeof(float);
}

/* Names what makes the parameters large: the layer with the most, and in it the larger of
 * the two factors (an L-LUT's floats against the L-LUT count). */
static void mem_blame_params(const ir_program *ir, bool dense, tr_memory *m) {
    int worst = 0;
    uint64_t best = 0, per = 0;
    for (int l = 0; l < ir->n_layers; l++) {
        uint64_t p, b = mem_layer_params(&ir->layers[l], dense, &p);
        if (b > best) best = b, worst = l, per = p;
    }
    const ir_layer *L = &ir->layers[worst];
    bool dense_layer = dense && L->connect == IR_CONNECT_LEARNED;
    if (!dense_layer && per > (uint64_t)L->out_width)
        mem_prop_lut(ir, worst, L->hidden > 0 ? "hidden" : "fanin", m->prop, sizeof m->prop);
    else
        mem_prop_width(ir, worst, m->prop, sizeof m->prop);
    char sz[32];
    tr_mem_format(best, sz, sizeof sz);
    snprintf(m->why, sizeof m->why, "%s: layer %s, %d L-LUTs x %llu floats each = %s%s",
             dense ? "the dense stage's parameters" : "parameters", L->name ? L->name : "?",
             L->out_width, (unsigned long long)per, sz,
             " (with gradients, their int64 sums, Adam moments, the best copy and the "
             "checkpoint's buffer: 11 copies)");
}

/* Names what makes the truth tables large: the layer with the largest, and in it the larger
 * of the table length (2^(fanin*bits)) and the L-LUT count. */
static void mem_blame_tables(const ir_program *ir, tr_memory *m) {
    int worst = 0;
    uint64_t best = 0;
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        uint64_t b = ((uint64_t)L->out_width << (L->fanin * L->bits_in)) * 2;
        if (b > best) best = b, worst = l;
    }
    const ir_layer *L = &ir->layers[worst];
    int addr = L->fanin * L->bits_in;
    if ((UINT64_C(1) << addr) > (uint64_t)L->out_width)
        mem_prop_lut(ir, worst, "fanin", m->prop, sizeof m->prop);
    else
        mem_prop_width(ir, worst, m->prop, sizeof m->prop);
    char sz[32];
    tr_mem_format(best, sz, sizeof sz);
    snprintf(m->why, sizeof m->why,
             "truth tables: layer %s, %d L-LUTs x 2^%d addresses x 2 bytes = %s (held twice "
             "during verification)",
             L->name ? L->name : "?", L->out_width, addr, sz);
}

/* One training phase (dense or sparse model): its parts into part[]; returns the total. */
static uint64_t mem_training(const ir_program *ir, bool dense, int threads, uint64_t data,
                             uint64_t part[TR_MEM_N]) {
    tr_layout_size s;
    tr_layout_measure(ir, dense, tr_rows_max(ir), threads, &s);
    uint64_t floats = (uint64_t)s.n_param * sizeof(float);
    /* gradients, their fixed-point sums (8 bytes each) and two moments; the best
     * checkpoint's parameters and statistics; the average and the live copy of an averaging
     * sparse stage */
    uint64_t state = (uint64_t)s.n_state * sizeof(float);
    uint64_t optim = 5 * floats + floats + state;
    if (!dense && ir->train.average > 0) optim += 2 * floats;
    /* the checkpoint written after every epoch is built in memory first: parameters, two
     * moments, the best copy (and the average), the statistics twice */
    optim += 4 * floats + 2 * state + (!dense && ir->train.average > 0 ? floats : 0);
    memset(part, 0, TR_MEM_N * sizeof *part);
    part[TR_MEM_PARAMS] = s.params;
    part[TR_MEM_OPTIM] = optim;
    part[TR_MEM_WORK] = s.work_train;
    part[TR_MEM_DATA] = data;
    return s.params + optim + s.work_train + data;
}

uint64_t tr_memory_estimate(const ir_program *ir, int threads, const tr_mem_rows *rows,
                            tr_memory *m) {
    memset(m, 0, sizeof *m);
    int nt = tr_threads(threads);
    uint64_t n_all = rows ? (uint64_t)(rows->train + rows->valid + rows->test) : 0;
    uint64_t data = n_all * ((uint64_t)ir->dataset.inputs * sizeof(float) + sizeof(int));
    uint64_t phase[3][TR_MEM_N], total[3] = {0, 0, 0};
    bool has_dense = ir->train.n_stages > 0 && ir->train.stages[0].kind == IR_STAGE_DENSE;
    if (has_dense) total[0] = mem_training(ir, true, nt, data, phase[0]);
    total[1] = mem_training(ir, false, nt, data, phase[1]);
    /* after training: the evaluation model, the tables and the reference codes */
    tr_layout_size s;
    tr_layout_measure(ir, false, tr_rows_max(ir), nt, &s);
    uint64_t tables = 0, width = (uint64_t)ir->dataset.inputs;
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        tables += ((uint64_t)L->out_width << (L->fanin * L->bits_in)) * 2 +
                  (uint64_t)L->out_width * (uint64_t)L->fanin * sizeof(int);
        width += (uint64_t)L->out_width;
    }
    uint64_t test = rows ? (uint64_t)rows->test : 0;
    memset(phase[2], 0, sizeof phase[2]);
    phase[2][TR_MEM_PARAMS] = s.params;
    phase[2][TR_MEM_WORK] = s.work_eval;
    phase[2][TR_MEM_DATA] = data;
    phase[2][TR_MEM_TABLES] = MEM_COPIES_POST * tables;
    phase[2][TR_MEM_CODES] = MEM_COPIES_POST * test * (width * 2 + sizeof(int));
    for (int p = 0; p < TR_MEM_N; p++)
        total[2] += phase[2][p];
    static const char *const names[3] = {"the dense stage", "the sparse stage",
                                         "tables and verification"};
    int peak = total[0] > total[1] ? 0 : 1;
    if (total[2] > total[peak]) peak = 2;
    m->phase = names[peak];
    memcpy(m->part, phase[peak], sizeof m->part);
    m->part[TR_MEM_BASE] = MEM_BASE + (uint64_t)nt * MEM_PER_THREAD;
    m->data_counted = rows != NULL;
    for (int p = 0; p < TR_MEM_N; p++)
        m->total += m->part[p];
    /* blame: the largest part of the peak other than the program and the data */
    int big = TR_MEM_PARAMS;
    for (int p = TR_MEM_PARAMS; p < TR_MEM_N; p++)
        if (p != TR_MEM_DATA && m->part[p] > m->part[big]) big = p;
    if (big == TR_MEM_TABLES) {
        mem_blame_tables(ir, m);
    } else if (big == TR_MEM_WORK) {
        mem_prop_batch(ir, m->prop, sizeof m->prop);
        char sz[32];
        tr_mem_format(m->part[TR_MEM_WORK], sz, sizeof sz);
        snprintf(m->why, sizeof m->why, "the batch workspace: %d rows over %llu codes = %s",
                 tr_rows_max(ir), (unsigned long long)width, sz);
    } else if (big == TR_MEM_CODES) {
        mem_prop_width(ir, ir->n_layers - 1, m->prop, sizeof m->prop);
        snprintf(m->why, sizeof m->why, "the reference codes: %llu test samples x %llu codes",
                 (unsigned long long)test, (unsigned long long)width);
    } else {
        mem_blame_params(ir, peak == 0, m);
    }
    return m->total;
}
