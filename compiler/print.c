/* print.c - the IR as stable text (`nltc --emit=ir`, OUT/model.ir, golden tests).
 *
 * One fact per line, "key value", sections indented; numbers printed with %.15g so
 * values read back as written; strings quoted with \" and \\ escaped. The order of lines
 * follows ir.h and never depends on memory addresses. */
#include "compiler.h"

static void pr_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\t')
            fputs("\\t", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void pr_col(FILE *f, ir_colref c) {
    if (c.name)
        pr_string(f, c.name);
    else
        fprintf(f, "%d", c.index);
}

static void pr_cols(FILE *f, const char *key, const ir_colref *c, int n) {
    fprintf(f, "  %s [", key);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        pr_col(f, c[i]);
    }
    fputs("]\n", f);
}

static void pr_split(FILE *f, const char *key, const ir_source *s, double fraction) {
    fprintf(f, "  %s ", key);
    if (!s->path) {
        fprintf(f, "fraction %.15g\n", fraction);
        return;
    }
    pr_string(f, s->path);
    if (s->labels_path) {
        fputs(" labels ", f);
        pr_string(f, s->labels_path);
    }
    fputc('\n', f);
}

static void pr_dataset(FILE *f, const ir_dataset *d) {
    fprintf(f, "dataset %s\n", d->name);
    fprintf(f, "  format %s\n", ir_format_name(d->format));
    pr_split(f, "train", &d->train, 0);
    pr_split(f, "valid", &d->valid, d->valid_fraction);
    pr_split(f, "test", &d->test, d->test_fraction);
    fprintf(f, "  split_seed %llu\n", (unsigned long long)d->split_seed);
    if (d->format == IR_DATA_CSV) {
        if (d->skip) fprintf(f, "  skip %ld\n", d->skip);
        if (d->missing != IR_MISSING_ERROR)
            fprintf(f, "  missing %s\n", ir_missing_name(d->missing));
        fprintf(f, "  header %s\n", d->header ? "true" : "false");
        fprintf(f, "  delimiter ");
        pr_string(f, (char[]){d->delimiter, 0});
        fputs("\n  label ", f);
        pr_col(f, d->label);
        fputc('\n', f);
        pr_cols(f, "drop", d->drop, d->n_drop);
        pr_cols(f, "categorical", d->categorical, d->n_categorical);
        fprintf(f, "  encoding %s\n", ir_encoding_name(d->cat_encoding));
    }
    fprintf(f, "  binarize %d\n", d->binarize_bits);
    fprintf(f, "  log1p %s\n", d->log1p ? "true" : "false");
    fprintf(f, "  scale %.15g\n", d->scale);
    fprintf(f, "  norm %s\n", ir_norm_name(d->norm));
    fprintf(f, "  inputs %d\n", d->inputs);
    fprintf(f, "  classes %d\n", d->classes);
    if (d->n_class_names) {
        fputs("  class_names [", f);
        for (int i = 0; i < d->n_class_names; i++) {
            if (i) fputs(", ", f);
            pr_string(f, d->class_names[i]);
        }
        fputs("]\n", f);
    }
}

/* A layer; its kind is printed when it is not mlp (the models before kinds print as they
 * did). */
static void pr_layer(FILE *f, const ir_layer *l) {
    fprintf(f, "layer %s tree %d level %d%s%s in %d out %d fanin %d", l->name, l->tree, l->level,
            l->support ? " support" : "", l->tree_root ? " root" : "", l->in_width, l->out_width,
            l->fanin);
    if (l->kind != IR_KIND_MLP) fprintf(f, " kind %s", ir_kind_name(l->kind));
    if (l->kind == IR_KIND_POLY) fprintf(f, " degree %d", l->degree);
    fprintf(f, " hidden %d depth %d skip %s bits %d->%d quant %s connect %s%s\n", l->hidden,
            l->depth, l->lut_skip ? "linear" : "none", l->bits_in, l->bits_out,
            ir_quant_name(l->quant), ir_connect_name(l->connect), l->reg_after ? " reg" : "");
}

