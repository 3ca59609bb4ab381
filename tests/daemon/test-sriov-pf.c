/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SR-IOV PF rule through the real daemon, a real xenstored and the
 * simulated tree's PF 05:00.0 (VFs 05:00.1 and 05:00.2, both pciback): while
 * a domain holds a VF (a dev-N node of xenstore's pci backend, as libxl
 * writes it) the PF is answered refused, naming the VF, under a lenient rule
 * as under a strict one, and nothing is reset; once the domain lets go, the
 * PF is reset and its VFs come back.
 */
#include <fcntl.h>
#include <stdio.h>

#include "daemon-fixture.h"
#include "xs-assigned.h"

#define PF  "0000:05:00.0"
#define VF2 "0000:05:00.2"

/* The PF's BAR0 as its config file holds it: the tree's FLR server clears it on a reset. */
static uint32_t pf_bar0(struct fixture *f)
{
	char path[256];
	uint32_t v = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/root/sys/bus/pci/devices/" PF "/config", f->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &v, sizeof(v), 0x10), sizeof(v));
	close(fd);
	return v;
}

static void rule(struct fixture *f, const char *mode)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "{ \"rules\": [ { \"match\": { \"sbdf\": \"" PF "\" }, \"policy\": \"%s\", "
		 "\"reason\": \"test: SR-IOV PF\" } ] }",
		 mode);
	write_policy(f, text);
}

static void pf_refused_while_a_domain_holds_a_vf(void **state)
{
	static const char *const modes[] = {"lenient", "strict"};
	struct fixture *f = *state;
	struct pcirst_result *r;
	uint32_t bar0 = pf_bar0(f);

	assert_int_not_equal(bar0, 0);
	assert_true(xs_write(f->h, XBT_NULL, XS_PCI_BACKEND "/3/0/dev-0", VF2, strlen(VF2)));
	rule(f, modes[0]);
	start_daemon(f);
	wait_ready(f, true);
	for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
		if (i) {
			rule(f, modes[i]);
			sighup(f);
		}
		r = request(PF, NULL);
		print_message("%s rule: %s: %s\n", modes[i],
			      pcirst_result_kind(r) == PCIRST_RESULT_REFUSED ? "refused"
									     : "not refused",
			      pcirst_result_error(r));
		/* Not failed / failed-ignored: no mode lets the attach go on. */
		assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_REFUSED);
		assert_non_null(strstr(pcirst_result_error(r), PF " is an SR-IOV PF"));
		assert_non_null(strstr(pcirst_result_error(r), VF2 " (assigned to a domain)"));
		assert_string_equal(pcirst_result_policy(r), modes[i]);
		assert_string_equal(pcirst_result_method(r), "");
		pcirst_result_free(r);
		/* Nothing was reset: the programmed BAR is still there. */
		assert_int_equal(pf_bar0(f), bar0);
	}

	/* The domain let go of the VF: the PF is reset (and its VFs restored, verified). */
	assert_true(xs_rm(f->h, XBT_NULL, XS_PCI_BACKEND "/3"));
	r = request(PF, NULL);
	assert_int_equal(pcirst_result_kind(r), PCIRST_RESULT_OK);
	assert_string_equal(pcirst_result_method(r), "flr");
	pcirst_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(pf_refused_while_a_domain_holds_a_vf, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
