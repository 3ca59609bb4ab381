/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcipoke SBDF BAR OFFSET WIDTH [VALUE]
 *
 * The system test's window into a device's own registers: maps memory BAR
 * number BAR of SBDF through /sys/bus/pci/devices/SBDF/resourceBAR and reads
 * (prints 0x…) or writes a WIDTH-bit (8, 16, 32) register at OFFSET. A reset
 * that really happened clears device registers that config space does not
 * show and that pcirstd's restore does not put back, which is why the test
 * looks here. Runs inside the QEMU guest only, never on a real machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "pcipoke: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char path[256];
	unsigned long bar, off, width, value = 0;
	volatile uint8_t *map;
	struct stat st;
	int fd;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: pcipoke SBDF BAR OFFSET WIDTH [VALUE]\n");
		return 2;
	}
	bar = strtoul(argv[2], NULL, 0);
	off = strtoul(argv[3], NULL, 0);
	width = strtoul(argv[4], NULL, 0);
	if (argc == 6)
		value = strtoul(argv[5], NULL, 0);
	if (bar > 5 || (width != 8 && width != 16 && width != 32) || off % (width / 8)) {
		fprintf(stderr, "pcipoke: bad BAR, width or alignment\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%lu", argv[1], bar);
	fd = open(path, argc == 6 ? O_RDWR : O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		return fail("cannot open", path);
	if (off + width / 8 > (unsigned long)st.st_size) {
		fprintf(stderr, "pcipoke: offset 0x%lx beyond %s (%lld bytes)\n", off, path,
			(long long)st.st_size);
		return 2;
	}
	map = mmap(NULL, st.st_size, argc == 6 ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd,
		   0);
	if (map == MAP_FAILED)
		return fail("cannot map", path);
	if (argc == 6) {
		if (width == 8)
			*(volatile uint8_t *)(map + off) = value;
		else if (width == 16)
			*(volatile uint16_t *)(map + off) = value;
		else
			*(volatile uint32_t *)(map + off) = value;
		return 0;
	}
	if (width == 8)
		value = *(volatile uint8_t *)(map + off);
	else if (width == 16)
		value = *(volatile uint16_t *)(map + off);
	else
		value = *(volatile uint32_t *)(map + off);
	printf("0x%lx\n", value);
	return 0;
}
