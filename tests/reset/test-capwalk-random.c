/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The capability walker on random images: it always terminates, finds what
 * the list holds, and fails find and list the same way.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "capimg.h"

static unsigned rnd(unsigned *seed, unsigned n)
{
	return (unsigned)rand_r(seed) % n;
}

/* A standard pointer: mostly a valid-looking slot, sometimes end/header/misaligned/anything. */
static uint8_t std_ptr(unsigned *seed)
{
	unsigned p = rnd(seed, 100);

	if (p < 60)
		return (uint8_t)(0x40 + 4 * rnd(seed, 48));
	if (p < 75)
		return 0;
	if (p < 83)
		return (uint8_t)rnd(seed, 0x40);
	if (p < 91)
		return (uint8_t)(0x40 + 4 * rnd(seed, 48) + 1 + rnd(seed, 3));
	return (uint8_t)rnd(seed, 256);
}

static unsigned ext_ptr(unsigned *seed)
{
	unsigned p = rnd(seed, 100);

	if (p < 60)
		return 0x100 + 4 * rnd(seed, 960);
	if (p < 72)
		return 0;
	if (p < 80)
		return rnd(seed, 0x100);
	if (p < 88)
		return 0x100 + 4 * rnd(seed, 960) + 1 + rnd(seed, 3);
	return rnd(seed, 0x1000);
}

static uint16_t ext_id(unsigned *seed)
{
	static const uint16_t ids[] = {EXT_CAP_ID_AER, EXT_CAP_ID_ACS, PCI_EXT_CAP_ID_SRIOV,
				       0x0b,	       0x0e,	       0xffff};

	return rnd(seed, 4) ? ids[rnd(seed, ELEMENTSOF(ids))] : (uint16_t)rnd(seed, 0x10000);
}

static uint8_t std_id(unsigned *seed)
{
	static const uint8_t ids[] = {PCI_CAP_ID_PM, CAP_ID_MSI, PCI_CAP_ID_EXP, 0x11, 0x09, 0xff};

	return rnd(seed, 4) ? ids[rnd(seed, ELEMENTSOF(ids))] : (uint8_t)rnd(seed, 256);
}

