/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Directories and reload: the drop-in override (a file in a later directory
 * replaces the one of the same name, /dev/null masks it), lexical order,
 * and the transactional reload that keeps the running policy when any file
 * is broken, while a reset that started earlier keeps the policy it had.
 */
#include <pthread.h>
#include <sys/stat.h>

#include "policy-test.h"

struct tree {
	char base[64], vendor[96], admin[96];
};

static void tree_make(struct tree *t)
{
	snprintf(t->base, sizeof(t->base), "/tmp/pcirst-policy-XXXXXX");
	assert_non_null(mkdtemp(t->base));
	snprintf(t->vendor, sizeof(t->vendor), "%s/usr", t->base);
	snprintf(t->admin, sizeof(t->admin), "%s/etc", t->base);
	assert_int_equal(mkdir(t->vendor, 0755), 0);
	assert_int_equal(mkdir(t->admin, 0755), 0);
}

static void tree_put(const char *dir, const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	spew(path, text);
}

static void tree_free(struct tree *t)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->base);
	assert_int_equal(system(cmd), 0);
}

#define RULE(match, mode, reason)                                        \
	"{ \"rules\": [ { \"match\": { " match " }, \"policy\": \"" mode \
	"\", \"reason\": \"" reason "\" } ] }\n"

static const char *reason_for(struct policy *p, const struct pci_dev_info *info)
{
	struct policy_decision d;

	policy_decide(p, info, &d);
	return d.rule ? d.rule->reason : "default";
}

static void test_dropin_override(void **state)
{
	struct pci_dev_info gpu = dev_info("03:00.0", 0x1002, 0x73ff, 0, 0, 0x030000);
	struct pci_dev_info nic = dev_info("05:00.0", 0x8086, 0x10d3, 0, 0, 0x020000);
	struct pci_dev_info wifi = dev_info("06:00.0", 0x14c3, 0x0616, 0, 0, 0x028000);
	struct policy_diags diags = {0};
	struct policy *p = NULL;
	struct tree t;
	char link[256];

	tree_make(&t);
	tree_put(t.vendor, "10-amd.json", RULE("\"vendor\": \"0x1002\"", "lenient", "vendor-amd"));
	tree_put(t.vendor, "20-gpu.json", RULE("\"sbdf\": \"03:00.0\"", "skip", "vendor-gpu"));
	tree_put(t.vendor, "30-wifi.json", RULE("\"vendor\": \"0x14c3\"", "skip", "vendor-wifi"));
	tree_put(t.vendor, "README", "not a policy");
	tree_put(t.vendor, ".hidden.json", "not a policy either");
	tree_put(t.admin, "20-gpu.json", RULE("\"sbdf\": \"03:00.0\"", "strict", "admin-gpu"));
	tree_put(t.admin, "05-nic.json", RULE("\"vendor\": \"0x8086\"", "lenient", "admin-nic"));
	/* The admin masks the vendor's wifi file. */
	snprintf(link, sizeof(link), "%s/30-wifi.json", t.admin);
	assert_int_equal(symlink("/dev/null", link), 0);

	assert_int_equal(
	    policy_load((const char *const[]){t.vendor, t.admin}, 2, NULL, 0, &diags, &p), 0);
	assert_int_equal(diags.n, 0);
	/* Lexical order by name, whichever directory each comes from. */
	assert_int_equal(p->n_files, 3);
	assert_non_null(strstr(p->files[0], "/etc/05-nic.json"));
	assert_non_null(strstr(p->files[1], "/usr/10-amd.json"));
	assert_non_null(strstr(p->files[2], "/etc/20-gpu.json"));
	assert_string_equal(reason_for(p, &gpu), "admin-gpu");
	assert_string_equal(reason_for(p, &nic), "admin-nic");
	assert_string_equal(reason_for(p, &wifi), "default");
	policy_unref(p);

	/* Missing directories are fine: the built-in default. */
	p = NULL;
	assert_int_equal(policy_load((const char *const[]){"/nonexistent/a", "/nonexistent/b"}, 2,
				     NULL, 0, &diags, &p),
			 0);
	assert_int_equal(p->n_rules, 0);
	policy_unref(p);
	policy_diags_clear(&diags);
	tree_free(&t);
}

