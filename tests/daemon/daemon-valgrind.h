/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcirstd under valgrind memcheck for the daemon's integration tests
 * (daemon-fixture.h): with PCIRST_VALGRIND set to the valgrind binary
 * (ctest's daemon/valgrind/<test>), every pcirstd a fixture starts runs under
 * valgrind --error-exitcode=99 --leak-check=full
 * --errors-for-leak-kinds=definite, no suppressions, with its log in
 * PCIRST_VALGRIND_LOGS (kept in the build directory). After the test, each
 * log is read: errors (also of an instance the test SIGKILLed, which writes
 * no summary) and definite leaks fail it, and one line per fixture goes to
 * LOGS/summary for the fault table (tools/dev.sh faults).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct fixture;

bool valgrind_on(void);
/* Puts valgrind and its options at argv[*n...]; log holds the log option (size >= PATH_MAX). */
void valgrind_argv(const struct fixture *f, const char **argv, unsigned *n, char *log, size_t size);
/* The daemon's answer counts from the status it left in the store when it stopped. */
void valgrind_note_counts(struct fixture *f);
/* After the last daemon ended (status from waitpid, 0 if none was waited for): errors and
 * definite leaks of all the fixture's daemons, each log printed that has one. */
unsigned valgrind_verdict(const struct fixture *f, int status);
