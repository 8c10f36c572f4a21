/* test_rt.c - unit tests of the small helpers every runtime folder shares (runtime/rt.c):
 * the status and error record (rt_fail, rt_fail_prop, rt_status_name), growable buffers
 * (rt_buf, rt_grow), scratch folders (rt_scratch_new/free, removal at exit), the seeded
 * generator (rt_splitmix64, rt_permute, rt_rng_*) against values computed independently
 * from the documented algorithms, FNV-1a and the representation names. */
#include "rt.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Status and errors --------------------------------------------------------------- */

START_TEST(fail_fills_the_error) {
    rt_error e;
    memset(&e, 0x55, sizeof e);
    ck_assert_int_eq(rt_fail(&e, RT_ERR_DATA, "%s:%d: bad cell %s", "a.csv", 3, "'x'"),
                     RT_ERR_DATA);
    ck_assert_int_eq(e.status, RT_ERR_DATA);
    ck_assert_str_eq(e.prop, "");
    ck_assert_str_eq(e.msg, "a.csv:3: bad cell 'x'");
    ck_assert_int_eq(rt_fail_prop(&e, RT_ERR_MODEL, "hardware.clock", "clock %g MHz", 0.5),
                     RT_ERR_MODEL);
    ck_assert_int_eq(e.status, RT_ERR_MODEL);
    ck_assert_str_eq(e.prop, "hardware.clock");
    ck_assert_str_eq(e.msg, "clock 0.5 MHz");
    /* A later failure replaces the earlier one; NULL means no message, same status. */
    ck_assert_int_eq(rt_fail(&e, RT_ERR_IO, "x"), RT_ERR_IO);
    ck_assert_str_eq(e.prop, "");
    ck_assert_int_eq(rt_fail(NULL, RT_ERR_TOOL, "%s", "ignored"), RT_ERR_TOOL);
    ck_assert_int_eq(rt_fail_prop(NULL, RT_ERR_USAGE, "p", "ignored"), RT_ERR_USAGE);
}
END_TEST

