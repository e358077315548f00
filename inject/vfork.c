/* vfork.c — layer 6: vfork stays a vfork, and the one place where the shim
 * handles it.
 *
 * THE RULE (sys.h): between vfork and exec/_exit the child runs on its
 * parent's memory and stack, so no shim code that runs in a vfork child
 * stores into memory the parent relies on — handler tables, counters,
 * caches, journal state, the TLS of the parent's thread.  Every wrapper
 * tests sj_in_vfork_child() first and then only calls the real function
 * (and writes, at most, a record built on its stack).  CPython's
 * _posixsubprocess is the case that made this a rule: its vfork child resets
 * every handled signal to SIG_DFL through sigaction, and when the shim's
 * wrapper recorded that in its table, the parent's Python handlers never
 * ran again.
 *
 * How the shim knows.  vfork cannot be a C wrapper: the child would return
 * through the wrapper's frame and pop it, and the parent would then resume
 * in a frame the child has since overwritten.  The entry point below is
 * assembly (the model is ASan's vfork interceptor, LLVM D58313): it pops the
 * program's return address into a per-thread slot, CALLs glibc's vfork —
 * which keeps its own return address in a register across the system call,
 * so the child and then the parent both return safely into the stub — and
 * on return sets the thread's vfork depth: d + 1 in the child, d in the
 * parent.  The slot's address travels in %rbx (callee-saved, so glibc's
 * vfork and the kernel keep it for both processes; the program's %rbx waits
 * in the slot), and the parent computes its depth from that address rather
 * than reading what the child left: a child that vforks again uses the next
 * slot, and a child killed before exec leaves the parent correct.  Then the
 * stub jumps (child) or returns through the after-hook (parent) to the
 * program.
 *
 * The parent therefore runs shim code again after the child has exec'd or
 * exited: it writes its `fork` record and adds the child to @children.  A
 * fork-hook rule that fired for this call and acts after the fork (delay,
 * signal, exit, crash, on either side) makes the call a real fork, because
 * the child side of those actions would have to run in the vfork child.
 *
 * Limits: more than SJ_VFORK_NEST nested vforks tail-jump to glibc untracked;
 * a grandchild that kills its vfork parent releases the grandparent while it
 * still runs on the same memory and stack (as it does without the shim), and
 * from then on neither may touch the stack the other uses;
 * a signal handler the child runs in the few instructions between glibc's
 * return and the depth store still sees the parent's depth (programs block
 * signals around vfork: CPython and glibc's posix_spawn do); CET shadow
 * stacks (not enabled by Debian 12) would see the child's jump. */
#include "init.h"
#include "real.h"
#include "rules.h"
#include "wrappers.h"

#include <errno.h>

#if defined(__x86_64__)

static int acts_after_fork(const struct sj_plan *plan)
{
	const unsigned after = SJ_ACT(DELAY) | SJ_ACT(SIGNAL) | SJ_ACT(EXIT) | SJ_ACT(CRASH);
	for (unsigned k = 0; k < plan->nfired; k++)
		if (sj_g.spec.rules[plan->fired[k]].actions & after)
			return 1;
	return 0;
}

/* Returns glibc's vfork for the entry point to call, or NULL when the call
 * is complete and *done holds its result (errno set). */
SJ_HIDDEN __attribute__((used)) void *sj_vfork_prehook(pid_t *done)
{
	struct sj_call c = { SJ_HOOK_FORK, "vfork", -1, 0 };
	struct sj_plan plan;
	void *real_vfork = sj_real_get(&sj_reals[SJ_R_vfork]);
	int fired, saved = errno;
	if (sj_in_vfork_child())
		goto vfork;
	fired = sj_fork_prehook(&c, &plan, done);
	if (fired < 0)
		return NULL;
	if ((fired && acts_after_fork(&plan)) || !real_vfork) {
		*done = sj_fork_and_after(&c, &plan, (unsigned)fired);
		return NULL;
	}
	/* The fork index seeds forked children: the same whether a vfork ran
	 * as a vfork or as a fork. */
	atomic_fetch_add(&sj_g.forks, 1);
vfork:
	if (!real_vfork) {
		*done = -1; /* errno EAGAIN: real.def */
		return NULL;
	}
	errno = saved;
	return real_vfork;
}

/* In the parent, after the child exec'd or exited (or vfork failed). */
SJ_HIDDEN __attribute__((used)) pid_t sj_vfork_parent(pid_t pid)
{
	int saved = errno;
	if (pid > 0 && !sj_in_vfork_child())
		sj_note_fork("vfork", pid);
	errno = saved;
	return pid;
}

