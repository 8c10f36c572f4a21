/* train.c - run control of training: checks the IR against the data, runs the stages
 * (dense, masks, sparse) epoch by epoch with progress lines, per-epoch checkpoints, resume,
 * a clean stop on SIGINT, selection on the validation split, and the final measurement on
 * the test split that fills the report.
 */
#include "train_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

/* Set by the SIGINT handler, read between batches. */
static volatile sig_atomic_t g_sigint;

static void on_sigint(int sig) {
    (void)sig;
    g_sigint = 1;
}

int tr_threads(int n) {
    if (n > 0) return n;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 1 ? 1 : cores > 1024 ? 1024 : (int)cores;
}

void train_opts_init(train_opts *o) {
    memset(o, 0, sizeof *o);
    o->threads = tr_threads(0);
}

long tr_llut_count(const ir_program *ir) {
    long n = 0;
    for (int l = 0; l < ir->n_layers; l++)
        n += ir->layers[l].out_width;
    return n;
}

long long tr_table_bits(const ir_program *ir) {
    long long n = 0;
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        n += (long long)L->out_width * (1LL << (L->fanin * L->bits_in)) * L->bits_out;
    }
    return n;
}

/* The run fingerprint: the architecture plus what makes a resume meaningful. */
static uint64_t run_fingerprint(const ir_program *ir, const rt_dataset *d) {
    uint64_t h = tr_ir_fingerprint(ir);
    uint64_t v[5] = {ir->train.seed, (uint64_t)ir->train.n_stages, (uint64_t)d->train.n,
                     (uint64_t)d->valid.n, (uint64_t)d->test.n};
    for (int i = 0; i < 5; i++)
        h = rt_fnv1a_u64(h, v[i]);
    for (int s = 0; s < ir->train.n_stages; s++)
        h = rt_fnv1a_u64(h, (uint64_t)ir->train.stages[s].kind << 32 ^
                                (uint64_t)ir->train.stages[s].batch);
    return h;
}

/* ---- Evaluation --------------------------------------------------------------------- */

/* Accuracies (float output, quantized codes) and the mean cross-entropy of the quantized
 * outputs on split s; any pointer may be NULL. */
static void evaluate(tr_model *m, const rt_split *s, double *flt, double *quantized, double *loss) {
    const tr_layer_buf *last = &m->w.lb[m->p.n_layers - 1];
    int C = m->p.classes, rows = m->w.rows_max, G = m->p.head_group;
    size_t ld = (size_t)m->w.ld;
    /* a group sum's logits: the count of 1s times the 1 level's value, over tau */
    float lv = tr_q_value(1, tr_q_scale(m->p.param[m->p.layers[m->p.n_layers - 1].o_scale]));
    long okf = 0, okq = 0;
    double ce = 0.0;
    for (int i0 = 0; i0 < s->n; i0 += rows) {
        int R = s->n - i0 < rows ? s->n - i0 : rows;
        tr_model_load_rows(m, s, NULL, i0, R, 0);
        tr_model_forward_eval(m, R);
        for (int r = 0; r < R; r++) {
            int bf = 0, bq = 0; /* first maximum over classes */
            float *sf = m->w.logits + C, *sq = sf + C;
            tr_model_scores(m, r, true, sf);
            tr_model_scores(m, r, false, sq);
            for (int c = 0; c < C; c++) {
                if (sf[c] > sf[bf]) bf = c;
                if (sq[c] > sq[bq]) bq = c;
                m->w.logits[c] = G ? sq[c] * lv / (m->p.head_tau * (float)m->p.head_members)
                                   : last->val[(size_t)c * ld + r];
            }
            okf += bf == m->w.y[r];
            okq += bq == m->w.y[r];
            ce += tr_ce(m->w.logits, &m->w.y[r], NULL, 1, C, NULL, NULL);
        }
    }
    if (flt) *flt = s->n ? (double)okf / s->n : NAN;
    if (quantized) *quantized = s->n ? (double)okq / s->n : NAN;
    if (loss) *loss = s->n ? ce / s->n : NAN;
}

