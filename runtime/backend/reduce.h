/* reduce.h - table reduction with don't-cares (hardware { reduce = dont_care(rarity = R) }).
 *
 * An address of an L-LUT seen fewer than R times on the training split is a don't-care:
 * its output code may be anything. The pass chooses, per output bit, the fill of the
 * don't-cares that needs the least hardware: it drops the address bits the bit does not
 * need once the don't-cares are filled (support reduction, several strategies, the
 * cheapest kept), which also makes bits constant or plain wires; identical functions
 * (equal bits, equal L-LUTs) then share one LUT in synthesis, and on 6-input LUTs two
 * small functions can share one LUT6 (O5/O6). A seen address keeps its code. */
#ifndef NLTC_BE_REDUCE_H
#define NLTC_BE_REDUCE_H

#include <stdint.h>

#include "rt.h"

/* Address counts: counts[l][(j << a) | addr] for L-LUT j of layer l (a address bits). */
typedef struct be_counts {
    int n_layers;
    uint32_t **counts; /* [n_layers][n_lut << a] */
} be_counts;

void be_counts_init(be_counts *c, const rt_tables *t);
void be_counts_free(be_counts *c);
/* Adds the addresses that codes (input codes and every layer's output codes of some
 * samples, as tr_codes makes them) present to each L-LUT of t. Saturates at UINT32_MAX. */
void be_counts_add(be_counts *c, const rt_tables *t, const rt_codes *codes);
/* Adds the addresses n samples present, from their input codes alone ([n * n_inputs]):
 * the layers' codes come from t's own tables (table lookup, be_lookup_layer). Since the
 * tables are what the quantized forward computes, this counts exactly what be_counts_add
 * counts from tr_codes, without running the model. */
void be_counts_lookup(be_counts *c, const rt_tables *t, int n, const uint16_t *in);

/* The strategies of the support reduction; the pass runs each on every output bit and
 * keeps the cheapest (ties: the smaller support, then the first in this order):
 * best-first drops, one at a time, the droppable address bit that changes the fewest
 * trained values at don't-care addresses; high-first tries the address bits from the
 * highest down, once each; trained drops none (the don't-cares keep their trained values
 * where the LUT size allows, the baseline); exact keeps a smallest set of address bits the
 * bit can depend on (every subset, up to 8 address bits). */
#define BE_REDUCE_METHODS(X)                                                                       \
    X(BE_RD_BEST_FIRST, "best-first")                                                              \
    X(BE_RD_HIGH_FIRST, "high-first")                                                              \
    X(BE_RD_TRAINED, "trained")                                                                    \
    X(BE_RD_EXACT, "exact")
typedef enum be_rd_method {
#define BE_RD_ENUM(id, name) id,
    BE_REDUCE_METHODS(BE_RD_ENUM)
#undef BE_RD_ENUM
        BE_RD_N
} be_rd_method;
const char *be_rd_method_name(be_rd_method m);

typedef struct be_reduce_opts {
    long rarity;      /* an address seen fewer times is a don't-care (>= 1) */
    int lut_inputs;   /* K of the target's LUTs; K == 6 allows O5/O6 pairs */
    unsigned methods; /* bit set of be_rd_method to try; 0: all */
    bool abc;         /* ABC fills the don't-cares (be_reduce_abc), no support reduction */
    bool head;        /* be_reduce_head reduces the last layer: be_reduce only counts it */
    double changes;   /* > 0: the budget pass (rd_budget) instead of the strategies: it may
                       * change this fraction of (training samples x output bits) */
    double errors;    /* be_reduce_head: net new training errors allowed, a fraction */
    int margin;       /* be_reduce_head: the class margin a training sample keeps */
} be_reduce_opts;

/* What the pass did. LUT figures use rt_lut_cost over each output bit's support (a
 * constant or a plain wire costs nothing) of the L-LUTs that reach an output
 * (be_live_luts), like be_hw's support estimate. */
