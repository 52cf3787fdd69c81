// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope lab: every lab passes on this kernel, with nothing skipped, as
 * one JSON document of the documented shape; alone and while mm_walkers
 * walk the labs' processes; and its usage errors.
 *
 * The labs check themselves against the kernel's own interfaces (/proc);
 * this test checks that they ran, that every step checked something, and
 * that every check held.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

/*
 * Every lab, three times over (alone, beside four walkers, as text): on
 * the debug kernel (KASAN) under TCG that is minutes, not the harness's
 * 30 s. A test never fails for being slow.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600
#include "cli.h"
#include "json_reader.h"
#include "util.h"

static char out[8 << 20], err[8192];
/* The CPU the next CLI runs are bound to; -1: any. */
static int cli_cpu = -1;

/* Runs the CLI (on cli_cpu if set); its exit code, -1 on a signal. */
static int run_argv(const char *const argv[])
{
	struct cli_run r = { .out = out, .out_size = sizeof(out), .err = err,
			     .err_size = sizeof(err) };
	cpu_set_t one;

	if (cli_cpu >= 0) {
		CPU_ZERO(&one);
		CPU_SET(cli_cpu, &one);
		r.cpus = &one;
	}
	return cli_run(&r, argv);
}

#define run_cli(...) run_argv(CLI_ARGV(__VA_ARGS__))

static bool is_string(const struct json *j)
{
	return j && j->type == JSON_STRING;
}

/*
 * A step may be skipped in the VM only for what the kernel lacks (THP on
 * Debian's PREEMPT_RT kernels), or for what it chose at a moment the lab
 * cannot hold (a lazy CPU that left the mm before the TLB lab looked,
 * seen on the debug kernel). Anything else the VM is given.
 */
static bool skip_expected(const char *why)
{
	/* The kernel's own choice, at a moment the lab cannot hold. */
	if (strstr(why, "left this mm for the kernel's own tables"))
		return true;
	return access("/sys/kernel/mm/transparent_hugepage", F_OK) &&
	       strstr(why, "no transparent huge pages");
}

/*
 * Checks one lab of the document; returns the failures it logged. Every
 * step that ran has at least one expectation, with string want and seen.
 */
static int check_lab(struct __test_metadata *_metadata, const struct json *lab,
		     bool skips_allowed)
{
	const struct json *name = json_get(lab, "name"), *steps = json_get(lab, "steps");
	const struct json *step, *e;
	int bad = 0;

	if (!is_string(name) || !is_string(json_get(lab, "title")) ||
	    !json_get(lab, "concepts") || json_get(lab, "concepts")->type != JSON_ARRAY ||
	    !json_count(json_get(lab, "concepts")) || !steps || steps->type != JSON_ARRAY) {
		TH_LOG("a lab without name, title, concepts or steps");
		return 1;
	}
	if (!json_get(lab, "ok") || json_get(lab, "ok")->type != JSON_BOOL ||
	    !json_get(lab, "ok")->boolean) {
		TH_LOG("lab %s: ok is not true", name->string);
		bad++;
	}
	if (!json_get(lab, "skipped") || json_get(lab, "skipped")->type != JSON_NULL) {
		TH_LOG("lab %s skipped: %s", name->string,
		       is_string(json_get(lab, "skipped")) ? json_get(lab, "skipped")->string : "?");
		bad++;
	}
	if (json_count(steps) < 1) {
		TH_LOG("lab %s has %zu steps", name->string, json_count(steps));
		bad++;
	}
	for (step = steps->child; step; step = step->next) {
		const struct json *say = json_get(step, "say"), *exp = json_get(step, "expected");
		const struct json *changes = json_get(step, "changes");

		if (!is_string(say) || !exp || exp->type != JSON_ARRAY || !changes ||
		    changes->type != JSON_ARRAY) {
			TH_LOG("lab %s: a step without say, changes or expected", name->string);
			bad++;
			continue;
		}
		if (!json_get(step, "skipped") || json_get(step, "skipped")->type != JSON_NULL) {
			TH_LOG("lab %s: step '%s' skipped: %s", name->string, say->string,
			       is_string(json_get(step, "skipped")) ?
			       json_get(step, "skipped")->string : "?");
			if (!is_string(json_get(step, "skipped")) ||
			    !(skips_allowed || skip_expected(json_get(step, "skipped")->string)))
				bad++;
		} else if (!json_count(exp)) {
			TH_LOG("lab %s: step '%s' checks nothing", name->string, say->string);
			bad++;
		}
		for (e = exp->child; e; e = e->next) {
			const struct json *what = json_get(e, "what"), *ok = json_get(e, "ok");

			if (!is_string(what) || !is_string(json_get(e, "want")) ||
			    !is_string(json_get(e, "seen")) || !ok || ok->type != JSON_BOOL) {
				TH_LOG("lab %s: a malformed expectation", name->string);
				bad++;
			} else if (!ok->boolean) {
				TH_LOG("lab %s: step '%s': %s: expected %s, seen %s", name->string,
				       say->string, what->string, json_get(e, "want")->string,
				       json_get(e, "seen")->string);
				bad++;
			}
		}
		for (e = changes->child; e; e = e->next)
			if (!is_string(json_get(e, "what")) || !is_string(json_get(e, "before")) ||
			    !is_string(json_get(e, "after"))) {
				TH_LOG("lab %s: a malformed change", name->string);
				bad++;
			}
	}
	return bad;
}

