# SPDX-License-Identifier: GPL-2.0
#
# pcimem: the two commands are `make run` (boot a guest, bind, map,
# cross-check, show it) and `make test` (the whole suite). Both install
# what they need first. Everything built lands in build/.

BUILD := $(CURDIR)/build
export BUILD

.PHONY: all setup build run test bench lint install-udev clean distclean
.PHONY: deb install uninstall tools-built

all: build

setup:
	@ci/setup.sh $(BUILD)

# kernels.mk, written by setup, names the guest kernel releases.
build: setup
	@$(MAKE) --no-print-directory -f ci/build.mk

run: build
	@ci/run-demo.sh

test: build
	@ci/run-tests.sh

# Mapping, bandwidth, doorbells, probe fill and the host tools, every path
# beside RAM and resource2 (plots: gnuplot-nox, installed by ci/bench.sh
# itself); build/bench/. Never in make test.
bench: build
	@ci/bench.sh

# checkpatch --strict, sparse and W=1 against every guest kernel.
lint: build
	@ci/lint.sh

# Opens /dev/pcimemN to group pcimem (see drivers/70-pcimem.rules).
install-udev:
	install -m 0644 drivers/70-pcimem.rules /etc/udev/rules.d/70-pcimem.rules
	udevadm control --reload-rules && udevadm trigger --subsystem-match=pcimem

# Debian packages (pcimem-dkms, pcimem-tools, ivshmem-server) with
# Debian's tools, from a copy of this tree: build/deb/*.deb, then lintian.
deb: setup
	@ci/build-deb.sh $(BUILD)/deb

# make install / uninstall, for those who do not use the packages.
# DESTDIR stages, PREFIX (default /usr/local) places the programs, manual
# pages and the library (LIBDIR: libpcimem-channel.a and .so, and
# pkgconfig/pcimem-channel.pc; INCLUDEDIR: its headers in pcimem/); udev,
# systemd and DKMS only read their own folders, so those default to
# /etc/... and /usr/src whatever PREFIX is. TOOLS_BIN names a folder of
# programs already built (debian/rules passes one), the library beside
# it in TOOLS_BIN/../lib.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
COMPLETIONSDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR ?= $(PREFIX)/share/doc/pcimem
SYSCONFDIR ?= /etc
UDEVDIR ?= $(SYSCONFDIR)/udev/rules.d
SYSTEMDDIR ?= $(SYSCONFDIR)/systemd/system
DKMSSRCDIR ?= /usr/src
VERSION := $(shell sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' userspace/Makefile)
TOOLS_BIN ?= $(BUILD)/bin
# userspace/Makefile's install-lib and uninstall-lib, on TOOLS_BIN's build.
LIB_MAKE = $(MAKE) --no-print-directory -C userspace BUILD=$(abspath $(TOOLS_BIN)/..) \
	DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR)
MODULE_FILES := Kbuild $(notdir $(wildcard drivers/*.h drivers/*.c)) uapi/pcimem.h
INSTALLED := $(BINDIR)/pcimem $(BINDIR)/ivshmem-host $(SBINDIR)/ivshmem-server \
	$(MANDIR)/man1/pcimem.1 $(MANDIR)/man1/ivshmem-host.1 \
	$(MANDIR)/man8/ivshmem-server.8 $(MANDIR)/man4/pcimem.4 \
	$(COMPLETIONSDIR)/pcimem $(COMPLETIONSDIR)/ivshmem-host \
	$(UDEVDIR)/70-pcimem.rules $(DOCDIR)/examples/pcimem-modprobe.conf \
	$(SYSTEMDDIR)/ivshmem-server.service $(SYSTEMDDIR)/ivshmem-server.socket \
	$(SYSCONFDIR)/default/ivshmem-server \
	$(addprefix $(DKMSSRCDIR)/pcimem-$(VERSION)/,$(MODULE_FILES) dkms.conf)

tools-built:
ifeq ($(origin TOOLS_BIN),file)
	@$(MAKE) --no-print-directory -C userspace BUILD=$(BUILD) $(BUILD)/bin/pcimem
	@$(MAKE) --no-print-directory -C qemu-device BUILD=$(BUILD) $(BUILD)/bin/ivshmem-host
	@$(MAKE) --no-print-directory -C qemu-device/ivshmem-server BUILD=$(BUILD) $(BUILD)/bin/ivshmem-server
endif

install: tools-built
	install -D -m 0755 $(TOOLS_BIN)/pcimem $(DESTDIR)$(BINDIR)/pcimem
	install -D -m 0755 $(TOOLS_BIN)/ivshmem-host $(DESTDIR)$(BINDIR)/ivshmem-host
	install -D -m 0755 $(TOOLS_BIN)/ivshmem-server $(DESTDIR)$(SBINDIR)/ivshmem-server
	install -D -m 0644 userspace/pcimem.1 $(DESTDIR)$(MANDIR)/man1/pcimem.1
	install -D -m 0644 qemu-device/ivshmem-host.1 $(DESTDIR)$(MANDIR)/man1/ivshmem-host.1
	install -D -m 0644 qemu-device/ivshmem-server/ivshmem-server.8 $(DESTDIR)$(MANDIR)/man8/ivshmem-server.8
	install -D -m 0644 drivers/pcimem.4 $(DESTDIR)$(MANDIR)/man4/pcimem.4
	install -D -m 0644 userspace/pcimem.bash-completion $(DESTDIR)$(COMPLETIONSDIR)/pcimem
	install -D -m 0644 userspace/pcimem.bash-completion $(DESTDIR)$(COMPLETIONSDIR)/ivshmem-host
	install -D -m 0644 drivers/70-pcimem.rules $(DESTDIR)$(UDEVDIR)/70-pcimem.rules
	install -D -m 0644 drivers/pcimem-modprobe.conf $(DESTDIR)$(DOCDIR)/examples/pcimem-modprobe.conf
	sed 's|@SBINDIR@|$(SBINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' qemu-device/ivshmem-server/ivshmem-server.service \
		| install -D -m 0644 /dev/stdin $(DESTDIR)$(SYSTEMDDIR)/ivshmem-server.service
	install -D -m 0644 qemu-device/ivshmem-server/ivshmem-server.socket $(DESTDIR)$(SYSTEMDDIR)/ivshmem-server.socket
	install -D -m 0644 qemu-device/ivshmem-server/ivshmem-server.default $(DESTDIR)$(SYSCONFDIR)/default/ivshmem-server
	for f in $(MODULE_FILES); do \
		install -D -m 0644 drivers/$$f $(DESTDIR)$(DKMSSRCDIR)/pcimem-$(VERSION)/$$f || exit 1; done
	sed 's/#MODULE_VERSION#/$(VERSION)/' drivers/dkms.conf \
		| install -D -m 0644 /dev/stdin $(DESTDIR)$(DKMSSRCDIR)/pcimem-$(VERSION)/dkms.conf
	@$(LIB_MAKE) install-lib

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@$(LIB_MAKE) uninstall-lib
	-rmdir $(DESTDIR)$(DKMSSRCDIR)/pcimem-$(VERSION)/uapi $(DESTDIR)$(DKMSSRCDIR)/pcimem-$(VERSION) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf $(BUILD)/bin $(BUILD)/obj $(BUILD)/drivers $(BUILD)/guest $(BUILD)/logs

distclean:
	rm -rf $(BUILD)