/*
 * Files and directories an admin (or a broken package) can leave: a policy
 * directory that is a file, a directory named like a policy file, an empty
 * file, a file of exactly the size limit and one byte over it. Each is an
 * error naming the path (the load fails, the running policy stays), and
 * every file is still read, so one run reports every problem.
 */
static void test_unreadable_entries(void **state)
{
	struct policy_diags diags = {0};
	struct policy *p = NULL;
	char path[256], line[512];
	struct tree t;
	FILE *f;

	(void)state;
	tree_make(&t);
	/* A file where a directory should be. */
	tree_put(t.base, "notadir", "x");
	snprintf(path, sizeof(path), "%s/notadir", t.base);
	assert_int_equal(policy_load((const char *const[]){t.vendor, path}, 2, NULL, 0, &diags, &p),
			 -ENOTDIR);
	assert_null(p);
	assert_int_equal(diags.n_errors, 1);
	policy_diag_format(&diags.v[0], line, sizeof(line));
	assert_non_null(strstr(line, "notadir"));
	assert_non_null(strstr(line, "cannot read directory: Not a directory"));
	policy_diags_clear(&diags);

	/* A directory named like a policy file, an empty file, the size limit and one over. */
	snprintf(path, sizeof(path), "%s/10-dir.json", t.admin);
	assert_int_equal(mkdir(path, 0755), 0);
	tree_put(t.admin, "20-empty.json", "");
	snprintf(path, sizeof(path), "%s/30-limit.json", t.admin);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(RULE("\"sbdf\": \"03:00.0\"", "skip", "at the limit"), f);
	for (long n = ftell(f); n < POLICY_FILE_MAX; n++)
		fputc(' ', f);
	assert_int_equal(ftell(f), POLICY_FILE_MAX);
	fclose(f);
	snprintf(line, sizeof(line), "cp %s %s/40-over.json && echo >>%s/40-over.json", path,
		 t.admin, t.admin);
	assert_int_equal(system(line), 0);
	tree_put(t.admin, "50-good.json", RULE("\"sbdf\": \"04:00.0\"", "skip", "good"));
	assert_int_equal(policy_load((const char *const[]){t.admin}, 1, NULL, 0, &diags, &p),
			 -EINVAL);
	assert_null(p);
	policy_diags_print(&diags, stderr);
	/* The directory, the empty file and the one over the limit; not the one at it. */
	assert_int_equal(diags.n_errors, 3);
	policy_diag_format(&diags.v[0], line, sizeof(line));
	assert_non_null(strstr(line, "10-dir.json"));
	assert_non_null(strstr(line, "cannot read: Is a directory"));
	policy_diag_format(&diags.v[1], line, sizeof(line));
	assert_non_null(strstr(line, "20-empty.json"));
	policy_diag_format(&diags.v[2], line, sizeof(line));
	assert_non_null(strstr(line, "40-over.json"));
	assert_non_null(strstr(line, "file is too large (more than 1048576 bytes)"));
	policy_diags_clear(&diags);
	tree_free(&t);
}

