/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device watch's socket filters (devwatch-filter.h). Classic BPF loads
 * words and half-words big-endian from the message (BPF_ABS), so four bytes
 * of text compare as the constant spelt by those bytes in order; jumps only
 * go forward, so every branch ends in one of the two returns at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "devwatch-filter.h"

/* Where a jump goes: the next instruction, or a label resolved at the end. */
enum target {
	NEXT,
	PASS,
	DROP,
	KERNEL,	   /* the check of a kernel-format message */
	VERSIONED, /* udev properties after UDEV_DATABASE_VERSION */
	_TARGET_MAX,
};

struct program {
	struct sock_filter *ins;
	unsigned n;
	unsigned at[_TARGET_MAX]; /* the index of each label */
	unsigned char jt[DEVWATCH_FILTER_MAX], jf[DEVWATCH_FILTER_MAX]; /* targets to resolve */
};

static void label(struct program *p, enum target t)
{
	p->at[t] = p->n;
}

static void load(struct program *p, uint16_t size, uint32_t offset)
{
	p->ins[p->n] = (struct sock_filter)BPF_STMT(BPF_LD | size | BPF_ABS, offset);
	p->jt[p->n] = p->jf[p->n] = NEXT;
	p->n++;
}

static void jump_eq(struct program *p, uint32_t k, enum target yes, enum target no)
{
	p->ins[p->n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0);
	p->jt[p->n] = yes;
	p->jf[p->n] = no;
	p->n++;
}

static void jump(struct program *p, enum target to)
{
	p->ins[p->n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
	p->jt[p->n] = to; /* resolved into k */
	p->jf[p->n] = NEXT;
	p->n++;
}

static void ret(struct program *p, uint32_t k)
{
	p->ins[p->n] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, k);
	p->jt[p->n] = p->jf[p->n] = NEXT;
	p->n++;
}

/* Four, two and one bytes of text as BPF_W, BPF_H and BPF_B load them. */
static uint32_t text4(const char *s)
{
	return (uint32_t)(unsigned char)s[0] << 24 | (uint32_t)(unsigned char)s[1] << 16 |
	       (uint32_t)(unsigned char)s[2] << 8 | (unsigned char)s[3];
}

static uint32_t text2(const char *s)
{
	return (uint32_t)(unsigned char)s[0] << 8 | (unsigned char)s[1];
}

/* Whether the len bytes at offset are text's: yes goes on, no to the target. */
static void expect(struct program *p, uint32_t offset, const char *text, size_t len, enum target no)
{
	for (size_t i = 0; i < len;) {
		if (len - i >= 4) {
			load(p, BPF_W, offset + (uint32_t)i);
			jump_eq(p, text4(text + i), NEXT, no);
			i += 4;
		} else if (len - i >= 2) {
			load(p, BPF_H, offset + (uint32_t)i);
			jump_eq(p, text2(text + i), NEXT, no);
			i += 2;
		} else {
			load(p, BPF_B, offset + (uint32_t)i);
			jump_eq(p, (unsigned char)text[i], NEXT, no);
			i++;
		}
	}
}

#define EXPECT(p, offset, literal, no) expect(p, offset, literal, sizeof(literal) - 1, no)

/*
 * The kernel's uevents start "ACTION@DEVPATH\0" (lib/kobject_uevent.c), the
 * properties follow. A message shorter than a load is dropped by the kernel
 * itself (the program returns 0), which is right: libudev refuses one
 * shorter than 32 bytes anyway.
 */
static void kernel_check(struct program *p)
{
	label(p, KERNEL);
	EXPECT(p, 0, "remove@", DROP);
	/* PASS follows. */
}

/* "ACTION=remove" and its NUL at offset: pass; another ACTION: drop. */
static void action_check(struct program *p, uint32_t offset)
{
	EXPECT(p, offset + 7, "remove\0", DROP);
	jump(p, PASS);
}

/*
 * udevd's messages: libudev's header (magic and the subsystem's hash in
 * network order, the offsets in host order), then the properties at the end
 * of its 40 bytes. udevd sends the properties of the kernel's event in the
 * kernel's order, ACTION first; systemd 253 and later put
 * "UDEV_DATABASE_VERSION=N" before them (sd-device's
 * device_update_properties_bufs()). A message laid out otherwise is passed,
 * for user space to judge.
 */
static void udev_check(struct program *p)
{
	const uint32_t props = DEVWATCH_UDEV_HEADER_SIZE;
	const uint32_t versioned = props + sizeof("UDEV_DATABASE_VERSION=0");

	load(p, BPF_W, 8);
	jump_eq(p, DEVWATCH_UDEV_MAGIC, NEXT, KERNEL);
	load(p, BPF_W, 24);
	jump_eq(p, DEVWATCH_UDEV_PCI_SUBSYSTEM_HASH, NEXT, DROP);
	load(p, BPF_W, 16);
	jump_eq(p, htonl(props), NEXT, PASS);
	EXPECT(p, props, "ACTION=", VERSIONED);
	action_check(p, props);

	label(p, VERSIONED);
	EXPECT(p, props, "UDEV_DATABASE_VERSION=", PASS);
	load(p, BPF_B, versioned - 1); /* the NUL after a one-digit version */
	jump_eq(p, 0, NEXT, PASS);
	EXPECT(p, versioned, "ACTION=", PASS);
	action_check(p, versioned);
}

static void resolve(struct program *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		if (BPF_CLASS(p->ins[i].code) != BPF_JMP)
			continue;
		if (BPF_OP(p->ins[i].code) == BPF_JA) {
			p->ins[i].k = p->at[p->jt[i]] - i - 1;
			continue;
		}
		p->ins[i].jt = p->jt[i] == NEXT ? 0 : (uint8_t)(p->at[p->jt[i]] - i - 1);
		p->ins[i].jf = p->jf[i] == NEXT ? 0 : (uint8_t)(p->at[p->jf[i]] - i - 1);
	}
}

int devwatch_filter_build(enum devwatch_source source, struct sock_filter *insns)
{
	struct program p = {.ins = insns};

	if (source == DEVWATCH_SOURCE_UDEV)
		udev_check(&p);
	else if (source != DEVWATCH_SOURCE_KERNEL)
		return -EINVAL;
	kernel_check(&p);
	label(&p, PASS);
	ret(&p, UINT32_MAX); /* the whole message */
	label(&p, DROP);
	ret(&p, 0);
	resolve(&p);
	return (int)p.n;
}