static void shuffle(unsigned *seed, unsigned *v, unsigned n)
{
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = rnd(seed, i + 1), t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

static unsigned random_size(unsigned *seed)
{
	unsigned p = rnd(seed, 100);

	if (p < 70)
		return IMG_SIZE;
	if (p < 80)
		return 0x100;
	if (p < 90)
		return 0x40 + 4 * rnd(seed, (IMG_SIZE - 0x40) / 4 + 1);
	return rnd(seed, IMG_SIZE + 1);
}

static void random_image(unsigned *seed, uint8_t *img)
{
	unsigned slots[960];

	if (rnd(seed, 2))
		for (unsigned i = 0; i < IMG_SIZE; i++)
			img[i] = (uint8_t)rand_r(seed);
	else
		memset(img, 0, IMG_SIZE);
	if (rnd(seed, 50) == 0) {
		memset(img, 0xff, IMG_SIZE);
		if (rnd(seed, 2))
			return;
	}
	if (rnd(seed, 20))
		img_put16(img, PCI_VENDOR_ID, (uint16_t)(1 + rnd(seed, 0xfffe)));
	if (rnd(seed, 10))
		img[PCI_STATUS] |= PCI_STATUS_CAP_LIST;

	if (rnd(seed, 4) == 0) {
		/* A well-formed standard chain through random slots. */
		unsigned len = rnd(seed, 49), prev = PCI_CAPABILITY_LIST;

		for (unsigned i = 0; i < 48; i++)
			slots[i] = 0x40 + 4 * i;
		shuffle(seed, slots, 48);
		for (unsigned i = 0; i < len; i++) {
			img[prev == PCI_CAPABILITY_LIST ? prev : prev + 1] = (uint8_t)slots[i];
			img[slots[i]] = std_id(seed);
			prev = slots[i];
		}
		img[prev == PCI_CAPABILITY_LIST ? prev : prev + 1] = 0;
		if (rnd(seed, 4) == 0) /* spoil one pointer */
			img[rnd(seed, 2) ? PCI_CAPABILITY_LIST : slots[rnd(seed, 48)] + 1] =
			    std_ptr(seed);
	} else {
		img[PCI_CAPABILITY_LIST] = std_ptr(seed);
		for (unsigned p = 0x40; p < 0x100; p += 4)
			set_cap(img, p, std_id(seed), std_ptr(seed));
		if (rnd(seed, 10) == 0)
			set_cap(img, 0x40 + 4 * rnd(seed, 48), 0xff, 0xff);
	}

	if (rnd(seed, 4) == 0) {
		/* A well-formed extended chain from 0x100. */
		unsigned len = 1 + rnd(seed, 960), prev = 0x100;

		for (unsigned i = 0; i < 959; i++)
			slots[i] = 0x104 + 4 * i;
		shuffle(seed, slots, 959);
		for (unsigned i = 0; i + 1 < len; i++) {
			set_ecap(img, prev, ext_id(seed), (uint8_t)rnd(seed, 16), slots[i]);
			prev = slots[i];
		}
		set_ecap(img, prev, ext_id(seed), (uint8_t)rnd(seed, 16), 0);
		if (rnd(seed, 4) == 0) /* spoil one pointer */
			set_ecap(img, rnd(seed, 2) ? 0x100 : slots[rnd(seed, 959)], ext_id(seed), 1,
				 ext_ptr(seed));
	} else {
		for (unsigned p = 0x100; p < IMG_SIZE; p += 4)
			set_ecap(img, p, ext_id(seed), (uint8_t)rnd(seed, 16), ext_ptr(seed));
		if (rnd(seed, 10) == 0)
			img_put32(img, 0x100 + 4 * rnd(seed, 960), rnd(seed, 2) ? 0 : 0xffffffff);
	}
}

static bool allowed(int r)
{
	return r == 0 || r == -ENOENT || r == -EBADMSG || r == -ENODEV || r == -ERANGE;
}

/* Checks a list against the image: real entries, standard first, no offset twice. */
static void check_list(const uint8_t *img, unsigned size, const struct pci_cap *caps, unsigned n,
		       unsigned *n_std)
{
	uint8_t seen[IMG_SIZE / 4] = {0};
	bool ext = false;

	*n_std = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct pci_cap *c = &caps[i];

		assert_int_equal(c->off % 4, 0);
		assert_int_equal(seen[c->off / 4], 0);
		seen[c->off / 4] = 1;
		if (!c->extended) {
			assert_false(ext);
			assert_in_range(c->off, 0x40, 0xfc);
			assert_true(c->off + 2u <= size);
			assert_int_equal(c->id, img[c->off]);
			(*n_std)++;
		} else {
			uint32_t hdr;

			ext = true;
			assert_in_range(c->off, 0x100, 0xffc);
			assert_true(c->off + 4u <= size);
			hdr = img_get32(img, c->off);
			assert_int_equal(c->id, hdr & 0xffff);
			assert_int_equal(c->version, (hdr >> 16) & 0xf);
			assert_true(hdr != 0 && hdr != 0xffffffff);
		}
	}
}

