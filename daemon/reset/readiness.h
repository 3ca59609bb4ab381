/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How long a function says it needs after a reset, where it says so:
 *
 *  - Immediate Readiness (Status bit 0, PCIe 6.0 §7.5.1.1.4): ready at any
 *    time after any reset; software is exempt from every delay of §6.6
 *    (not used for D3hot->D0, a power state transition).
 *  - the Readiness Time Reporting extended capability (PCIe 6.0, ID 0022h):
 *    with its Valid bit set, software may issue requests after the times it
 *    reports instead of the longer ones required elsewhere (100 ms after a
 *    Conventional Reset or an FLR, 10 ms after D3hot->D0).
 *
 * Both are read before the reset (cfg_save), while the function answers.
 * The engine waits the shorter of the specification's time and the
 * function's, then polls readiness as always.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pci-cfg.h"
#include "util.h"

struct readiness_times {
	bool immediate;	 /* Immediate Readiness */
	bool valid;	 /* the capability is present, Valid set, every time decodable */
	usec_t reset;	 /* after a Conventional Reset (µs, rounded up) */
	usec_t dl_up;	 /* after the Link reaches DL_Up */
	usec_t flr;	 /* after FLR is initiated */
	usec_t d3hot_d0; /* after D3hot -> D0 */
};

/*
 * A 12-bit time field: Value (bits 8:0) x 32^Scale (bits 11:9) ns, in µs
 * rounded up. Returns false for the reserved scales 6 and 7.
 */
bool readiness_time_decode(uint16_t field, usec_t *usec);

/*
 * Fills *out from the Status register and the capability at rtr (0: none).
 * Returns 0 or -errno when the capability cannot be read.
 */
int readiness_times_read(struct pci_cfg *cfg, uint16_t status, uint16_t rtr,
			 struct readiness_times *out);

enum readiness_event {
	READY_AFTER_RESET, /* Conventional Reset (a secondary bus reset) */
	READY_AFTER_DL_UP, /* the Link up after a Conventional Reset (> 5 GT/s ports) */
	READY_AFTER_FLR,
	READY_AFTER_D3HOT_D0,
};

/*
 * The wait before the first configuration request after event: spec (the
 * specification's time), or less when the function says it needs less.
 * *known tells whether the function said anything (false: spec returned).
 */
usec_t readiness_wait(const struct readiness_times *t, enum readiness_event event, usec_t spec,
		      bool *known);