void tr_evaluate(const tr_model *cm, const rt_split *s, double *flt, double *quantized) {
    evaluate((tr_model *)cm, s, flt, quantized, NULL); /* only the workspace changes */
}

/* Selection: keeps m's parameters and statistics in *param / *state (allocated on first
 * use) when validation accuracy q beats *best_q, or equals it (frequent on small splits)
 * with a lower loss; returns whether it did. */
static bool keep_if_better(const tr_model *m, double q, double loss, double *best_q,
                           double *best_loss, float **param, float **state) {
    if (!(q > *best_q || (q == *best_q && loss < *best_loss))) return false;
    const tr_params *P = &m->p;
    *best_q = q;
    *best_loss = loss;
    if (!*param) {
        *param = xmalloc(P->n_param * sizeof(float));
        *state = xmalloc(P->n_state * sizeof(float));
    }
    memcpy(*param, P->param, P->n_param * sizeof(float));
    memcpy(*state, P->state, P->n_state * sizeof(float));
    return true;
}

/* The model an epoch ends with, ready to evaluate: the live one, or with a parameter
 * average the average (live, when not NULL, keeps the live parameters; restore_live puts
 * them back) with its batch-norm statistics refitted in batches of the stage's size on the
 * first rows of the epoch's training order (perm; NULL: the split's order). */
static void evaluated_model(tr_model *m, const tr_run *run, const rt_split *tr, const int *perm,
                            int batch, float *live) {
    if (!run->avg) return;
    if (live) memcpy(live, m->p.param, m->p.n_param * sizeof(float));
    memcpy(m->p.param, run->avg, m->p.n_param * sizeof(float));
    tr_model_bn_refit(m, tr, perm, tr->n < TR_REFIT_ROWS ? tr->n : TR_REFIT_ROWS, batch);
}

static void restore_live(tr_model *m, const tr_run *run, const float *live) {
    if (run->avg) memcpy(m->p.param, live, m->p.n_param * sizeof(float));
}

/* ---- Files and progress ------------------------------------------------------------- */

/* Paths under OUT/train (NULL members when there is no output folder). */
typedef struct run_paths {
    char *dir, *ckpt, *model, *masks, *curve; /* OUT/train and its files */
} run_paths;

static rt_status make_dir(const char *p, rt_error *e) {
    if (mkdir(p, 0777) == 0 || errno == EEXIST) return RT_OK;
    return rt_fail(e, RT_ERR_IO, "train: cannot create folder %s: %s", p, strerror(errno));
}

/* The paths under out; writer: the folders are created (rank 0 writes, other ranks of a
 * data-parallel run only read a checkpoint to resume). */
static rt_status paths_init(run_paths *p, const char *out, bool writer, rt_error *e) {
    memset(p, 0, sizeof *p);
    if (!out) return RT_OK;
    if (writer && make_dir(out, e) != RT_OK) return RT_ERR_IO;
    p->dir = rt_path_join(out, "train");
    if (writer && make_dir(p->dir, e) != RT_OK) return RT_ERR_IO;
    p->ckpt = rt_path_join(p->dir, "checkpoint.bin");
    p->model = rt_path_join(p->dir, "model.bin");
    p->masks = rt_path_join(p->dir, "masks.txt");
    p->curve = rt_path_join(p->dir, "curve.csv");
    return RT_OK;
}

static void paths_free(run_paths *p) {
    free(p->dir);
    free(p->ckpt);
    free(p->model);
    free(p->masks);
    free(p->curve);
}

void tr_format_seconds(char *buf, size_t n, double s) {
    if (!(s >= 0) || s > 1e8)
        snprintf(buf, n, "?");
    else if (s >= 3600)
        snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60)
        snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, n, "%.1fs", s);
}

