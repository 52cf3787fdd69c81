# SPDX-License-Identifier: GPL-2.0
# The kernel's own mm selftests (tools/testing/selftests/mm of Debian's
# linux-source-6.12), built statically for the test VM, where
# selftests/vm/kernel-mm.sh runs each alone and then under mm_walkers.
# Nothing of the kernel is kept in this repo: the few directories needed are
# extracted from the tarball into .cache/kernel-mm/src, and the kernel's uapi
# headers are installed from them ("make headers") into .cache/kernel-mm/hdr,
# since Debian's libc headers are older than 6.12. Binaries: $(KMM)/bin.
#
#   make -f kernel-mm.mk [STATIC=1]
CC ?= gcc
CACHE ?= $(abspath ../.cache)
KMM := $(CACHE)/kernel-mm
KSRC_TARBALL ?= /usr/src/linux-source-6.12.tar.xz
SRC := $(KMM)/src
HDR := $(KMM)/hdr
BIN := $(KMM)/bin
MMDIR := $(SRC)/tools/testing/selftests/mm

# Every test the VM may run; kernel-mm.sh chooses the default set.
MM_TESTS := cow ksm_functional_tests madv_populate mremap_test mlock2-tests \
	    mrelease_test soft-dirty split_huge_page_test transhuge-stress \
	    uffd-unit-tests hugepage-mremap hugetlb-madvise khugepaged \
	    protection_keys_64

# As the kernel's mm/Makefile, minus liburing (cow then skips its io_uring
# cases); upstream's warnings are not ours (-w). khugepaged.c of 6.12 uses KSFT_SKIP without including
# kselftest.h: include it for it.
MM_CFLAGS := -w -O2 -D_GNU_SOURCE= -U_FORTIFY_SOURCE -I$(MMDIR) -isystem $(HDR)/usr/include
MM_LDLIBS := -lrt -lpthread -lm
ifeq ($(STATIC),1)
MM_LDFLAGS := -static
endif

all: $(addprefix $(BIN)/,$(MM_TESTS))

$(SRC)/.extracted: $(KSRC_TARBALL)
	@test -r $(KSRC_TARBALL) || { echo "$(KSRC_TARBALL) missing: run selftests/vm/deps.sh" >&2; exit 1; }
	rm -rf $(SRC) && mkdir -p $(SRC)
	tar -xJf $(KSRC_TARBALL) -C $(SRC) --strip-components=1 --wildcards \
		'linux-source-6.12/Makefile' 'linux-source-6.12/scripts/*' \
		'linux-source-6.12/include/uapi/*' 'linux-source-6.12/arch/x86/*' \
		'linux-source-6.12/tools/include/*' 'linux-source-6.12/mm/gup_test.h' \
		'linux-source-6.12/tools/testing/selftests/mm/*' \
		'linux-source-6.12/tools/testing/selftests/kselftest*' \
		'linux-source-6.12/tools/testing/selftests/lib.mk'
	echo '// No liburing support found' >$(MMDIR)/local_config.h
	touch $@

$(HDR)/.installed: $(SRC)/.extracted
	rm -rf $(HDR)
	$(MAKE) -s -C $(SRC) O=$(HDR) headers >/dev/null
	touch $@

$(KMM)/.build-mode: FORCE
	@mkdir -p $(KMM)
	@echo "$(STATIC)" | cmp -s - $@ || echo "$(STATIC)" > $@

MM_COMMON := $(MMDIR)/vm_util.c $(MMDIR)/thp_settings.c
$(BIN)/uffd-unit-tests: EXTRA := $(MMDIR)/uffd-common.c
$(BIN)/khugepaged: EXTRA := -include $(MMDIR)/../kselftest.h
$(BIN)/protection_keys_64: EXTRA := -m64 -mxsave -no-pie

$(BIN)/protection_keys_64: $(HDR)/.installed $(KMM)/.build-mode
	@mkdir -p $(BIN)
	$(CC) $(MM_CFLAGS) $(EXTRA) -o $@ $(MMDIR)/protection_keys.c $(MM_COMMON) $(MM_LDLIBS) $(MM_LDFLAGS)

$(BIN)/%: $(HDR)/.installed $(KMM)/.build-mode
	@mkdir -p $(BIN)
	$(CC) $(MM_CFLAGS) $(EXTRA) -o $@ $(MMDIR)/$*.c $(MM_COMMON) $(MM_LDLIBS) $(MM_LDFLAGS)

clean:
	rm -rf $(BIN) $(KMM)/.build-mode

.PHONY: all clean FORCE
