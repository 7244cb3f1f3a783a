# SPDX-License-Identifier: GPL-2.0
#
# pcimem: the two commands are `make run` (boot a guest, bind, map,
# cross-check, show it) and `make test` (the whole suite). Both install
# what they need first. Everything built lands in build/.

BUILD := $(CURDIR)/build
export BUILD

.PHONY: all setup build run test bench lint install-udev clean distclean

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

# Latency, rings per second, memory-type throughput, fill time: never in make test.
bench: build
	@ci/bench.sh

# checkpatch --strict, sparse and W=1 against every guest kernel.
lint: build
	@ci/lint.sh

# Opens /dev/pcimemN to group pcimem (see drivers/99-pcimem.rules).
install-udev:
	install -m 0644 drivers/99-pcimem.rules /etc/udev/rules.d/99-pcimem.rules
	udevadm control --reload-rules && udevadm trigger --subsystem-match=pcimem

clean:
	rm -rf $(BUILD)/bin $(BUILD)/obj $(BUILD)/drivers $(BUILD)/guest $(BUILD)/logs

distclean:
	rm -rf $(BUILD)
