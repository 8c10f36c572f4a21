/* sweep_mpi.c - `mpirun -np P nltc sweep FILE -o DIR`: the configurations farmed over MPI
 * ranks (built with -DNLTC_MPI=ON). Rank 0 schedules: it hands one configuration at a time
 * to each idle rank, itself included, and gathers the results. Every run happens in a child
 * process of its rank (fork, then the flow, as with -j), so a run that crashes or is killed
 * costs its rank nothing: the configuration is retried once on another rank. The runs
 * record themselves in the store, whose writers serialize on flock; a configuration is
 * recorded once, by the run that finished it. A rank that dies ends the job (mpirun's
 * rule); the next `mpirun ... nltc sweep` skips what the store holds. */
#include <mpi.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sweep.h"

enum { TAG_WORK = 1, TAG_STOP = 2, TAG_DONE = 3 };
enum { SW_MAX_ATTEMPTS = 2 };

void sw_mpi_start(int *argc, char ***argv) {
    /* Only under a launcher: a plain `nltc` stays a plain process. */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", NULL};
    for (int i = 0; vars[i]; i++)
        if (getenv(vars[i])) {
            MPI_Init(argc, argv);
            return;
        }
}

void sw_mpi_end(void) {
    int ready = 0, done = 0;
    MPI_Initialized(&ready);
    MPI_Finalized(&done);
    if (ready && !done) MPI_Finalize();
}

