/* reach_test.c — who could connect to a Unix listener (tracer/reach.c):
 * the parsers on literal /proc text and permission steps, then real
 * listeners: in a private directory of a mount namespace of its own (only
 * the tree sees it), in a private directory on this machine's /tmp (other
 * processes of our uid could connect), unlinked, and names that cannot be
 * judged (abstract, relative, through a symbolic link). */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "reach.h"

static void test_parse_cred(void **state)
{
	(void)state;
	struct sj_cred c;
	assert_int_equal(sj_reach_parse_cred("Name:\tx\nUid:\t1000\t1001\t1002\t1003\nGid:\t50\t51\t52\t53\n"
					     "FDSize:\t64\nGroups:\t4 24 27 \nVmSize:\t100 kB\n", &c), 0);
	assert_int_equal(c.fsuid, 1003);
	assert_int_equal(c.fsgid, 53);
	assert_int_equal(c.ngroups, 3);
	assert_int_equal(c.groups[2], 27);
	/* a kernel thread (or a zombie) has no memory and connects nowhere */
	assert_int_equal(sj_reach_parse_cred("Name:\tkworker\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", &c), -1);
}

static void test_may_pass(void **state)
{
	(void)state;
	/* / 0755 root, /tmp 1777 root, /tmp/pymp-x 0700 uid 1000, sock 0600 uid 1000 */
	struct sj_reach_step v[] = {
		{ .mode = 0755, .uid = 0, .gid = 0 }, { .mode = 01777, .uid = 0, .gid = 0 },
		{ .mode = 0700, .uid = 1000, .gid = 1000 }, { .mode = 0600, .uid = 1000, .gid = 1000, .write = 1 },
	};
	struct sj_cred owner = { .fsuid = 1000, .fsgid = 1000 }, other = { .fsuid = 1001, .fsgid = 1000 };
	struct sj_cred root = { .fsuid = 0, .fsgid = 0 };
	assert_true(sj_reach_may_pass(v, 4, &owner));
	assert_false(sj_reach_may_pass(v, 4, &other));
	/* root passes only through the bits, as anyone: its capabilities are the proof's assumption */
	assert_false(sj_reach_may_pass(v, 4, &root));
	/* a group that may search and write */
	v[2].mode = 0750;
	v[3].mode = 0660;
	assert_true(sj_reach_may_pass(v, 4, &other));
	struct sj_cred in_group = { .fsuid = 1002, .fsgid = 7, .groups = { 1000 }, .ngroups = 1 };
	assert_true(sj_reach_may_pass(v, 4, &in_group));
	/* the owner's own bits decide for the owner, even when others have more */
	v[2].mode = 0075;
	assert_false(sj_reach_may_pass(v, 4, &owner));
	/* an ACL could say anything: counted as open */
	v[2].acl = 1;
	assert_true(sj_reach_may_pass(v, 4, &owner));
}

/* ---- real listeners ---- */

static char dir[] = "/tmp/sj-reach-XXXXXX";
static char sock_path[PATH_MAX];

enum how { PRIVATE_NS, HOST_TMP, UNLINKED, ABSTRACT, RELATIVE, VIA_LINK };

