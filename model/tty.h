/* tty.h — which character-device majors are terminals
 * (Documentation/admin-guide/devices.txt), once for the tracer (fd kinds in
 * the snapshot) and the shim (fd=tty rules).  Header-only and
 * async-signal-safe: the shim links nothing from model/. */
#ifndef SIGJAM_TTY_H
#define SIGJAM_TTY_H

static const struct { unsigned lo, hi; } sj_tty_majors[] = {
	{ 4, 4 },     /* tty0..63 virtual consoles, ttyS serial ports */
	{ 5, 5 },     /* /dev/tty, /dev/console, /dev/ptmx */
	{ 136, 143 }, /* UNIX98 pseudo-terminal slaves (/dev/pts/N) */
};

static inline int sj_is_tty_major(unsigned maj)
{
	for (unsigned i = 0; i < sizeof sj_tty_majors / sizeof sj_tty_majors[0]; i++)
		if (maj >= sj_tty_majors[i].lo && maj <= sj_tty_majors[i].hi)
			return 1;
	return 0;
}

#endif
