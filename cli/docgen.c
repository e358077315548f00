/* docgen.c — writes the man page sigjam(1) and the bash completion from the
 * command table (cli/help.c), at build time, so that neither can say
 * something `sigjam --help` does not.
 *
 *   sigjam-docgen man  FILE   sigjam(1)
 *   sigjam-docgen bash FILE   for share/bash-completion/completions/sigjam */
#include "help.h"

#include "render.h"

#include <stdio.h>
#include <string.h>

/* ---- roff ---- */

/* Text for roff: `code` in bold, '-' as a minus (options stay copyable),
 * backslash escaped, a leading '.' or '\'' neutralised, line breaks kept
 * (roff fills lines; an empty line starts a paragraph). */
static void roff(const char *s, FILE *f)
{
	int bold = 0, bol = 1;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		bol = 0;
		switch (*s) {
		case '`': fputs(bold ? "\\fR" : "\\fB", f); bold = !bold; break;
		case '-': fputs("\\-", f); break;
		case '\\': fputs("\\e", f); break;
		case '\n':
			if (s[1] == '\n') {
				fputs("\n.PP", f);
				s++;
			}
			fputc('\n', f);
			bol = 1;
			break;
		default: fputc(*s, f);
		}
	}
	if (bold)
		fputs("\\fR", f);
}

/* Text with {formats} expanded, then escaped for roff. */
static void roff_expanded(const char *s, FILE *f)
{
	char buf[4096];
	FILE *m = fmemopen(buf, sizeof buf, "w");
	if (!m)
		return;
	sj_help_expand(s, m);
	fputc('\0', m);
	fclose(m);
	buf[sizeof buf - 1] = '\0';
	roff(buf, f);
}

/* The command's synopsis lines, each "sigjam ..." and a line break. */
static void man_usage(const struct sj_cmd_help *c, FILE *f)
{
	const char *u = c->usage;
	while (*u) {
		size_t len = strcspn(u, "\n");
		char line[256];
		snprintf(line, sizeof line, "%.*s", (int)len, u);
		fputs("\\fBsigjam\\fR ", f);
		roff(line, f);
		fputs("\n.br\n", f);
		u += len + (u[len] == '\n');
	}
}

static void man_option(const struct sj_opt *o, FILE *f)
{
	fputs(".TP\n", f);
	if (o->id < 256)
		fprintf(f, "\\fB\\-%c\\fR, ", o->id);
	fputs("\\fB\\-\\-", f);
	roff(o->name, f);
	fputs("\\fR", f);
	if (o->metavar) {
		const char *mv = o->metavar;
		fputs(*mv == '=' ? "=" : " ", f);
		fputs("\\fI", f);
		roff(mv + (*mv == '='), f);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	roff_expanded(o->help, f);
	fputc('\n', f);
}

static void man_terms(const char *section, const struct sj_term *t, size_t n, FILE *f)
{
	fprintf(f, ".SH %s\n", section);
	for (size_t i = 0; i < n; i++) {
		fputs(".TP\n.B ", f);
		roff(t[i].name, f);
		fputc('\n', f);
		roff(t[i].text, f);
		fputc('\n', f);
	}
}

static void man(FILE *f)
{
	fprintf(f, ".\\\" sigjam(1), generated from cli/help.c by sigjam-docgen: do not edit.\n"
		   ".TH SIGJAM 1 \"\" \"sigjam %s\" \"User Commands\"\n"
		   ".SH NAME\n"
		   "sigjam \\- find and reproduce the hangs that signals, fork and pipes cause\n"
		   ".SH SYNOPSIS\n"
		   ".B sigjam\n.I command\n.RI [ options ]\n.br\n", SIGJAM_VERSION);
	for (size_t i = 0; i < sj_help_ncmds; i++)
		man_usage(sj_help_cmds[i], f);
	fputs(".B sigjam\n\\-\\-help | \\-\\-version\n.SH DESCRIPTION\n", f);
	roff(sj_help_intro, f);
	fputs("\n.PP\nEvery command takes \\fB\\-\\-help\\fR.\n.SH COMMANDS\n", f);
	for (size_t i = 0; i < sj_help_ncmds; i++) {
		const struct sj_cmd_help *c = sj_help_cmds[i];
		fputs(".SS ", f);
		roff(c->name, f);
		fputs(" \\(em ", f);
		roff(c->summary, f);
		fputs("\n.PP\n", f);
		man_usage(c, f);
		fputs(".PP\n", f);
		roff(c->description, f);
		fputc('\n', f);
		for (const struct sj_opt *o = c->opts; o->name; o++)
			man_option(o, f);
		fputs(".PP\nExit status: ", f);
		roff(c->exit_status, f);
		fputc('\n', f);
	}
	fputs(".SH REPORT FORMATS\n", f);
	size_t n;
	const struct sj_renderer *t = sj_renderers(&n);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, ".TP\n.B %s\n", t[i].name);
		roff(t[i].summary, f);
		fputc('\n', f);
	}
	man_terms("EXIT STATUS", sj_help_exits, sj_help_nexits, f);
	man_terms("ENVIRONMENT", sj_help_env, sj_help_nenv, f);
	man_terms("FILES", sj_help_files, sj_help_nfiles, f);
	fputs(".PP\n\\fIBINDIR\\fR is the folder of the sigjam executable: /usr/bin for the\n"
	      "Debian package, whose shim is /usr/lib/sigjam/libsigjam.so.\n", f);
	man_terms("EXAMPLES", sj_help_examples, sj_help_nexamples, f);
	fputs(".SH SEE ALSO\n"
	      ".BR sigjam\\-inject (7),\n.BR pytest (1),\n.BR gdb (1),\n.BR ptrace (2),\n.BR signal (7)\n", f);
}

