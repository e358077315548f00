/* unwind.c — libunwind-ptrace over a copy of the stack.
 *
 * _UPT_access_mem costs one PTRACE_PEEKDATA per 8-byte word and
 * _UPT_access_reg one PEEKUSER per register, all while the thread is
 * stopped: milliseconds per thread.  We keep _UPT's unwind-info lookup
 * (it reads /proc/PID/maps and the ELF files, no stop needed) and supply
 * registers and stack from the copy sj_stack_grab took in microseconds;
 * any other memory (.eh_frame_hdr, deep stack) is read from the live
 * process in whole pages with process_vm_readv. */
#include "unwind.h"

#include <errno.h>
#include <libunwind-ptrace.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ehframe.h"
#include "mapfile.h"
#include "procfs.h"

#define SJ_PAGE 4096u
#define SJ_CACHE_PAGES 8

struct page_cache {
	unw_word_t base; /* 0: empty (page 0 is never mapped) */
	unsigned age;
	unsigned char data[SJ_PAGE];
};

/* What libunwind passes to our accessors for one thread. */
struct thread_arg {
	struct sj_unwinder *u;
	void *upt;
	pid_t tid;
	const struct sj_stack_copy *copy;
	unsigned clock;
	struct page_cache pages[SJ_CACHE_PAGES];
};

/* _UPT_find_proc_info calls back into the address space's accessors (ours)
 * with ITS argument, the UPT handle, not ours.  Unwinding is one thread at
 * a time, so the accessors map either pointer to the thread in progress. */
static struct thread_arg *g_cur;

static struct thread_arg *arg_of(void *arg)
{
	return g_cur && (arg == g_cur || arg == g_cur->upt) ? g_cur : NULL;
}

#define SJ_EH_CACHE 64

struct sj_unwinder {
	unw_addr_space_t as;
	unw_accessors_t acc;
	const struct sj_process *proc;        /* the process being unwound */
	struct sj_ehtable eh[SJ_EH_CACHE];    /* its modules' tables, found so far */
	size_t neh;
};

static struct page_cache *page_for(struct thread_arg *ta, unw_word_t base)
{
	struct page_cache *victim = &ta->pages[0];
	for (int i = 0; i < SJ_CACHE_PAGES; i++) {
		if (ta->pages[i].base == base) {
			ta->pages[i].age = ++ta->clock;
			return &ta->pages[i];
		}
		if (ta->pages[i].age < victim->age)
			victim = &ta->pages[i];
	}
	/* A page is mapped as a whole, so a page-sized read fails only if
	 * the address itself is unmapped. */
	if (sj_read_mem(ta->tid, base, victim->data, SJ_PAGE) != 0)
		return NULL;
	victim->base = base;
	victim->age = ++ta->clock;
	return victim;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	struct thread_arg *ta = arg_of(arg);
	if (!ta)
		return -UNW_EINVAL;
	const struct sj_stack_copy *c = ta->copy;
	if (!write && c->stack && addr >= c->lo && addr - c->lo + sizeof *val <= c->len) {
		memcpy(val, c->stack + (addr - c->lo), sizeof *val);
		return 0;
	}
	unw_word_t base = addr & ~(unw_word_t)(SJ_PAGE - 1);
	if (!write && base && addr - base <= SJ_PAGE - sizeof *val) {
		struct page_cache *pc = page_for(ta, base);
		if (pc) {
			memcpy(val, pc->data + (addr - base), sizeof *val);
			return 0;
		}
	}
	if (!write && sj_read_mem(ta->tid, addr, val, sizeof *val) == 0)
		return 0; /* a word straddling two pages */
	return -UNW_EINVAL; /* never write: the thread runs again */
}

/* libunwind's own search of a sorted .eh_frame_hdr table (exported, not in
 * its public headers; perf's unwinder uses it the same way). */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip, unw_dyn_info_t *di,
					      unw_proc_info_t *pi, int need_unwind_info, void *arg);

static const struct sj_ehtable *eh_lookup(struct thread_arg *ta, unw_word_t ip)
{
	struct sj_unwinder *u = ta->u;

	for (size_t i = 0; i < u->neh; i++)
		if (ip >= u->eh[i].lo && ip < u->eh[i].hi)
			return &u->eh[i];
	if (!u->proc || u->neh == SJ_EH_CACHE || sj_ehtable_find(u->proc, ta->tid, ip, &u->eh[u->neh]) != 0)
		return NULL;
	return &u->eh[u->neh++];
}

