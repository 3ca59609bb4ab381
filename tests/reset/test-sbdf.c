/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI addresses: parsing (exact syntax), canonical formatting, ordering. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcirst/sbdf.h>

#include "testlib.h"

#define ELEMS(x) (sizeof(x) / sizeof((x)[0]))

/* The untouched-output sentinel: not a value any parse of the inputs below produces. */
static const struct pcirst_sbdf sentinel = {.domain = 0xbeef, .bus = 0xa5, .dev = 0x5a, .fn = 0x77};

static void assert_sbdf_equal(const struct pcirst_sbdf *a, const struct pcirst_sbdf *b)
{
	assert_int_equal(a->domain, b->domain);
	assert_int_equal(a->bus, b->bus);
	assert_int_equal(a->dev, b->dev);
	assert_int_equal(a->fn, b->fn);
}

/* Parses a heap copy of exactly strlen+1 bytes, so ASan sees any read past the NUL. */
static int parse_exact(const char *text, struct pcirst_sbdf *out)
{
	char *copy = strdup(text);
	int r;

	assert_non_null(copy);
	r = pcirst_sbdf_parse(copy, out);
	free(copy);
	return r;
}

static const struct {
	const char *text;
	struct pcirst_sbdf want;
	const char *canonical;
} good[] = {
    {"0000:03:00.0", {0x0000, 0x03, 0x00, 0}, "0000:03:00.0"},
    {"03:00.0", {0x0000, 0x03, 0x00, 0}, "0000:03:00.0"},
    {"ffff:ff:1f.7", {0xffff, 0xff, 0x1f, 7}, "ffff:ff:1f.7"},
    {"ABCD:EF:1F.7", {0xabcd, 0xef, 0x1f, 7}, "abcd:ef:1f.7"},
    {"aBcD:eF:1f.6", {0xabcd, 0xef, 0x1f, 6}, "abcd:ef:1f.6"},
    {"0000:00:00.0", {0x0000, 0x00, 0x00, 0}, "0000:00:00.0"},
    {"00:1f.7", {0x0000, 0x00, 0x1f, 7}, "0000:00:1f.7"},
    {"FF:10.1", {0x0000, 0xff, 0x10, 1}, "0000:ff:10.1"},
    {"1234:56:07.3", {0x1234, 0x56, 0x07, 3}, "1234:56:07.3"},
    {"0001:00:00.0", {0x0001, 0x00, 0x00, 0}, "0001:00:00.0"},
};

static const char *const bad[] = {
    "",
    "3:00.0",
    "0000:03:20.0",  /* device > 0x1f */
    "0000:03:ff.0",  /* device > 0x1f */
    "03:20.0",	     /* device > 0x1f, short form */
    "0000:03:00.8",  /* function > 7 */
    "0000:03:00.f",  /* function > 7 */
    "0000:03:00.0 ", /* trailing space */
    " 0000:03:00.0", /* leading space */
    "0000:03:00.0\n",
    "0000:03:00.0x",
    "0000:03:00.00",
    "0x03:00.0",
    "00000:03:00.0",
    "000:03:00.0",
    "g0:00.0",
    "0g:00.0",
    "0000-03-00.0",
    "0000:03:00",
    "0000:03:00.",
    "0000:03:0.0",
    "0000:3:00.0",
    "0000::00.0",
    "0000:03:00:0",
    "0000:03.00.0",
    "+0000:03:00.0",
    "-0000:03:00.0",
    "+3:00.0",
    "0000:+3:00.0",
    "0000:03:-0.0",
    "0000:03:00.-0",
    ":03:00.0",
    "0000:",
    "0000",
    "03",
    "03:",
    "03:00",
    "03:00.",
    ".",
    "0000:0000:03:00.0",
    "0000:03:00.0:",
};

static void parse_good(void **state)
{
	for (size_t i = 0; i < ELEMS(good); i++) {
		struct pcirst_sbdf s = sentinel;

		print_message("good \"%s\"\n", good[i].text);
		assert_int_equal(parse_exact(good[i].text, &s), 0);
		assert_sbdf_equal(&s, &good[i].want);
	}
}

static void parse_bad_leaves_output_untouched(void **state)
{
	for (size_t i = 0; i < ELEMS(bad); i++) {
		struct pcirst_sbdf s = sentinel;

		print_message("bad \"%s\"\n", bad[i]);
		assert_int_equal(parse_exact(bad[i], &s), -EINVAL);
		assert_sbdf_equal(&s, &sentinel);
	}
}