/*
 * Runs every lab (-j lab all) and checks the document against lab list.
 * Alone, nothing may be skipped in the VM; beside the walkers a step may
 * be, with its reason (the TLB lab's lazy CPU, when every CPU runs a
 * walker), but every check that ran must hold.
 */
static void run_all_labs(struct __test_metadata *_metadata, bool skips_allowed)
{
	struct json *list, *doc;
	const struct json *l, *lab;
	int rc, bad = 0;

	ASSERT_EQ(0, run_cli("-j", "lab", "list"));
	list = json_parse(out);
	ASSERT_NE(NULL, list);
	ASSERT_EQ(JSON_ARRAY, list->type);
	ASSERT_LE(6, json_count(list));

	rc = run_cli("-j", "lab", "all");
	doc = json_parse(out);
	ASSERT_NE(NULL, doc) TH_LOG("not JSON: %.300s", out);
	ASSERT_EQ(JSON_ARRAY, doc->type);
	EXPECT_EQ(json_count(list), json_count(doc));
	for (lab = doc->child, l = list->child; lab; lab = lab->next, l = l ? l->next : NULL) {
		bad += check_lab(_metadata, lab, skips_allowed);
		if (l && is_string(json_get(lab, "name")))
			EXPECT_STREQ(json_get(l, "name")->string, json_get(lab, "name")->string);
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, rc) TH_LOG("exit %d; stderr: %s", rc, err);
	json_free(doc);
	json_free(list);
}

TEST(all_labs_pass)
{
	run_all_labs(_metadata, false);
}

/* The labs' checks hold while four walkers query every process of ours. */
TEST(all_labs_pass_while_walked)
{
	const char *walkers = access("/kmm/mm_walkers", X_OK) ? "./mm_walkers" : "/kmm/mm_walkers";
	char root[16];
	int status;
	pid_t pid;

	if (getenv("MMSCOPE_LIGHT"))
		SKIP(return, "a light run (mmscope.light=1): beside the walkers on the 6.12 entry only");
	if (access(walkers, X_OK))
		SKIP(return, "no mm_walkers here");
	snprintf(root, sizeof(root), "%d", getpid());
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl(walkers, "mm_walkers", "-n", "4", root, NULL);
		_exit(98);
	}
	usleep(200000);
	run_all_labs(_metadata, true);
	kill(pid, SIGTERM);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("mm_walkers reported a failure");
}