static void alarm_handler(int sig)
{
	static const char msg[] = "capability walk did not terminate\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

static void random_images(void **state)
{
	static uint8_t img[IMG_SIZE];
	static struct pci_cap caps[48 + 960 + 8];
	unsigned seed = 20240611;
	unsigned counts[6] = {0}; /* 0, ENOENT, EBADMSG, ENODEV, ERANGE, found */

	signal(SIGALRM, alarm_handler);
	alarm(30);
	for (unsigned iter = 0; iter < 3000; iter++) {
		unsigned size = random_size(&seed), n, n_std;
		_cleanup_(pci_cfg_freep) struct pci_cfg *cfg = NULL;
		struct why why, lwhy;
		uint16_t off;
		int lr, r;

		random_image(&seed, img);
		cfg = mem_cfg(img, size);

		lwhy.msg[0] = '\0';
		lr = pci_cap_list(cfg, caps, ELEMENTSOF(caps), &n, &lwhy);
		if (!allowed(lr) || lr == -ENOENT)
			fail_msg("image %u: pci_cap_list returned %d", iter, lr);
		if (lr < 0)
			assert_true(lwhy.msg[0] != '\0');
		assert_true(n <= 48 + 960);
		check_list(img, size, caps, n, &n_std);
		counts[lr == 0 ? 0 : lr == -EBADMSG ? 2 : lr == -ENODEV ? 3 : 4]++;

		/* Standard: an id on the list, and a random one. */
		for (unsigned k = 0; k < 2; k++) {
			uint8_t id =
			    k == 0 && n_std ? (uint8_t)caps[rnd(&seed, n_std)].id : std_id(&seed);
			int first = -1;

			for (unsigned i = 0; i < n_std && first < 0; i++)
				if (caps[i].id == id)
					first = (int)caps[i].off;
			why.msg[0] = '\0';
			off = 0xbeef;
			r = pci_cap_find(cfg, id, &off, &why);
			if (!allowed(r))
				fail_msg("image %u: pci_cap_find(0x%02x) returned %d", iter, id, r);
			if (first >= 0) {
				/* On the list: found there, whatever follows. */
				assert_int_equal(r, 0);
				assert_int_equal(off, first);
				counts[5]++;
			} else if (r == 0) {
				fail_msg("image %u: found 0x%02x at 0x%x, not listed", iter, id,
					 off);
			} else if (r != -ENOENT) {
				/* The standard walk failed: so did the list, the same way. */
				assert_int_equal(r, lr);
				assert_string_equal(why.msg, lwhy.msg);
				assert_int_equal(off, 0xbeef);
			} else {
				assert_int_equal(off, 0xbeef);
			}
		}

		/* Extended: the same, when the list got that far. */
		for (unsigned k = 0; k < 2; k++) {
			uint16_t id = k == 0 && n > n_std ? caps[n_std + rnd(&seed, n - n_std)].id
							  : ext_id(&seed);
			int first = -1;

			for (unsigned i = n_std; i < n && first < 0; i++)
				if (caps[i].id == id)
					first = (int)caps[i].off;
			why.msg[0] = '\0';
			off = 0xbeef;
			r = pci_ecap_find(cfg, id, &off, &why);
			if (!allowed(r))
				fail_msg("image %u: pci_ecap_find(0x%04x) returned %d", iter, id,
					 r);
			if (r < 0 && r != -ENOENT)
				assert_true(why.msg[0] != '\0');
			if (first >= 0) {
				assert_int_equal(r, 0);
				assert_int_equal(off, first);
				counts[5]++;
			} else if (lr == 0) {
				/* The whole list is known: absent means -ENOENT. */
				assert_int_equal(r, -ENOENT);
				assert_int_equal(off, 0xbeef);
			} else if (n > n_std) {
				/* The list reached the extended walk and failed there, as find
				 * does on the same path. */
				assert_int_equal(r, lr);
				assert_string_equal(why.msg, lwhy.msg);
			} else if (r == 0) {
				/* Found where the list never got: it stopped before the
				 * extended walk, so it must have failed. */
				assert_int_not_equal(lr, 0);
			}
		}
	}
	alarm(0);
	print_message("lists: %u ok, %u bad, %u gone, %u truncated; %u finds\n", counts[0],
		      counts[2], counts[3], counts[4], counts[5]);
	/* The generator reaches every outcome. */
	assert_true(counts[0] > 100);
	assert_true(counts[2] > 100);
	assert_true(counts[3] > 10);
	assert_true(counts[4] > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(random_images),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