/* Every prefix of a good address but the full one is a bad address. */
static void parse_prefixes_rejected(void **state)
{
	for (size_t i = 0; i < ELEMS(good); i++) {
		size_t len = strlen(good[i].text);

		for (size_t k = 0; k < len; k++) {
			char buf[32];
			struct pcirst_sbdf s = sentinel;

			memcpy(buf, good[i].text, k);
			buf[k] = '\0';
			print_message("prefix \"%s\"\n", buf);
			assert_int_equal(parse_exact(buf, &s), -EINVAL);
			assert_sbdf_equal(&s, &sentinel);
		}
	}
}

/* The text ends at its NUL: what follows is never looked at. */
static void parse_stops_at_nul(void **state)
{
	char buf[] = "0000:03:00.0\0garbage";
	struct pcirst_sbdf s = sentinel;

	assert_int_equal(pcirst_sbdf_parse(buf, &s), 0);
	assert_sbdf_equal(&s, &(struct pcirst_sbdf){0, 3, 0, 0});
}

static void parse_null_arguments(void **state)
{
	struct pcirst_sbdf s = sentinel;

	assert_int_equal(pcirst_sbdf_parse(NULL, &s), -EINVAL);
	assert_sbdf_equal(&s, &sentinel);
	assert_int_equal(pcirst_sbdf_parse("0000:03:00.0", NULL), -EINVAL);
	assert_int_equal(pcirst_sbdf_parse(NULL, NULL), -EINVAL);
}

static void format_canonical(void **state)
{
	for (size_t i = 0; i < ELEMS(good); i++) {
		char buf[PCIRST_SBDF_STRLEN];
		struct pcirst_sbdf s;

		memset(buf, 'X', sizeof(buf));
		assert_int_equal(pcirst_sbdf_parse(good[i].text, &s), 0);
		assert_ptr_equal(pcirst_sbdf_format(&s, buf), buf);
		assert_string_equal(buf, good[i].canonical);
		assert_int_equal(strlen(buf), PCIRST_SBDF_STRLEN - 1);
	}
}

static void format_zero_padded(void **state)
{
	char buf[PCIRST_SBDF_STRLEN];

	assert_string_equal(pcirst_sbdf_format(&(struct pcirst_sbdf){0x1, 0x2, 0x3, 4}, buf),
			    "0001:02:03.4");
	assert_string_equal(pcirst_sbdf_format(&(struct pcirst_sbdf){0xa, 0xb, 0xc, 5}, buf),
			    "000a:0b:0c.5");
	assert_string_equal(pcirst_sbdf_format(&(struct pcirst_sbdf){0xff00, 0xf0, 0x1e, 7}, buf),
			    "ff00:f0:1e.7");
}

