/* members.c - a group-sum head whose members train as models of their own
 * (output { head = group_sum(members = M, batches = separate) }).
 *
 * Member k is the model with every layer's L-LUTs divided by M (its head a group of G/M
 * per class), trained alone (tr_train_bench) with seed + k, its files under
 * OUT/train/member<k+1>/train/: its own batches, batch-norm statistics, quantizer scales and
 * selected epoch, exactly the run of that smaller model with that seed. The whole model is
 * then assembled from the members' parameters: member k's L-LUT o of a layer takes place
 * k*n + o (n: the member's L-LUTs in it), except in the last layer, where class c's group
 * holds each member's part in turn (c*G + k*G/M + g, the layout every back end reads as
 * members); a member's later layers read only its own part of the layer before. The
 * lowering admits only models where this is exact: an input encoder (no learned input
 * parameters to share), L-LUTs after the first layer of kind table (they read codes, not
 * values), no contiguous wiring. One difference remains: a layer has one quantizer scale,
 * member 0's; member k's batch-norm affine of that layer is multiplied by s_0 / s_k, so it
 * gives the same z / s up to the rounding of that product. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_int.h"

/* The whole model's place of member k's L-LUT o in layer l. */
static int member_place(const ir_program *ir, int l, int k, int o) {
    int M = ir->head_members, n = ir->layers[l].out_width / M;
    if (l < ir->n_layers - 1) return k * n + o;
    int Gm = ir->head_group / M;
    return (o / Gm) * ir->head_group + k * Gm + o % Gm;
}

/* Member k's program: mi a copy of ir over layers (n_layers entries, owned by the caller). */
static void member_ir(const ir_program *ir, int k, ir_program *mi, ir_layer *layers) {
    int M = ir->head_members;
    *mi = *ir;
    memcpy(layers, ir->layers, (size_t)ir->n_layers * sizeof *layers);
    for (int l = 0; l < ir->n_layers; l++) {
        layers[l].out_width /= M;
        if (l) layers[l].in_width /= M;
    }
    mi->layers = layers;
    mi->head_group = ir->head_group / M;
    mi->head_members = 1;
    mi->head_batches = IR_MBATCH_SHARED;
    mi->train.seed = ir->train.seed + (uint64_t)k;
}

/* Member k's wires into the whole model's masks (the readers of layer l > 0 offset to the
 * member's part of layer l - 1). */
static void member_wires(const ir_program *ir, tr_model *mk, int k, int **masks) {
    tr_map_refresh(mk, false);
    for (int l = 0; l < ir->n_layers; l++) {
        const tr_layer *L = &mk->p.layers[l];
        int F = L->sh.F, off = l ? k * L->in : 0;
        for (int o = 0; o < L->out; o++)
            for (int f = 0; f < F; f++)
                masks[l][(size_t)member_place(ir, l, k, o) * F + f] = L->idx[o * F + f] + off;
    }
}

/* Member k's parameters and running statistics into the whole model w (layers, the
 * selection weights of mapping layers, member 0's scales, input parameters and encoder). */
static void member_params(const ir_program *ir, const tr_model *mk, int k, tr_model *w) {
    const tr_params *S = &mk->p;
    tr_params *P = &w->p;
    for (int l = 0; l < ir->n_layers; l++) {
        const tr_layer *A = &S->layers[l];
        tr_layer *B = &P->layers[l];
        float r = tr_q_scale(P->param[B->o_scale]) / tr_q_scale(S->param[A->o_scale]);
        if (k == 0) P->param[B->o_scale] = S->param[A->o_scale], r = 1.0f;
        for (int o = 0; o < A->out; o++) {
            int at = member_place(ir, l, k, o);
            float *rec = P->param + B->o_lut + (size_t)at * B->stride;
            memcpy(rec, S->param + A->o_lut + (size_t)o * A->stride, A->stride * sizeof(float));
            if (k) rec[B->r_gamma] *= r, rec[B->r_beta] *= r;
            P->state[B->o_rmean + at] = S->state[A->o_rmean + o];
            P->state[B->o_rvar + at] = S->state[A->o_rvar + o];
            if (A->connect != IR_CONNECT_MAPPING) continue;
            for (int f = 0; f < A->sh.F; f++) { /* the member's row, the rest below its least */
                const float *src = S->param + A->o_map + ((size_t)o * A->sh.F + f) * A->ldw;
                float *dst = P->param + B->o_map + ((size_t)at * B->sh.F + f) * B->ldw;
                float lo = src[0];
                for (int i = 1; i < A->in; i++)
                    lo = src[i] < lo ? src[i] : lo;
                for (int i = 0; i < B->ldw; i++)
                    dst[i] = i < B->in ? lo - 1.0f - fabsf(lo) : 0.0f;
                memcpy(dst + (l ? k * A->in : 0), src, (size_t)A->in * sizeof(float));
            }
        }
    }
    if (k) return;
    memcpy(P->param + P->o_in_gamma, S->param + S->o_in_gamma,
           (P->n_param - P->o_in_gamma) * sizeof(float));
    memcpy(P->state + P->o_in_rmean, S->state + S->o_in_rmean,
           (P->n_state - P->o_in_rmean) * sizeof(float));
}