/* The input encoder and the output head; the defaults (hardtanh, codes) print as before. */
static void pr_io(FILE *f, const ir_program *p) {
    if (p->encode == IR_ENC_HARDTANH)
        fprintf(f, "input bits %d quant %s\n", p->input_bits, ir_quant_name(IR_Q_HARDTANH));
    else if (p->encode == IR_ENC_THERMOMETER)
        fprintf(f, "input bits %d encode %s levels %d thresholds %s width %d\n", p->input_bits,
                ir_encode_name(p->encode), p->enc_levels, ir_thresh_name(p->enc_thresholds),
                p->in_width);
    else
        fprintf(f, "input bits %d encode %s width %d\n", p->input_bits, ir_encode_name(p->encode),
                p->in_width);
    if (p->head != IR_HEAD_GROUP_SUM) return;
    fprintf(f, "output head %s tau %.15g group %d", ir_head_name(p->head), p->head_tau,
            p->head_group);
    if (p->head_members > 1) fprintf(f, " members %d", p->head_members); /* a split loss */
    if (p->head_batches != IR_MBATCH_SHARED)
        fprintf(f, " batches %s", ir_mbatch_name(p->head_batches));
    fputc('\n', f);
}

static void pr_stage(FILE *f, const ir_stage *s) {
    fprintf(f, "  stage %s\n", ir_stage_name(s->kind));
    fprintf(f, "    epochs %d batch %d lr %.15g\n", s->epochs, s->batch, s->lr);
    fprintf(f, "    optimizer %s beta1 %.15g beta2 %.15g weight_decay %.15g\n",
            ir_optimizer_name(s->optimizer), s->beta1, s->beta2, s->weight_decay);
    if (s->schedule == IR_SCHED_COSINE)
        fprintf(f, "    schedule %s restart %d mult %.15g lr_min %.15g\n",
                ir_schedule_name(s->schedule), s->restart_epochs, s->restart_mult, s->lr_min);
    else
        fprintf(f, "    schedule %s\n", ir_schedule_name(s->schedule));
    fprintf(f, "    regularize wd %.15g wd1 %.15g\n", s->wd, s->wd1);
    if (s->freeze_mapping > 0) fprintf(f, "    freeze_mapping %d\n", s->freeze_mapping);
}

void ir_print(FILE *f, const ir_program *p) {
    fprintf(f, "model %s\n", p->model_name);
    for (int i = 0; i < p->n_sources; i++) {
        fputs("source ", f);
        pr_string(f, p->sources[i]);
        fputc('\n', f);
    }
    pr_dataset(f, &p->dataset);
    pr_io(f, p);
    fprintf(f, "tree_skip %s\n", p->tree_skip ? "true" : "false");
    fprintf(f, "trees %d layers %d\n", p->n_trees, p->n_layers);
    for (int i = 0; i < p->n_layers; i++)
        pr_layer(f, &p->layers[i]);
    fprintf(f, "train seed %llu select %s", (unsigned long long)p->train.seed,
            ir_select_name(p->train.select));
    if (p->train.average > 0) fprintf(f, " average ema %.9g", p->train.average);
    if (p->train.class_weight != IR_CW_NONE)
        fprintf(f, " class_weight %s", ir_class_weight_name(p->train.class_weight));
    if (p->train.shift > 0) fprintf(f, " augment shift %d", p->train.shift);
    fputc('\n', f);
    for (int i = 0; i < p->train.n_stages; i++)
        pr_stage(f, &p->train.stages[i]);
    const ir_hardware *h = &p->hw;
    fprintf(f, "hardware lut_inputs %d pipeline %s", h->lut_inputs, ir_pipeline_name(h->pipeline));
    if (h->pipeline == IR_PIPE_EVERY_K) fprintf(f, " k %d", h->pipeline_k);
    fprintf(f, " stages %d", h->stages);
    if (h->reduce_rarity > 0)
        fprintf(f, " reduce dont_care rarity %ld fill %s errors %g margin %d", h->reduce_rarity,
                ir_rfill_name(h->reduce_fill), h->reduce_errors, h->reduce_margin);
    if (h->reduce_rarity > 0 && h->reduce_changes > 0) fprintf(f, " changes %g", h->reduce_changes);
    if (h->argmax) fputs(" argmax", f);
    if (h->target != IR_TARGET_ULTRASCALE_PLUS) fprintf(f, " target %s", ir_target_name(h->target));
    if (h->part != IR_PART_AUTO) fprintf(f, " part %s", ir_part_name(h->part));
    if (h->interface != IR_IFACE_PLAIN)
        fprintf(f, " interface %s", ir_interface_name(h->interface));
    fputc('\n', f);
    fputs("  clock ", f);
    pr_string(f, h->clock);
    fputs(" reset ", f);
    pr_string(f, h->reset);
    fprintf(f, " reset_style %s\n", ir_reset_name(h->reset_style));
}