/* The file ip lies in, as this tracer sees it, is the mapped one: then
 * libunwind-ptrace may open it (it also reads .debug_frame, for the rare
 * module without .eh_frame_hdr). */
static int mapped_file_is_here(const struct sj_process *p, unw_word_t ip)
{
	char path[4096], root[8];

	for (size_t i = 0; p && i < p->nmaps; i++)
		if (ip >= p->maps[i].start && ip < p->maps[i].end)
			return sj_map_file(p->pid, &p->maps[i], path, sizeof path, root, sizeof root) == 0 &&
			       root[0] == 0 && strncmp(path, "/proc/", 6) != 0;
	return 0;
}

/* Unwind info from the target's own memory (ehframe.h), so that a
 * process in another root unwinds through its own libraries. */
static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need, void *arg)
{
	struct thread_arg *ta = arg_of(arg);
	const struct sj_ehtable *eh = ta ? eh_lookup(ta, ip) : NULL;

	if (eh) {
		unw_dyn_info_t di = {
			.start_ip = eh->lo, .end_ip = eh->hi, .gp = 0,
			.format = UNW_INFO_FORMAT_REMOTE_TABLE,
			.u.rti = { .name_ptr = 0, .segbase = eh->hdr, .table_data = eh->table,
				   .table_len = eh->nfde * 8 / sizeof(unw_word_t) },
		};
		int r = _Ux86_64_dwarf_search_unwind_table(as, ip, &di, pi, need, ta);
		if (r != -UNW_ENOINFO)
			return r;
	}
	if (ta && !mapped_file_is_here(ta->u->proc, ip))
		return -UNW_ENOINFO;
	return _UPT_find_proc_info(as, ip, pi, need, ta ? ta->upt : arg);
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	_UPT_put_unwind_info(as, pi, arg_of(arg) ? arg_of(arg)->upt : arg);
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dil, void *arg)
{
	return _UPT_get_dyn_info_list_addr(as, dil, arg_of(arg) ? arg_of(arg)->upt : arg);
}

/* libunwind's x86-64 register numbers → struct user_regs_struct. */
static const size_t reg_offsets[] = {
	[UNW_X86_64_RAX] = offsetof(struct user_regs_struct, rax),
	[UNW_X86_64_RDX] = offsetof(struct user_regs_struct, rdx),
	[UNW_X86_64_RCX] = offsetof(struct user_regs_struct, rcx),
	[UNW_X86_64_RBX] = offsetof(struct user_regs_struct, rbx),
	[UNW_X86_64_RSI] = offsetof(struct user_regs_struct, rsi),
	[UNW_X86_64_RDI] = offsetof(struct user_regs_struct, rdi),
	[UNW_X86_64_RBP] = offsetof(struct user_regs_struct, rbp),
	[UNW_X86_64_RSP] = offsetof(struct user_regs_struct, rsp),
	[UNW_X86_64_R8] = offsetof(struct user_regs_struct, r8),
	[UNW_X86_64_R9] = offsetof(struct user_regs_struct, r9),
	[UNW_X86_64_R10] = offsetof(struct user_regs_struct, r10),
	[UNW_X86_64_R11] = offsetof(struct user_regs_struct, r11),
	[UNW_X86_64_R12] = offsetof(struct user_regs_struct, r12),
	[UNW_X86_64_R13] = offsetof(struct user_regs_struct, r13),
	[UNW_X86_64_R14] = offsetof(struct user_regs_struct, r14),
	[UNW_X86_64_R15] = offsetof(struct user_regs_struct, r15),
	[UNW_X86_64_RIP] = offsetof(struct user_regs_struct, rip),
};

