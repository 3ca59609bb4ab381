/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which functions domains hold, read from a real xenstored's pci backend
 * nodes as libxl writes them (xs-assigned.h): every dev-N of every domain,
 * nothing else; no backend directory means nothing assigned.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <xenstore.h>

#include "util.h"
#include "xenstored-harness.h"
#include "xs-assigned.h"

static const char *unavailable;

static void write_node(struct xs_handle *h, const char *path, const char *value)
{
	assert_true(xs_write(h, XBT_NULL, path, value, strlen(value)));
}

static void lists_every_dev_node(void **state)
{
	struct xsh *x = NULL;
	struct xs_handle *h;
	struct xsb *b = NULL;
	_cleanup_(freep) struct pcirst_sbdf *v = NULL;
	char s[PCIRST_SBDF_STRLEN], got[256] = "";
	unsigned n = 99;

	if (unavailable)
		skip();
	assert_int_equal(xsh_start(&x), 0);
	h = xs_open(0);
	assert_non_null(h);
	assert_int_equal(xsb_new(h, &b), 0);
	assert_true(xsb_fd(b) >= 0); /* a socket: the calls go out together */
	/* Nothing assigned yet: no backend directory at all. */
	assert_int_equal(xs_assigned_pci(b, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
	v = NULL;
	write_node(h, XS_PCI_BACKEND "/3/0/dev-0", "0000:0c:00.2");
	write_node(h, XS_PCI_BACKEND "/3/0/state-0", "3");
	write_node(h, XS_PCI_BACKEND "/3/0/dev-1", "0000:0c:00.1");
	write_node(h, XS_PCI_BACKEND "/3/0/num_devs", "2");
	write_node(h, XS_PCI_BACKEND "/7/0/dev-0", "0000:01:00.0");
	write_node(h, XS_PCI_BACKEND "/7/0/dev-1", "not an address");
	assert_int_equal(xs_assigned_pci(b, &v, &n), 0);
	for (unsigned i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s ",
			 pcirst_sbdf_format(&v[i], s));
	assert_int_equal(n, 3);
	assert_non_null(strstr(got, "0000:0c:00.2 "));
	assert_non_null(strstr(got, "0000:0c:00.1 "));
	assert_non_null(strstr(got, "0000:01:00.0 "));
	/* backend/pci, 2 domains, 2 devices, 4 dev-N: a round trip per level (and the first,
	 * empty listing); libxenstore took a round trip per message. */
	assert_int_equal(xsb_round_trips(b), 1 + 4);
	assert_int_equal(xsb_messages(b), 1 + 1 + 2 + 2 + 4);
	assert_int_equal(xs_assigned_pci(NULL, &v, &n), -ENOTCONN);
	xsb_free(b);
	xs_close(h);
	xsh_stop(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lists_every_dev_node),
	};
	const char *why = NULL;
	int failed;

	if (xsh_available(&why) < 0) {
		unavailable = why;
		fprintf(stderr, "SKIP: %s\n", why);
	}
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed ? failed : unavailable ? 77 : 0;
}
