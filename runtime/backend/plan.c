/* plan.c - the hardware plan of the back ends: layer names, tree structure, which layers
 * a pipeline register follows, port names and LUT size, taken from the IR or made up for
 * tables without one; and the command-line forms of the pipelining strategies. */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void plan_base(be_plan *p, const char *model, int n_layers) {
    memset(p, 0, sizeof *p);
    p->model = xstrdup(model);
    p->ident = be_ident(model);
    p->n_layers = n_layers;
    p->layers = xcalloc((size_t)n_layers, sizeof *p->layers);
}

void be_plan_from_ir(const ir_program *ir, be_plan *p) {
    plan_base(p, ir->model_name ? ir->model_name : "model", ir->n_layers);
    p->lut_inputs = ir->hw.lut_inputs > 0 ? ir->hw.lut_inputs : 6;
    p->argmax = ir->hw.argmax;
    p->pipeline = ir->hw.pipeline;
    p->pipeline_k = ir->hw.pipeline == IR_PIPE_EVERY_K ? ir->hw.pipeline_k : 0;
    p->clock = xstrdup(ir->hw.clock ? ir->hw.clock : "clk");
    p->reset = xstrdup(ir->hw.reset ? ir->hw.reset : "rst");
    p->reset_style = ir->hw.reset_style;
    p->target = ir->hw.target;
    p->part = ir->hw.part;
    p->iface = ir->hw.interface;
    for (int l = 0; l < ir->n_layers; l++) {
        const ir_layer *L = &ir->layers[l];
        be_layer_plan *q = &p->layers[l];
        char buf[32];
        snprintf(buf, sizeof buf, "layer%d", l);
        q->name = xstrdup(L->name ? L->name : buf);
        q->tree = L->tree;
        q->level = L->level;
        q->tree_root = L->tree_root;
        q->reg_after = L->reg_after;
    }
}

void be_plan_default(const rt_tables *t, const char *model, ir_pipeline pipe, int k, be_plan *p) {
    plan_base(p, model, t->n_layers);
    p->lut_inputs = 6;
    p->clock = xstrdup("clk");
    p->reset = xstrdup("rst");
    p->reset_style = IR_RESET_SYNC_HIGH;
    p->head = t->head_group > 0;
    for (int l = 0; l < t->n_layers; l++) {
        char buf[32];
        snprintf(buf, sizeof buf, "t%d.0", l);
        p->layers[l].name = xstrdup(buf);
        p->layers[l].tree = l;
        p->layers[l].level = 0;
        p->layers[l].tree_root = true;
    }
    be_plan_set_pipeline(p, pipe, k);
}

void be_plan_copy(const be_plan *src, be_plan *dst) {
    plan_base(dst, src->model, src->n_layers);
    dst->lut_inputs = src->lut_inputs;
    dst->argmax = src->argmax;
    dst->pipeline = src->pipeline;
    dst->pipeline_k = src->pipeline_k;
    dst->clock = xstrdup(src->clock);
    dst->reset = xstrdup(src->reset);
    dst->reset_style = src->reset_style;
    dst->target = src->target;
    dst->part = src->part;
    dst->iface = src->iface;
    dst->head = src->head;
    free(dst->ident);
    dst->ident = xstrdup(src->ident);
    dst->prep = src->prep ? xstrdup(src->prep) : NULL;
    for (int l = 0; l < src->n_layers; l++) {
        dst->layers[l] = src->layers[l];
        dst->layers[l].name = xstrdup(src->layers[l].name);
    }
}

void be_plan_set_pipeline(be_plan *p, ir_pipeline pipe, int k) {
    p->pipeline = pipe;
    p->pipeline_k = pipe == IR_PIPE_EVERY_K ? (k > 0 ? k : 1) : 0;
    for (int l = 0; l < p->n_layers; l++)
        p->layers[l].reg_after =
            ir_reg_after(pipe, p->pipeline_k, l, p->n_layers, p->layers[l].tree_root);
}

bool be_plan_head_reg(const be_plan *p) {
    return p->head && p->pipeline != IR_PIPE_NONE;
}

int be_plan_stages(const be_plan *p) {
    int s = be_plan_head_reg(p);
    for (int l = 0; l < p->n_layers; l++)
        s += p->layers[l].reg_after;
    return s;
}

void be_plan_free(be_plan *p) {
    for (int l = 0; l < p->n_layers; l++)
        free(p->layers[l].name);
    free(p->layers);
    free(p->model);
    free(p->ident);
    free(p->clock);
    free(p->reset);
    free(p->prep);
    memset(p, 0, sizeof *p);
}

int be_pipeline_parse(const char *s, ir_pipeline *pipe, int *k) {
    if (ir_pipeline_parse(s, pipe)) return 0;
    if (strncmp(s, "every", 5) != 0) return -1;
    const char *d = s + 5;
    int paren = *d == '(';
    d += paren;
    char *end;
    long v = strtol(d, &end, 10);
    if (end == d || v < 1 || v > 1000) return -1;
    if (paren && *end++ != ')') return -1;
    if (*end) return -1;
    *pipe = IR_PIPE_EVERY_K;
    *k = (int)v;
    return 0;
}