/* What /proc/TID/syscall tells of a thread that was not stopped. */
static int known_unstopped(unw_regnum_t reg)
{
	static const unw_regnum_t known[] = {
		UNW_X86_64_RIP, UNW_X86_64_RSP, UNW_X86_64_RDI, UNW_X86_64_RSI,
		UNW_X86_64_RDX, UNW_X86_64_R10, UNW_X86_64_R8, UNW_X86_64_R9,
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (known[i] == reg)
			return 1;
	return 0;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	struct thread_arg *ta = arg_of(arg);
	if (!ta || write || reg < 0 || (size_t)reg >= sizeof reg_offsets / sizeof reg_offsets[0])
		return -UNW_EBADREG;
	if (ta->copy->partial && !known_unstopped(reg))
		return -UNW_EBADREG;
	memcpy(val, (const char *)&ta->copy->regs + reg_offsets[reg], sizeof *val);
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write, void *arg)
{
	return -UNW_EBADREG; /* x86-64 CFI never needs them to find a caller */
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	return -UNW_EINVAL; /* we never resume through libunwind */
}

struct sj_unwinder *sj_unwinder_new(void)
{
	struct sj_unwinder *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	u->acc = (unw_accessors_t){
		.find_proc_info = find_proc_info,
		.put_unwind_info = put_unwind_info,
		.get_dyn_info_list_addr = get_dyn_info_list_addr,
		.access_mem = access_mem,
		.access_reg = access_reg,
		.access_fpreg = access_fpreg,
		.resume = resume,
		.get_proc_name = NULL, /* names come from libdw, after resuming */
	};
	u->as = unw_create_addr_space(&u->acc, 0);
	if (!u->as) {
		free(u);
		return NULL;
	}
	unw_set_caching_policy(u->as, UNW_CACHE_GLOBAL);
	return u;
}

void sj_unwinder_free(struct sj_unwinder *u)
{
	if (!u)
		return;
	unw_destroy_addr_space(u->as);
	free(u);
}

void sj_unwinder_switch_process(struct sj_unwinder *u, const struct sj_process *p)
{
	unw_flush_cache(u->as, 0, 0);
	u->proc = p;
	u->neh = 0;
}

static void set_error(struct sj_thread *t, const char *fmt, const char *what, int code)
{
	char buf[160];
	snprintf(buf, sizeof buf, fmt, what, code);
	free(t->unwind_error);
	t->unwind_error = strdup(buf);
}

/* The mapping of p that holds addr, or NULL (a thread created after
 * the maps were read). */
static const struct sj_map *map_at(const struct sj_process *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nmaps; i++)
		if (addr >= p->maps[i].start && addr < p->maps[i].end)
			return &p->maps[i];
	return NULL;
}

/* x86-64 SysV: leaf functions may use 128 bytes below sp. */
#define SJ_RED_ZONE 128u

/* The live part of the stack, from c->regs.rsp (minus the red zone) to
 * the end of its mapping, capped at SJ_STACK_COPY_MAX. */
static void copy_stack(const struct sj_process *p, struct sj_stack_copy *c)
{
	uint64_t sp = c->regs.rsp;
	const struct sj_map *m = map_at(p, sp);
	uint64_t lo = sp > SJ_RED_ZONE ? sp - SJ_RED_ZONE : sp;
	if (m && lo < m->start)
		lo = m->start;
	uint64_t hi = m ? m->end : (sp | (SJ_PAGE - 1)) + 1 + 64 * 1024;
	if (hi - lo > SJ_STACK_COPY_MAX)
		hi = lo + SJ_STACK_COPY_MAX;
	c->stack = malloc(hi - lo);
	if (!c->stack)
		return;
	/* Page-sized pieces: process_vm_readv stops at the first unreadable
	 * piece and returns what it got (it never splits one piece), so a
	 * guessed upper end (no map known) costs nothing. */
	enum { PIECES = SJ_STACK_COPY_MAX / SJ_PAGE + 2 };
	struct iovec local = { c->stack, hi - lo }, remote[PIECES];
	size_t n = 0;
	for (uint64_t a = lo; a < hi && n < PIECES; n++) {
		uint64_t next = (a | (SJ_PAGE - 1)) + 1;
		if (next > hi)
			next = hi;
		remote[n].iov_base = (void *)(uintptr_t)a;
		remote[n].iov_len = next - a;
		a = next;
	}
	ssize_t r = process_vm_readv(c->tid, &local, 1, remote, n, 0);
	if (r <= 0) {
		free(c->stack);
		c->stack = NULL;
		return;
	}
	c->lo = lo;
	c->len = (size_t)r;
}

