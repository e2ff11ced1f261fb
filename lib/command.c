/*
 * The command receiver; see command.h.  Each attempt forks a child that
 * execs the program.  A second pipe, closed on exec, brings the exec's
 * errno back when the program could not be run, so that the failure is
 * reported by the caller, with the tool's name, like any other: the
 * library prints nothing, in the child neither.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/alertfmt.h"
#include "lib/buf.h"
#include "lib/command.h"
#include "lib/retry.h"
#include "lib/tm.h"
#include "lib/banned.h"

extern char **environ;

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Is the NAME=value entry e one of the receivers' secret variables? */
static int
secret_var(const struct mfm_deliver *d, const char *e)
{
	const char *eq = strchr(e, '=');
	size_t i, k, n = eq != NULL ? (size_t)(eq - e) : strlen(e);

	for (i = 0; i < d->n; i++)
		for (k = 0; k < d->recv[i].nsecret_env; k++)
			if (strlen(d->recv[i].secret_env[k]) == n &&
			    memcmp(d->recv[i].secret_env[k], e, n) == 0)
				return 1;
	return 0;
}

/* The environment less the receivers' secret variables; free it. */
static char **
environment(const struct mfm_deliver *d)
{
	char **envp;
	size_t ne, k;

	for (ne = 0; environ[ne] != NULL; ne++)
		continue;
	envp = mfm_xreallocarray(NULL, ne + 1, sizeof(*envp));
	for (ne = k = 0; environ[k] != NULL; k++)
		if (!secret_var(d, environ[k]))
			envp[ne++] = environ[k];
	envp[ne] = NULL;
	return envp;
}

/*
 * The child, between fork and exec: its own process group (so that the
 * timeout kills its children too), the pipe as its stdin, our stderr as
 * its stdout.  When the program cannot be run, its errno goes back
 * through ex (closed on exec: the parent reads nothing when it ran), and
 * the parent reports it: the library never prints, not even here.
 */
static void
child(const struct mfm_deliver_recv *r, char **envp, int in[2], int ex[2])
{
	int e;

	setpgid(0, 0);
	dup2(in[0], 0);
	dup2(2, 1);
	close(in[0]);
	close(in[1]);
	close(ex[0]);
	execve(r->argv[0], r->argv, envp);
	e = errno;
	while (write(ex[1], &e, sizeof(e)) == -1 && errno == EINTR)
		continue;
	_exit(127);
}

/*
 * Whether the child ran its program: 0 when it did (ex reached its end
 * at the exec), else the errno of the exec, or -1 when the timeout at
 * end came first.
 */
static int
exec_errno(int fd, int64_t end)
{
	struct pollfd pfd;
	int64_t left;
	ssize_t n;
	int e = 0;

	while ((left = end - mono_us()) > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(left / 1000) + 1) <= 0)
			continue;
		if ((n = read(fd, &e, sizeof(e))) == -1 && errno == EINTR)
			continue;
		return n == (ssize_t)sizeof(e) ? e : 0;
	}
	return -1;
}

/* Kill the child's process group and reap the child. */
static void
kill_child(pid_t pid)
{
	int st;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		continue;
}

/*
 * Run the command once: the event and a newline on its stdin, its
 * stdout sent to our stderr (stdout is for receipts), killed after the
 * timeout.  Returns the exit status, 128 + signal, or -1 on timeout;
 * -2 with err set when it could not be started, -3 with err set when
 * its program could not be run (exit status 127, as a shell's).
 */
static int
run_once(const struct mfm_deliver *d, const struct mfm_deliver_recv *r,
    const struct mfm_deliver_event *ev, struct mfm_err *err)
{
	struct sigaction old;
	struct pollfd pfd;
	int in[2], ex[2], st, fl, e;
	int64_t end = mono_us() + r->timeout, left;
	size_t off = 0;
	struct mfm_buf b = MFM_BUF_INIT;
	ssize_t w;
	pid_t pid, got;
	char **envp;

	if (pipe(in) != 0)
		return mfm_err_sys(err, "command %s: pipe", r->name), -2;
	if (pipe(ex) != 0) {
		mfm_err_sys(err, "command %s: pipe", r->name);
		close(in[0]);
		close(in[1]);
		return -2;
	}
	fcntl(ex[0], F_SETFD, FD_CLOEXEC);
	fcntl(ex[1], F_SETFD, FD_CLOEXEC);
	envp = environment(d);
	fflush(NULL);
	if ((pid = fork()) == 0)
		child(r, envp, in, ex);
	e = errno;
	close(in[0]);
	close(ex[1]);
	free(envp);
	if (pid == -1) {
		close(in[1]);
		close(ex[0]);
		errno = e;
		return mfm_err_sys(err, "command %s: fork", r->name), -2;
	}
	e = exec_errno(ex[0], end);
	close(ex[0]);
	if (e != 0) {
		kill_child(pid);
		close(in[1]);
		if (e == -1)
			return -1;
		errno = e;
		return mfm_err_sys(err, "command %s: %s", r->name,
		    r->argv[0]), -3;
	}
	mfm_deliver_format_body(&b, d, r, ev, 0);
	mfm_buf_addc(&b, '\n');
	fl = fcntl(in[1], F_GETFL);
	fcntl(in[1], F_SETFL, fl | O_NONBLOCK);
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	mfm_deliver_nopipe(&old);
	while (off < b.len && (left = end - mono_us()) > 0) {
		pfd.fd = in[1];
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)(left / 1000) + 1) <= 0)
			continue;
		if ((w = write(in[1], b.p + off, b.len - off)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;	/* it did not read its input: judged by exit */
		}
		off += (size_t)w;
	}
	close(in[1]);
	sigaction(SIGPIPE, &old, NULL);
	mfm_buf_release(&b);
	for (;;) {
		got = waitpid(pid, &st, WNOHANG);
		if (got == pid)
			break;
		if (got == -1 && errno != EINTR)
			return mfm_err_sys(err, "command %s: waitpid",
			    r->name), -2;
		if (mono_us() >= end) {
			kill_child(pid);
			return -1;
		}
		mfm_deliver_sleep(5000);
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

int
mfm_deliver_command_run(struct mfm_deliver *d,
    const struct mfm_deliver_recv *r, const struct mfm_deliver_event *ev,
    struct mfm_err *err)
{
	struct mfm_deliver_result *res = &d->last;
	unsigned attempt;
	char tm[32];
	int st = 0;

	for (attempt = 1;; attempt++) {
		st = run_once(d, r, ev, err);
		res->attempts = attempt;
		res->code = st == -3 ? 127 : st;
		if (st == -2 || st == -3) {
			res->permanent = 1;
			return -1;
		}
		if (st == 0)
			return 0;
		/* 75 is EX_TEMPFAIL: the program asks to be run again. */
		if ((st != -1 && st != 75) || attempt > r->retries)
			break;
		mfm_deliver_pause(d, r, attempt, 0, 0);
	}
	res->permanent = st != -1 && st != 75;
	if (st == -1) {
		mfm_tm_format_duration(r->timeout, tm);
		return mfm_err_set(err, MFM_ERR_SYS, "command %s: killed "
		    "after the timeout of %s, %u attempt%s", r->name, tm,
		    attempt, attempt == 1 ? "" : "s");
	}
	if (st > 128)
		return mfm_err_set(err, MFM_ERR_SYS, "command %s: ended by "
		    "signal %d", r->name, st - 128);
	return mfm_err_set(err, MFM_ERR_SYS, "command %s: exit status %d "
	    "after %u attempt%s", r->name, st, attempt, attempt == 1 ? "" :
	    "s");
}