typedef struct be_reduce_stats {
    long long addresses, seen;          /* table addresses in all, addresses with count >= rarity */
    long bits;                          /* output bits of all L-LUTs */
    long support_before, support_after; /* sum of the bits' support sizes */
    long const_before, const_after;     /* constant bits */
    long wire_before, wire_after;       /* bits that are one input bit, not inverted */
    long luts_before, luts_after;       /* support estimate (before merging and pairs) */
    long dup_before, pairs_before;      /* dup_luts and pairs of the trained tables */
    long dup_luts;        /* after: LUTs of functions (on the same signals) another bit has */
    long pairs;           /* after: O5/O6 pairs of <= 5-input functions on <= 5 shared signals
                           * (0 unless lut_inputs is 6: 4- and 5-input LUTs do not fracture) */
    long luts_final;      /* luts_after - dup_luts - pairs */
    long wins[BE_RD_N];   /* output bits where each strategy was the cheapest */
    long long budget;     /* changes: training-sample output bits the pass may change */
    long long changed;    /* changes: those it changed (each L-LUT's own inputs as counted) */
    long head_support[9]; /* be_reduce_head: last-layer L-LUTs by the inputs they keep */
    long head_errors;     /* be_reduce_head: net new errors on the training samples */
    long head_samples;    /* be_reduce_head: training samples it kept the classes of */
    double seconds;
} be_reduce_stats;

/* Reduces t in place (codes at unseen addresses rewritten). counts must come from t's
 * wiring; a seen address keeps its code. RT_OK, or with o->abc what be_reduce_abc
 * returns. */
rt_status be_reduce(rt_tables *t, const be_counts *c, const be_reduce_opts *o, be_reduce_stats *s,
                    rt_error *e);

/* The fill ABC chooses (reduce_abc.c): every L-LUT with addresses seen fewer than rarity
 * times goes to yosys-abc (NLTC_YOSYS_ABC overrides the path) as a BLIF model with those
 * addresses as its EXDC network; `collapse` computes an ISOP per output bit within the
 * don't-cares, and the covers are written back into t at every address. RT_ERR_TOOL when
 * yosys-abc is missing or fails (or a cover changes a seen address), RT_ERR_IO for the
 * scratch files. */
rt_status be_reduce_abc(rt_tables *t, const be_counts *c, long rarity, rt_error *e);
/* RT_ERR_TOOL (located at hardware.reduce) when yosys-abc is not found: the flow's check
 * before training, so that fill = abc fails at once rather than after training. */
rt_status be_reduce_abc_check(rt_error *e);

/* ---- A group-sum head (1-bit last layer): the class, not the address, decides ----------
 * Under a group-sum head an L-LUT's output only counts towards its class's score, and a
 * training sample keeps its class unless a score crosses another. be_reduce_head takes the
 * training samples' addresses of the last layer and, one L-LUT at a time, replaces its
 * function by the one with the fewest inputs (a constant first) among the best function on
 * each set of address bits, where the cost of an output is the net number of training
 * samples whose class it changes (addresses seen fewer than rarity times cost nothing),
 * within o->errors of the samples in all; the others then see the new scores. */
bool be_reduce_head_applies(const rt_tables *t); /* group sum, 1-bit, <= 8 address bits */

typedef struct be_samples {
    int n, n_lut;      /* training samples, last-layer L-LUTs */
    uint8_t *addr;     /* [n_lut * n]: L-LUT j's address for sample s at j * n + s */
    const int *labels; /* [n] */
} be_samples;

void be_samples_init(be_samples *s, const rt_tables *t, int n, const int *labels);
void be_samples_free(be_samples *s);
/* One walk of samples [off, off + n) through t's tables from their input codes ([n *
 * n_inputs]): adds their addresses to c (be_counts_lookup) and fills s's last-layer
 * addresses, each when not NULL. */
void be_reduce_lookup(const rt_tables *t, int off, int n, const uint16_t *in, be_counts *c,
                      be_samples *s);
/* Reduces t's last layer (be_reduce_head_applies) with the samples as they run through t's
 * (already reduced) earlier layers; s continues be_reduce's figures. */
void be_reduce_head(rt_tables *t, const be_samples *smp, const be_reduce_opts *o,
                    be_reduce_stats *s);

/* Support-based LUT estimate of t as it is (no don't-cares; the L-LUTs that reach an
 * output), with duplicate bits and O5/O6 pairs when pairs is set: the figure to compare
 * luts_final with. */
long be_reduce_estimate(const rt_tables *t, int lut_inputs, bool pairs);

/* The "after" figures of s (luts_after, luts_final, the constants, wires and supports) from
 * t as it now is, for LUTs of K inputs. */
void be_reduce_after(const rt_tables *t, int K, be_reduce_stats *s);

#endif /* NLTC_BE_REDUCE_H */