/* Everything one training session works with. */
typedef struct session {
    const ir_program *ir;        /* the model */
    const rt_dataset *d;         /* the data */
    const train_opts *o;         /* how to run */
    const tr_bench_opts *bench;  /* benchmark options (all off for train_run) */
    volatile sig_atomic_t *stop; /* the flag polled between batches */
    FILE *log;                   /* progress */
    rt_error *e;                 /* the caller's error record */
    run_paths paths;             /* output files */
    uint64_t fp;                 /* run fingerprint */
    tr_run run;                  /* progress */
    tr_model *m;                 /* the model in flight */
    int rows_max;                /* workspace rows */
    double mark;                 /* wall time of the last elapsed-time update */
    /* compare_plain: the best plain model of this session's sparse epochs */
    float *plain_param, *plain_state; /* its parameters and running statistics, or NULL */
    double plain_valid, plain_loss;   /* its validation accuracy (-1: none) and loss */
    int plain_epoch;                  /* its sparse epoch */
    float *class_w; /* [classes] loss weights (train.class_weight = balanced), or NULL */
    bool writer;    /* this process writes OUT/train (rank 0 of a data-parallel run) */
} session;

/* Keeps the plain model (live parameters, running statistics) of this epoch if it is the
 * best so far on validation (compare_plain); returns its validation accuracy. */
static double select_plain(session *S, const rt_split *va) {
    tr_model *m = S->m;
    double q, loss;
    evaluate(m, va, NULL, &q, &loss);
    if (keep_if_better(m, q, loss, &S->plain_valid, &S->plain_loss, &S->plain_param,
                       &S->plain_state))
        S->plain_epoch = S->run.sparse_epochs + 1;
    return q;
}

/* Prints the test accuracy of the best plain model (compare_plain); m is left unchanged. */
static void report_plain(session *S) {
    tr_params *P = &S->m->p;
    if (!S->plain_param || S->d->test.n == 0) return;
    size_t np = P->n_param * sizeof(float), ns = P->n_state * sizeof(float);
    float *p = xmalloc(np), *s = xmalloc(ns);
    memcpy(p, P->param, np);
    memcpy(s, P->state, ns);
    memcpy(P->param, S->plain_param, np);
    memcpy(P->state, S->plain_state, ns);
    double tf, tq;
    tr_evaluate(S->m, &S->d->test, &tf, &tq);
    fprintf(S->log,
            "train: plain selection (no average, running statistics): sparse epoch %d (valid "
            "%.2f%%); test: quantized %.2f%%, float output %.2f%%\n",
            S->plain_epoch, 100 * S->plain_valid, 100 * tq, 100 * tf);
    memcpy(P->param, p, np);
    memcpy(P->state, s, ns);
    free(p);
    free(s);
}

/* Adds the wall time since the last mark to the run's clocks. */
static void tick(session *S, bool dense) {
    double t = rt_now(), dt = t - S->mark;
    S->mark = t;
    S->run.elapsed += dt;
    S->run.stage_s[dense ? 0 : 1] += dt;
}

static rt_status save_checkpoint(session *S) {
    if (!S->paths.ckpt || !S->writer) return RT_OK;
    rt_status st = tr_ckpt_save(S->paths.ckpt, &S->run, S->m, S->fp, S->e);
    if (st == RT_OK) st = tr_write_curve(S->paths.curve, &S->run, S->e);
    return st;
}

/* ---- Stages ------------------------------------------------------------------------- */

/* The training order of epoch e of the current stage for member k of a head with own
 * batches (0 otherwise): a permutation of 0..n-1 seeded by (seed, stage, epoch, k), so a
 * resumed epoch draws what an uninterrupted one would. */
