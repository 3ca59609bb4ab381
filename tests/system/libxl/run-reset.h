/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libxl side: one reset through the extracted pci_reset, with the loop
 * that serves its watches and timers until its callback, as libxl's
 * application would.
 */
#ifndef PCIRST_RUN_RESET_H
#define PCIRST_RUN_RESET_H

#include "libxl-standin.h"

/* The extracted code's PCIRSTD_PATH and (shortened) PCIRSTD_TIMEOUT_MS. */
extern const char pcirstd_path[];
extern const long pcirstd_timeout_ms;

/* The rc the last reset's callback got. */
extern int done_rc;

/*
 * Runs a reset of pci for reason ("attach", "detach") to its callback,
 * calling during(elapsed ms) at least every 100 ms if given; returns its
 * time in ms. Counts a check failed if an event source is left registered.
 */
long run_reset(libxl_device_pci *pci, const char *reason, void (*during)(long elapsed));

#endif
