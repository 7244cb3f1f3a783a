# SPDX-License-Identifier: GPL-2.0
#
# Builds pcimem.ko for every guest kernel, the host and guest tools, and a
# guest initramfs per kernel. Run from the top Makefile after setup.

include $(BUILD)/kernels.mk

RELEASES := $(KERNEL_6_1) $(KERNEL_6_12)
BIN := $(BUILD)/bin
GUEST_TESTS := $(addprefix $(BIN)/pcimem-,contract bar-test unplug-test badinput-test \
	fuzz writers-test bench fault-test suid-write testdev-test stream-data)
GUEST_TOOLS := $(BIN)/pcimem $(GUEST_TESTS)
MODULE_SRC := $(wildcard drivers/*.c drivers/*.h drivers/uapi/*.h) drivers/Kbuild
GUEST_SRC := $(wildcard ci/guest/*.sh) ci/make-initramfs.sh

CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2

.PHONY: all tools
# The modules are intermediate files of the pattern rules; keep them.
.SECONDARY:
all: tools $(foreach r,$(RELEASES),$(BUILD)/guest/$(r)/initramfs.cpio.gz)

tools:
	@$(MAKE) --no-print-directory -C userspace BUILD=$(BUILD)
	@$(MAKE) --no-print-directory -C qemu-device BUILD=$(BUILD)

$(BIN)/pcimem: tools

# The set-user-ID helper of the confused-deputy check needs nothing else.
$(BIN)/pcimem-suid-write: ci/tests/pcimem-suid-write.c
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $<

# The channel lab's 1 GiB streams, made and checked in the guests and on
# the host (the same program): nothing else either.
$(BIN)/pcimem-stream-data: ci/tests/pcimem-stream-data.c
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $<

# The guest's test programs, each with the shared check and host-line code.
$(BIN)/pcimem-%: ci/tests/pcimem-%.c ci/tests/check.c ci/tests/check.h drivers/uapi/pcimem.h
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -Idrivers/uapi -o $@ $< ci/tests/check.c -lpci

# The sanitizer kernels (ci/debug-kernel.sh BUILD [6.1|6.12]), once built,
# are two more targets: debug (6.1) and debug-6.12.
DEBUG_KERNEL := $(BUILD)/debug-kernel/current
DEBUG_RELEASE := $(shell cat $(DEBUG_KERNEL)/release 2>/dev/null)
DEBUG_KERNEL_6_12 := $(BUILD)/debug-kernel/current-6.12
DEBUG_RELEASE_6_12 := $(shell cat $(DEBUG_KERNEL_6_12)/release 2>/dev/null)
# debug_tree RELEASE: the sanitizer tree of that release, or nothing.
debug_tree = $(if $(filter $(DEBUG_RELEASE),$(1)),$(DEBUG_KERNEL),$(if \
	$(filter $(DEBUG_RELEASE_6_12),$(1)),$(DEBUG_KERNEL_6_12)))
kdir = $(if $(call debug_tree,$(1)),$(call debug_tree,$(1))/obj,/usr/src/linux-headers-$(1))
builtin = $(if $(call debug_tree,$(1)),$(call debug_tree,$(1))/obj,$(BUILD)/kernels/$(1))/modules.builtin

.PHONY: debug debug-6.12
debug: tools $(if $(DEBUG_RELEASE),$(BUILD)/guest/$(DEBUG_RELEASE)/initramfs.cpio.gz)
debug-6.12: tools $(if $(DEBUG_RELEASE_6_12),$(BUILD)/guest/$(DEBUG_RELEASE_6_12)/initramfs.cpio.gz)

$(BUILD)/drivers/%/pcimem.ko: $(MODULE_SRC)
	@$(MAKE) --no-print-directory -C drivers KDIR=$(call kdir,$*) \
		O_DIR=$(BUILD)/drivers/$*

$(BUILD)/guest/%/initramfs.cpio.gz: $(BUILD)/drivers/%/pcimem.ko $(GUEST_TOOLS) $(GUEST_SRC)
	@mkdir -p $(dir $@)
	MODULES_BUILTIN=$(call builtin,$*) ci/make-initramfs.sh $* $< $@ $(GUEST_TOOLS)