_Static_assert(__builtin_offsetof(struct sj_vfork_tls, slot) == 16 && sizeof(((struct sj_vfork_tls *)0)->slot[0]) == 16,
	       "the entry point's offsets");

#if defined(__CET__)
#define SJ_ENDBR "endbr64\n\t"
#else
#define SJ_ENDBR ""
#endif
#define SJ_STR2(x) #x
#define SJ_STR(x) SJ_STR2(x)

/* At entry %rsp is 8 mod 16 (the return address); 24 more bytes make it
 * 0 mod 16 at the prehook's call, and hold *done at 0(%rsp).  Clobbers only
 * caller-saved registers: vfork takes no arguments. */
__asm__(".text\n\t"
	".globl vfork\n\t"
	".type vfork, @function\n\t"
	".p2align 4\n"
	"vfork:\n\t"
	".cfi_startproc\n\t"
	SJ_ENDBR
	"sub $24, %rsp\n\t"
	".cfi_adjust_cfa_offset 24\n\t"
	"mov %rsp, %rdi\n\t"
	"call sj_vfork_prehook\n\t"
	"test %rax, %rax\n\t"
	"jnz 1f\n\t"
	"movl (%rsp), %eax\n\t"
	"add $24, %rsp\n\t"
	".cfi_adjust_cfa_offset -24\n\t"
	"ret\n"
	"1:\n\t"
	".cfi_adjust_cfa_offset 24\n\t"
	"add $24, %rsp\n\t"
	".cfi_adjust_cfa_offset -24\n\t"
	"mov %rax, %rsi\n\t"                 /* glibc's vfork */
	"mov sj_vfork@gottpoff(%rip), %rcx\n\t"
	"add %fs:0, %rcx\n\t"                /* &sj_vfork of this thread */
	"mov (%rcx), %edx\n\t"               /* d */
	"cmp $" SJ_STR(SJ_VFORK_NEST) ", %edx\n\t"
	".cfi_remember_state\n\t"
	"jae 3f\n\t"
	"shl $4, %rdx\n\t"
	"lea 16(%rcx,%rdx), %rdx\n\t"        /* &slot[d] */
	"pop %rax\n\t"                       /* the program's return address */
	".cfi_adjust_cfa_offset -8\n\t"
	".cfi_undefined rip\n\t"
	"mov %rax, (%rdx)\n\t"
	"mov %rbx, 8(%rdx)\n\t"
	"mov %rdx, %rbx\n\t"
	"call *%rsi\n\t"                     /* returns twice: child, then parent */
	"mov sj_vfork@gottpoff(%rip), %rcx\n\t"
	"add %fs:0, %rcx\n\t"
	"mov %rbx, %rdx\n\t"
	"sub %rcx, %rdx\n\t"
	"sub $16, %rdx\n\t"
	"shr $4, %rdx\n\t"                   /* d, from the slot this process used */
	"mov (%rbx), %rsi\n\t"               /* the return address */
	"mov 8(%rbx), %rbx\n\t"              /* the program's %rbx */
	"test %eax, %eax\n\t"
	"jnz 2f\n\t"
	"inc %edx\n\t"                       /* child: one level deeper */
	"mov %edx, (%rcx)\n\t"
	"jmp *%rsi\n"
	"2:\n\t"
	"mov %edx, (%rcx)\n\t"               /* parent (or vfork failed): its own depth back */
	"push %rsi\n\t"
	".cfi_adjust_cfa_offset 8\n\t"
	".cfi_restore rip\n\t"
	"sub $8, %rsp\n\t"
	".cfi_adjust_cfa_offset 8\n\t"
	"mov %eax, %edi\n\t"
	"call sj_vfork_parent\n\t"
	"add $8, %rsp\n\t"
	".cfi_adjust_cfa_offset -8\n\t"
	"ret\n"
	"3:\n\t"
	".cfi_restore_state\n\t"
	"jmp *%rsi\n\t"                      /* nested too deep: glibc's, untracked */
	".cfi_endproc\n\t"
	".size vfork, .-vfork\n\t"
	".previous");

#else
/* Elsewhere vfork is made a real fork: no entry point is written for other
 * architectures yet.  Programs that exec or _exit at once behave the same;
 * the parent is not suspended meanwhile. */
SJ_EXPORT pid_t vfork(void)
{
	return fork();
}
#endif
