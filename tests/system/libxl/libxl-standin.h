/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libxl's internals, as far as the reset code extracted from the patched
 * libxl_pci.c uses them: its types and macros, the gc, logging, the
 * xenstore helpers over libxenstore, libxl__ev_xswatch and libxl__ev_time
 * as small tables the harness's loop (run-reset.c) serves, and libxl's own
 * reset as a stub that counts calls and never touches a device.
 */
#ifndef PCIRST_LIBXL_STANDIN_H
#define PCIRST_LIBXL_STANDIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <xenstore.h>

#define ERROR_FAIL     (-3)
#define ERROR_TIMEDOUT (-9)
#define ERROR_ABORTED  (-31)
#define PCI_BDF	       "%04x:%02x:%02x.%01x"
#define PCI_BDF_XSPATH "%04x-%02x-%02x-%01x"
#define XBT_NULL       0
#define CONTAINER_OF(inner_ptr, outer, member_name) \
	((typeof(outer) *)((char *)(inner_ptr)-offsetof(typeof(outer), member_name)))
#define GCSPRINTF(fmt, ...) gc_sprintf((fmt), __VA_ARGS__)
#define LOGD(l, d, f, ...)  harness_log(#l, (d), (f), ##__VA_ARGS__)
#define STATE_AO_GC(op_ao)             \
	libxl__ao *const ao = (op_ao); \
	libxl__gc *const gc = &the_gc; \
	(void)ao;                      \
	(void)gc

typedef uint32_t libxl_domid;
typedef struct {
	int unused;
} libxl__gc;
typedef struct {
	int unused;
} libxl__egc;
typedef struct {
	int unused;
} libxl__ao;

typedef enum {
	LIBXL_PCI_RESET_POLICY_DEFAULT = 0,
	LIBXL_PCI_RESET_POLICY_STRICT = 1,
	LIBXL_PCI_RESET_POLICY_LENIENT = 2,
	LIBXL_PCI_RESET_POLICY_SKIP = 3,
} libxl_pci_reset_policy;

typedef struct {
	unsigned int domain, bus, dev, func;
	libxl_pci_reset_policy reset_policy;
} libxl_device_pci;

const char *libxl_pci_reset_policy_to_string(libxl_pci_reset_policy p);

typedef struct libxl__ev_xswatch libxl__ev_xswatch;
typedef void libxl__ev_xswatch_callback(libxl__egc *egc, libxl__ev_xswatch *,
					const char *watch_path, const char *event_path);
struct libxl__ev_xswatch {
	char *path;
	libxl__ev_xswatch_callback *callback;
	int slotnum;
};

typedef struct libxl__ev_time libxl__ev_time;
typedef void libxl__ev_time_callback(libxl__egc *egc, libxl__ev_time *ev,
				     const struct timeval *requested_abs, int rc);
struct libxl__ev_time {
	libxl__ev_time_callback *func;
	struct timeval abs;
};

extern libxl__gc the_gc;
extern libxl__egc the_egc;
extern libxl__ao the_ao;
extern struct xs_handle *xsh;

/* The last message libxl logged, and its level ("DEBUG", "ERROR", ...). */
extern char last_level[16], last_msg[512];
/* libxl's own reset: how often it ran, and what it returns. */
extern int direct_resets, direct_result;
/* xenstore messages sent, and transactions started (for one request). */
extern int store_calls, transactions;

char *gc_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void harness_log(const char *level, uint32_t domid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int pci_reset_sysfs(libxl__gc *gc, unsigned int domain, unsigned int bus, unsigned int dev,
		    unsigned int func);

char *libxl__xs_read(libxl__gc *gc, xs_transaction_t t, const char *path);
int libxl__xs_read_checked(libxl__gc *gc, xs_transaction_t t, const char *path,
			   const char **result_out);
int libxl__xs_write_checked(libxl__gc *gc, xs_transaction_t t, const char *path,
			    const char *string);
int libxl__xs_rm_checked(libxl__gc *gc, xs_transaction_t t, const char *path);
int libxl__xs_transaction_start(libxl__gc *gc, xs_transaction_t *t);
int libxl__xs_transaction_commit(libxl__gc *gc, xs_transaction_t *t);
void libxl__xs_transaction_abort(libxl__gc *gc, xs_transaction_t *t);
int libxl__gettimeofday(libxl__gc *gc, struct timeval *now_r);

/* The event sources registered: watches by token (the slot), timers. */
#define MAX_EV 8
extern libxl__ev_xswatch *watches[MAX_EV];
extern libxl__ev_time *timers[MAX_EV];

void libxl__ev_xswatch_init(libxl__ev_xswatch *w);
int libxl__ev_xswatch_register(libxl__gc *gc, libxl__ev_xswatch *w, libxl__ev_xswatch_callback *cb,
			       const char *path);
void libxl__ev_xswatch_deregister(libxl__gc *gc, libxl__ev_xswatch *w);
void libxl__ev_time_init(libxl__ev_time *ev);
int libxl__ev_time_register_rel(libxl__ao *ao, libxl__ev_time *ev, libxl__ev_time_callback *func,
				int ms);
void libxl__ev_time_deregister(libxl__gc *gc, libxl__ev_time *ev);

#endif
