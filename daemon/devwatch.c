/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device watch's pure part: choosing a source, interpreting uevents and
 * routing them to the manager. The netlink socket is devwatch-udev.c's.
 */
#include <limits.h>
#include <stdio.h>

#include "devwatch-udev.h"
#include "devwatch.h"
#include "log.h"
#include "manager.h"

struct devwatch {
	struct devwatch_udev *monitor; /* NULL with DEVWATCH_SOURCE_NONE */
	enum devwatch_source source;
	devwatch_cb cb;
	void *userdata;
	unsigned long events, removals;
};

const char *devwatch_source_name(enum devwatch_source s)
{
	switch (s) {
	case DEVWATCH_SOURCE_NONE:
		return "none";
	case DEVWATCH_SOURCE_UDEV:
		return "udev";
	case DEVWATCH_SOURCE_KERNEL:
		return "kernel";
	case DEVWATCH_SOURCE_AUTO:
		return "auto";
	}
	return "invalid";
}

int devwatch_source_from_name(const char *name, enum devwatch_source *out)
{
	for (int s = DEVWATCH_SOURCE_NONE; s <= DEVWATCH_SOURCE_AUTO; s++)
		if (streq(name, devwatch_source_name(s))) {
			*out = s;
			return 0;
		}
	return -EINVAL;
}

/*
 * udevd creates its control socket when it starts and removes it when it
 * stops; libudev and udevadm decide "is udevd running" the same way. Without
 * udevd nobody re-broadcasts on the udev group, so listening there would hear
 * nothing.
 */
enum devwatch_source devwatch_pick_source(const char *root)
{
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/run/udev/control", root ? root : "");
	if (n < 0 || (size_t)n >= sizeof(path))
		return DEVWATCH_SOURCE_KERNEL;
	return access(path, F_OK) == 0 ? DEVWATCH_SOURCE_UDEV : DEVWATCH_SOURCE_KERNEL;
}

static const char *last_component(const char *path)
{
	const char *slash;

	if (!path)
		return NULL;
	slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int devwatch_interpret(const char *action, const char *subsystem, const char *sysname,
		       const char *devpath, struct pcirst_sbdf *out_sbdf)
{
	const char *name = sysname && sysname[0] ? sysname : last_component(devpath);
	struct pcirst_sbdf s;

	if (!action || !subsystem || !name || !name[0]) {
		log_debug("device watch: ignoring an incomplete uevent (action %s, subsystem %s, "
			  "name %s)",
			  action ? action : "-", subsystem ? subsystem : "-", name ? name : "-");
		return 0;
	}
	/* "pci" devices are functions; buses ("pci_bus") and slots are other subsystems. */
	if (!streq(subsystem, "pci")) {
		log_debug("device watch: ignoring %s of %s in subsystem %s", action, name,
			  subsystem);
		return 0;
	}
	/*
	 * add, bind/unbind (driver changes), change, move, online/offline: the
	 * function is there, nothing a reset needs to hear of.
	 */
	if (!streq(action, "remove")) {
		log_debug("device watch: ignoring %s of %s", action, name);
		return 0;
	}
	/*
	 * The strict parser: a name that is not exactly a function's address is
	 * not one we could have been asked to reset (e.g. domains past 16 bits,
	 * which Intel VMD creates, cannot be requested either).
	 */
	if (pcirst_sbdf_parse(name, &s) < 0) {
		log_debug("device watch: ignoring %s of '%s': not a PCI address", action, name);
		return 0;
	}
	*out_sbdf = s;
	return 1;
}

int devwatch_dispatch(struct devwatch *w, const char *action, const char *subsystem,
		      const char *sysname, const char *devpath)
{
	struct pcirst_sbdf s;
	int r;

	w->events++;
	r = devwatch_interpret(action, subsystem, sysname, devpath, &s);
	if (r <= 0)
		return r;
	w->removals++;
	if (w->cb)
		w->cb(w->userdata, &s);
	return r;
}

static int open_source(struct devwatch *w, sd_event *event, enum devwatch_source source)
{
	int r = 0;

	if (source != DEVWATCH_SOURCE_NONE)
		r = devwatch_udev_open(event, source, w, &w->monitor);
	if (r >= 0)
		w->source = source;
	return r;
}

/* udev, else kernel, else none: the watch only speeds up what failing config reads also show. */
static int open_auto(struct devwatch *w, sd_event *event, const char *root)
{
	int r;

	if (devwatch_pick_source(root) == DEVWATCH_SOURCE_UDEV) {
		r = open_source(w, event, DEVWATCH_SOURCE_UDEV);
		if (r >= 0 || r == -ENOMEM)
			return r;
		log_notice("device watch: cannot listen to udevd (%s); using the kernel's uevents",
			   strerror(-r));
	}
	r = open_source(w, event, DEVWATCH_SOURCE_KERNEL);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		log_warning("device watch: cannot listen to uevents (%s); a device removed during "
			    "its reset is noticed only when its config space stops answering",
			    strerror(-r));
		w->source = DEVWATCH_SOURCE_NONE;
	}
	return 0;
}

int devwatch_new(sd_event *event, const char *root, enum devwatch_source source, devwatch_cb cb,
		 void *userdata, struct devwatch **out)
{
	_cleanup_(devwatch_freep) struct devwatch *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->cb = cb;
	w->userdata = userdata;
	if (source == DEVWATCH_SOURCE_AUTO)
		r = open_auto(w, event, root);
	else if (source >= DEVWATCH_SOURCE_NONE && source < DEVWATCH_SOURCE_AUTO)
		r = open_source(w, event, source);
	else
		r = -EINVAL;
	if (r < 0)
		return r;
	if (w->source != DEVWATCH_SOURCE_NONE)
		log_debug("device watch: listening to %s uevents for PCI removals",
			  devwatch_source_name(w->source));
	*out = w;
	w = NULL;
	return 0;
}

void devwatch_free(struct devwatch *w)
{
	struct devwatch_stats st;

	if (!w)
		return;
	devwatch_get_stats(w, &st);
	if (w->monitor)
		log_debug("device watch: %lu wake-ups, %lu uevents, %lu removals (socket filter: "
			  "%s)",
			  st.wakeups, st.events, st.removals, st.filtered ? "yes" : "no");
	devwatch_udev_free(w->monitor);
	free(w);
}

enum devwatch_source devwatch_get_source(const struct devwatch *w)
{
	return w->source;
}

void devwatch_get_stats(const struct devwatch *w, struct devwatch_stats *out)
{
	*out = (struct devwatch_stats){.events = w->events, .removals = w->removals};
	if (w->monitor) {
		out->filtered = devwatch_udev_filtered(w->monitor);
		out->wakeups = devwatch_udev_wakeups(w->monitor);
	}
}

int devwatch_get_fd(const struct devwatch *w)
{
	return w->monitor ? devwatch_udev_get_fd(w->monitor) : -EBADF;
}

void devwatch_to_manager(void *userdata, const struct pcirst_sbdf *sbdf)
{
	struct manager *m = userdata;
	char s[PCIRST_SBDF_STRLEN];

	pcirst_sbdf_format(sbdf, s);
	/*
	 * Rare on a dom0 and worth correlating with a failed reset, hence info.
	 * The reset engine may have noticed first (its config reads fail once
	 * sysfs is gone); the manager handles both orders.
	 */
	log_info("device watch: %s was removed", s);
	manager_device_removed(m, sbdf);
}
