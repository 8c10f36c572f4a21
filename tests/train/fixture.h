/* fixture.h - hand-built models and data for the training tests and benchmarks.
 *
 * Until a model file is needed, tests and benchmarks describe a LUT network by its layer
 * widths and per-kind settings (fx_net) and lower it to an ir_program the way the front end
 * does: leaf layers start a tree, support layers continue it, the last layer of a tree is its
 * root; with the tree-level skip every non-root level uses the signed identity quantizer.
 */
#ifndef NLTC_TEST_TRAIN_FIXTURE_H
#define NLTC_TEST_TRAIN_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "ir.h"
#include "rt.h"

#define FX_MAX_LAYERS 16

/* A LUT network in the shape of the paper's configurations. */
typedef struct fx_net {
    int n_layers;                    /* layers */
    int widths[FX_MAX_LAYERS + 1];   /* widths[0] inputs ... widths[n_layers] classes */
    int support[FX_MAX_LAYERS];      /* 1: the layer is a support (tree) level */
    int bits_in;                     /* input quantizer bits */
    int bits_hidden;                 /* output bits of leaf layers */
    int bits_support;                /* output bits of support layers */
    int bits_out;                    /* output bits of the last layer */
    int fanin_in;                    /* fan-in of the first layer */
    int fanin_hidden;                /* fan-in of other leaf layers */
    int fanin_support;               /* fan-in of support layers */
    int hidden;                      /* N */
    int depth;                       /* hidden layers per sub-network */
    bool lut_skip;                   /* linear skip in every L-LUT */
    bool tree_skip;                  /* tree-level skip */
    ir_connect connect;              /* connectivity of leaf layers */
    ir_lut_kind kind[FX_MAX_LAYERS]; /* each layer's L-LUT kind (0: mlp, with hidden, depth and
                                      * lut_skip above; linear: hidden 0 with the skip path;
                                      * poly: hidden 0, no skip path) */
    int degree[FX_MAX_LAYERS];       /* poly layers: the degree */
} fx_net;

/* The paper's MNIST configuration (784-2160-360-2160-360-60-10, F=6, N=64, 1/1/1/6 bits). */
fx_net fx_mnist(void);

/* A small model: 10 two-bit inputs -> 12 leaves -> 4 (a support level) -> 2 classes, fan-in
 * 3, N 8 with the given depth and linear skip, random wiring, tree skips. */
fx_net fx_small(int depth, bool lut_skip);

/* A stage with Adam(0.9, 0.999), no weight decay, constant learning rate. */
ir_stage fx_stage(ir_stage_kind kind, int epochs, int batch, double lr);

/* Lowers the network; stages are copied. Free with fx_program_free. */
ir_program *fx_program(const fx_net *n, const ir_stage *stages, int n_stages, uint64_t seed);
void fx_program_free(ir_program *p);
/* Makes layer L's L-LUTs of another kind, as the front end lowers them: linear (hidden 0
 * with the skip path) or poly (hidden 0, no skip path, degree); mlp leaves it. */
void fx_set_kind(ir_layer *L, ir_lut_kind kind, int degree);

/* n samples of a seeded synthetic task: inputs uniform in [-1,-0.25] u [0.25,1]; the label
 * is the parity of the signs of the first `bits` inputs (classes 2), an XOR-like problem. */
void fx_parity_split(rt_split *s, int n, int inputs, int bits, uint64_t seed);
/* Random inputs and labels (shape only, for speed measurements). */
void fx_random_split(rt_split *s, int n, int inputs, int classes, uint64_t seed);

#endif /* NLTC_TEST_TRAIN_FIXTURE_H */
