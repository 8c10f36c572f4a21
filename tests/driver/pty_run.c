/* pty_run.c - runs a command on a pseudo-terminal (forkpty) and writes everything it
 * printed there to a file, so tests can see what a user's terminal gets.
 * Usage: pty_run OUT CMD [ARGS...]; exits with the command's exit code. */
#include <errno.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: pty_run OUT CMD [ARGS...]\n");
        return 2;
    }
    FILE *out = fopen(argv[1], "wb");
    if (!out) {
        perror(argv[1]);
        return 2;
    }
    struct winsize ws = {.ws_row = 24, .ws_col = 120};
    int fd;
    pid_t pid = forkpty(&fd, NULL, NULL, &ws);
    if (pid < 0) {
        perror("forkpty");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            fwrite(buf, 1, (size_t)n, out);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break; /* EIO: the child closed the terminal */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