int sj_stack_grab(const struct sj_process *p, pid_t tid, struct sj_stack_copy *c)
{
	memset(c, 0, sizeof *c);
	c->pid = p->pid;
	c->tid = tid;
	if (ptrace(PTRACE_GETREGS, tid, 0, &c->regs) != 0) {
		snprintf(c->err, sizeof c->err, "PTRACE_GETREGS: %s", strerror(errno));
		return -1;
	}
	c->ok = 1;
	copy_stack(p, c);
	return 0;
}

int sj_stack_grab_blocked(const struct sj_process *p, pid_t tid, long nr, const uint64_t args[6],
			  uint64_t sp, uint64_t pc, struct sj_stack_copy *c)
{
	memset(c, 0, sizeof *c);
	c->pid = p->pid;
	c->tid = tid;
	c->partial = 1;
	c->regs.orig_rax = (unsigned long long)nr;
	c->regs.rdi = args[0];
	c->regs.rsi = args[1];
	c->regs.rdx = args[2];
	c->regs.r10 = args[3];
	c->regs.r8 = args[4];
	c->regs.r9 = args[5];
	c->regs.rsp = sp;
	c->regs.rip = pc;
	if (!sp || !pc) {
		snprintf(c->err, sizeof c->err, "no pc and sp in /proc/%d/syscall", (int)tid);
		return -1;
	}
	c->ok = 1;
	copy_stack(p, c);
	return 0;
}

void sj_stack_copy_release(struct sj_stack_copy *c)
{
	free(c->stack);
	c->stack = NULL;
	c->len = 0;
}

int sj_unwind_copy(struct sj_unwinder *u, const struct sj_stack_copy *c, struct sj_thread *t)
{
	pid_t tid = c->tid;
	if (!c->ok) {
		set_error(t, "%s", c->err, 0);
		return -1;
	}
	struct thread_arg *ta = calloc(1, sizeof *ta);
	struct sj_frame *frames = calloc(SJ_MAX_FRAMES, sizeof *frames);
	if (!ta || !frames) {
		free(ta);
		free(frames);
		set_error(t, "%s (%d)", "out of memory", ENOMEM);
		return -1;
	}
	ta->u = u;
	ta->tid = c->tid; /* not the pid: a zombie leader has no mm to read */
	ta->copy = c;
	ta->upt = _UPT_create(tid);
	size_t n = 0;
	unw_cursor_t cur;
	g_cur = ta;
	int r = ta->upt ? unw_init_remote(&cur, u->as, ta) : -UNW_ENOMEM;
	if (r < 0) {
		set_error(t, "unw_init_remote: %s (%d)", unw_strerror(r), r);
		goto out;
	}
	int next_exact = 1; /* the innermost pc is exact, not a return address */
	unw_word_t prev_ip = 0, prev_sp = 0;
	for (;;) {
		unw_word_t ip = 0, sp = 0;
		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		unw_get_reg(&cur, UNW_REG_SP, &sp);
		if (n && ip == prev_ip && sp == prev_sp) {
			set_error(t, "%s at frame %d", "unwind loop (same pc and sp twice)", (int)n);
			break;
		}
		int is_sig = unw_is_signal_frame(&cur) > 0;
		frames[n].pc = ip;
		/* A signal frame's pc is the trampoline's first byte, and the
		 * frame the signal interrupted resumes at its exact pc: both
		 * must be symbolized without the pc-1 of return addresses. */
		frames[n].is_activation = next_exact || is_sig;
		next_exact = is_sig;
		prev_ip = ip;
		prev_sp = sp;
		if (++n == SJ_MAX_FRAMES) {
			set_error(t, "%s %d frames", "stopped at", SJ_MAX_FRAMES);
			break;
		}
		r = unw_step(&cur);
		if (r == 0)
			break;
		if (r < 0) {
			set_error(t, "unw_step: %s (%d)", unw_strerror(r), r);
			break;
		}
	}
out:
	g_cur = NULL;
	if (ta->upt)
		_UPT_destroy(ta->upt);
	free(ta);
	if (c->partial && t->unwind_error) {
		char why[200];
		snprintf(why, sizeof why, "read without a stop (only pc and sp known): %s", t->unwind_error);
		free(t->unwind_error);
		t->unwind_error = strdup(why);
	}
	if (!n) {
		free(frames);
		if (!t->unwind_error)
			set_error(t, "%s (%d)", "no frames", 0);
		return -1;
	}
	t->frames = frames;
	t->nframes = n;
	return 0;
}