/* format -> parse gives back the same address, for every bus/device/function on a few domains. */
static void format_parse_round_trip(void **state)
{
	static const uint16_t domains[] = {0x0000, 0x0001, 0x00ff, 0x1000, 0xabcd, 0xffff};

	for (size_t d = 0; d < ELEMS(domains); d++) {
		for (unsigned bus = 0; bus < 256; bus++) {
			for (unsigned dev = 0; dev < 32; dev++) {
				for (unsigned fn = 0; fn < 8; fn++) {
					struct pcirst_sbdf in = {domains[d], (uint8_t)bus,
								 (uint8_t)dev, (uint8_t)fn};
					struct pcirst_sbdf out = sentinel;
					char buf[PCIRST_SBDF_STRLEN], want[32];

					snprintf(want, sizeof(want), "%04x:%02x:%02x.%x",
						 domains[d], bus, dev, fn);
					pcirst_sbdf_format(&in, buf);
					assert_string_equal(buf, want);
					assert_int_equal(pcirst_sbdf_parse(buf, &out), 0);
					assert_sbdf_equal(&out, &in);
					assert_int_equal(pcirst_sbdf_cmp(&in, &out), 0);
					if (domains[d] == 0) {
						/* The short form means the same address. */
						out = sentinel;
						assert_int_equal(pcirst_sbdf_parse(buf + 5, &out),
								 0);
						assert_sbdf_equal(&out, &in);
					}
				}
			}
		}
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Strictly increasing; each neighbour pair differs in a more significant field
 * while a less significant one goes the other way. */
static const struct pcirst_sbdf ordered[] = {
    {0x0000, 0x00, 0x00, 0}, {0x0000, 0x00, 0x00, 1}, {0x0000, 0x00, 0x00, 7},
    {0x0000, 0x00, 0x01, 0}, {0x0000, 0x00, 0x1f, 0}, {0x0000, 0x00, 0x1f, 7},
    {0x0000, 0x01, 0x00, 0}, {0x0000, 0x7f, 0x1f, 7}, {0x0000, 0x80, 0x00, 0},
    {0x0000, 0xff, 0x1f, 7}, {0x0001, 0x00, 0x00, 0}, {0x7fff, 0xff, 0x1f, 7},
    {0x8000, 0x00, 0x00, 0}, {0xffff, 0x00, 0x00, 0}, {0xffff, 0xff, 0x1f, 6},
    {0xffff, 0xff, 0x1f, 7},
};

static void cmp_orders_domain_bus_dev_fn(void **state)
{
	for (size_t i = 0; i < ELEMS(ordered); i++) {
		for (size_t j = 0; j < ELEMS(ordered); j++) {
			int want = (i > j) - (i < j);

			assert_int_equal(sign(pcirst_sbdf_cmp(&ordered[i], &ordered[j])), want);
		}
	}
}

static void cmp_field_precedence(void **state)
{
	/* A higher domain wins over everything below it, and so on down. */
	const struct pcirst_sbdf dom = {1, 0, 0, 0}, bus = {0, 0xff, 0x1f, 7};
	const struct pcirst_sbdf b1 = {0, 1, 0, 0}, b0 = {0, 0, 0x1f, 7};
	const struct pcirst_sbdf d1 = {0, 0, 1, 0}, d0 = {0, 0, 0, 7};
	const struct pcirst_sbdf f1 = {0, 0, 0, 1}, f0 = {0, 0, 0, 0};

	assert_true(pcirst_sbdf_cmp(&dom, &bus) > 0);
	assert_true(pcirst_sbdf_cmp(&bus, &dom) < 0);
	assert_true(pcirst_sbdf_cmp(&b1, &b0) > 0);
	assert_true(pcirst_sbdf_cmp(&b0, &b1) < 0);
	assert_true(pcirst_sbdf_cmp(&d1, &d0) > 0);
	assert_true(pcirst_sbdf_cmp(&d0, &d1) < 0);
	assert_true(pcirst_sbdf_cmp(&f1, &f0) > 0);
	assert_true(pcirst_sbdf_cmp(&f0, &f1) < 0);
	assert_int_equal(pcirst_sbdf_cmp(&f0, &f0), 0);
}

/* qsort with cmp puts parsed addresses in the documented order. */
static int qsort_cmp(const void *a, const void *b)
{
	return pcirst_sbdf_cmp(a, b);
}

static void cmp_sorts(void **state)
{
	static const char *const in[] = {"0001:00:00.0", "00:1f.7", "ffff:00:00.0", "0000:01:00.0",
					 "00:00.1",	 "00:01.0", "0000:00:00.0"};
	static const char *const want[] = {"0000:00:00.0", "0000:00:00.1", "0000:00:01.0",
					   "0000:00:1f.7", "0000:01:00.0", "0001:00:00.0",
					   "ffff:00:00.0"};
	struct pcirst_sbdf s[ELEMS(in)];

	for (size_t i = 0; i < ELEMS(in); i++)
		assert_int_equal(pcirst_sbdf_parse(in[i], &s[i]), 0);
	qsort(s, ELEMS(s), sizeof(s[0]), qsort_cmp);
	for (size_t i = 0; i < ELEMS(s); i++) {
		char buf[PCIRST_SBDF_STRLEN];

		assert_string_equal(pcirst_sbdf_format(&s[i], buf), want[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_good),
	    cmocka_unit_test(parse_bad_leaves_output_untouched),
	    cmocka_unit_test(parse_prefixes_rejected),
	    cmocka_unit_test(parse_stops_at_nul),
	    cmocka_unit_test(parse_null_arguments),
	    cmocka_unit_test(format_canonical),
	    cmocka_unit_test(format_zero_padded),
	    cmocka_unit_test(format_parse_round_trip),
	    cmocka_unit_test(cmp_orders_domain_bus_dev_fn),
	    cmocka_unit_test(cmp_field_precedence),
	    cmocka_unit_test(cmp_sorts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