/* ---- bash completion ---- */

static const char *value_word(enum sj_value v)
{
	static const char *const words[] = {
		[SJ_VAL_NONE] = "", [SJ_VAL_TEXT] = "text", [SJ_VAL_FILE] = "file", [SJ_VAL_DIR] = "dir",
		[SJ_VAL_EXE] = "exe", [SJ_VAL_PID] = "pid", [SJ_VAL_FORMAT] = "format",
		[SJ_VAL_FORMAT_FILE] = "format-file", [SJ_VAL_CHOICE] = "choice",
		[SJ_VAL_SCENARIO] = "scenario", [SJ_VAL_COMMAND] = "command",
	};
	return words[v];
}

/* The part of the script that does not depend on the table. */
static const char bash_body[] =
	"# Value completions; $cur is the word being completed.\n"
	"_sigjam_value()\n"
	"{\n"
	"    local kind=$1 choices=$2 sigjam=$3\n"
	"    case $kind in\n"
	"    file | exe) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
	"    dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
	"    pid) COMPREPLY=($(compgen -W \"$(cd /proc && printf '%s ' [0-9]*)\" -- \"$cur\")) ;;\n"
	"    format) COMPREPLY=($(compgen -W \"$_sigjam_formats\" -- \"$cur\")) ;;\n"
	"    format-file) compopt -o nospace 2>/dev/null\n"
	"        COMPREPLY=($(compgen -W \"$(printf '%s: ' $_sigjam_formats)\" -- \"$cur\")) ;;\n"
	"    choice) COMPREPLY=($(compgen -W \"$choices\" -- \"$cur\")) ;;\n"
	"    scenario) COMPREPLY=($(compgen -W \"$(\"$sigjam\" scenario list 2>/dev/null | awk '{ print $2 }')\" -- \"$cur\")) ;;\n"
	"    esac\n"
	"}\n"
	"\n"
	"_sigjam()\n"
	"{\n"
	"    local cur=${COMP_WORDS[COMP_CWORD]} cword=$COMP_CWORD\n"
	"    local -a words=(\"${COMP_WORDS[@]}\")\n"
	"    local prev=${words[cword-1]-} sigjam=${words[0]} cmd= verb= i info\n"
	"    COMPREPLY=()\n"
	"    # The command: the first word that is not an option.\n"
	"    for ((i = 1; i < cword; i++)); do\n"
	"        [[ ${words[i]} != -* ]] && { cmd=${words[i]}; break; }\n"
	"    done\n"
	"    if [[ -z $cmd ]]; then\n"
	"        COMPREPLY=($(compgen -W \"$_sigjam_commands --help --version\" -- \"$cur\"))\n"
	"        return\n"
	"    fi\n"
	"    # bash splits --python=MODE at '=' and FMT:FILE at ':' (COMP_WORDBREAKS).\n"
	"    if [[ $cur == = || $prev == = ]]; then\n"
	"        [[ $cur == = ]] && cur= || prev=${words[cword-2]-}\n"
	"        info=$(_sigjam_opt \"$cmd\" \"$prev\")\n"
	"        _sigjam_value \"${info%% *}\" \"${info#* }\" \"$sigjam\"; return\n"
	"    fi\n"
	"    if [[ $cur == : || $prev == : ]]; then\n"
	"        [[ $cur == : ]] && cur= && prev=${words[cword-2]-} || prev=${words[cword-3]-}\n"
	"        info=$(_sigjam_opt \"$cmd\" \"$prev\")\n"
	"        [[ $info == format-file ]] && _sigjam_value file \"\" \"$sigjam\"\n"
	"        return\n"
	"    fi\n"
	"    # Walk the words after the command: option values, the verb, and for\n"
	"    # `run` the start of CMD, after which CMD's own completion takes over.\n"
	"    for ((i = i + 1; i < cword; i++)); do\n"
	"        if [[ $cmd == run && ( ${words[i]} == -- || ${words[i]} != -* ) ]]; then\n"
	"            [[ ${words[i]} == -- ]] && ((i++))\n"
	"            if ((i < cword)) && declare -F _command_offset >/dev/null; then\n"
	"                _command_offset $i\n"
	"            elif ((i == cword)); then\n"
	"                COMPREPLY=($(compgen -c -- \"$cur\"))\n"
	"            else\n"
	"                _sigjam_value file \"\" \"$sigjam\"\n"
	"            fi\n"
	"            return\n"
	"        fi\n"
	"        info=$(_sigjam_opt \"$cmd\" \"${words[i]}\")\n"
	"        if [[ -n $info && $info != none* ]]; then\n"
	"            if [[ ${words[i+1]-} == = ]]; then ((i += 2)); else\n"
	"                ((i++))\n"
	"                [[ ${words[i+1]-} == : ]] && ((i += 2))\n"
	"            fi\n"
	"        elif [[ ${words[i]} != -* && -z $verb ]]; then\n"
	"            verb=${words[i]}\n"
	"        fi\n"
	"    done\n"
	"    info=$(_sigjam_opt \"$cmd\" \"$prev\")\n"
	"    if [[ -n $info && $info != none* ]]; then\n"
	"        _sigjam_value \"${info%% *}\" \"${info#* }\" \"$sigjam\"; return\n"
	"    fi\n"
	"    if [[ $cur == -* ]]; then\n"
	"        COMPREPLY=($(compgen -W \"$(_sigjam_options \"$cmd\")\" -- \"$cur\"))\n"
	"        [[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null\n"
	"        return\n"
	"    fi\n"
	"    local verbs=$(_sigjam_verbs \"$cmd\")\n"
	"    if [[ -n $verbs && -z $verb ]]; then\n"
	"        COMPREPLY=($(compgen -W \"$verbs\" -- \"$cur\")); return\n"
	"    fi\n"
	"    [[ $cmd == scenario && $verb != run ]] && return\n"
	"    [[ $cmd == run ]] && { COMPREPLY=($(compgen -c -- \"$cur\")); return; }\n"
	"    _sigjam_value \"$(_sigjam_operands \"$cmd\")\" \"\" \"$sigjam\"\n"
	"}\n"
	"complete -F _sigjam sigjam\n";