static void shuffle(const session *S, int e, int k, int *perm, int n) {
    rt_rng rng;
    rt_rng_seed(&rng, S->ir->train.seed, 0x73687566ULL /* "shuf" */,
                (uint64_t)k << 32 | (uint64_t)S->run.stage, (uint64_t)e);
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rt_rng_below(&rng, (uint32_t)i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

/* What the epochs of one stage share. */
typedef struct stage_ctx {
    const ir_stage *st; /* the stage */
    bool dense;         /* its kind */
    int nb;             /* batches per epoch */
    double wd, wd1;     /* the regulariser (dense stage) */
    float avg_decay;    /* the parameter average's decay per update */
    int members;        /* batches per step: the head's members with own batches, else 1 */
    int *perm;          /* [members][n] the epoch's training order (of each member) */
    float *live;        /* [n_param] the live parameters while the average is evaluated */
    double t0;          /* wall time at the start of this session's part of the stage */
    int ep0;            /* epochs done when it started */
} stage_ctx;

/* Batch b of epoch e (this rank's rows of it): load, augment, forward, backward and step,
 * average. Returns the learning rate it used. */
static double train_batch(session *S, const stage_ctx *c, int e, int b) {
    const ir_program *ir = S->ir;
    const rt_split *tr = &S->d->train;
    tr_model *m = S->m;
    tr_run *run = &S->run;
    int B = c->st->batch, n = tr->n;
    int R = n - b * B < B ? n - b * B : B, r0 = 0, Rl = R;
    const train_dp *dp = &S->o->dp;
    if (dp->ranks > 1) { /* this rank's whole 16-row blocks of the batch */
        int nb = (R + TR_ROW_BLOCK - 1) / TR_ROW_BLOCK;
        int b0 = (int)((long)dp->rank * nb / dp->ranks);
        int b1 = (int)((long)(dp->rank + 1) * nb / dp->ranks);
        r0 = b0 * TR_ROW_BLOCK;
        Rl = (b1 * TR_ROW_BLOCK < R ? b1 * TR_ROW_BLOCK : R) - r0;
        m->w.split_rows = R;
    }
    for (int k = 0; k < c->members; k++) { /* member k's batch in rows [k*Rl, (k+1)*Rl) */
        const int *perm = c->perm + (size_t)k * (size_t)n;
        tr_model_load_rows(m, tr, perm, b * B + r0, Rl, k * Rl);
        if (ir->train.shift > 0) { /* seeded per batch, so a resumed epoch is the same */
            rt_rng srng;
            uint32_t span = 2u * (unsigned)ir->train.shift + 1;
            rt_rng_seed(&srng, ir->train.seed, 0x73686674ULL /* "shft" */,
                        (uint64_t)run->stage << 32 | (uint64_t)e, (uint64_t)k << 32 | (uint64_t)b);
            for (int r = 0; r < 2 * r0; r++) /* the shifts of the rows before this rank's */
                rt_rng_below(&srng, span);
            tr_model_shift_rows(m, S->d, tr, perm, b * B + r0, Rl, k * Rl, ir->train.shift, &srng);
        }
    }
    Rl *= c->members;
    R *= c->members;
    double lr = tr_lr_at(c->st, e + (double)b / c->nb);
    double t0 = rt_now();
    int correct;
    m->w.class_w = S->class_w;
    double loss = tr_model_forward_train(m, Rl, &correct);
    tr_model_step(m, Rl, c->st, lr, c->wd, c->wd1);
    m->w.split_rows = 0;
    if (run->avg && m->opt->adam_t % TR_AVG_EVERY == 0) tr_model_average(m, run->avg, c->avg_decay);
    run->ep_train_s += rt_now() - t0;
    run->ep_loss += loss * R;
    run->ep_correct += correct;
    run->ep_seen += R;
    run->batch = b + 1;
    return lr;
}

/* A stop between batches: the checkpoint, then RT_INTERRUPTED naming where. */
static rt_status interrupted(session *S, const stage_ctx *c, int e, int b) {
    tick(S, c->dense);
    rt_status st = save_checkpoint(S);
    if (st != RT_OK) return st;
    return rt_fail(S->e, RT_INTERRUPTED,
                   "train: interrupted at %s epoch %d batch %d/%d; checkpoint saved, run again "
                   "with --resume to continue",
                   c->dense ? "dense" : "sparse", e + 1, b, c->nb);
}

/* The progress line of epoch e (row: its curve row; plain: the plain model's validation
 * accuracy with compare_plain, else NAN). */
static void progress_line(session *S, const stage_ctx *c, int e, const tr_curve_row *row,
                          double plain) {
    const ir_program *ir = S->ir;
    const ir_stage *st = c->st;
    /* the rest of this stage at its pace so far; later stages estimated at the same time
     * per epoch */
    double per = (rt_now() - c->t0) / (e + 1 - c->ep0);
    double left = per * (st->epochs - e - 1);
    for (int k = S->run.stage + 1; k < ir->train.n_stages; k++)
        left += per * ir->train.stages[k].epochs;
    char eta[32], seta[32], vbuf[48], line[320];
    tr_format_seconds(eta, sizeof eta, left);
    tr_format_seconds(seta, sizeof seta, per * (st->epochs - e - 1));
    if (isnan(row->valid_acc))
        snprintf(vbuf, sizeof vbuf, "-");
    else
        snprintf(vbuf, sizeof vbuf, isnan(plain) ? "%.2f%%" : "%.2f%% (plain %.2f%%)",
                 100 * row->valid_acc, 100 * plain);
    snprintf(line, sizeof line,
             "train: %s epoch %d/%d  loss %.4f  train %.2f%%  valid %s  lr %.3g  "
             "%.0f samples/s  ETA %s (stage %s)\n",
             c->dense ? "dense" : "sparse", e + 1, st->epochs, row->loss, 100 * row->train_acc,
             vbuf, row->lr, row->sps, eta, seta);
    if (S->o->on_epoch) {
        tr_progress p = {c->dense,       S->run.stage,   ir->train.n_stages,
                         e + 1,          st->epochs,     row->loss,
                         row->train_acc, row->valid_acc, row->lr,
                         row->sps,       left,           per * (st->epochs - e - 1)};
        S->o->on_epoch(S->o->on_epoch_ctx, &p, line);
        return;
    }
    fputs(line, S->log);
    fflush(S->log);
}

/* The end of epoch e: validation, selection, the curve row, the progress line; the epoch's
 * counters restart. */
static void end_epoch(session *S, const stage_ctx *c, int e, double lr) {
    const rt_split *tr = &S->d->train, *va = &S->d->valid;
    tr_model *m = S->m;
    tr_run *run = &S->run;
    double vq = NAN, vloss = NAN, plain = NAN;
    if (S->bench->compare_plain && run->avg && va->n > 0) plain = select_plain(S, va);
    evaluated_model(m, run, tr, c->perm, c->st->batch, c->live);
    if (va->n > 0) evaluate(m, va, NULL, &vq, &vloss);
    double sps = run->ep_seen / (run->ep_train_s > 0 ? run->ep_train_s : 1e-9);
    if (!c->dense) {
        run->sparse_epochs++;
        run->sparse_train_s += run->ep_train_s;
        run->sparse_samples += run->ep_seen;
        bool by_valid = S->ir->train.select == IR_SELECT_VALIDATION && va->n > 0;
        if (by_valid && keep_if_better(m, vq, vloss, &run->best_valid, &run->best_loss,
                                       &run->best_param, &run->best_state))
            run->best_epoch = run->sparse_epochs;
    }
    restore_live(m, run, c->live);
    tick(S, c->dense);
    run->curve = xrealloc(run->curve, (size_t)(run->n_curve + 1) * sizeof(tr_curve_row));
    tr_curve_row *row = &run->curve[run->n_curve++];
    row->dense = c->dense;
    row->epoch = e + 1;
    row->loss = run->ep_seen ? run->ep_loss / run->ep_seen : NAN;
    row->train_acc = run->ep_seen ? (double)run->ep_correct / run->ep_seen : NAN;
    row->valid_acc = vq;
    row->lr = lr;
    row->seconds = run->elapsed;
    row->sps = sps;
    if (!S->o->quiet) progress_line(S, c, e, row, plain);
    run->epoch = e + 1;
    run->batch = 0;
    run->ep_loss = 0;
    run->ep_correct = run->ep_seen = 0;
    run->ep_train_s = 0;
}

/* Whether to stop before the next batch: the stop flag, set on any rank. */
static bool stop_now(session *S) {
    uint64_t v = *S->stop != 0;
    const train_dp *dp = &S->o->dp;
    if (dp->ranks > 1) dp->reduce(dp->ctx, &v, 1);
    return v != 0;
}

/* Runs the remaining epochs of the current stage. */
static rt_status run_stage(session *S) {
    const ir_program *ir = S->ir;
    tr_model *m = S->m;
    tr_run *run = &S->run;
    stage_ctx c;
    c.st = &ir->train.stages[run->stage];
    c.dense = c.st->kind == IR_STAGE_DENSE;
    int B = c.st->batch, n = S->d->train.n;
    c.nb = n / B + (n % B >= 2 ? 1 : 0);
    if (S->bench->max_batches > 0 && c.nb > S->bench->max_batches) c.nb = S->bench->max_batches;
    c.wd = c.dense ? c.st->wd : 0.0;
    c.wd1 = c.dense ? c.st->wd1 : 0.0;
    c.members = m->p.head_own ? m->p.head_members : 1;
    c.perm = xmalloc((size_t)c.members * (size_t)n * sizeof(int));
    c.t0 = rt_now();
    c.ep0 = run->epoch;
    /* the parameter average (sparse stage), updated every TR_AVG_EVERY steps */
    if (!c.dense && ir->train.average > 0 && !run->avg) {
        run->avg = xmalloc(m->p.n_param * sizeof(float));
        memcpy(run->avg, m->p.param, m->p.n_param * sizeof(float));
    }
    c.avg_decay = (float)tr_powi(ir->train.average, TR_AVG_EVERY);
    c.live = run->avg ? xmalloc(m->p.n_param * sizeof(float)) : NULL;
    rt_status st = RT_OK;
    while (st == RT_OK && run->epoch < c.st->epochs) {
        int e = run->epoch;
        bool fix = c.st->freeze_mapping > 0 && e >= c.st->epochs - c.st->freeze_mapping;
        if (fix && !m->w.map_frozen && !S->o->quiet)
            fprintf(S->log,
                    "train: the learned mapping's wires are fixed from epoch %d on "
                    "(freeze_mapping = %d epochs)\n",
                    e + 1, c.st->freeze_mapping);
        tr_model_freeze_mapping(m, fix);
        for (int k = 0; k < c.members; k++)
            shuffle(S, e, k, c.perm + (size_t)k * (size_t)n, n);
        double lr = tr_lr_at(c.st, e);
        for (int b = run->batch; b < c.nb && st == RT_OK; b++) {
            if (stop_now(S))
                st = interrupted(S, &c, e, b);
            else
                lr = train_batch(S, &c, e, b);
        }
        if (st != RT_OK) break;
        end_epoch(S, &c, e, lr);
        st = save_checkpoint(S);
    }
    tr_model_freeze_mapping(m, false);
    free(c.perm);
    free(c.live);
    return st;
}

/* Builds the training model of the stage about to start (the dense one, or the sparse one
 * over the masks), with fresh parameters. */
static void start_model(session *S, bool dense, int *const *masks) {
    const ir_program *ir = S->ir;
    S->m = tr_model_new(ir, dense, masks, ir->train.seed, S->rows_max, S->o->threads, true);
    tr_model_init_params(S->m, ir->train.seed, dense ? 0 : 1);
    tr_model_fit_encoder(S->m, &S->d->train);
    S->m->w.addr_mode = S->bench->addr_mode;
    S->m->w.dp = S->o->dp;
}

/* The stage after a complete one: the dense model hands its masks to a fresh sparse model
 * (written to masks.txt), a sparse one continues with a fresh optimizer. */
static rt_status next_stage(session *S, bool dense) {
    int **masks = NULL;
    rt_status st = RT_OK;
    if (dense) {
        masks = tr_model_masks_from_dense(S->m);
        tr_model_free(S->m);
        S->m = NULL;
    }
    S->run.stage++;
    S->run.epoch = S->run.batch = 0;
    if (!S->m)
        start_model(S, false, masks);
    else
        tr_optim_reset(S->m->opt);
    if (S->paths.masks && masks && S->writer) st = tr_write_masks(S->m, S->paths.masks, S->e);
    tr_free_masks(masks, S->ir->n_layers);
    if (st == RT_OK) st = save_checkpoint(S);
    return st;
}

/* The stages from the current one to the last. */
static rt_status run_stages(session *S) {
    const ir_program *ir = S->ir;
    const train_opts *o = S->o;
    rt_status st = RT_OK;
    while (st == RT_OK && S->run.stage < ir->train.n_stages) {
        bool dense = ir->train.stages[S->run.stage].kind == IR_STAGE_DENSE;
        if (dense && o->masks && !S->m) { /* the masks are given: no dense stage */
            S->run.stage++;
            continue;
        }
        if (!S->m) start_model(S, dense, dense ? NULL : o->masks);
        st = run_stage(S);
        /* the stage is complete: the last one stays current (a resume with more epochs
         * continues it), any other hands over to the next */
        if (st != RT_OK || S->run.stage == ir->train.n_stages - 1) break;
        st = next_stage(S, dense);
    }
    return st;
}

/* The measurement at the end: selected model, model file, test accuracy, report. The model
 * leaves training here: its optimizer state and training buffers are dropped. */
static rt_status finish(session *S, rt_report *rep, tr_model **out) {
    tr_model *m = S->m;
    tr_run *run = &S->run;
    if (run->best_param) {
        memcpy(m->p.param, run->best_param, m->p.n_param * sizeof(float));
        memcpy(m->p.state, run->best_state, m->p.n_state * sizeof(float));
    } else { /* the last epoch's model: with an average, the average, batch norm refitted */
        evaluated_model(m, run, &S->d->train, NULL, S->ir->train.stages[run->stage].batch, NULL);
    }
    if (S->paths.model && S->writer) {
        rt_status st = tr_model_save(S->paths.model, m, S->e);
        if (st == RT_OK) st = tr_write_masks(m, S->paths.masks, S->e);
        if (st != RT_OK) return st;
    }
    tr_model_finish_training(m);
    report_plain(S);
    double vq = NAN, tf = NAN, tq = NAN;
    if (S->d->valid.n > 0) tr_evaluate(m, &S->d->valid, NULL, &vq);
    if (S->d->test.n > 0) tr_evaluate(m, &S->d->test, &tf, &tq);
    rep->validation_accuracy = vq;
    rep->accuracy.flt = tf;
    rep->accuracy.quantized = tq;
    rep->best_epoch = run->best_param ? run->best_epoch : run->sparse_epochs;
    rep->time_s.stage1 = run->stage_s[0];
    rep->time_s.stage2 = run->stage_s[1];
    rep->train_samples_per_s =
        run->sparse_train_s > 0 ? run->sparse_samples / run->sparse_train_s : NAN;
    if (!S->o->quiet) {
        fprintf(S->log,
                "train: selected sparse epoch %d (valid %.2f%%); test: quantized %.2f%%, "
                "float output %.2f%%; %.1f s\n",
                rep->best_epoch, 100 * vq, 100 * tq, 100 * tf, run->elapsed);
        fflush(S->log);
    }
    if (out) {
        *out = m;
        S->m = NULL;
    }
    return RT_OK;
}

/* The report's fields known before training. */
static void report_start(rt_report *rep, const ir_program *ir, const rt_dataset *d) {
    rep->model = ir->model_name;
    rep->dataset = ir->dataset.name;
    rep->seed = ir->train.seed;
    rep->n_train = d->train.n;
    rep->n_valid = d->valid.n;
    rep->n_test = d->test.n;
    rep->llut_count = tr_llut_count(ir);
    rep->table_bits = tr_table_bits(ir);
}

/* The loss weight of each class: NULL for class_weight = none; balanced: n / (classes x n_c)
 * with the training split's counts (0 for a class it lacks), so the weights of the training
 * rows average 1. */
static float *class_weights(const ir_program *ir, const rt_split *tr) {
    if (ir->train.class_weight != IR_CW_BALANCED) return NULL;
    int C = ir->dataset.classes;
    long *n = xcalloc((size_t)C, sizeof *n);
    float *w = xmalloc((size_t)C * sizeof *w);
    for (int i = 0; i < tr->n; i++)
        n[tr->y[i]]++;
    for (int c = 0; c < C; c++)
        w[c] = n[c] ? (float)((double)tr->n / ((double)C * (double)n[c])) : 0.0f;
    free(n);
    return w;
}

/* Opens a session: checks, output folder, fingerprint, workspace size, and the checkpoint
 * when resuming. */
static rt_status session_open(session *S) {
    const ir_program *ir = S->ir;
    const train_opts *o = S->o;
    rt_status st = tr_check_run(ir, S->d, S->e);
    S->writer = o->dp.ranks <= 1 || o->dp.rank == 0;
    if (st == RT_OK) st = paths_init(&S->paths, o->out_dir, S->writer, S->e);
    if (st != RT_OK) return st;
    S->fp = run_fingerprint(ir, S->d);
    S->class_w = class_weights(ir, &S->d->train);
    S->rows_max = tr_rows_max(ir);
    S->run.best_valid = S->plain_valid = -1.0;
    S->run.best_loss = S->plain_loss = INFINITY;
    struct stat sb;
    if (o->resume && S->paths.ckpt && stat(S->paths.ckpt, &sb) == 0) {
        st = tr_ckpt_load(S->paths.ckpt, ir, S->fp, S->rows_max, o->threads, &S->run, &S->m, S->e);
        if (st != RT_OK) return st;
        S->m->w.addr_mode = S->bench->addr_mode;
        S->m->w.dp = o->dp;
        if (!o->quiet)
            fprintf(S->log, "train: resuming at stage %d epoch %d batch %d\n", S->run.stage + 1,
                    S->run.epoch + 1, S->run.batch);
    } else if (o->resume && !o->quiet && S->paths.ckpt) {
        fprintf(S->log, "train: no checkpoint in %s; starting from the beginning\n", S->paths.dir);
    }
    bool learned = false;
    for (int l = 0; l < ir->n_layers; l++)
        learned |= ir->layers[l].connect == IR_CONNECT_LEARNED;
    if (learned && ir->train.stages[0].kind != IR_STAGE_DENSE && !o->masks && !o->quiet && !S->m)
        fprintf(S->log, "train: note: connect = learned without a dense stage; using random "
                        "masks\n");
    return RT_OK;
}

rt_status tr_train_bench(const ir_program *ir, const rt_dataset *d, const train_opts *opts,
                         const tr_bench_opts *bench, rt_report *rep, tr_model **out, rt_error *e) {
    static const tr_bench_opts no_bench = {0, false, TR_ADDR_AUTO};
    if (ir->head_batches == IR_MBATCH_SEPARATE && ir->head_members > 1)
        return tr_train_members(ir, d, opts, bench, rep, out, e);
    if (tr_check_model(ir, e)) return e->status;
    train_opts defaults;
    train_opts_init(&defaults);
    session S;
    memset(&S, 0, sizeof S);
    S.ir = ir;
    S.d = d;
    S.o = opts ? opts : &defaults;
    S.bench = bench ? bench : &no_bench;
    S.log = S.o->progress ? S.o->progress : stderr;
    S.e = e;
    if (out) *out = NULL;
    report_start(rep, ir, d);
    tr_build_facts(rep, tr_threads(S.o->threads));
    rt_status st = tr_check_dp(ir, S.o->dp.ranks, e);
    if (st == RT_OK) st = session_open(&S);
    if (st == RT_OK) {
        struct sigaction sa, old;
        S.stop = S.o->stop ? S.o->stop : &g_sigint;
        if (!S.o->stop) {
            g_sigint = 0;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_sigint;
            sigemptyset(&sa.sa_mask);
            sigaction(SIGINT, &sa, &old);
        }
        S.mark = rt_now();
        st = run_stages(&S);
        if (!S.o->stop) sigaction(SIGINT, &old, NULL);
        if (st == RT_OK) st = finish(&S, rep, out);
    }
    tr_model_free(S.m);
    tr_run_free(&S.run);
    paths_free(&S.paths);
    free(S.plain_param);
    free(S.plain_state);
    free(S.class_w);
    return st;
}

rt_status train_run(const ir_program *ir, const rt_dataset *d, const train_opts *o, rt_report *rep,
                    tr_model **out, rt_error *e) {
    return tr_train_bench(ir, d, o, NULL, rep, out, e);
}