TEST(text_says_each_step_and_the_verdict)
{
	ASSERT_EQ(0, run_cli("lab", "fork", "vma-merge"));
	EXPECT_NE(NULL, strstr(out, "lab fork: ok ("));
	EXPECT_NE(NULL, strstr(out, "lab vma-merge: ok ("));
	EXPECT_NE(NULL, strstr(out, "  1. This process maps"));
	EXPECT_NE(NULL, strstr(out, "     ok      "));
	EXPECT_EQ(NULL, strstr(out, "FAILED"));
	/* --step reads Enter from stdin; at its end it runs on. */
	ASSERT_EQ(0, run_cli("lab", "--step", "find-vma"));
	EXPECT_NE(NULL, strstr(err, "[step 1: Enter goes on]"));
	EXPECT_NE(NULL, strstr(out, "lab find-vma: ok ("));
}

/* Every lab in text; kept as an artifact of the VM run (docs/lab.md quotes it). */
TEST(text_of_every_lab)
{
	const char *dir = getenv("MMSCOPE_ARTIFACTS");
	const char *line;
	char path[256];
	FILE *f;

	if (getenv("MMSCOPE_LIGHT"))
		SKIP(return, "a light run (mmscope.light=1): the text of every lab on the 6.12 entry only");
	EXPECT_EQ(0, run_cli("lab", "all")) TH_LOG("%s", err);
	EXPECT_EQ(NULL, strstr(out, "FAILED"));
	for (line = strstr(out, "SKIPPED: "); line; line = strstr(line + 1, "SKIPPED: "))
		EXPECT_TRUE(skip_expected(line)) TH_LOG("%.200s", line ? line : "");
	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/lab-all.txt", dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs(out, f);
	fclose(f);
}

/* Every step of @lab in the document was skipped, with a reason holding @why. */
static void expect_all_skipped(struct __test_metadata *_metadata, const struct json *doc,
			       const char *name, const char *why)
{
	const struct json *lab, *step, *skipped;
	int steps = 0;

	for (lab = doc->child; lab; lab = lab->next) {
		if (strcmp(json_get(lab, "name")->string, name))
			continue;
		EXPECT_TRUE(json_get(lab, "ok")->boolean);
		for (step = json_get(lab, "steps")->child; step; step = step->next) {
			skipped = json_get(step, "skipped");
			steps++;
			ASSERT_TRUE(is_string(skipped))
				TH_LOG("lab %s: step '%s' ran", name, json_get(step, "say")->string);
			EXPECT_NE(NULL, strstr(skipped->string, why))
				TH_LOG("lab %s: skipped because '%s'", name, skipped->string);
		}
	}
	EXPECT_LT(0, steps) TH_LOG("no steps of lab %s", name);
}

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

/* THP's mode when the test began, read before any test runs. */
static char thp_saved[32];

static void __attribute__((constructor)) save_thp_mode(void)
{
	char mode[128] = "", *b, *e;
	FILE *f = fopen(THP_ENABLED, "r");

	if (!f)
		return;
	if (fgets(mode, sizeof(mode), f)) {
		b = strchr(mode, '[');
		e = b ? strchr(b, ']') : NULL;
		if (e)
			snprintf(thp_saved, sizeof(thp_saved), "%.*s", (int)(e - b - 1), b + 1);
	}
	fclose(f);
}

static int write_thp_mode(const char *mode)
{
	FILE *f = fopen(THP_ENABLED, "w");

	if (!f)
		return -1;
	fputs(mode, f);
	return fclose(f);
}

/*
 * THP off for one test: the mode is restored by the parent, even when
 * the test is killed at its timeout.
 */
FIXTURE(thp_never) {};
FIXTURE_SETUP(thp_never)
{
	if (thp_saved[0])
		ASSERT_EQ(0, write_thp_mode("never"));
}
FIXTURE_TEARDOWN_PARENT(thp_never)
{
	if (thp_saved[0])
		EXPECT_EQ(0, write_thp_mode(thp_saved));
}

