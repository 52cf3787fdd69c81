# SPDX-License-Identifier: GPL-2.0
#
#   make                 build mmscope.ko against KDIR (default: running kernel)
#   make tools           build the mmscope CLI (STATIC=1 for a static binary)
#                        and its man pages (rst2man, from docs/man/*.rst)
#   make man             the man pages alone, into build/man
#   make selftests       build the selftests (STATIC=1 for static binaries)
#   make install         modules_install, plus the CLI, its completion and man pages
#   make deb             mmscope-dkms and mmscope .debs, into build/deb
#   make check           host checks, and the selftests in the VM matrix
#   make demo            boot a VM, show mmscope's view of a sample program
#   make shell KERNEL=6.1|6.12|6.1-rt|6.12-rt|debug   an interactive VM with mmscope loaded
#   make fuzz SECONDS=N [KERNEL=...] [SEED=S]   only fuzz_test, for N seconds
#   make bench [KERNEL=6.1|6.12]   mmscope against /proc, timed (docs/performance.md)
#   make docs [KERNEL=...]   the demo VM's pictures, regenerated into docs/
#
# check, demo and shell install what they need with apt (selftests/vm/deps.sh).

KDIR ?= /lib/modules/$(shell uname -r)/build
KERNEL ?= 6.12
VM := selftests/vm

all: module

module: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Without the running kernel's headers, Kbuild's own error names no package.
kdir:
	@test -d $(KDIR) || { \
		echo "mmscope: no kernel build tree at $(KDIR)" >&2; \
		echo "  install the headers: sudo apt install linux-headers-$$(uname -r)" >&2; \
		echo "  or build for another tree: make KDIR=/path/to/linux/build" >&2; \
		exit 1; }

tools: man
	$(MAKE) -C userspace-tools

# bpftool's way: one .rst per page, rendered by rst2man (python3-docutils).
RST2MAN ?= rst2man
MAN_RST := $(wildcard docs/man/*.rst)
MAN_PAGES := $(patsubst docs/man/%.rst,build/man/%,$(MAN_RST))
PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man

man: $(MAN_PAGES)

build/man/%: docs/man/%.rst
	@mkdir -p $(@D)
	@command -v $(RST2MAN) >/dev/null || { \
		echo "mmscope: $(RST2MAN) not found: sudo apt install python3-docutils" >&2; exit 1; }
	$(RST2MAN) --halt=warning $< $@

selftests:
	$(MAKE) -C selftests

# DESTDIR stages the install (the module goes to $(DESTDIR)/lib/modules).
install: module tools
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(MAKE) -C userspace-tools DESTDIR=$(DESTDIR) install
	$(MAKE) install-man

install-man: man
	install -d $(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(filter %.4,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man4/
	install -m 0644 $(filter %.8,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man8/

# The Debian packages, built with dpkg-buildpackage from a copy of the
# tree (it writes its output beside the source): mmscope-dkms_VERSION_all.deb
# and mmscope_VERSION_amd64.deb in build/deb.
DEB_DIR := build/deb
DEB_SRC := $(DEB_DIR)/src/mmscope-$(shell cat VERSION)

deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	cp -a Kbuild VERSION LICENSE Makefile dkms.conf module include docs debian \
		userspace-tools $(DEB_SRC)/
	cd $(DEB_SRC) && DEB_BUILD_OPTIONS=noautodbgsym dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -n 30 ../build.log >&2; echo "mmscope: dpkg-buildpackage failed (log: $(DEB_DIR)/src/build.log)" >&2; exit 1; }
	mv $(DEB_DIR)/src/*.deb $(DEB_DIR)/
	@ls $(DEB_DIR)/*.deb

deps:
	$(VM)/deps.sh

check: deps
	$(VM)/matrix.sh --host-checks

demo: deps
	$(VM)/run.sh $(KERNEL) demo

shell: deps
	$(VM)/run.sh $(KERNEL) shell

# The fuzzer alone, for SECONDS seconds, with no call limit; it prints the
# calls per second and the totals.
SECONDS ?= 60
SEED ?= 1
fuzz: deps
	MMSCOPE_FUZZ_SECONDS=$(SECONDS) MMSCOPE_FUZZ_CALLS=0 MMSCOPE_FUZZ_SEED=$(SEED) \
		MMSCOPE_TESTS=fuzz_test $(VM)/run.sh $(KERNEL) fuzz

# The benchmark: a table of medians and ratios to /proc, and its JSON in
# .cache/bench/KERNEL.json. Never fails on a number. BENCH_CASES=maps,pages
# (of maps, pages, smaps, impact) runs only those.
bench: deps
	MMSCOPE_BENCH_CASES=$(BENCH_CASES) $(VM)/run.sh $(KERNEL) bench

# The pictures of docs/pictures.md: the demo's map SVG and its DOT graphs rendered
# by dot -Tsvg on the host, copied from the demo VM's artifacts into docs/.
docs: deps
	$(VM)/docs.sh $(KERNEL)

# Not Kbuild's "make M=... clean": it deletes every *.o and *.ko under this
# tree, the kernels cached in .cache/ included.
clean:
	rm -f mmscope.ko mmscope.mod mmscope.mod.c mmscope.mod.o mmscope.o \
		Module.symvers modules.order .module-common.o .*.cmd \
		module/*.o module/.*.cmd
	$(MAKE) -C userspace-tools clean
	$(MAKE) -C selftests clean
	rm -rf build/man build/deb


.PHONY: all kdir module tools man install-man selftests install deb deps check demo shell fuzz bench docs clean
