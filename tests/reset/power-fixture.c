/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime PM fixture (power-fixture.h). */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>

#include "offload.h"
#include "power-fixture.h"

/* The kernel's side of runtime PM, shared with the worker threads. */
static struct {
	pthread_mutex_t lock;
	char control[8];
	bool awake;
	char landed[8][8]; /* power/control writes that returned 0, in order */
	unsigned n_landed;
	char fail_value[8]; /* a write of this value fails with -fail_errno */
	int fail_errno;
	const struct pci_host_ops *real;
	void *real_ud;
} K = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int k_attr_read(void *ud, const struct pcirst_sbdf *sbdf, const char *name, char *buf,
		       unsigned size)
{
	pthread_mutex_lock(&K.lock);
	if (streq(name, "power/control"))
		snprintf(buf, size, "%s", K.control);
	else if (streq(name, "power_state"))
		snprintf(buf, size, "%s", K.awake ? "D0" : "D3cold");
	else if (streq(name, "power/runtime_status"))
		snprintf(buf, size, "%s", K.awake ? "active" : "suspended");
	pthread_mutex_unlock(&K.lock);
	if (streq(name, "power/control") || streq(name, "power_state") ||
	    streq(name, "power/runtime_status"))
		return 0;
	return K.real->attr_read(K.real_ud, sbdf, name, buf, size);
}

static int k_attr_write(void *ud, const struct pcirst_sbdf *sbdf, const char *name,
			const char *value)
{
	int fail = 0;
	int r;

	if (!streq(name, "power/control"))
		return K.real->attr_write(K.real_ud, sbdf, name, value);
	pthread_mutex_lock(&K.lock);
	if (streq(K.fail_value, value))
		fail = K.fail_errno;
	/* Linux's pm_runtime_forbid()/_allow() set what power/control shows before they resume. */
	if (!fail)
		snprintf(K.control, sizeof(K.control), "%s", value);
	pthread_mutex_unlock(&K.lock);
	if (fail)
		return -fail;
	r = K.real->attr_write(K.real_ud, sbdf, name, value); /* blocks on a FIFO */
	if (r < 0)
		return r;
	pthread_mutex_lock(&K.lock);
	K.awake = K.awake || streq(value, "on");
	if (K.n_landed < ELEMENTSOF(K.landed))
		snprintf(K.landed[K.n_landed++], sizeof(K.landed[0]), "%s", value);
	pthread_mutex_unlock(&K.lock);
	return 0;
}

unsigned pfx_landed(char *out, size_t size)
{
	unsigned n;

	pthread_mutex_lock(&K.lock);
	n = K.n_landed;
	out[0] = '\0';
	for (unsigned i = 0; i < n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "," : "", K.landed[i]);
	pthread_mutex_unlock(&K.lock);
	return n;
}

static void *watchdog(void *p)
{
	struct pfx *f = p;
	char buf[64];
	int fd;

	for (usec_t until = now_usec() + 5 * USEC_PER_SEC; now_usec() < until;) {
		if (atomic_load(&f->stop))
			return NULL;
		usleep(10000);
	}
	fd = open(f->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	for (int i = 0; fd >= 0 && i < 100 && !atomic_load(&f->stop); i++) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		usleep(10000);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void on_report(void *userdata, const struct power_late_report *r)
{
	struct pfx *f = userdata;

	assert_true(f->n_reports < ELEMENTSOF(f->reports));
	f->reports[f->n_reports++] = *r;
}

/* fifo: "power/control" or "reset" becomes a FIFO nobody reads (NULL: none). */
void pfx_setup(struct pfx *f, const char *fifo, bool with_late)
{
	struct simdev_spec s = nvme_spec(PFX_EP, "pciback");
	char *path;

	*f = (struct pfx){.model = devmodel_new()};
	pthread_mutex_lock(&K.lock);
	snprintf(K.control, sizeof(K.control), "auto");
	K.awake = false;
	K.n_landed = 0;
	K.fail_value[0] = '\0';
	pthread_mutex_unlock(&K.lock);
	add_root_port(f->model, "0000:00:01.0", 1, 2);
	s.parent = "0000:00:01.0";
	s.kernel_reset = true;
	devmodel_add(f->model, &s);
	snprintf(f->root, sizeof(f->root), "/tmp/pcirst-power-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(devmodel_export(f->model, f->root), 0);
	snprintf(f->control, sizeof(f->control), "%s/sys/bus/pci/devices/%s/power/control", f->root,
		 PFX_EP);
	snprintf(f->reset, sizeof(f->reset), "%s/sys/bus/pci/devices/%s/reset", f->root, PFX_EP);
	path = fifo && streq(fifo, "reset") ? f->reset : fifo ? f->control : NULL;
	if (path) {
		assert_int_equal(unlink(path), 0);
		assert_int_equal(mkfifo(path, 0600), 0);
		f->fifo = path;
		assert_int_equal(pthread_create(&f->watchdog, NULL, watchdog, f), 0);
	}
	assert_int_equal(sysfs_host_new(f->root, &f->real), 0);
	K.real = f->real->ops;
	K.real_ud = f->real->ud;
	f->ops = *f->real->ops;
	f->ops.attr_read = k_attr_read;
	f->ops.attr_write = k_attr_write;
	f->ops.free = NULL;
	assert_int_equal(pci_host_new(&f->ops, f->real->ud, &f->host), 0);
	assert_int_equal(sd_event_new(&f->event), 0);
	if (with_late)
		assert_int_equal(power_late_new(f->event, on_report, f, &f->pl), 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* A reader for the FIFO: the writes blocked on it return, and later ones do not block. */
int pfx_release(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* Waits for every abandoned thread to return, then takes what was written to the FIFO. */
void pfx_drain(struct pfx *f, int fd, char *got, size_t size)
{
	size_t len = 0;
	ssize_t n;

	for (usec_t until = now_usec() + 2 * USEC_PER_SEC; offload_abandoned_running() > 0;) {
		assert_true(now_usec() < until);
		assert_true(sd_event_run(f->event, 5 * USEC_PER_MSEC) >= 0);
	}
	while (len + 1 < size && (n = read(fd, got + len, size - 1 - len)) > 0)
		len += (size_t)n;
	got[len] = '\0';
	close(fd);
}

void pfx_teardown(struct pfx *f)
{
	if (f->fifo) {
		atomic_store(&f->stop, true);
		pthread_join(f->watchdog, NULL);
	}
	reset_job_free(f->job);
	power_late_free(f->pl);
	devmodel_free(f->model);
	sd_event_unref(f->event);
	pci_host_free(f->host);
	pci_host_free(f->real);
	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void pfx_run_for(struct pfx *f, usec_t usec)
{
	for (usec_t until = now_usec() + usec; now_usec() < until;)
		assert_true(sd_event_run(f->event, 5 * USEC_PER_MSEC) >= 0);
}

void pfx_run_until_reports(struct pfx *f, unsigned n)
{
	for (usec_t until = now_usec() + 2 * USEC_PER_SEC; f->n_reports < n;) {
		assert_true(now_usec() < until);
		assert_true(sd_event_run(f->event, 5 * USEC_PER_MSEC) >= 0);
	}
}

void pfx_fail_writes_of(const char *value, int err)
{
	pthread_mutex_lock(&K.lock);
	snprintf(K.fail_value, sizeof(K.fail_value), "%s", value);
	K.fail_errno = err;
	pthread_mutex_unlock(&K.lock);
}
