/* test_run.c - run control of training: the files under OUT/train, masks read back,
 * resume, a run stopped by SIGINT or by the caller's flag resumes to exactly the same
 * result, and errors name what is wrong.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

/* ---- Run control: files, resume, SIGINT --------------------------------------------- */

static int count_lines(const char *path, char *first, size_t n) {
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    char buf[4096];
    int lines = 0;
    while (fgets(buf, sizeof buf, f)) {
        if (lines == 0 && first) {
            size_t k = strlen(buf) < n - 1 ? strlen(buf) : n - 1;
            memcpy(first, buf, k);
            first[k] = 0;
        }
        lines++;
    }
    fclose(f);
    return lines;
}

START_TEST(test_output_files) {
    rt_dataset d;
    parity_data(&d, 12, 256, 5);
    ir_program *ir = small_program(3, 2, 6);
    char *dir = temp_dir();
    train_opts o = quiet_opts(2);
    o.out_dir = dir;
    rt_report rep;
    rt_report_init(&rep);
    tr_model *m = NULL;
    ck_assert_int_eq(train_run(ir, &d, &o, &rep, &m, &terr), RT_OK);
    char path[512], first[256];
    snprintf(path, sizeof path, "%s/train/curve.csv", dir);
    ck_assert_int_eq(count_lines(path, first, sizeof first), 1 + 2 + 3);
    ck_assert_str_eq(first, "stage,epoch,loss,train_acc,valid_acc,lr,seconds,samples_per_s\n");
    snprintf(path, sizeof path, "%s/train/masks.txt", dir);
    /* header, then per masked layer (0 and 2): one line + one per L-LUT */
    ck_assert_int_eq(count_lines(path, first, sizeof first), 1 + (1 + 24) + (1 + 8));
    ck_assert_str_eq(first, "# nltc masks v1\n");
    /* masks.txt reads back, and training over it uses exactly those masks */
    int **masks = NULL;
    ck_assert_int_eq(tr_read_masks(path, ir, &masks, &terr), RT_OK);
    ck_assert_ptr_null(masks[1]);
    ck_assert_ptr_null(masks[3]);
    for (int l = 0; l < 4; l += 2)
        ck_assert_mem_eq(masks[l], m->p.layers[l].idx,
                         (size_t)m->p.layers[l].out * m->p.layers[l].sh.F * sizeof(int));
    train_opts o2 = quiet_opts(2);
    o2.masks = masks;
    tr_model *fixed = NULL;
    ck_assert_int_eq(train_run(ir, &d, &o2, &rep, &fixed, &terr), RT_OK);
    ck_assert_mem_eq(fixed->p.layers[0].idx, masks[0], 24 * 4 * sizeof(int));
    ck_assert(rep.time_s.stage1 == 0.0); /* no dense stage */
    tr_model_free(fixed);
    tr_free_masks(masks, 4);
    /* the saved model gives the same tables */
    tr_model *back = NULL;
    ck_assert_int_eq(tr_model_load(ir, dir, 2, &back, &terr), RT_OK);
    ck_assert(same_params(m, back));
    rt_tables ta, tb;
    tr_tabulate(m, &ta, NULL);
    tr_tabulate(back, &tb, NULL);
    ck_assert(same_tables(&ta, &tb));
    /* the model train_run hands out and the loaded one carry no gradients, no Adam moments
     * and no training buffers; they evaluate and give codes all the same */
    const tr_model *ev[2] = {m, back};
    for (int k = 0; k < 2; k++) {
        ck_assert_ptr_null(ev[k]->opt);
        ck_assert(!ev[k]->w.train);
        ck_assert_ptr_null(ev[k]->w.lb[0].dval);
        ck_assert_ptr_null(ev[k]->w.lb[0].dxg);
        ck_assert_ptr_null(ev[k]->w.in_dval);
        ck_assert_ptr_null(ev[k]->w.dlogits);
    }
    double qm, qb;
    tr_evaluate(m, &d.test, NULL, &qm);
    tr_evaluate(back, &d.test, NULL, &qb);
    ck_assert_double_eq(qm, qb);
    rt_codes cm, cb;
    ck_assert_int_eq(tr_codes(back, &d.test, &cb, NULL), RT_OK);
    ck_assert_int_eq(tr_codes(m, &d.test, &cm, NULL), RT_OK);
    ck_assert_mem_eq(cm.layer[3], cb.layer[3], (size_t)d.test.n * 2 * sizeof(uint16_t));
    rt_codes_free(&cm);
    rt_codes_free(&cb);
    rt_tables_free(&ta);
    rt_tables_free(&tb);
    tr_model_free(back);
    /* another architecture is refused, naming the file */
    ir->layers[0].hidden = 8;
    ck_assert_int_eq(tr_model_load(ir, dir, 2, &back, &terr), RT_ERR_MODEL);
    ck_assert_ptr_null(back);
    ck_assert_ptr_nonnull(strstr(terr.msg, "model.bin"));
    ck_assert_ptr_nonnull(strstr(terr.msg, "another architecture"));
    tr_model_free(m);
    remove_dir(dir);
    free(dir);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* Writes text to a file in dir and reads it as masks; returns the error message. */
static int masks_error(const char *dir, const ir_program *ir, const char *text, char *msg,
                       size_t cap) {
    char path[512];
    snprintf(path, sizeof path, "%s/m.txt", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    rt_error e = {0};
    int **masks = NULL;
    int rc = tr_read_masks(path, ir, &masks, &e);
    copy_msg(msg, cap, &e);
    remove(path);
    ck_assert_ptr_null(masks);
    return rc;
}

START_TEST(test_bad_masks) {
    ir_program *ir = small_program(1, 0, 1);
    char *dir = temp_dir(), msg[512];
    ck_assert_int_eq(masks_error(dir, ir, "layer 0 x in 12 out 24 fanin 4 learned\n", msg, 512),
                     RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(msg, "m.txt:1: expected the header"));
    ck_assert_int_eq(
        masks_error(dir, ir, "# nltc masks v1\nlayer 1 x in 24 out 8 fanin 3 learned\n", msg, 512),
        RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(msg, "m.txt:2: layer 1 (t1.1) is wired contiguously"));
    ck_assert_int_eq(
        masks_error(dir, ir, "# nltc masks v1\nlayer 0 x in 12 out 24 fanin 3 learned\n", msg, 512),
        RT_ERR_MODEL);
    ck_assert_ptr_nonnull(
        strstr(msg, "has in 12 out 24 fanin 4, the file says in 12 out 24 fanin 3"));
    ck_assert_int_eq(masks_error(dir, ir,
                                 "# nltc masks v1\nlayer 2 x in 8 out 8 fanin 3 random\n0 1 2\n"
                                 "0 1 8\n",
                                 msg, 512),
                     RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(msg, "m.txt:4: L-LUT 1: input 8 outside 0..7"));
    ck_assert_int_eq(masks_error(dir, ir,
                                 "# nltc masks v1\nlayer 2 x in 8 out 8 fanin 3 random\n0 1 2\n",
                                 msg, 512),
                     RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(msg, "m.txt:4: the file ends inside layer 2 (1 of 8"));
    rmdir(dir);
    free(dir);
    fx_program_free(ir);
}
END_TEST

/* Trains ir into a new folder, then resumes it with stage's epochs raised to epochs: the
 * resumed run equals a straight one. Returns the folder (the caller removes it). */
static char *resume_extends(ir_program *ir, const rt_dataset *d, int stage, int epochs) {
    char *dir = temp_dir();
    train_opts o = quiet_opts(2);
    o.out_dir = dir;
    rt_report rep;
    rt_report_init(&rep);
    ck_assert_int_eq(train_run(ir, d, &o, &rep, NULL, &terr), RT_OK);
    ir->train.stages[stage].epochs = epochs;
    o.resume = true;
    tr_model *a = NULL, *b = train_small(ir, d, 2);
    ck_assert_msg(train_run(ir, d, &o, &rep, &a, &terr) == RT_OK, "got: %s", terr.msg);
    ck_assert_int_eq(rep.n_train, d->train.n);
    ck_assert(same_params(a, b));
    tr_model_free(a);
    tr_model_free(b);
    return dir;
}

START_TEST(test_resume_extends) {
    rt_dataset d;
    parity_data(&d, 12, 256, 8);
    ir_program *ir = small_program(2, 2, 3);
    /* the same run with more sparse epochs, resumed, equals a straight run */
    char *dir = resume_extends(ir, &d, 1, 4);
    train_opts o = quiet_opts(2);
    o.out_dir = dir;
    o.resume = true;
    rt_report rep;
    rt_report_init(&rep);
    /* a damaged checkpoint, one of another format version and a foreign file are refused,
     * each with its own message naming the file */
    static const struct {
        long offset;
        int byte;
        const char *msg;
    } pokes[] = {
        {100, 0x5a, "checkpoint.bin: damaged nltc checkpoint (checksum mismatch"},
        {7, '2',
         "checkpoint.bin: an nltc checkpoint of format version 2; this nltc reads "
         "version 4"},
        {0, 'X', "checkpoint.bin: not an nltc checkpoint"},
    };
    char path[512];
    snprintf(path, sizeof path, "%s/train/checkpoint.bin", dir);
    for (size_t i = 0; i < sizeof pokes / sizeof pokes[0]; i++) {
        FILE *f = fopen(path, "r+b");
        ck_assert_ptr_nonnull(f);
        fseek(f, pokes[i].offset, SEEK_SET);
        fputc(pokes[i].byte, f);
        fclose(f);
        ck_assert_int_eq(train_run(ir, &d, &o, &rep, NULL, &terr), RT_ERR_IO);
        ck_assert_int_eq(terr.status, RT_ERR_IO);
        ck_assert_msg(strstr(terr.msg, pokes[i].msg) != NULL, "got: %s", terr.msg);
    }
    remove_dir(dir);
    free(dir);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* A learned mapping's wires go into the checkpoint as its own kind of mask: a run resumed
 * with more epochs equals a straight run. */
START_TEST(test_resume_mapping) {
    rt_dataset d;
    parity_data(&d, DWN_FEATURES, 256, 8);
    ir_program *ir = dwn_program(2, IR_CONNECT_MAPPING, 1);
    char *dir = resume_extends(ir, &d, 0, 4);
    remove_dir(dir);
    free(dir);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

static void ignore_sigint(int sig) {
    (void)sig;
}

static void *interrupter(void *arg) {
    struct timespec t = {0, *(long *)arg};
    nanosleep(&t, NULL);
    raise(SIGINT);
    return NULL;
}

START_TEST(test_sigint_resume_identical) {
    rt_dataset d;
    parity_data(&d, 12, 4096, 9);
    ir_program *ir = small_program(3, 1, 12);
    ir->train.average = 0.999; /* the average is part of the checkpoint */
    ir->train.shift = 1;       /* the shifts of a resumed epoch are the same */
    as_images(&d);
    tr_model *want = train_small(ir, &d, 2);
    /* stop each stage of the run somewhere (wherever the signal lands), resume until done */
    signal(SIGINT, ignore_sigint);
    char *dir = temp_dir();
    train_opts o = quiet_opts(2);
    o.out_dir = dir;
    int rc, stops = 0;
    tr_model *got = NULL;
    /* The delay grows with every stop, so the run finishes however slow the machine is
     * (sanitizers, a loaded machine): each resume gets further before its signal. */
    long delay = 150 * 1000000L;
    do {
        pthread_t th;
        pthread_create(&th, NULL, interrupter, &delay);
        rt_report rep;
        rt_report_init(&rep);
        rc = train_run(ir, &d, &o, &rep, &got, &terr);
        pthread_join(th, NULL);
        o.resume = true;
        stops += rc == RT_INTERRUPTED;
        ck_assert(rc == RT_OK || rc == RT_INTERRUPTED);
        delay = delay / 2 * 3 < 999999999L ? delay / 2 * 3 : 999999999L;
    } while (rc == RT_INTERRUPTED && stops < 50);
    ck_assert_int_eq(rc, RT_OK);
    ck_assert(same_params(want, got));
    signal(SIGINT, SIG_DFL);
    tr_model_free(want);
    tr_model_free(got);
    remove_dir(dir);
    free(dir);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

/* A caller's stop flag: no handler is installed, the run stops before its next batch with
 * the checkpoint saved, and the resumed run ends where an uninterrupted one does. */
START_TEST(test_stop_flag) {
    rt_dataset d;
    parity_data(&d, 12, 256, 5);
    ir_program *ir = small_program(2, 1, 6);
    tr_model *want = train_small(ir, &d, 2);
    char *dir = temp_dir();
    volatile sig_atomic_t stop = 1;
    train_opts o = quiet_opts(2);
    o.out_dir = dir;
    o.stop = &stop;
    rt_report rep;
    rt_report_init(&rep);
    tr_model *got = NULL;
    ck_assert_int_eq(train_run(ir, &d, &o, &rep, &got, &terr), RT_INTERRUPTED);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(terr.status, RT_INTERRUPTED);
    ck_assert_msg(strstr(terr.msg, "train: interrupted at dense epoch 1 batch 0/16; checkpoint "
                                   "saved") != NULL,
                  "got: %s", terr.msg);
    stop = 0;
    o.resume = true;
    ck_assert_int_eq(train_run(ir, &d, &o, &rep, &got, &terr), RT_OK);
    ck_assert(same_params(want, got));
    tr_model_free(want);
    tr_model_free(got);
    remove_dir(dir);
    free(dir);
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

START_TEST(test_bad_model) {
    rt_dataset d;
    parity_data(&d, 12, 64, 1);
    ir_program *ir = small_program(1, 0, 1);
    ir->dataset.classes = 3;
    ir->layers[1].in_width = 23;
    char msg[1024] = {0};
    ck_assert_int_eq(train_logged(ir, &d, msg, sizeof msg), RT_ERR_MODEL);
    ck_assert_ptr_nonnull(strstr(msg, "the data has 2 classes, the model expects 3"));
    ck_assert_ptr_nonnull(
        strstr(msg, "layer t1.1 reads 23 values but the previous layer gives 24"));
    fx_program_free(ir);
    rt_dataset_free(&d);
}
END_TEST

static Suite *run_suite(void) {
    Suite *s = suite_create("run");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_output_files);
    tcase_add_test(tc, test_resume_extends);
    tcase_add_test(tc, test_resume_mapping);
    tcase_add_test(tc, test_bad_masks);
    tcase_add_test(tc, test_sigint_resume_identical);
    tcase_add_test(tc, test_stop_flag);
    tcase_add_test(tc, test_bad_model);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(run_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