/* Holds every hugetlb page of the size of @dir that a mapping can take. */
static void hold_hugetlb(const char *dir, size_t size, int shift)
{
	char path[160], buf[32];
	long n[2];
	FILE *f;
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/%s", dir,
			 i ? "resv_hugepages" : "free_hugepages");
		n[i] = 0;
		f = fopen(path, "r");
		if (!f)
			return;
		if (fgets(buf, sizeof(buf), f))
			n[i] = strtol(buf, NULL, 10);
		fclose(f);
	}
	if (n[0] - n[1] > 0)
		mmap(NULL, (n[0] - n[1]) * size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE | (shift << 26), -1, 0);
}

/*
 * A lab is honest about the machine: with THP set to never and no free
 * hugetlb page, the huge-page labs pass with every step skipped, saying why.
 */
TEST_F(thp_never, no_thp_and_no_hugetlb_pages_skip_with_the_reason)
{
	struct json *doc;

	hold_hugetlb("hugepages-2048kB", 2UL << 20, 21);
	hold_hugetlb("hugepages-1048576kB", 1UL << 30, 30);
	EXPECT_EQ(0, run_cli("-j", "lab", "thp", "hugetlb")) TH_LOG("%s", err);
	doc = json_parse(out);
	ASSERT_NE(NULL, doc);
	expect_all_skipped(_metadata, doc, "thp",
			   thp_saved[0] ? "never" : "no transparent huge pages");
	expect_all_skipped(_metadata, doc, "hugetlb", "hugetlb page");
	json_free(doc);
}

/* On one CPU the TLB lab cannot show a shootdown: it says so, and passes. */
TEST(one_cpu_skips_the_shootdown_with_the_reason)
{
	struct json *doc;

	cli_cpu = 0;
	EXPECT_EQ(0, run_cli("-j", "lab", "tlb"));
	cli_cpu = -1;
	doc = json_parse(out);
	ASSERT_NE(NULL, doc);
	expect_all_skipped(_metadata, doc, "tlb", "one CPU");
	json_free(doc);
}

TEST(usage_errors)
{
	EXPECT_EQ(2, run_cli("lab"));
	EXPECT_NE(NULL, strstr(err, "mmscope: usage: mmscope lab"));
	EXPECT_EQ(2, run_cli("lab", "nosuchlab"));
	EXPECT_NE(NULL, strstr(err, "no lab 'nosuchlab'"));
	EXPECT_EQ(2, run_cli("lab", "fork", "--bogus"));
	EXPECT_NE(NULL, strstr(err, "invalid option '--bogus'"));
	EXPECT_EQ(2, run_cli("-j", "lab", "nosuchlab"));
	EXPECT_NE(NULL, json_parse(out)) TH_LOG("-j: not JSON: %s", out);
	EXPECT_EQ(1, run_cli("-d", "/nonexistent", "lab", "fork"));
	EXPECT_NE(NULL, strstr(err, "/nonexistent"));
	EXPECT_EQ(0, run_cli("help", "lab"));
	EXPECT_NE(NULL, strstr(out, "mmscope lab list"));

	/* A device that is not mmscope's: said once, not as every lab's failure. */
	EXPECT_EQ(1, run_cli("-d", "/dev/null", "lab", "fork", "walk"));
	EXPECT_STREQ("mmscope: /dev/null is not the mmscope device (give it with -d, or leave -d out for /dev/mmscope)\n",
		     err);
	/* More names than a run takes. */
	{
		const char *argv[70] = { "mmscope", "lab" };
		int i;

		for (i = 2; i < 67; i++)
			argv[i] = "walk";
		EXPECT_EQ(2, run_argv(argv));
		EXPECT_NE(NULL, strstr(err, "at most 64 labs at a time"));
	}
}

TEST_HARNESS_MAIN
