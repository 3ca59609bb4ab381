/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Config space as a guest may leave it (it controlled the device, and may
 * have reflashed its firmware): the input overlays a PCIe function's 4096
 * bytes, then, for effect verification, what the function reads after the
 * "reset" (the rest of the input, over the same bytes). Capability walks,
 * probe (every method's checks), save, the effect check against the saved
 * copy and the MSI marker must end in a result or an error, never a crash,
 * a hang or a read outside config space; a save reusing the check's walk
 * must save what a save on its own does.
 */
#include <stdlib.h>
#include <string.h>

#include "capwalk.h"
#include "cfgsave.h"
#include "devmodel.h"
#include "effect-msi.h"
#include "effect.h"
#include "engine.h"
#include "fuzz.h"
#include "pci-regs.h"

#define CFG_SIZE 4096

static const struct simdev_spec spec = {
    .sbdf = "0000:01:00.0",
    .vendor = 0x8086,
    .device = 0x10d3,
    .class_code = 0x020000,
    .driver = "pciback",
    .pcie = true,
    .flr = true,
    .pm = true,
    .af = true,
    .msi = true,
    .bar_size = {0x20000, 0, 0x1000},
    .kernel_reset = true,
    .reset_method = "flr bus",
};

static void probe(const uint8_t *data, size_t size)
{
	struct devmodel *m = devmodel_new();
	struct pcirst_sbdf sbdf;
	struct probe_result *res = calloc(1, sizeof(*res));
	struct simdev *d;

	FUZZ_CHECK(m && res);
	d = devmodel_add(m, &spec);
	FUZZ_CHECK(d);
	/* Short inputs overlay the start: a hostile header over sane capabilities. */
	memcpy(simdev_cfg(d), data, size < CFG_SIZE ? size : CFG_SIZE);
	if (size <= 256)
		simdev_set_cfg_size(d, 256);
	FUZZ_CHECK(pcirst_sbdf_parse(spec.sbdf, &sbdf) == 0);
	if (reset_probe(devmodel_host(m), &sbdf, res) == 0) {
		for (unsigned i = 0; i < _RESET_METHOD_MAX; i++) {
			FUZZ_CHECK(probe_status_name(res->methods[i].status));
			FUZZ_CHECK(memchr(res->methods[i].why, '\0', sizeof(res->methods[i].why)));
		}
	}
	free(res);
	devmodel_free(m);
}

static void verify(const uint8_t *data, size_t size)
{
	uint8_t *buf = calloc(1, CFG_SIZE);
	struct pci_cap caps[64];
	struct cfg_saved saved;
	struct msi_marker msi = {0};
	struct pci_cfg *cfg = NULL;
	uint8_t now[PCI_CFG_SPACE_SIZE];
	unsigned now_len = 0;
	char detail[WHY_MAX] = "";
	struct why why = {""};
	size_t first = size < CFG_SIZE ? size : CFG_SIZE;
	unsigned n = 0, cfg_size = size <= 256 ? 256 : CFG_SIZE;
	int r;

	FUZZ_CHECK(buf);
	memcpy(buf, data, first);
	FUZZ_CHECK(pci_cfg_new_mem(buf, cfg_size, &cfg) == 0);
	if (pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, &why) == 0) {
		FUZZ_CHECK(n <= ELEMENTSOF(caps));
		for (unsigned i = 0; i < n; i++)
			FUZZ_CHECK(caps[i].off < cfg_size);
	}
	msi_marker_place(cfg, &msi);
	/* Odd-sized inputs are SR-IOV VFs (IDs read 0xffff, judged by other registers). */
	r = cfg_save(cfg, size & 1, &saved, &why);
	/* The function after the reset: the rest of the input over the same bytes. */
	if (size > CFG_SIZE)
		memcpy(buf, data + CFG_SIZE,
		       size - CFG_SIZE < CFG_SIZE ? size - CFG_SIZE : CFG_SIZE);
	if (r == 0) {
		/* The engine's way: the restore compares with the effect check's header. */
		r = cfg_effect_check_hdr(cfg, &saved, detail, sizeof(detail), now, &now_len);
		FUZZ_CHECK(r < 0 || r == EFFECT_VERIFIED || r == EFFECT_UNVERIFIED ||
			   r == EFFECT_INEFFECTIVE);
		FUZZ_CHECK(memchr(detail, '\0', sizeof(detail)));
		FUZZ_CHECK(now_len == 0 || now_len == PCI_STD_HEADER_SIZE ||
			   now_len == PCI_CFG_SPACE_SIZE);
		(void)cfg_restore_seen(cfg, &saved, now, now_len, &why);
		(void)cfg_verify(cfg, &saved, &why);
	}
	r = msi_marker_check(cfg, &msi, detail, sizeof(detail));
	FUZZ_CHECK(r < 0 || r == EFFECT_VERIFIED || r == EFFECT_UNVERIFIED ||
		   r == EFFECT_INEFFECTIVE);
	FUZZ_CHECK(memchr(why.msg, '\0', sizeof(why.msg)));
	pci_cfg_free(cfg);
	free(buf);
}