START_TEST(fail_truncates_long_text) {
    char big[3000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    rt_error e;
    rt_fail_prop(&e, RT_ERR_DATA, big, "%s", big);
    ck_assert_uint_eq(strlen(e.msg), sizeof e.msg - 1);
    ck_assert_uint_eq(strlen(e.prop), sizeof e.prop - 1);
    ck_assert_int_eq(e.msg[0], 'm');
}
END_TEST

START_TEST(status_names) {
    static const struct {
        rt_status st;
        const char *name;
    } names[] = {{RT_OK, "ok"},
                 {RT_ERR_MODEL, "model"},
                 {RT_ERR_DATA, "data"},
                 {RT_ERR_USAGE, "usage"},
                 {RT_ERR_IO, "io"},
                 {RT_ERR_TOOL, "tool"},
                 {RT_ERR_MISMATCH, "mismatch"},
                 {RT_INTERRUPTED, "interrupted"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_str_eq(rt_status_name(names[i].st), names[i].name);
    ck_assert_str_eq(rt_status_name((rt_status)(RT_INTERRUPTED + 1)), "unknown");
    ck_assert_str_eq(rt_status_name((rt_status)-1), "unknown");
}
END_TEST

/* ---- Growable buffers -------------------------------------------------------------- */

START_TEST(buf_builds_strings) {
    rt_buf b = {0};
    char *s = rt_buf_take(&b); /* empty: "" */
    ck_assert_str_eq(s, "");
    free(s);
    rt_buf_puts(&b, "abc");
    rt_buf_put(&b, "de\0f", 4); /* bytes, including a NUL */
    rt_buf_printf(&b, "[%d|%s]", 42, "x");
    rt_buf_printf(&b, "%s", ""); /* nothing */
    ck_assert_uint_eq(b.len, 3 + 4 + 6);
    ck_assert_int_eq(memcmp(b.data, "abcde\0f[42|x]", b.len + 1), 0); /* NUL-terminated */
    ck_assert_uint_ge(b.cap, b.len + 1);
    s = rt_buf_take(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    ck_assert_int_eq(memcmp(s, "abcde\0f[42|x]", 14), 0);
    free(s);
    rt_buf_puts(&b, "again");
    ck_assert_str_eq(b.data, "again");
    rt_buf_free(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len + b.cap, 0);
}
END_TEST

START_TEST(buf_long_strings) {
    enum { N = 200000 };
    char *big = malloc(N + 1);
    for (int i = 0; i < N; i++)
        big[i] = (char)('a' + i % 26);
    big[N] = '\0';
    rt_buf b = {0};
    rt_buf_printf(&b, "<%s>", big); /* one printf longer than any initial capacity */
    ck_assert_uint_eq(b.len, N + 2);
    ck_assert_int_eq(b.data[0], '<');
    ck_assert_int_eq(memcmp(b.data + 1, big, N), 0);
    ck_assert_int_eq(b.data[N + 1], '>');
    ck_assert_int_eq(b.data[N + 2], '\0');
    for (int i = 0; i < N; i++) /* many small appends */
        rt_buf_put(&b, big + i, 1);
    ck_assert_uint_eq(b.len, 2 * N + 2);
    ck_assert_int_eq(memcmp(b.data + N + 2, big, N), 0);
    ck_assert_uint_eq(strlen(b.data), b.len);
    rt_buf_free(&b);
    free(big);
}
END_TEST

START_TEST(grow_arrays) {
    long *v = NULL;
    size_t n = 0, cap = 0;
    rt_grow((void **)&v, n, &cap, sizeof *v);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(cap, 8); /* at least 8 */
    for (long i = 0; i < 1000; i++) {
        rt_grow((void **)&v, n, &cap, sizeof *v);
        ck_assert_uint_gt(cap, n);
        v[n++] = i * i;
    }
    ck_assert_uint_eq(cap, 1024); /* doubled: 8, 16, ..., 1024 */
    for (long i = 0; i < 1000; i++)
        ck_assert_int_eq(v[i], i * i); /* contents kept across reallocations */
    void *same = v;
    rt_grow((void **)&v, 1000, &cap, sizeof *v); /* room left: nothing changes */
    ck_assert_ptr_eq(v, same);
    ck_assert_uint_eq(cap, 1024);
    rt_grow((void **)&v, 5000, &cap, sizeof *v); /* a jump past double: enough at once */
    ck_assert_uint_gt(cap, 5000);
    v[5000] = 7;
    ck_assert_int_eq(v[999], 999L * 999);
    free(v);
}
END_TEST

/* ---- Scratch folders ----------------------------------------------------------------- */

/* $TMPDIR as the test program found it (NULL: unset). */
static char *saved_tmpdir;

/* Points $TMPDIR at a new private folder for one test (returned malloc'd); done_tmpdir
 * removes it and restores $TMPDIR. */
static char *private_tmpdir(void) {
    const char *t = getenv("TMPDIR");
    saved_tmpdir = t ? xstrdup(t) : NULL;
    char *dir = rt_strfmt("%s/nltc-rt-XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("TMPDIR", dir, 1);
    return dir;
}

static void done_tmpdir(char *dir) {
    rt_rmtree(dir);
    ck_assert_int_ne(access(dir, F_OK), 0);
    free(dir);
    if (saved_tmpdir)
        setenv("TMPDIR", saved_tmpdir, 1);
    else
        unsetenv("TMPDIR");
    free(saved_tmpdir);
    saved_tmpdir = NULL;
}

static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

START_TEST(scratch_new_and_free) {
    char *tmp = private_tmpdir();
    rt_error e = {0};
    char *a = rt_scratch_new("nltc-test", &e), *b = rt_scratch_new("nltc-test", &e);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_ne(a, b);
    char *prefix = rt_strfmt("%s/nltc-test-", tmp);
    ck_assert_ptr_eq(strstr(a, prefix), a);
    ck_assert_uint_eq(strlen(a), strlen(prefix) + 6); /* "-XXXXXX" filled in */
    struct stat st;
    ck_assert_int_eq(stat(a, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0700); /* private */
    char *file = rt_path_join(a, "f.txt"), *sub = rt_path_join(a, "sub/g.txt");
    ck_assert_int_eq(rt_write_file(file, "x", 1), 0);
    ck_assert_int_eq(rt_mkdirs(sub, NULL), 0); /* a folder named g.txt inside sub */
    char *a_copy = xstrdup(a), *b_copy = xstrdup(b);
    rt_scratch_free(a, false); /* removed with its contents */
    ck_assert(!is_dir(a_copy));
    rt_scratch_free(b, true); /* kept */
    ck_assert(is_dir(b_copy));
    rt_scratch_free(NULL, false); /* nothing */
    done_tmpdir(tmp);
    free(file);
    free(sub);
    free(a_copy);
    free(b_copy);
    free(prefix);
}
END_TEST

START_TEST(scratch_removed_at_exit) {
    char *tmp = private_tmpdir();
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) { /* holds one, keeps one, then exits normally */
        char *held = rt_scratch_new("held", NULL), *kept = rt_scratch_new("kept", NULL);
        if (!held || !kept) _exit(3);
        dprintf(fds[1], "%s\n%s\n", held, kept);
        rt_scratch_free(kept, true);
        exit(0);
    }
    close(fds[1]);
    char text[8192] = "";
    size_t n = 0;
    ssize_t got;
    while ((got = read(fds[0], text + n, sizeof text - 1 - n)) > 0)
        n += (size_t)got;
    text[n] = '\0';
    close(fds[0]);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *nl = strchr(text, '\n');
    ck_assert_ptr_nonnull(nl);
    *nl = '\0';
    char *kept = nl + 1;
    kept[strcspn(kept, "\n")] = '\0';
    ck_assert_ptr_nonnull(strstr(text, "/held-"));
    ck_assert_ptr_nonnull(strstr(kept, "/kept-"));
    ck_assert(!is_dir(text)); /* removed by the atexit handler */
    ck_assert(is_dir(kept));  /* rt_scratch_free(keep) let it go */
    done_tmpdir(tmp);
}
END_TEST

/* A child holds a scratch folder with nested contents and a symbolic link out of it, then
 * waits; the parent sends sig. Returns the child's wait status; *path receives the folder. */
static int scratch_signal_child(int sig, bool ignore_int, const char *outside, char *path,
                                size_t n) {
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGINT, ignore_int ? SIG_IGN : SIG_DFL); /* not Check's own handlers */
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        char *held = rt_scratch_new("nltc-sig", NULL);
        if (!held) _exit(3);
        char *deep = rt_strfmt("%s/a/b/c/d", held), *f = rt_strfmt("%s/a/b/c/d/f.txt", held);
        char *top = rt_strfmt("%s/top.txt", held), *link = rt_strfmt("%s/a/out", held);
        if (rt_mkdirs(deep, NULL) || rt_write_file(f, "x", 1) || rt_write_file(top, "y", 1) ||
            symlink(outside, link) != 0)
            _exit(4);
        dprintf(fds[1], "%s\n", held);
        close(fds[1]);
        for (;;)
            pause();
    }
    close(fds[1]);
    char text[4200] = "";
    size_t got = 0;
    ssize_t r;
    while (got < sizeof text - 1 && (r = read(fds[0], text + got, sizeof text - 1 - got)) > 0) {
        got += (size_t)r;
        if (memchr(text, '\n', got)) break;
    }
    close(fds[0]);
    text[strcspn(text, "\n")] = '\0';
    snprintf(path, n, "%s", text);
    ck_assert_int_eq(kill(pid, sig), 0);
    int status = 0;
    if (ignore_int && sig == SIGINT) { /* still alive: an ignored SIGINT stays ignored */
        usleep(200000);
        ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
        ck_assert(is_dir(path));
        ck_assert_int_eq(kill(pid, SIGTERM), 0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

START_TEST(scratch_removed_on_signal) {
    char *tmp = private_tmpdir();
    char *outside = rt_path_join(tmp, "outside"), *kept = rt_path_join(tmp, "outside/keep.txt");
    ck_assert_int_eq(rt_mkdirs(outside, NULL), 0);
    ck_assert_int_eq(rt_write_file(kept, "k", 1), 0);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    char path[4200];
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        int status = scratch_signal_child(sigs[i], false, outside, path, sizeof path);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sigs[i],
                      "signal %d: the child did not end by it (status %d)", sigs[i], status);
        ck_assert_ptr_nonnull(strstr(path, "/nltc-sig-"));
        ck_assert_msg(!is_dir(path), "signal %d: %s was left behind", sigs[i], path);
        ck_assert(access(kept, F_OK) == 0); /* the link was removed, not followed */
    }
    int status = scratch_signal_child(SIGINT, true, outside, path, sizeof path);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    ck_assert(!is_dir(path));
    done_tmpdir(tmp);
    free(outside);
    free(kept);
}
END_TEST

START_TEST(scratch_errors) {
    char *tmp = private_tmpdir();
    char *nowhere = rt_path_join(tmp, "no/such/folder");
    setenv("TMPDIR", nowhere, 1);
    rt_error e = {0};
    ck_assert_ptr_null(rt_scratch_new("x", &e));
    ck_assert_int_eq(e.status, RT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot create a scratch folder"));
    ck_assert_ptr_nonnull(strstr(e.msg, nowhere));
    ck_assert_ptr_nonnull(strstr(e.msg, "No such file or directory"));
    ck_assert_ptr_null(rt_scratch_new("x", NULL)); /* NULL: no message */
    setenv("TMPDIR", "", 1);                       /* empty: /tmp */
    char *p = rt_scratch_new("nltc-rt-empty", &e);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_eq(strstr(p, "/tmp/nltc-rt-empty-"), p);
    ck_assert(is_dir(p));
    char *p_copy = xstrdup(p);
    rt_scratch_free(p, false);
    ck_assert(!is_dir(p_copy));
    free(p_copy);
    done_tmpdir(tmp);
    free(nowhere);
}
END_TEST

/* ---- The seeded generator ------------------------------------------------------------ */

START_TEST(splitmix64_known_values) {
    uint64_t s = 0;
    ck_assert_uint_eq(rt_splitmix64(&s), 0xe220a8397b1dcdafull);
    ck_assert_uint_eq(rt_splitmix64(&s), 0x6e789e6aa1b965f4ull);
    ck_assert_uint_eq(rt_splitmix64(&s), 0x06c45d188009454full);
    ck_assert_uint_eq(s, 3 * 0x9e3779b97f4a7c15ull); /* the state advances by the constant */
}
END_TEST

START_TEST(permute_known_values) {
    int p[10];
    const int want42[10] = {0, 9, 5, 8, 6, 4, 7, 2, 1, 3};
    const int want43[10] = {4, 2, 5, 6, 1, 3, 9, 8, 7, 0};
    rt_permute(p, 10, 42);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(p[i], want42[i]);
    rt_permute(p, 10, 43);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(p[i], want43[i]);
    /* A permutation of 0..n-1, the same for the same seed; n = 0 and 1 are fine. */
    enum { N = 1000 };
    int a[N], b[N], seen[N] = {0};
    rt_permute(a, N, 7);
    rt_permute(b, N, 7);
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    for (int i = 0; i < N; i++)
        seen[a[i]]++;
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(seen[i], 1);
    rt_permute(p, 1, 5);
    ck_assert_int_eq(p[0], 0);
    rt_permute(p, 0, 5);
}
END_TEST

START_TEST(rng_known_values) {
    rt_rng r;
    rt_rng_seed(&r, 1, 2, 3, 4);
    ck_assert_uint_eq(rt_rng_next(&r), 0x41c831881bfd79b4ull);
    ck_assert_uint_eq(rt_rng_next(&r), 0x4f9a612b0fb42cd5ull);
    ck_assert_uint_eq(rt_rng_next(&r), 0x10c6e4e529517939ull);
    rt_rng_seed(&r, 0, 0, 0, 0);
    ck_assert_uint_eq(rt_rng_next(&r), 0x8a21cd34a214a917ull);
    ck_assert_uint_eq(rt_rng_next(&r), 0x9c507e12243e64d0ull);
    /* Streams differ by every seeding argument. */
    uint64_t first[5];
    const uint64_t args[5][4] = {
        {1, 2, 3, 4}, {9, 2, 3, 4}, {1, 9, 3, 4}, {1, 2, 9, 4}, {1, 2, 3, 9}};
    for (int i = 0; i < 5; i++) {
        rt_rng_seed(&r, args[i][0], args[i][1], args[i][2], args[i][3]);
        first[i] = rt_rng_next(&r);
        for (int j = 0; j < i; j++)
            ck_assert_uint_ne(first[i], first[j]);
    }
}
END_TEST

START_TEST(rng_below_and_sym_in_range) {
    rt_rng r;
    rt_rng_seed(&r, 42, 1, 0, 0);
    const uint32_t bounds[] = {1, 2, 3, 7, 1000, 0x80000001u, 0xffffffffu};
    for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; k++)
        for (int i = 0; i < 20000; i++) {
            uint32_t v = rt_rng_below(&r, bounds[k]);
            ck_assert_uint_lt(v, bounds[k]);
        }
    int count[3] = {0};
    for (int i = 0; i < 30000; i++)
        count[rt_rng_below(&r, 3)]++;
    for (int k = 0; k < 3; k++) /* uniform: 10000 each, far inside 5 standard deviations */
        ck_assert_int_lt(abs(count[k] - 10000), 500);
    float lo = 1, hi = -1;
    for (int i = 0; i < 100000; i++) {
        float x = rt_rng_sym(&r);
        ck_assert(x >= -1.0f && x < 1.0f);
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    ck_assert(lo < -0.999f && hi > 0.999f); /* the whole range is reached */
}
END_TEST

/* ---- Hashing and names --------------------------------------------------------------- */

START_TEST(fnv1a_known_values) {
    ck_assert_uint_eq(rt_fnv1a(RT_FNV_INIT, "", 0), 0xcbf29ce484222325ull);
    ck_assert_uint_eq(rt_fnv1a(RT_FNV_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
    ck_assert_uint_eq(rt_fnv1a(RT_FNV_INIT, "foobar", 6), 0x85944171f73967e8ull);
    ck_assert_uint_eq(rt_fnv1a(rt_fnv1a(RT_FNV_INIT, "foo", 3), "bar", 3), 0x85944171f73967e8ull);
    ck_assert_uint_eq(rt_fnv1a_u64(RT_FNV_INIT, 0x1234), 0xaf71a94c86195fe3ull);
    ck_assert_uint_eq(rt_fnv1a_u64(rt_fnv1a_u64(RT_FNV_INIT, 7), 9), 0x08285f07b4e2d5bdull);
    ck_assert_uint_ne(rt_fnv1a_u64(RT_FNV_INIT, 1), rt_fnv1a_u64(RT_FNV_INIT, 2));
}
END_TEST

/* The FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"). */
START_TEST(sha256_fips_vectors) {
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
         "lmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        rt_sha256_hex(v[i].msg, strlen(v[i].msg), hex);
        ck_assert_str_eq(hex, v[i].hex);
    }
    /* one million 'a', fed in uneven pieces across block boundaries */
    char *a = xmalloc(1000000);
    memset(a, 'a', 1000000);
    rt_sha256 s;
    uint8_t d[32];
    rt_sha256_init(&s);
    for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 7 % 131 + 1)
        rt_sha256_update(&s, a + off, off + step > 1000000 ? 1000000 - off : step);
    rt_sha256_final(&s, d);
    ck_assert_uint_eq(d[0], 0xcd);
    ck_assert_uint_eq(d[31], 0xd0);
    rt_sha256_hex(a, 1000000, hex);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* 55, 56 and 64 bytes: the padding boundaries */
    rt_sha256_hex(a, 55, hex);
    ck_assert_str_eq(hex, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    rt_sha256_hex(a, 56, hex);
    ck_assert_str_eq(hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    rt_sha256_hex(a, 64, hex);
    ck_assert_str_eq(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    free(a);
}
END_TEST

/* rt_artifacts_scan: every file with its digest, sorted, report.json left out. */
START_TEST(artifacts_scan_lists_files) {
    char *dir = private_tmpdir();
    char *sub = rt_path_join(dir, "tables"), *f1 = rt_path_join(sub, "b.bin");
    char *f2 = rt_path_join(dir, "model.ir"), *rj = rt_path_join(dir, "report.json");
    char *nested = rt_path_join(sub, "report.json");
    ck_assert_int_eq(rt_mkdirs(sub, NULL), 0);
    ck_assert_int_eq(rt_write_file(f1, "abc", 3), 0);
    ck_assert_int_eq(rt_write_file(f2, "", 0), 0);
    ck_assert_int_eq(rt_write_file(rj, "{}", 2), 0);
    ck_assert_int_eq(rt_write_file(nested, "x", 1), 0);
    rt_artifacts as;
    rt_error e = {0};
    ck_assert_int_eq(rt_artifacts_scan(dir, &as, &e), RT_OK);
    ck_assert_int_eq(as.n, 3);
    ck_assert_str_eq(as.a[0].path, "model.ir");
    ck_assert_str_eq(as.a[0].sha256,
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert_str_eq(as.a[1].path, "tables/b.bin");
    ck_assert_str_eq(as.a[1].sha256,
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_str_eq(as.a[2].path, "tables/report.json");
    ck_assert_ptr_eq(rt_artifacts_find(&as, "tables/b.bin"), &as.a[1]);
    ck_assert_ptr_null(rt_artifacts_find(&as, "report.json"));
    rt_artifacts_free(&as);
    char *missing = rt_path_join(dir, "nowhere");
    ck_assert_int_eq(rt_artifacts_scan(missing, &as, &e), RT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "nowhere"));
    ck_assert_int_eq(as.n, 0);
    free(missing), free(sub), free(f1), free(f2), free(rj), free(nested);
    done_tmpdir(dir);
}
END_TEST

START_TEST(repr_names) {
    ck_assert_int_eq(RT_N_REPR, 3);
    ck_assert_str_eq(rt_repr_name(RT_REPR_TABLES), "table");
    ck_assert_str_eq(rt_repr_name(RT_REPR_CSIM), "csim");
    ck_assert_str_eq(rt_repr_name(RT_REPR_RTL), "rtl");
    ck_assert_str_eq(rt_repr_name(RT_N_REPR), "unknown");
    ck_assert_str_eq(rt_repr_name((rt_repr)-1), "unknown");
}
END_TEST

static Suite *rt_suite(void) {
    Suite *s = suite_create("rt");
    TCase *t = tcase_create("helpers");
    tcase_add_test(t, fail_fills_the_error);
    tcase_add_test(t, fail_truncates_long_text);
    tcase_add_test(t, status_names);
    tcase_add_test(t, buf_builds_strings);
    tcase_add_test(t, buf_long_strings);
    tcase_add_test(t, grow_arrays);
    tcase_add_test(t, scratch_new_and_free);
    tcase_add_test(t, scratch_removed_at_exit);
    tcase_add_test(t, scratch_removed_on_signal);
    tcase_add_test(t, scratch_errors);
    tcase_add_test(t, splitmix64_known_values);
    tcase_add_test(t, permute_known_values);
    tcase_add_test(t, rng_known_values);
    tcase_add_test(t, rng_below_and_sym_in_range);
    tcase_add_test(t, fnv1a_known_values);
    tcase_add_test(t, repr_names);
    tcase_add_test(t, sha256_fips_vectors);
    tcase_add_test(t, artifacts_scan_lists_files);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(rt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
