/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every fuzz target defines LLVMFuzzerTestOneInput. Built with PCIRST_FUZZ=ON
 * and clang it is a libFuzzer binary (fuzz-<name>); in the normal build the
 * same source is linked with replay.c (fuzz-<name>-replay) and ctest runs it
 * over the target's seed corpus and every input that ever crashed it
 * (tests/fuzz/README.md).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A bug the sanitizers cannot see (a broken invariant): abort, so both
 * libFuzzer and the replay test report the input.
 */
#define FUZZ_CHECK(cond)                                      \
	do {                                                  \
		if (!(cond))                                  \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *what);