/* The whole model's wires equal the masks it was built over (the mapping layers' argmax
 * over the assembled weights included). */
static bool wires_hold(tr_model *w, int *const *masks) {
    tr_map_refresh(w, false);
    for (int l = 0; l < w->p.n_layers; l++) {
        const tr_layer *L = &w->p.layers[l];
        if (memcmp(L->idx, masks[l], (size_t)L->out * L->sh.F * sizeof(int))) return false;
    }
    return true;
}

rt_status tr_train_members(const ir_program *ir, const rt_dataset *d, const train_opts *opts,
                           const tr_bench_opts *b, rt_report *rep, tr_model **out, rt_error *e) {
    train_opts defaults;
    train_opts_init(&defaults);
    const train_opts *o = opts ? opts : &defaults;
    int M = ir->head_members, L = ir->n_layers;
    FILE *log = o->progress ? o->progress : stderr;
    char *dir = o->out_dir ? rt_path_join(o->out_dir, "train") : NULL;
    int err = dir ? rt_mkdirs(dir, NULL) : 0;
    if (err) {
        rt_status st =
            rt_fail(e, RT_ERR_IO, "train: cannot create folder %s: %s", dir, strerror(err));
        free(dir);
        return st;
    }
    ir_layer *layers = xmalloc((size_t)L * sizeof *layers);
    int **masks = xcalloc((size_t)L, sizeof *masks);
    for (int l = 0; l < L; l++)
        masks[l] = xmalloc((size_t)ir->layers[l].out_width * ir->layers[l].fanin * sizeof(int));
    tr_model **mk = xcalloc((size_t)M, sizeof *mk), *w = NULL;
    double s1 = 0.0, s2 = 0.0, rate = 0.0;
    rt_status st = RT_OK;
    for (int k = 0; k < M && st == RT_OK; k++) {
        ir_program mi;
        member_ir(ir, k, &mi, layers);
        train_opts ok = *o;
        char *mdir = dir ? rt_strfmt("%s/member%d", dir, k + 1) : NULL;
        ok.out_dir = mdir;
        if (!o->quiet)
            fprintf(log, "train: member %d of %d: %d L-LUTs, seed %llu (%s)\n", k + 1, M,
                    (int)tr_llut_count(&mi), (unsigned long long)mi.train.seed,
                    mdir ? mdir : "no files");
        st = tr_train_bench(&mi, d, &ok, b, rep, &mk[k], e);
        free(mdir);
        if (st != RT_OK) break;
        s1 += rep->time_s.stage1;
        s2 += rep->time_s.stage2;
        rate += rep->train_samples_per_s / M;
        member_wires(ir, mk[k], k, masks);
    }
    if (st == RT_OK) {
        w = tr_model_new(ir, false, masks, ir->train.seed, 256, o->threads, false);
        for (int k = 0; k < M; k++)
            member_params(ir, mk[k], k, w);
        if (!wires_hold(w, masks))
            st = rt_fail(e, RT_ERR_MODEL, "train: the assembled members do not keep their wires");
    }
    if (st == RT_OK && dir && (o->dp.ranks <= 1 || o->dp.rank == 0)) {
        char *mp = rt_path_join(dir, "model.bin"), *kp = rt_path_join(dir, "masks.txt");
        st = tr_model_save(mp, w, e);
        if (st == RT_OK) st = tr_write_masks(w, kp, e);
        free(mp);
        free(kp);
    }
    if (st == RT_OK) {
        rep->seed = ir->train.seed;
        rep->llut_count = tr_llut_count(ir);
        rep->table_bits = tr_table_bits(ir);
        rep->best_epoch = 0; /* one per member, printed above */
        rep->time_s.stage1 = s1;
        rep->time_s.stage2 = s2;
        rep->train_samples_per_s = rate;
        rep->validation_accuracy = NAN;
        rep->accuracy.flt = rep->accuracy.quantized = NAN;
        if (d->valid.n > 0) tr_evaluate(w, &d->valid, NULL, &rep->validation_accuracy);
        if (d->test.n > 0) tr_evaluate(w, &d->test, &rep->accuracy.flt, &rep->accuracy.quantized);
        if (!o->quiet)
            fprintf(log, "train: the %d members together: valid %.2f%%; test: quantized %.2f%%\n",
                    M, 100 * rep->validation_accuracy, 100 * rep->accuracy.quantized);
    }
    for (int k = 0; k < M; k++)
        tr_model_free(mk[k]);
    free(mk);
    tr_free_masks(masks, L);
    free(layers);
    free(dir);
    if (st != RT_OK) {
        tr_model_free(w);
        w = NULL;
    }
    if (out)
        *out = w;
    else
        tr_model_free(w);
    return st;
}
