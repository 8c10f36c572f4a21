/* netlist.h - the mapped netlist Yosys writes (BLIF) as hwcost.c reads it back, shared with
 * the static timing pass of timing.c. Internal to runtime/backend. */
#ifndef NLTC_BACKEND_NETLIST_H
#define NLTC_BACKEND_NETLIST_H

#include "backend.h"

/* A driver of a net in the mapped netlist. */
typedef enum { DRV_NONE, DRV_INPUT, DRV_CONST, DRV_LUT, DRV_BUF, DRV_FF } drv_kind;

typedef struct net {
    char *name;     /* net name */
    drv_kind kind;  /* what drives it */
    be_cell cell;   /* the cell driving it (BE_CELL_LUT for a generic .names LUT) */
    int n_in;       /* data inputs of the cell driving it */
    int *in;        /* [n_in] their net indices */
    int *pin_local; /* [n_in] 1 where the input is a dedicated in-slice connection */
    int depth;      /* LUT levels from a register or input, -1 unknown, -2 in progress */
    int fanout;     /* cell inputs it feeds, through buffers */
    int from;       /* the input of the latest arrival (timing), -1 none */
    double arr;     /* arrival time in ns (timing), NAN unknown, -1 in progress */
} net;

typedef struct netlist {
    int n, cap;             /* nets */
    net *nets;              /* [n] */
    int *slot;              /* open hash: name -> net index, -1 empty */
    size_t hcap;            /* hash capacity (power of two) */
    long luts, ffs;         /* LUT and flip-flop counts */
    long cells[BE_N_CELLS]; /* cells per kind */
    int n_ff;               /* flip-flops recorded */
    int *ff_d, *ff_q;       /* [n_ff] their D and Q nets */
    int n_out;              /* primary outputs */
    int *outs;              /* [n_out] */
    /* modules kept apart (NULL-terminated, or NULL): their .subckt instances are skipped */
    const char *const *apart;
} netlist;

/* The static timing pass over a netlist read back: arrival times, per-stage delay, Fmax,
 * latency and the critical path into h (timing fields). stage_of_ff[i] is the pipeline
 * stage flip-flop i closes (-1 none); tail: the outputs close stage n_stages-1. */
void be_sta(netlist *nl, const be_timing_model *m, const be_plan *p, const int *stage_of_ff,
            int n_stages, bool tail, be_hw *h);

#endif /* NLTC_BACKEND_NETLIST_H */
