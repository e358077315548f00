/* A tree where everyone sleeps: nanosleep, clock_nanosleep (absolute),
 * select with a timeout, and a parent in wait4 for them.
 *
 * case: healthy
 */
#include "case.h"
#include <sys/select.h>
#include <time.h>

static void nap(int how)
{
	for (;;) {
		struct timespec ts = { 1, 0 };
		struct timeval tv = { 1, 0 };
		switch (how) {
		case 0: nanosleep(&ts, NULL); break;
		case 1:
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += 1;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			break;
		default: select(0, NULL, NULL, NULL, &tv); break;
		}
	}
}

int main(void)
{
	for (int i = 0; i < 3; i++)
		if (fork() == 0)
			nap(i);
	case_ready();
	wait(NULL);
	return 0;
}
