/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A simulated sysfs tree served by pcirst-simtree --serve (its FLR server), in a fresh directory.
 */
#pragma once

#include <stddef.h>

/*
 * Creates a directory from TEMPLATE (ending in XXXXXX, mkdtemp) into root
 * (n bytes) and serves the simulated tree there ($PCIRST_SIMTREE --serve).
 * Returns 0, or -errno / -EIO when the tree could not be made.
 */
int simserve_start(char *root, size_t n, const char *template);

/* Stops the tree's server and removes the directory: 0, or the shell's status. */
int simserve_stop(const char *root);
