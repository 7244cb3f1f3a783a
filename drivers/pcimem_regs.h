/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcimem: the register maps of the devices it knows, all in BAR0, each
 * register's offset with its bits beneath it. 32-bit registers, little
 * endian.
 * Access modes: RO read only, RW read and write, WO write only, RC read to
 * clear (the read has a side effect: pcimem_variant.read_clears). The
 * driver touches only some of them; the rest are here so that the map
 * reads as the device's spec does. The DKMS install copies every header
 * of drivers/ (MODULE_FILES in the top Makefile).
 */
#ifndef PCIMEM_REGS_H
#define PCIMEM_REGS_H

#include <linux/bits.h>

/*
 * ivshmem (1af4:1110), QEMU's docs/specs/ivshmem-spec.rst. Interrupts
 * only with the doorbell (ivshmem-doorbell): INTx through IntrMask and
 * IntrStatus without MSI-X.
 */
#define IVSHMEM_INTR_MASK	0x00	/* RW: the pin is up while STATUS & MASK */
#define IVSHMEM_INTR_STATUS	0x04	/* RC: read clears it; write sets it */
#define IVSHMEM_IV_POSITION	0x08	/* RO: this peer's ID */
#define IVSHMEM_DOORBELL	0x0c	/* WO: ring a peer's vector */
#define  IVSHMEM_DOORBELL_PEER_SHIFT	16	/* bits 16-31: the peer ID */
#define  IVSHMEM_DOORBELL_VECTOR	GENMASK(15, 0)
#define IVSHMEM_REGS_SIZE	0x10	/* the registers we touch */

/* edu (1234:11e8), QEMU's docs/specs/edu.rst */
#define EDU_IDENT		0x00	/* RO: 0xRRrr00ed, major RR, minor rr */
#define  EDU_IDENT_MAGIC		0xed	/* the low byte */
#define  EDU_IDENT_MAGIC_MASK		GENMASK(7, 0)
#define EDU_LIVENESS		0x04	/* RW: reads back the inverse of the value */
#define EDU_FACTORIAL		0x08	/* RW: write N, read N! once computed */
#define EDU_STATUS		0x20	/* RW */
#define  EDU_STATUS_COMPUTING		BIT(0)	/* RO: factorial in progress */
#define  EDU_STATUS_IRQ			BIT(7)	/* interrupt when factorial is done */
#define EDU_IRQ_STATUS		0x24	/* RO: the raised values, ORed */
#define EDU_IRQ_RAISE		0x60	/* WO: raise these status bits */
#define EDU_IRQ_ACK		0x64	/* WO: acknowledge (clear) these bits */
#define EDU_DMA_SRC		0x80	/* RW, 64-bit: source bus address */
#define EDU_DMA_DST		0x88	/* RW, 64-bit: destination bus address */
#define EDU_DMA_COUNT		0x90	/* RW, 64-bit: bytes */
#define EDU_DMA_CMD		0x98	/* RW, 64-bit */
#define  EDU_DMA_CMD_START		BIT(0)
#define  EDU_DMA_CMD_FROM_EDU		BIT(1)	/* 0: RAM to edu, 1: edu to RAM */
#define  EDU_DMA_CMD_IRQ		BIT(2)	/* raise 0x100 when done */
#define EDU_REGS_SIZE		0xa0	/* up to the end of DMA_CMD */

/* pcimem-testdev (1234:11e9), qemu-device/testdev/pcimem-testdev.rst */
#define TESTDEV_IDENT		0x00	/* RO: 0x7e57MMmm, major MM, minor mm */
#define  TESTDEV_IDENT_MAGIC		0x7e57	/* the high half */
#define  TESTDEV_IDENT_MAGIC_SHIFT	16
#define  TESTDEV_IDENT_MAJOR_SHIFT	8
#define  TESTDEV_IDENT_MAJOR		1	/* the register map we know */
#define TESTDEV_SCRATCH		0x04	/* RW */
#define TESTDEV_CAPS		0x08	/* RO */
#define  TESTDEV_CAPS_INTX		BIT(0)
#define  TESTDEV_CAPS_MSI		BIT(1)
#define  TESTDEV_CAPS_MSIX		BIT(2)
#define  TESTDEV_CAPS_DMA		BIT(3)
#define  TESTDEV_CAPS_FLR		BIT(4)
#define  TESTDEV_CAPS_VECTORS		GENMASK(31, 16)	/* of the mode enabled */
#define TESTDEV_MODE		0x0c	/* RO: PCIMEM_IRQ_* the guest enabled */
#define TESTDEV_RAISE		0x10	/* WO: raise vector N (INTx: N = 0) */
#define TESTDEV_STATUS		0x14	/* RC: reading lowers INTx */
#define  TESTDEV_STATUS_INTX		BIT(0)	/* an INTx raise is pending */
#define TESTDEV_COUNT		0x18	/* RO: raises accepted since reset */
#define TESTDEV_LEVEL		0x1c	/* RW: 1 holds the INTx pin up */
#define TESTDEV_ERRORS		0x20	/* RO: requests dropped */
#define TESTDEV_DMA_OFF		0x30	/* RW: offset in the DMA BAR */
#define TESTDEV_DMA_LEN		0x34	/* RW: bytes, at most 1 MiB */
#define TESTDEV_DMA_LO		0x38	/* RW: bus address, bits 0-31 */
#define TESTDEV_DMA_HI		0x3c	/* RW: bus address, bits 32-63 */
#define TESTDEV_DMA_CMD		0x40	/* RW */
#define  TESTDEV_DMA_CMD_START		BIT(0)
#define  TESTDEV_DMA_CMD_TO_BAR		BIT(1)	/* 0: BAR to memory, 1: memory to BAR */
#define  TESTDEV_DMA_CMD_IRQ		BIT(2)	/* raise vector 0 when done */
#define TESTDEV_DMA_RES		0x44	/* RO: 0 none, 1 done, 2-4 refused (spec) */
#define TESTDEV_REGS_SIZE	0x48	/* IDENT up to DMA_RES */

#endif /* PCIMEM_REGS_H */