static void test_reload_keeps_old_policy(void **state)
{
	struct pci_dev_info gpu = dev_info("03:00.0", 0x1002, 0x73ff, 0, 0, 0x030000);
	_cleanup_(policy_handle_freep) struct policy_handle *h = NULL;
	const char *const *dirs;
	struct policy_diags diags = {0};
	struct policy *first = NULL, *running, *now;
	uint64_t gen;
	struct tree t;
	char *text;

	tree_make(&t);
	dirs = (const char *const[]){t.vendor, t.admin};
	tree_put(t.admin, "50-gpu.json", RULE("\"sbdf\": \"03:00.0\"", "skip", "first"));
	assert_int_equal(policy_load(dirs, 2, NULL, 0, NULL, &first), 0);
	assert_int_equal(policy_handle_new(first, &h), 0);
	policy_unref(first);

	/* A reset starts and keeps its policy. */
	running = policy_handle_get(h);
	gen = running->generation;
	assert_string_equal(reason_for(running, &gpu), "first");

	/* A broken file: the reload fails, says where, and the policy stays. */
	tree_put(t.admin, "60-broken.json",
		 "{ \"rules\": [\n  { \"match\": { \"sbdf\": \"03:00.0\" }, \"policy\": \"skipp\" "
		 "}\n] }\n");
	tree_put(t.admin, "50-gpu.json", RULE("\"sbdf\": \"03:00.0\"", "strict", "second"));
	assert_int_equal(policy_handle_reload(h, dirs, 2, &diags), -EINVAL);
	text = diags_text(&diags);
	assert_non_null(strstr(text, "/etc/60-broken.json:2:47: error: unknown policy 'skipp'; "
				     "did you mean 'skip'?"));
	free(text);
	policy_diags_clear(&diags);
	now = policy_handle_get(h);
	assert_ptr_equal(now, running);
	assert_string_equal(reason_for(now, &gpu), "first");
	policy_unref(now);

	/* Fixed: the reload swaps in the whole new policy. */
	tree_put(t.admin, "60-broken.json", "{ \"rules\": [] }\n");
	assert_int_equal(policy_handle_reload(h, dirs, 2, &diags), 0);
	now = policy_handle_get(h);
	assert_ptr_not_equal(now, running);
	assert_true(now->generation > gen);
	assert_string_equal(reason_for(now, &gpu), "second");
	policy_unref(now);

	/* The running reset still sees the policy it started with (ASan checks it is alive). */
	assert_string_equal(reason_for(running, &gpu), "first");
	policy_unref(running);
	policy_diags_clear(&diags);
	tree_free(&t);
}

struct race {
	struct policy_handle *h;
	struct policy *a, *b;
	volatile bool stop;
};

static void *reader(void *arg)
{
	struct race *r = arg;
	struct pci_dev_info gpu = dev_info("03:00.0", 0x1002, 0x73ff, 0, 0, 0x030000);

	while (!r->stop) {
		struct policy *p = policy_handle_get(r->h);
		struct policy_decision d;

		policy_decide(p, &gpu, &d);
		assert_true(d.mode == POLICY_SKIP || d.mode == POLICY_LENIENT);
		policy_unref(p);
	}
	return NULL;
}

static void test_swap_under_readers(void **state)
{
	static const char a[] = RULE("\"sbdf\": \"03:00.0\"", "skip", "a");
	static const char b[] = RULE("\"sbdf\": \"03:00.0\"", "lenient", "b");
	struct race r = {0};
	pthread_t th[3];

	assert_int_equal(policy_load_string("a.json", a, strlen(a), NULL, &r.a), 0);
	assert_int_equal(policy_load_string("b.json", b, strlen(b), NULL, &r.b), 0);
	assert_int_equal(policy_handle_new(r.a, &r.h), 0);
	for (unsigned i = 0; i < ELEMENTSOF(th); i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &r), 0);
	for (unsigned i = 0; i < 20000; i++)
		policy_handle_swap(r.h, i % 2 ? r.a : r.b);
	r.stop = true;
	for (unsigned i = 0; i < ELEMENTSOF(th); i++)
		pthread_join(th[i], NULL);
	policy_handle_free(r.h);
	/* Only our own references are left. */
	assert_int_equal(r.a->refcount, 1);
	assert_int_equal(r.b->refcount, 1);
	policy_unref(r.a);
	policy_unref(r.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dropin_override),
	    cmocka_unit_test(test_unreadable_entries),
	    cmocka_unit_test(test_reload_keeps_old_policy),
	    cmocka_unit_test(test_swap_under_readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