bool sw_mpi_go(bool go) {
    int rank, v = go, all = go;
    if (sw_mpi_ranks(&rank) > 1) MPI_Allreduce(&v, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all != 0;
}

void sw_mpi_reduce(void *ctx, uint64_t *v, size_t n) {
    (void)ctx;
    while (n > 0) { /* counts are int */
        int k = n > (size_t)1 << 30 ? 1 << 30 : (int)n;
        MPI_Allreduce(MPI_IN_PLACE, v, k, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
        v += k;
        n -= (size_t)k;
    }
}

void sw_mpi_abort(int code) {
    fflush(stdout);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
}

int sw_mpi_ranks(int *rank) {
    int ready = 0, size = 1;
    *rank = 0;
    MPI_Initialized(&ready);
    if (!ready) return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

/* Runs row i in a child process; returns its exit code (128 + signal when killed). */
static int sw_mpi_child(const sw_plan *p, int i) {
    fflush(stdout);
    fflush(stderr);
    pid_t c = fork();
    if (c < 0) return 2;
    if (c == 0) _exit(sw_run_config(p, i));
    int status;
    while (waitpid(c, &status, 0) < 0)
        if (errno != EINTR) return 2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A worker rank: runs what rank 0 sends until it says stop. */
static void sw_mpi_worker(sw_plan *p) {
    for (;;) {
        int row;
        MPI_Status ms;
        MPI_Recv(&row, 1, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &ms);
        if (ms.MPI_TAG == TAG_STOP) return;
        sw_row *r = &p->rows[row];
        int code = sw_mpi_child(p, row);
        sw_read_result(p, r);
        double res[5] = {row, code, r->test, r->valid, (double)r->luts_run};
        MPI_Send(res, 5, MPI_DOUBLE, 0, TAG_DONE, MPI_COMM_WORLD);
    }
}

/* Rank 0's queue: the rows to run, in order; a failed row goes to the back. */
typedef struct sw_queue {
    int *v, head, tail, cap;
    int *last_rank; /* [rows] the rank that ran it last (-1: none) */
} sw_queue;

/* The next row for rank `rank`: the first queued row it has not failed, else any. */
static int sw_queue_take(sw_queue *q, int rank) {
    if (q->head == q->tail) return -1;
    int pick = q->head;
    for (int k = q->head; k < q->tail; k++)
        if (q->last_rank[q->v[k]] != rank) {
            pick = k;
            break;
        }
    int row = q->v[pick];
    memmove(q->v + pick, q->v + pick + 1, (size_t)(q->tail - pick - 1) * sizeof *q->v);
    q->tail--;
    return row;
}

/* Records a finished row; a failure is queued again (another rank first) while attempts
 * remain. Returns true when the row is final. */
static bool sw_mpi_finish(sw_plan *p, sw_queue *q, int row, int rank, int code) {
    sw_row *r = &p->rows[row];
    r->exit_code = code;
    q->last_rank[row] = rank;
    if (code != 0 && code != 130 && r->attempts < SW_MAX_ATTEMPTS) {
        fprintf(stderr, "nltc sweep: %s failed on rank %d (exit %d); retrying it elsewhere\n",
                r->c->name, rank, code);
        q->v[q->tail++] = row;
        return false;
    }
    r->state = code == 0 ? SW_DONE : SW_FAILED;
    return true;
}

static void sw_nap(void) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

rt_status sw_mpi_farm(sw_plan *p, rt_error *e) {
    int rank, size = sw_mpi_ranks(&rank);
    if (rank != 0) {
        sw_mpi_worker(p);
        return RT_OK;
    }
    sw_queue q = {.v = xcalloc((size_t)p->n * (SW_MAX_ATTEMPTS + 1) + 1, sizeof(int)),
                  .last_rank = xmalloc((size_t)p->n * sizeof(int) + 1)};
    int todo = 0, finished = 0, busy = 0;
    for (int i = 0; i < p->n; i++) {
        q.last_rank[i] = -1;
        if (p->rows[i].state == SW_TODO) q.v[q.tail++] = i, todo++;
    }
    int *running = xmalloc((size_t)size * sizeof *running); /* row per rank, -1 idle */
    for (int k = 0; k < size; k++)
        running[k] = -1;
    pid_t own = 0; /* rank 0's own child */
    bool stop = false;
    while (finished < todo && !(stop && busy == 0)) {
        for (int k = 0; k < size && !stop; k++) {
            if (running[k] >= 0) continue;
            int row = sw_queue_take(&q, k);
            if (row < 0) break;
            running[k] = row;
            p->rows[row].attempts++;
            busy++;
            if (k > 0) {
                MPI_Send(&row, 1, MPI_INT, k, TAG_WORK, MPI_COMM_WORLD);
                continue;
            }
            fflush(stdout);
            own = fork();
            if (own == 0) _exit(sw_run_config(p, row));
        }
        int flag = 0, status;
        MPI_Status ms;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_DONE, MPI_COMM_WORLD, &flag, &ms);
        int from = -1, code = 0;
        if (flag) {
            double res[5];
            MPI_Recv(res, 5, MPI_DOUBLE, ms.MPI_SOURCE, TAG_DONE, MPI_COMM_WORLD, &ms);
            from = ms.MPI_SOURCE;
            code = (int)res[1];
            sw_row *r = &p->rows[(int)res[0]];
            r->test = res[2], r->valid = res[3], r->luts_run = (long)res[4];
        } else if (own > 0 && waitpid(own, &status, WNOHANG) == own) {
            from = 0;
            code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            own = 0;
            sw_read_result(p, &p->rows[running[0]]);
        } else {
            sw_nap();
            continue;
        }
        int row = running[from];
        running[from] = -1;
        busy--;
        if (code == 130 || code == 128 + SIGINT) stop = true;
        if (sw_mpi_finish(p, &q, row, from, code)) {
            sw_print_progress(p, &p->rows[row], ++finished, todo);
        }
    }
    for (int k = 1; k < size; k++) {
        int none = -1;
        MPI_Send(&none, 1, MPI_INT, k, TAG_STOP, MPI_COMM_WORLD);
    }
    free(running);
    free(q.v);
    free(q.last_rank);
    return stop ? rt_fail(e, RT_INTERRUPTED, "sweep interrupted; rerun the same command to resume")
                : RT_OK;
}