static void listener_child(void *arg)
{
	enum how how = (enum how)(intptr_t)arg;
	char name[PATH_MAX];
	if (how == PRIVATE_NS) {
		/* A mount namespace of its own with a tmpfs over the directory,
		 * as a container's /tmp: nobody outside sees inside. */
		if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", dir, "tmpfs", 0, "mode=0755") != 0)
			_exit(77);
	}
	snprintf(name, sizeof name, "%s/priv", dir);
	mkdir(name, 0700);
	snprintf(sock_path, sizeof sock_path, "%s/priv/sock", dir);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	if (how == ABSTRACT)
		snprintf(un.sun_path + 1, sizeof un.sun_path - 1, "sj-reach-%d", (int)getpid());
	else if (how == RELATIVE) {
		if (chdir(name) != 0)
			_exit(1);
		snprintf(un.sun_path, sizeof un.sun_path, "sock");
	} else if (how == VIA_LINK) {
		char link[PATH_MAX];
		snprintf(link, sizeof link, "%s/link", dir);
		if (symlink(name, link) != 0)
			_exit(1);
		snprintf(un.sun_path, sizeof un.sun_path, "%.80s/sock", link);
	} else {
		snprintf(un.sun_path, sizeof un.sun_path, "%.100s", sock_path);
	}
	socklen_t len = how == ABSTRACT ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
						    strlen(un.sun_path + 1)) : sizeof un;
	if (how != ABSTRACT)
		unlink(un.sun_path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&un, len) != 0 || listen(s, 1) != 0)
		_exit(1);
	if (how == UNLINKED)
		unlink(un.sun_path);
	accept4(s, NULL, NULL, 0);
}

/* The reach capture found for the listener the child waits on. */
static enum sj_reach reach_of(enum how how, struct sj_sock *out)
{
	pid_t pid = th_spawn(listener_child, (void *)(intptr_t)how);
	if (th_wait_syscall(pid, SYS_accept4) <= 0) {
		th_kill(pid);
		return (enum sj_reach)-1;
	}
	struct sj_snapshot s;
	th_capture(pid, 0, 0, &s);
	const struct sj_thread *t = th_thread_in(&s, pid, SYS_accept4);
	assert_non_null(t);
	assert_true(t->wait.nfds >= 1);
	const struct sj_fd *f = sj_process_fd(&s.procs[0], t->wait.fds[0].fd);
	assert_non_null(f);
	enum sj_reach r = f->sock.reach;
	if (out) {
		*out = f->sock;
		out->local = out->remote = NULL;
	}
	sj_snapshot_free(&s);
	th_kill(pid);
	return r;
}

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sj-reach-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* May we make a mount namespace here (root, not forbidden by seccomp)? */
static int can_unshare_mounts(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNS) == 0 ? 0 : 1);
	int st;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void test_private_namespace(void **state)
{
	(void)state;
	if (!can_unshare_mounts()) {
		print_message("SKIP: no mount namespace for this test (needs root)\n");
		skip();
	}
	struct sj_sock k;
	enum sj_reach r = reach_of(PRIVATE_NS, &k);
	assert_int_equal(r, SJ_REACH_TREE);
	assert_true(k.vfs_ino != 0);
}

/* Our own process is outside the snapshot with the same uid, and sees
 * the file: always at least one outsider. */
static void test_host_tmp(void **state)
{
	(void)state;
	struct sj_sock k;
	assert_int_equal(reach_of(HOST_TMP, &k), SJ_REACH_OUTSIDE);
	assert_true(k.reach_outsiders >= 1);
	assert_true(k.reach_example > 0);
	struct stat st;
	/* the file sock_diag named is the one at the path */
	snprintf(sock_path, sizeof sock_path, "%s/priv/sock", dir);
	if (stat(sock_path, &st) == 0)
		assert_int_equal((uint64_t)st.st_ino, k.vfs_ino);
}

static void test_unlinked(void **state)
{
	(void)state;
	assert_int_equal(reach_of(UNLINKED, NULL), SJ_REACH_GONE);
}

static void test_not_judged(void **state)
{
	(void)state;
	assert_int_equal(reach_of(ABSTRACT, NULL), SJ_REACH_UNCHECKED);
	assert_int_equal(reach_of(RELATIVE, NULL), SJ_REACH_UNCHECKED);
	assert_int_equal(reach_of(VIA_LINK, NULL), SJ_REACH_UNCHECKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_cred),
		cmocka_unit_test(test_may_pass),
		cmocka_unit_test_setup_teardown(test_private_namespace, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_host_tmp, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_unlinked, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_not_judged, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
