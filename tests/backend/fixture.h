/* fixture.h - models for the back-end tests and benchmarks: random truth tables of a
 * given shape, reference codes computed by table lookup, and a hand-made model whose
 * outputs are known. Shared by tests/backend and bench/backend. */
#ifndef NLTC_TESTS_BACKEND_FIXTURE_H
#define NLTC_TESTS_BACKEND_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend.h"

#define FX_MAX_LAYERS 16

/* A check of the tests that run without Check (Yosys, Verilator): on failure it prints
 * file:line and the message and counts it in the including file's `failures`. */
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* The shape of a model: widths, fan-ins and bits per layer. */
typedef struct fx_shape {
    int n_inputs;                  /* input code vector width */
    int input_bits;                /* bits per input code */
    bool input_signed;             /* input codes are offset binary */
    int n_layers;                  /* layers */
    int width[FX_MAX_LAYERS];      /* L-LUTs per layer */
    int fanin[FX_MAX_LAYERS];      /* inputs per L-LUT */
    int bits[FX_MAX_LAYERS];       /* output bits per layer */
    bool support[FX_MAX_LAYERS];   /* contiguous groups (tree level) instead of random wiring */
    bool is_signed[FX_MAX_LAYERS]; /* output codes are offset binary */
} fx_shape;

/* The paper's MNIST configuration: 784-2160-360-2160-360-60-10, F=6, 1-bit, 6-bit out. */
fx_shape fx_mnist(void);
/* A small model (3 layers, mixed bits, some inputs unread). */
fx_shape fx_tiny(void);
/* A small model of two trees (5 layers: leaf, support, support, leaf, support) so that
 * every pipelining strategy gives a different register placement. */
fx_shape fx_trees(void);

/* Deterministic pseudo-random numbers (splitmix64). */
uint64_t fx_rand(uint64_t *state);

/* Random tables of a shape. Non-support layers read distinct random inputs. */
void fx_random_tables(const fx_shape *s, uint64_t seed, rt_tables *t);
/* n random input samples with random labels; every layer's codes by be_lookup. */
void fx_random_codes(const rt_tables *t, int n, uint64_t seed, rt_codes *c);
/* Tree plan for a shape: a support layer continues the previous layer's tree. */
void fx_plan(const fx_shape *s, const rt_tables *t, const char *model, ir_pipeline pipe, int k,
             be_plan *p);

/* The hand-made model: 4 one-bit inputs; layer 0 has L-LUT 0 = AND(x0,x1), L-LUT 1 =
 * XOR(x2,x3), L-LUT 2 = OR(x1,x2) (1-bit codes); layer 1 has two 2-bit L-LUTs over the
 * three codes: out0 = count of ones (0..3), out1 = 3 - out0. */
void fx_hand_tables(rt_tables *t);
/* All 16 input combinations with the expected codes written out by hand. */
void fx_hand_codes(rt_codes *c);

/* A model with an input encoder and a group-sum head: 4 raw features (8-bit unsigned
 * integers, or 10-bit signed with 4 fraction bits), 3 thermometer codes each (one falling,
 * one always 1, one always 0, one 1 only at the largest raw value), two 1-bit layers of 12
 * L-LUTs, 3 classes of 4 outputs. */
void fx_hwio_tables(bool is_signed, uint64_t seed, rt_tables *t);
/* n samples of raw features (thresholds, their neighbours, the smallest and largest raw
 * values among them), encoded, looked up, with scores. */
void fx_hwio_codes(const rt_tables *t, int n, uint64_t seed, rt_codes *c);

/* Runs a Check suite (run_suite.c); returns the exit code: 0 when every test passed. */
struct Suite;
int fx_run_suite(struct Suite *s);
/* Exit code CTest reads as "skipped" (SKIP_RETURN_CODE). */
#define FX_SKIP 77

/* Removes dir (a scratch folder) and frees it and whichever of t, c, p is not NULL. */
void fx_release(char *dir, rt_tables *t, rt_codes *c, be_plan *p);

/* Creates a fresh scratch folder under $TMPDIR (or /tmp); malloc'd path. */
char *fx_tmpdir(const char *tag);

#endif /* NLTC_TESTS_BACKEND_FIXTURE_H */