/*
 * The engine's FLR check finds the capabilities and reads the header once
 * (cfg_caps_find()) and the save reuses both (cfg_save_known()): on any
 * config space that must save exactly what a save on its own reads, or fail
 * where it fails.
 */
static void caps_reuse(const uint8_t *data, size_t size)
{
	uint8_t *buf = calloc(1, CFG_SIZE);
	struct cfg_saved plain, known;
	struct pci_cfg *cfg = NULL;
	struct why why = {""};
	struct cfg_caps caps;
	int r_plain, r_caps, r_known;

	FUZZ_CHECK(buf);
	memcpy(buf, data, size < CFG_SIZE ? size : CFG_SIZE);
	FUZZ_CHECK(pci_cfg_new_mem(buf, size <= 256 ? 256 : CFG_SIZE, &cfg) == 0);
	r_plain = cfg_save(cfg, size & 1, &plain, &why);
	r_caps = cfg_caps_find(cfg, &caps, &why);
	FUZZ_CHECK(memchr(why.msg, '\0', sizeof(why.msg)));
	if (r_caps < 0) {
		FUZZ_CHECK(r_plain < 0);
	} else {
		r_known = cfg_save_known(cfg, size & 1, &caps, &known, &why);
		FUZZ_CHECK(r_known == r_plain);
		FUZZ_CHECK(caps.header_ok);
		if (r_plain == 0) {
			FUZZ_CHECK(memcmp(known.header, plain.header, sizeof(plain.header)) == 0);
			FUZZ_CHECK(known.header_type == plain.header_type);
			FUZZ_CHECK(known.pcie == plain.pcie && known.pm == plain.pm &&
				   known.sriov == plain.sriov && known.rtr == plain.rtr);
			FUZZ_CHECK(known.pcie_flags == plain.pcie_flags &&
				   known.devctl == plain.devctl && known.lnkctl == plain.lnkctl &&
				   known.devctl2 == plain.devctl2 &&
				   known.lnkctl2 == plain.lnkctl2);
			FUZZ_CHECK(known.pmcsr == plain.pmcsr);
			FUZZ_CHECK(known.ready.immediate == plain.ready.immediate &&
				   known.ready.valid == plain.ready.valid &&
				   known.ready.flr == plain.ready.flr &&
				   known.ready.reset == plain.ready.reset);
			FUZZ_CHECK(
			    known.sriov_ctrl == plain.sriov_ctrl &&
			    known.sriov_num_vfs == plain.sriov_num_vfs &&
			    known.sriov_pgsz == plain.sriov_pgsz &&
			    memcmp(known.sriov_bar, plain.sriov_bar, sizeof(plain.sriov_bar)) == 0);
		}
	}
	pci_cfg_free(cfg);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2 * CFG_SIZE)
		return 0;
	probe(data, size);
	verify(data, size);
	caps_reuse(data, size);
	return 0;
}
