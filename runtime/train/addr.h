/* addr.h - the interface of the sparse layers' per-address path (addr.c); included by
 * train_int.h after the types it uses. */
#ifndef NLTC_TRAIN_ADDR_H
#define NLTC_TRAIN_ADDR_H

/* The per-address path of sparse layers (addr.c). tr_work.addr_mode picks it: AUTO (0,
 * the default) per layer when A = F * bits_in <= TR_ADDR_MAX_BITS and the batch has at
 * least 2 * 2^A rows (2^A for a one-hidden-layer MLP of 384 or more multiply-adds per row
 * and for polynomials of degree 2 or more, 2^A / 16 for deeper MLPs), SAMPLE never, ADDRESS
 * whenever A allows (benchmarks and tests). */
enum { TR_ADDR_AUTO, TR_ADDR_SAMPLE, TR_ADDR_ADDRESS };
#define TR_ADDR_MAX_BITS 16
bool tr_addr_use(const tr_work *w, const tr_layer *L, int R);
/* Per-thread scratch floats the path needs for layer L (0 when it cannot run there). */
size_t tr_addr_scratch(const tr_layer *L, int ld);
/* Entries per L-LUT of the per-address record: the most distinct addresses, padded. */
int tr_addr_rows(const tr_layer *L, int ld);
/* An L-LUT's numbering of its rows' addresses (training: tr_layer_buf's slices), written
 * by the forward and read by the backward. */
typedef struct tr_addr_rec {
    int *U;        /* the addresses this rank's rows use */
    uint16_t *num; /* [R] each row's number among them (ascending addresses) */
    uint16_t *rep; /* [U] the address of each number */
    uint32_t *cnt; /* [U] rows per number */
    float *y;      /* [U] the sub-network output per number; after batch norm, its xhat */
    float *jac;    /* [F][Ua] d(output) / d(input values) per number (tr_sub1_fits shapes) */
    float *mu;     /* the batch mean of the outputs (batch norm writes it) */
} tr_addr_rec;
tr_addr_rec tr_addr_rec_of(const tr_model *m, int l, int o);
/* Asks the cache for what the training backward of L-LUT o of sparse layer l reads: its
 * parameters and their moments, and on the per-address path (per_addr) its record and
 * value gradients (the next L-LUT's while one runs: bench/train/README.md, session 15). */
void tr_lut_prefetch(const tr_model *m, int l, int o, bool per_addr);
/* y[r] = v[num[r]] (times s[r] when s is not NULL) for r < R, v: n entries, readable to
 * max(tr_pad_rows(n), 16) (tables of a few vectors by permutes, larger ones by loads);
 * the 16-bit y of 32-bit entries. */
void tr_addr_gather(const float *v, int n, const uint16_t *num, int R, const float *s, float *y);
void tr_addr_gather16(const uint32_t *v, int n, const uint16_t *num, int R, uint16_t *y);
/* Evaluation: sub-network outputs y[0..R) of L-LUT o of sparse layer l from the codes of
 * the layer's inputs (the forward pass writes them beside the values), bit-identical to
 * tr_subnet_forward's on the values; sc: tr_addr_scratch floats. */
void tr_addr_forward(const tr_model *m, int l, int o, int R, float *y, float *sc);
/* Training: the same outputs per number into the L-LUT's record (tr_addr_rec_of); returns
 * the fixed-point sum (TR_FIX_M) of the R rows' outputs. */
uint64_t tr_addr_forward_train(const tr_model *m, int l, int o, int R, float *sc);
/* Entries per address of the backward's tables (tr_addr_sums): the fixed-point sum of the
 * rows' value gradients (TR_FIX_G), the row count. */
#define TR_ADDR_TAB 2
/* The backward's sums per address over the rows [0,R) of L-LUT o: t[2a], t[2a+1] = the
 * fixed-point sum of dv (the gradient of the quantized value, before the quantizer's
 * straight-through estimator) and the row count of address a (t: [2^A][TR_ADDR_TAB],
 * overwritten). sc: 4 x tr_addr_rows entries of scratch. */
void tr_addr_sums(const tr_model *m, int l, int o, int R, const float *dv, uint64_t *t,
                  uint64_t *sc);
/* A per-address L-LUT's batch norm and quantizer, for its backward. */
typedef struct tr_addr_bn {
    const tr_qspec *q;
    float gamma, beta; /* the affine */
    float s;           /* the quantizer's scale */
    float istd;        /* the batch's inverse std */
    int n;             /* the batch's rows over all ranks */
} tr_addr_bn;
/* The backward of L-LUT o per address from the sums over all rows (t, reduced over the
 * ranks): the quantizer's straight-through estimator and the batch norm's backward per
 * address into st[0..2] (the fixed-point sums of dz, dz * xhat and the scale-gradient
 * terms; the same on every rank), the sub-network's parameter gradients (g), and the input
 * gradients of rows [0,R) per slot, dx[f*lddx + r] = J(address of r) * dy[r], dy[r] the
 * batch-norm backward of dv[r]; or, with slice (the thread's fixed-point sums [in][ld],
 * din.c), tr_fix of each slot's terms added to its input's row instead. */
void tr_addr_backward(tr_model *m, int l, int o, int R, const uint64_t *t, const tr_addr_bn *bn,
                      const float *dv, uint64_t st[3], const tr_lut *g, float *dx, int lddx,
                      uint64_t *slice, float *sc);

#endif