/* case "$1 $2" arms: "KIND CHOICES" for each option word, "none" for flags. */
static void bash_tables(FILE *f)
{
	fputs("_sigjam_commands='", f);
	for (size_t i = 0; i < sj_help_ncmds; i++)
		fprintf(f, "%s%s", i ? " " : "", sj_help_cmds[i]->name);
	fputs("'\n_sigjam_formats='", f);
	size_t n;
	const struct sj_renderer *t = sj_renderers(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", t[i].name);
	fputs("'\n\n# The value an option of a command takes: \"KIND [CHOICES]\"; \"none\" for a flag.\n"
	      "_sigjam_opt()\n{\n    case \"$1 $2\" in\n", f);
	for (size_t i = 0; i < sj_help_ncmds; i++) {
		const struct sj_cmd_help *c = sj_help_cmds[i];
		for (const struct sj_opt *o = c->opts; o->name; o++) {
			fputs("    ", f);
			if (o->id < 256)
				fprintf(f, "'%s -%c' | ", c->name, o->id);
			fprintf(f, "'%s --%s') echo '%s%s%s' ;;\n", c->name, o->name,
				o->metavar ? value_word(o->value) : "none", o->choices ? " " : "",
				o->choices ? o->choices : "");
		}
	}
	fputs("    esac\n}\n\n_sigjam_options()\n{\n    case $1 in\n", f);
	for (size_t i = 0; i < sj_help_ncmds; i++) {
		const struct sj_cmd_help *c = sj_help_cmds[i];
		fprintf(f, "    %s) echo '", c->name);
		for (const struct sj_opt *o = c->opts; o->name; o++)
			fprintf(f, "--%s%s ", o->name, o->metavar && o->metavar[0] == '=' ? "=" : "");
		fputs("--help' ;;\n", f);
	}
	fputs("    esac\n}\n\n_sigjam_verbs()\n{\n    case $1 in\n", f);
	for (size_t i = 0; i < sj_help_ncmds; i++)
		if (sj_help_cmds[i]->verbs)
			fprintf(f, "    %s) echo '%s' ;;\n", sj_help_cmds[i]->name, sj_help_cmds[i]->verbs);
	fputs("    esac\n}\n\n_sigjam_operands()\n{\n    case $1 in\n", f);
	for (size_t i = 0; i < sj_help_ncmds; i++)
		fprintf(f, "    %s) echo '%s' ;;\n", sj_help_cmds[i]->name, value_word(sj_help_cmds[i]->operands));
	fputs("    esac\n}\n\n", f);
}

static void bash(FILE *f)
{
	fputs("# bash completion for sigjam(1), generated from cli/help.c by sigjam-docgen:\n"
	      "# do not edit.  Loaded by bash-completion from completions/sigjam.\n\n", f);
	bash_tables(f);
	fputs(bash_body, f);
}

int main(int argc, char **argv)
{
	int is_man = argc == 3 && !strcmp(argv[1], "man");
	if (!is_man && !(argc == 3 && !strcmp(argv[1], "bash"))) {
		fputs("usage: sigjam-docgen man|bash FILE\n", stderr);
		return 2;
	}
	FILE *f = fopen(argv[2], "w");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	if (is_man)
		man(f);
	else
		bash(f);
	return fclose(f) ? 1 : 0;
}
