/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcimem-testdev: a PCI device model for testing the pcimem driver.
 *
 * Every BAR's size and kind is a property, a memory BAR may be backed by a
 * host memory backend, the interrupt capabilities (INTx, MSI, MSI-X with
 * its table anywhere) are properties, a register BAR raises interrupts and
 * runs a DMA engine, a PCIe function-level reset is offered on a PCIe bus,
 * and failures (a device that fell off the bus, slow reads, an interrupt
 * storm) are switched on at run time with QMP qom-set.
 *
 * The contract is qemu-device/testdev/pcimem-testdev.rst in the pcimem
 * tree; this file is built into QEMU 7.2 by pcimem's ci/qemu-build.sh.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qemu/cutils.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/hostmem.h"
#include "qom/object.h"

#define TYPE_PCIMEM_TESTDEV "pcimem-testdev"
OBJECT_DECLARE_TYPE(TestdevState, TestdevClass, PCIMEM_TESTDEV)

#define TD_BARS         PCI_ROM_SLOT    /* BAR0-5 */

/* The registers (pcimem-testdev.rst), each register's bits beneath it. */
#define REG_IDENT       0x00    /* RO */
#define  IDENT_VALUE    0x7e570100
#define REG_SCRATCH     0x04    /* RW */
#define REG_CAPS        0x08    /* RO */
#define  CAPS_INTX      BIT(0)
#define  CAPS_MSI       BIT(1)
#define  CAPS_MSIX      BIT(2)
#define  CAPS_DMA       BIT(3)
#define  CAPS_FLR       BIT(4)
#define  CAPS_VECTORS_SHIFT 16
#define REG_MODE        0x0c    /* RO */
enum { MODE_NONE, MODE_INTX, MODE_MSI, MODE_MSIX };
#define REG_RAISE       0x10    /* WO */
#define REG_STATUS      0x14    /* read to clear */
#define  STATUS_INTX    BIT(0)
#define REG_COUNT       0x18    /* RO */
#define REG_LEVEL       0x1c    /* RW */
#define REG_ERRORS      0x20    /* RO */
#define REG_DMA_OFF     0x30    /* RW */
#define REG_DMA_LEN     0x34    /* RW */
#define  DMA_MAX_LEN    (1 * MiB)
#define REG_DMA_LO      0x38    /* RW */
#define REG_DMA_HI      0x3c    /* RW */
#define REG_DMA_CMD     0x40    /* RW */
#define  DMA_CMD_START  BIT(0)
#define  DMA_CMD_TO_BAR BIT(1)
#define  DMA_CMD_IRQ    BIT(2)
#define REG_DMA_RES     0x44    /* RO */
enum { DMA_RES_NONE, DMA_RES_DONE, DMA_RES_NO_MASTER, DMA_RES_RANGE,
       DMA_RES_BUS };
#define REGS_MIN_SIZE   0x80    /* the smallest register BAR */

/*
 * regs=ivshmem: the register BAR is ivshmem's instead (as QEMU's
 * ivshmem-doorbell has it, with the INTx semantics of its spec).
 */
#define IV_INTR_MASK    0x00    /* RW: the pin is IntrStatus & IntrMask */
#define IV_INTR_STATUS  0x04    /* RW, read to clear */
#define IV_POSITION     0x08    /* RO: the ivposition property */
#define IV_DOORBELL     0x0c    /* WO: peer << 16 | vector (low byte) */
#define IV_REGS_MIN_SIZE 0x10
enum { REGS_TESTDEV, REGS_IVSHMEM };

/* What a BAR holds. */
enum { BAR_ABSENT, BAR_REGS, BAR_RAM, BAR_PORTS, BAR_MSIX };

/*
 * barN-size left unset: the memdev's size, else 4 KiB for BAR0, 1 MiB for
 * BAR2, absent for the others.
 */
#define SIZE_DEFAULT    UINT64_MAX

#define STORM_MIN_US    10
#define DELAY_MAX_US    1000000

struct TestdevBar {
    uint64_t size;
    char *kind;
    HostMemoryBackend *memdev;

    int content;
    uint8_t type;               /* PCI_BASE_ADDRESS_* bits */
    MemoryRegion container;     /* what pci_register_bar() sees */
    MemoryRegion ram;           /* BAR_RAM without a memdev */
    MemoryRegion io;            /* BAR_REGS, BAR_PORTS */
    MemoryRegion fault;         /* over it all while fail or read-delay-us */
    MemoryRegion *content_mr;   /* ram, the memdev's region or io */
    uint8_t *ptr;               /* BAR_RAM: its bytes; BAR_PORTS: a buffer */
    TestdevState *s;
    int n;
};

typedef struct TestdevBar TestdevBar;

struct TestdevState {
    PCIDevice parent_obj;

    /* Properties. */
    uint16_t vendor_id, device_id, subsys_vendor_id, subsys_id, class_id;
    uint8_t revision;
    TestdevBar bar[TD_BARS];
    uint8_t regs_bar, dma_bar;
    char *regs;                 /* "testdev" (unset) or "ivshmem" */
    uint16_t ivposition;
    bool intx, flr, express;
    uint32_t msi_vectors, msix_vectors;
    uint8_t msix_bar;
    uint32_t msix_table_offset, msix_pba_offset;
    bool msix_exclusive;

    /* Run-time knobs (QMP qom-set). */
    bool fail;
    uint32_t read_delay_us, storm_us;

    /* Registers (regs=ivshmem: status is IntrStatus). */
    int regs_kind;
    uint32_t scratch, status, count, level, errors, iv_mask;
    uint32_t dma_off, dma_len, dma_lo, dma_hi, dma_res;
    bool dma_busy;

    QEMUTimer storm_timer;
    bool has_flr;
};

struct TestdevClass {
    PCIDeviceClass parent_class;
    DeviceRealize parent_dc_realize;
};

/* Interrupts */

static unsigned td_msi_enabled_vectors(PCIDevice *pdev)
{
    uint16_t flags;

    if (!msi_enabled(pdev)) {
        return 0;
    }
    flags = pci_get_word(pdev->config + pdev->msi_cap + PCI_MSI_FLAGS);
    return 1u << ((flags & PCI_MSI_FLAGS_QSIZE) >> ctz32(PCI_MSI_FLAGS_QSIZE));
}

static int td_mode(TestdevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (msix_enabled(pdev)) {
        return MODE_MSIX;
    }
    if (msi_enabled(pdev)) {
        return MODE_MSI;
    }
    if (s->intx && !(pci_get_word(pdev->config + PCI_COMMAND) &
                     PCI_COMMAND_INTX_DISABLE)) {
        return MODE_INTX;
    }
    return MODE_NONE;
}

/*
 * The pin: LEVEL or a pending raise (regs=ivshmem: IntrStatus & IntrMask),
 * and never from a device that failed.
 */
static void td_update_intx(TestdevState *s)
{
    bool up;

    if (!s->intx) {
        return;
    }
    if (s->regs_kind == REGS_IVSHMEM) {
        up = s->status & s->iv_mask;
    } else {
        up = s->level || (s->status & STATUS_INTX);
    }
    pci_set_irq(PCI_DEVICE(s), !s->fail && up);
}

/*
 * Raises vector N: an MSI-X or MSI message when one of them is enabled,
 * else the INTx pin (which the command register's INTx-disable may keep
 * from the interrupt controller: the status register's bit 3 still shows
 * it, as on real hardware). regs=ivshmem without MSI-X or MSI: any vector
 * sets IntrStatus to 1, as QEMU's ivshmem does.
 */
static void td_raise(TestdevState *s, uint32_t vector)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    /* Off the bus: nothing leaves the device (a storm's ticks included). */
    if (s->fail) {
        return;
    }
    if (msix_enabled(pdev)) {
        if (vector >= pdev->msix_entries_nr) {
            s->errors++;
            return;
        }
        msix_notify(pdev, vector);
    } else if (msi_enabled(pdev)) {
        if (vector >= td_msi_enabled_vectors(pdev)) {
            s->errors++;
            return;
        }
        msi_notify(pdev, vector);
    } else {
        if (!s->intx || (vector != 0 && s->regs_kind != REGS_IVSHMEM)) {
            s->errors++;
            return;
        }
        s->status = s->regs_kind == REGS_IVSHMEM ? 1 : s->status | STATUS_INTX;
        td_update_intx(s);
    }
    s->count++;
}

static void td_storm_arm(TestdevState *s)
{
    if (s->storm_us) {
        timer_mod(&s->storm_timer,
                  qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                  (int64_t)s->storm_us * SCALE_US);
    } else {
        timer_del(&s->storm_timer);
    }
}

static void td_storm_tick(void *opaque)
{
    TestdevState *s = opaque;

    td_raise(s, 0);
    td_storm_arm(s);
}

/* DMA */

static void td_dma(TestdevState *s, uint32_t cmd)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    TestdevBar *b = s->dma_bar < TD_BARS ? &s->bar[s->dma_bar] : NULL;
    dma_addr_t addr = ((uint64_t)s->dma_hi << 32) | s->dma_lo;
    MemTxResult r;

    if (!(pci_get_word(pdev->config + PCI_COMMAND) & PCI_COMMAND_MASTER)) {
        s->dma_res = DMA_RES_NO_MASTER;
        s->errors++;
        return;
    }
    if (!b || b->content != BAR_RAM || s->dma_len > DMA_MAX_LEN ||
        (uint64_t)s->dma_off + s->dma_len > b->size ||
        addr + s->dma_len < addr) {
        s->dma_res = DMA_RES_RANGE;
        s->errors++;
        return;
    }
    /* A DMA that reaches our own registers must not start another one. */
    s->dma_busy = true;
    if (cmd & DMA_CMD_TO_BAR) {
        r = pci_dma_read(pdev, addr, b->ptr + s->dma_off, s->dma_len);
    } else {
        r = pci_dma_write(pdev, addr, b->ptr + s->dma_off, s->dma_len);
    }
    s->dma_busy = false;
    if (r != MEMTX_OK) {
        s->dma_res = DMA_RES_BUS;
        s->errors++;
        return;
    }
    s->dma_res = DMA_RES_DONE;
    if (cmd & DMA_CMD_IRQ) {
        td_raise(s, 0);
    }
}

/* Registers */

static uint32_t td_caps(TestdevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint32_t caps = 0, vectors = 0;

    if (s->intx) {
        caps |= CAPS_INTX;
    }
    if (msi_present(pdev)) {
        caps |= CAPS_MSI;
    }
    if (msix_present(pdev)) {
        caps |= CAPS_MSIX;
    }
    if (s->dma_bar < TD_BARS && s->bar[s->dma_bar].content == BAR_RAM) {
        caps |= CAPS_DMA;
    }
    if (s->has_flr) {
        caps |= CAPS_FLR;
    }
    switch (td_mode(s)) {
    case MODE_MSIX:
        vectors = pdev->msix_entries_nr;
        break;
    case MODE_MSI:
        vectors = td_msi_enabled_vectors(pdev);
        break;
    case MODE_INTX:
        vectors = 1;
        break;
    }
    return caps | vectors << CAPS_VECTORS_SHIFT;
}

/* regs=ivshmem */
static uint32_t td_iv_read(TestdevState *s, hwaddr addr)
{
    uint32_t v;

    switch (addr) {
    case IV_INTR_MASK:
        return s->iv_mask;
    case IV_INTR_STATUS:
        v = s->status;
        s->status = 0;
        td_update_intx(s);
        return v;
    case IV_POSITION:
        return s->ivposition;
    default:
        return 0;
    }
}

static void td_iv_write(TestdevState *s, hwaddr addr, uint32_t val)
{
    switch (addr) {
    case IV_INTR_MASK:
        s->iv_mask = val;
        td_update_intx(s);
        break;
    case IV_INTR_STATUS:
        s->status = val;
        td_update_intx(s);
        break;
    case IV_DOORBELL:
        /* There are no other peers: ringing one is lost, as without a server. */
        if (val >> 16 != s->ivposition) {
            s->errors++;
            break;
        }
        /* ivshmem takes the vector from the low byte alone. */
        td_raise(s, val & 0xff);
        break;
    }
}

static uint64_t td_regs_read(TestdevState *s, hwaddr addr, unsigned size)
{
    uint32_t v;

    if (size != 4 || (addr & 3)) {
        return ~0ull >> (64 - 8 * size);
    }
    if (s->regs_kind == REGS_IVSHMEM) {
        return td_iv_read(s, addr);
    }
    switch (addr) {
    case REG_IDENT:
        return IDENT_VALUE;
    case REG_SCRATCH:
        return s->scratch;
    case REG_CAPS:
        return td_caps(s);
    case REG_MODE:
        return td_mode(s);
    case REG_STATUS:
        v = s->status;
        s->status = 0;
        td_update_intx(s);
        return v;
    case REG_COUNT:
        return s->count;
    case REG_LEVEL:
        return s->level;
    case REG_ERRORS:
        return s->errors;
    case REG_DMA_OFF:
        return s->dma_off;
    case REG_DMA_LEN:
        return s->dma_len;
    case REG_DMA_LO:
        return s->dma_lo;
    case REG_DMA_HI:
        return s->dma_hi;
    case REG_DMA_CMD:
        return 0;
    case REG_DMA_RES:
        return s->dma_res;
    default:
        return 0;
    }
}

static void td_regs_write(TestdevState *s, hwaddr addr, uint64_t val,
                          unsigned size)
{
    if (size != 4 || (addr & 3)) {
        return;
    }
    if (s->regs_kind == REGS_IVSHMEM) {
        td_iv_write(s, addr, val);
        return;
    }
    switch (addr) {
    case REG_SCRATCH:
        s->scratch = val;
        break;
    case REG_RAISE:
        td_raise(s, val);
        break;
    case REG_LEVEL:
        s->level = val & 1;
        td_update_intx(s);
        break;
    case REG_DMA_OFF:
        s->dma_off = val;
        break;
    case REG_DMA_LEN:
        s->dma_len = val;
        break;
    case REG_DMA_LO:
        s->dma_lo = val;
        break;
    case REG_DMA_HI:
        s->dma_hi = val;
        break;
    case REG_DMA_CMD:
        if (!(val & DMA_CMD_START)) {
            break;
        }
        if (s->dma_busy) {
            s->errors++;
            break;
        }
        td_dma(s, val);
        break;
    }
}

/*
 * A BAR's content beneath the MSI-X table and the fault overlay: the
 * registers, the port buffer of an I/O BAR that holds no registers, or
 * (reached this way through the overlay only) RAM.
 */
static uint64_t td_content_read(TestdevBar *b, TestdevState *s, hwaddr addr,
                                unsigned size)
{
    switch (b->content) {
    case BAR_REGS:
        return td_regs_read(s, addr, size);
    case BAR_PORTS:
    case BAR_RAM:
        if (addr + size > b->size) {
            return ~0ull >> (64 - 8 * size);
        }
        return ldn_le_p(b->ptr + addr, size);
    default:
        /* MSI-X only, past the table and PBA: unassigned memory reads 0. */
        return 0;
    }
}

static void td_content_write(TestdevBar *b, TestdevState *s, hwaddr addr,
                             uint64_t val, unsigned size)
{
    switch (b->content) {
    case BAR_REGS:
        td_regs_write(s, addr, val, size);
        break;
    case BAR_PORTS:
    case BAR_RAM:
        if (addr + size <= b->size) {
            stn_le_p(b->ptr + addr, size, val);
        }
        break;
    }
}

/*
 * Every access that reaches our callbacks: those of the registers and the
 * port buffer (b->io), and those of the fault overlay (b->fault), enabled
 * over the whole BAR while `fail` or `read-delay-us` is set (RAM BARs have
 * no callbacks of their own). The overlay forwards to whatever lies
 * beneath it: the MSI-X table or PBA, else the BAR's content. b->io sees
 * only what the overlay does not cover, so `fail` and `read-delay-us` are
 * 0 then and the MSI-X table is not beneath it: one set of callbacks
 * serves both.
 */
static bool td_in(hwaddr addr, unsigned size, hwaddr start, uint64_t len)
{
    return addr >= start && addr + size <= start + len;
}

static MemoryRegion *td_msix_part(TestdevState *s, int n, hwaddr *addr,
                                  unsigned size)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (!msix_present(pdev) || n != s->msix_bar) {
        return NULL;
    }
    if (td_in(*addr, size, s->msix_table_offset,
              memory_region_size(&pdev->msix_table_mmio))) {
        *addr -= s->msix_table_offset;
        return &pdev->msix_table_mmio;
    }
    if (td_in(*addr, size, s->msix_pba_offset,
              memory_region_size(&pdev->msix_pba_mmio))) {
        *addr -= s->msix_pba_offset;
        return &pdev->msix_pba_mmio;
    }
    return NULL;
}

static uint64_t td_bar_read(void *opaque, hwaddr addr, unsigned size)
{
    TestdevBar *b = opaque;
    TestdevState *s = b->s;
    int n = b->n;
    MemoryRegion *mr;
    uint64_t val = 0;

    if (s->fail) {
        return ~0ull >> (64 - 8 * size);
    }
    if (s->read_delay_us) {
        g_usleep(s->read_delay_us);
    }
    mr = td_msix_part(s, n, &addr, size);
    if (mr) {
        memory_region_dispatch_read(mr, addr, &val, size_memop(size) | MO_LE,
                                    MEMTXATTRS_UNSPECIFIED);
        return val;
    }
    return td_content_read(b, s, addr, size);
}

static void td_bar_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
    TestdevBar *b = opaque;
    TestdevState *s = b->s;
    int n = b->n;
    MemoryRegion *mr;

    if (s->fail) {
        return;
    }
    mr = td_msix_part(s, n, &addr, size);
    if (mr) {
        memory_region_dispatch_write(mr, addr, val, size_memop(size) | MO_LE,
                                     MEMTXATTRS_UNSPECIFIED);
        return;
    }
    td_content_write(b, s, addr, val, size);
}

static const MemoryRegionOps td_bar_ops = {
    .read = td_bar_read,
    .write = td_bar_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8,
               .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8,
              .unaligned = true },
};

static void td_update_fault(TestdevState *s)
{
    bool on = s->fail || s->read_delay_us;
    int n;

    for (n = 0; n < TD_BARS; n++) {
        if (s->bar[n].content != BAR_ABSENT) {
            memory_region_set_enabled(&s->bar[n].fault, on);
        }
    }
}

/* Configuration space */

static uint32_t td_config_read(PCIDevice *pdev, uint32_t addr, int len)
{
    TestdevState *s = PCIMEM_TESTDEV(pdev);

    if (s->fail) {
        return ~0u >> (32 - 8 * len);
    }
    return pci_default_read_config(pdev, addr, len);
}

static void td_config_write(PCIDevice *pdev, uint32_t addr, uint32_t val,
                            int len)
{
    TestdevState *s = PCIMEM_TESTDEV(pdev);

    if (s->fail) {
        return;
    }
    pci_default_write_config(pdev, addr, val, len);
    if (s->has_flr) {
        pcie_cap_flr_write_config(pdev, addr, val, len);
    }
}

/* Reset: power-on, bus reset and FLR alike. */

static void td_reset(DeviceState *dev)
{
    TestdevState *s = PCIMEM_TESTDEV(dev);

    s->scratch = s->status = s->count = s->level = s->errors = 0;
    s->iv_mask = 0;
    s->dma_off = s->dma_len = s->dma_lo = s->dma_hi = s->dma_res = 0;
    s->storm_us = 0;
    timer_del(&s->storm_timer);
    /* pci_do_device_reset() deasserts the pin, resets MSI and MSI-X. */
    td_update_intx(s);
}

/* Run-time knobs */

static bool td_get_fail(Object *obj, Error **errp)
{
    return PCIMEM_TESTDEV(obj)->fail;
}

static void td_set_fail(Object *obj, bool value, Error **errp)
{
    TestdevState *s = PCIMEM_TESTDEV(obj);

    s->fail = value;
    td_update_fault(s);
    if (DEVICE(s)->realized) {
        td_update_intx(s);
    }
}

/*
 * The uint32 knobs: read-delay-us and storm-us, each a field of the state,
 * a check of the value asked for and what follows from a new value.
 */
typedef struct TestdevKnob {
    const char *name, *desc;
    size_t offset;                              /* of its uint32_t */
    bool (*check)(uint32_t value, Error **errp);
    void (*apply)(TestdevState *s);
} TestdevKnob;

static bool td_check_read_delay(uint32_t value, Error **errp)
{
    if (value > DELAY_MAX_US) {
        error_setg(errp, "read-delay-us %" PRIu32 " is over the limit of %d"
                   " (one second)", value, DELAY_MAX_US);
        return false;
    }
    return true;
}

static bool td_check_storm(uint32_t value, Error **errp)
{
    if (value && value < STORM_MIN_US) {
        error_setg(errp, "storm-us %" PRIu32 " is too short: 0 (off) or at"
                   " least %d", value, STORM_MIN_US);
        return false;
    }
    return true;
}

static void td_apply_storm(TestdevState *s)
{
    if (DEVICE(s)->realized) {
        td_storm_arm(s);
    }
}

static const TestdevKnob td_knobs[] = {
    { "read-delay-us", "microseconds every BAR read takes (0-1000000)",
      offsetof(TestdevState, read_delay_us), td_check_read_delay,
      td_update_fault },
    { "storm-us",
      "raise vector 0 (or INTx) every this many microseconds (0: off)",
      offsetof(TestdevState, storm_us), td_check_storm, td_apply_storm },
};

static uint32_t *td_knob_field(Object *obj, const TestdevKnob *k)
{
    return (uint32_t *)((char *)PCIMEM_TESTDEV(obj) + k->offset);
}

static void td_get_knob(Object *obj, Visitor *v, const char *name,
                        void *opaque, Error **errp)
{
    visit_type_uint32(v, name, td_knob_field(obj, opaque), errp);
}

static void td_set_knob(Object *obj, Visitor *v, const char *name,
                        void *opaque, Error **errp)
{
    const TestdevKnob *k = opaque;
    uint32_t value;

    if (!visit_type_uint32(v, name, &value, errp) || !k->check(value, errp)) {
        return;
    }
    *td_knob_field(obj, k) = value;
    k->apply(PCIMEM_TESTDEV(obj));
}

/* Realize and exit */

static bool td_pow2_size(uint64_t size)
{
    return size && !(size & (size - 1));
}

static void td_cleanup(TestdevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    int n;

    timer_del(&s->storm_timer);
    if (msix_present(pdev)) {
        msix_unuse_all_vectors(pdev);
        msix_uninit(pdev, &s->bar[s->msix_bar].container,
                    &s->bar[s->msix_bar].container);
    }
    msi_uninit(pdev);
    if (pci_is_express(pdev) && pdev->exp.exp_cap) {
        pcie_cap_exit(pdev);
    }
    for (n = 0; n < TD_BARS; n++) {
        TestdevBar *b = &s->bar[n];

        /*
         * Every subregion added holds a reference on its owner, this
         * device: unless each comes out of its container again, the device
         * is never finalized and device_del never completes.
         */
        if (b->content_mr && b->content_mr->container == &b->container) {
            memory_region_del_subregion(&b->container, b->content_mr);
        }
        if (b->memdev && b->content_mr) {
            host_memory_backend_set_mapped(b->memdev, false);
        }
        b->content_mr = NULL;
        if (b->fault.container == &b->container) {
            memory_region_del_subregion(&b->container, &b->fault);
        }
        if (b->content == BAR_PORTS) {
            g_free(b->ptr);
        }
        b->ptr = NULL;
        b->content = BAR_ABSENT;
    }
}

/* Checks BAR N's properties and decides what it holds. */
static bool td_check_bar(TestdevState *s, int n, Error **errp)
{
    TestdevBar *b = &s->bar[n];
    const char *kind = b->kind ? b->kind : (n == 2 ? "mem64-pref" : "mem32");
    bool io = false;

    if (b->memdev) {
        uint64_t msize = memory_region_size(
            host_memory_backend_get_memory(b->memdev));

        if (host_memory_backend_is_mapped(b->memdev)) {
            error_setg(errp, "bar%d-memdev: memory backend %s is in use"
                       " already", n,
                       object_get_canonical_path_component(OBJECT(b->memdev)));
            return false;
        }
        if (b->size == SIZE_DEFAULT) {
            b->size = msize;
        } else if (b->size != msize) {
            error_setg(errp, "bar%d-size is 0x%" PRIx64 " but bar%d-memdev"
                       " is 0x%" PRIx64 " bytes: they must agree (or leave"
                       " bar%d-size out)", n, b->size, n, msize, n);
            return false;
        }
    }
    if (b->size == SIZE_DEFAULT) {
        b->size = n == 0 ? 4 * KiB : n == 2 ? 1 * MiB : 0;
    }
    if (!b->size) {
        if (b->kind) {
            error_setg(errp, "bar%d-kind is set but BAR%d is absent"
                       " (bar%d-size=0)", n, n, n);
            return false;
        }
        b->content = BAR_ABSENT;
        return true;
    }
    if (!strcmp(kind, "mem32")) {
        b->type = PCI_BASE_ADDRESS_SPACE_MEMORY;
    } else if (!strcmp(kind, "mem64")) {
        b->type = PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64;
    } else if (!strcmp(kind, "mem32-pref")) {
        b->type = PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_PREFETCH;
    } else if (!strcmp(kind, "mem64-pref")) {
        b->type = PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64 |
                  PCI_BASE_ADDRESS_MEM_PREFETCH;
    } else if (!strcmp(kind, "io")) {
        b->type = PCI_BASE_ADDRESS_SPACE_IO;
        io = true;
    } else {
        error_setg(errp, "bar%d-kind '%s' is unknown: mem32, mem64,"
                   " mem32-pref, mem64-pref or io", n, kind);
        return false;
    }
    if (!td_pow2_size(b->size) || b->size < 16 || b->size > 64 * GiB) {
        error_setg(errp, "bar%d-size 0x%" PRIx64 " is not a power of two"
                   " from 16 bytes to 64 GiB", n, b->size);
        return false;
    }
    if (io && b->size > 256) {
        error_setg(errp, "bar%d-size 0x%" PRIx64 " is too big for an I/O"
                   " BAR (at most 256 bytes)", n, b->size);
        return false;
    }
    if (!io && b->size > 4 * GiB &&
        !(b->type & PCI_BASE_ADDRESS_MEM_TYPE_64)) {
        error_setg(errp, "bar%d-size 0x%" PRIx64 " needs a 64-bit BAR"
                   " (mem64 or mem64-pref)", n, b->size);
        return false;
    }
    if (b->type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
        if (n == TD_BARS - 1) {
            error_setg(errp, "BAR5 cannot be 64-bit: a 64-bit BAR takes two"
                       " slots");
            return false;
        }
        TestdevBar *up = &s->bar[n + 1];

        if ((up->size && up->size != SIZE_DEFAULT) || up->memdev ||
            up->kind) {
            error_setg(errp, "BAR%d is 64-bit and takes BAR%d's slot too:"
                       " leave bar%d-size, -kind and -memdev unset", n, n + 1,
                       n + 1);
            return false;
        }
    }

    if (n == s->regs_bar) {
        unsigned min = s->regs_kind == REGS_IVSHMEM ? IV_REGS_MIN_SIZE :
                       REGS_MIN_SIZE;

        if (b->size < min) {
            error_setg(errp, "BAR%d holds the registers (regs-bar) and needs"
                       " at least %u bytes", n, min);
            return false;
        }
        b->content = BAR_REGS;
    } else if (s->msix_vectors && s->msix_exclusive && n == s->msix_bar) {
        b->content = BAR_MSIX;
    } else if (io) {
        b->content = BAR_PORTS;
    } else {
        b->content = BAR_RAM;
    }
    if (b->memdev && b->content != BAR_RAM) {
        error_setg(errp, "bar%d-memdev: BAR%d holds %s, not plain memory", n,
                   n, b->content == BAR_REGS ? "the registers" :
                   b->content == BAR_MSIX ? "only MSI-X (msix-exclusive)" :
                   "I/O ports");
        return false;
    }
    return true;
}

static bool td_map_bar(TestdevState *s, int n, Error **errp)
{
    TestdevBar *b = &s->bar[n];
    Object *owner = OBJECT(s);
    g_autofree char *name = g_strdup_printf("pcimem-testdev-bar%d", n);
    g_autofree char *part = NULL;

    memory_region_init(&b->container, owner, name, b->size);
    switch (b->content) {
    case BAR_REGS:
    case BAR_PORTS:
        part = g_strdup_printf("%s-%s", name,
                               b->content == BAR_REGS ? "regs" : "ports");
        if (b->content == BAR_PORTS) {
            b->ptr = g_malloc0(b->size);
        }
        memory_region_init_io(&b->io, owner, &td_bar_ops, b, part, b->size);
        b->content_mr = &b->io;
        break;
    case BAR_RAM:
        if (b->memdev) {
            b->content_mr = host_memory_backend_get_memory(b->memdev);
            host_memory_backend_set_mapped(b->memdev, true);
        } else {
            Error *err = NULL;

            part = g_strdup_printf("%s-ram", name);
            /* Not reserved: a 64 GiB BAR costs what the guest touches. */
            memory_region_init_ram_flags_nomigrate(&b->ram, owner, part,
                                                   b->size, RAM_NORESERVE,
                                                   &err);
            if (err) {
                error_propagate_prepend(errp, err, "BAR%d's RAM: ", n);
                return false;
            }
            b->content_mr = &b->ram;
        }
        b->ptr = memory_region_get_ram_ptr(b->content_mr);
        break;
    }
    if (b->content_mr) {
        memory_region_add_subregion_overlap(&b->container, 0, b->content_mr,
                                            -1);
    }
    g_free(part);
    part = g_strdup_printf("%s-fault", name);
    memory_region_init_io(&b->fault, owner, &td_bar_ops, b, part, b->size);
    memory_region_set_enabled(&b->fault, false);
    memory_region_add_subregion_overlap(&b->container, 0, &b->fault, 10);
    pci_register_bar(PCI_DEVICE(s), n, b->type, &b->container);
    return true;
}

static bool td_init_msix(TestdevState *s, Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    TestdevBar *b;
    uint64_t table_size = (uint64_t)s->msix_vectors * PCI_MSIX_ENTRY_SIZE;
    uint64_t pba_size = QEMU_ALIGN_UP(s->msix_vectors, 64) / 8;
    uint64_t pba = s->msix_pba_offset;
    Error *err = NULL;
    unsigned v;

    if (s->msix_vectors > PCI_MSIX_FLAGS_QSIZE + 1) {
        error_setg(errp, "msix-vectors %" PRIu32 " is over 2048",
                   s->msix_vectors);
        return false;
    }
    if (s->msix_bar >= TD_BARS || s->bar[s->msix_bar].content == BAR_ABSENT) {
        error_setg(errp, "msix-bar %u names no BAR of the device",
                   s->msix_bar);
        return false;
    }
    b = &s->bar[s->msix_bar];
    if (b->type & PCI_BASE_ADDRESS_SPACE_IO) {
        error_setg(errp, "msix-bar %u is an I/O BAR: the MSI-X table needs a"
                   " memory BAR", s->msix_bar);
        return false;
    }
    if (pba == UINT32_MAX) {
        pba = s->msix_table_offset + table_size;
        s->msix_pba_offset = pba;
    }
    if ((s->msix_table_offset | pba) & PCI_MSIX_FLAGS_BIRMASK) {
        error_setg(errp, "msix-table-offset 0x%" PRIx32 " and msix-pba-offset"
                   " 0x%" PRIx64 " must be multiples of 8",
                   s->msix_table_offset, pba);
        return false;
    }
    if (s->msix_table_offset + table_size > b->size ||
        pba + pba_size > b->size) {
        error_setg(errp, "the MSI-X table (0x%" PRIx64 " bytes at 0x%" PRIx32
                   ") or PBA (0x%" PRIx64 " bytes at 0x%" PRIx64 ") does not"
                   " fit in BAR%u (0x%" PRIx64 " bytes)", table_size,
                   s->msix_table_offset, pba_size, pba, s->msix_bar, b->size);
        return false;
    }
    if (ranges_overlap(s->msix_table_offset, table_size, pba, pba_size)) {
        error_setg(errp, "the MSI-X table (0x%" PRIx64 " bytes at 0x%" PRIx32
                   ") and PBA (0x%" PRIx64 " bytes at 0x%" PRIx64 ") overlap",
                   table_size, s->msix_table_offset, pba_size, pba);
        return false;
    }
    if (msix_init(pdev, s->msix_vectors, &b->container, s->msix_bar,
                  s->msix_table_offset, &b->container, s->msix_bar, pba, 0,
                  &err) < 0) {
        error_propagate_prepend(errp, err, "MSI-X: ");
        return false;
    }
    for (v = 0; v < s->msix_vectors; v++) {
        msix_vector_use(pdev, v);
    }
    return true;
}

static void td_realize(PCIDevice *pdev, Error **errp)
{
    TestdevState *s = PCIMEM_TESTDEV(pdev);
    uint8_t *conf = pdev->config;
    Error *err = NULL;
    int n;

    if (s->regs_bar >= TD_BARS) {
        error_setg(errp, "regs-bar %u is not a BAR (0-5)", s->regs_bar);
        return;
    }
    if (!s->regs || !strcmp(s->regs, "testdev")) {
        s->regs_kind = REGS_TESTDEV;
    } else if (!strcmp(s->regs, "ivshmem")) {
        s->regs_kind = REGS_IVSHMEM;
    } else {
        error_setg(errp, "regs '%s' is unknown: testdev or ivshmem", s->regs);
        return;
    }
    if (s->dma_bar >= TD_BARS) {
        error_setg(errp, "dma-bar %u is not a BAR (0-5)", s->dma_bar);
        return;
    }
    if (s->msix_vectors && s->msix_exclusive && s->msix_bar == s->regs_bar) {
        error_setg(errp, "msix-exclusive: msix-bar %u is the register BAR"
                   " (regs-bar)", s->msix_bar);
        return;
    }
    if (s->msi_vectors > 32 ||
        (s->msi_vectors & (s->msi_vectors - 1))) {
        error_setg(errp, "msi-vectors %" PRIu32 " is not 0, 1, 2, 4, 8, 16"
                   " or 32", s->msi_vectors);
        return;
    }
    for (n = 0; n < TD_BARS; n++) {
        s->bar[n].s = s;
        s->bar[n].n = n;
    }
    for (n = 0; n < TD_BARS; n++) {
        if (!td_check_bar(s, n, errp)) {
            return;
        }
        /* A 64-bit BAR takes its upper neighbour's slot: that one is absent. */
        if (s->bar[n].type & PCI_BASE_ADDRESS_MEM_TYPE_64) {
            s->bar[++n].size = 0;
        }
    }
    if (s->bar[s->regs_bar].content != BAR_REGS) {
        error_setg(errp, "regs-bar %u names an absent BAR: set bar%u-size",
                   s->regs_bar, s->regs_bar);
        return;
    }

    pci_config_set_vendor_id(conf, s->vendor_id);
    pci_config_set_device_id(conf, s->device_id);
    pci_set_word(conf + PCI_SUBSYSTEM_VENDOR_ID, s->subsys_vendor_id);
    pci_set_word(conf + PCI_SUBSYSTEM_ID, s->subsys_id);
    pci_config_set_class(conf, s->class_id);
    pci_config_set_revision(conf, s->revision);
    pci_config_set_interrupt_pin(conf, s->intx ? 1 : 0);

    for (n = 0; n < TD_BARS; n++) {
        if (s->bar[n].content != BAR_ABSENT && !td_map_bar(s, n, errp)) {
            goto fail;
        }
    }

    if (pci_is_express(pdev)) {
        if (pcie_endpoint_cap_init(pdev, 0) < 0) {
            error_setg(errp, "no room for the PCI Express capability");
            goto fail;
        }
        if (s->flr) {
            pcie_cap_flr_init(pdev);
            s->has_flr = true;
        }
    }
    if (s->msi_vectors &&
        msi_init(pdev, 0, s->msi_vectors, true, true, &err) < 0) {
        error_propagate_prepend(errp, err, "MSI: ");
        goto fail;
    }
    if (s->msix_vectors && !td_init_msix(s, errp)) {
        goto fail;
    }

    timer_init_ns(&s->storm_timer, QEMU_CLOCK_VIRTUAL, td_storm_tick, s);
    td_update_fault(s);
    return;

fail:
    td_cleanup(s);
}

static void td_exit(PCIDevice *pdev)
{
    td_cleanup(PCIMEM_TESTDEV(pdev));
}

/* PCI Express on an express bus, conventional PCI elsewhere. */
static void td_dc_realize(DeviceState *dev, Error **errp)
{
    TestdevState *s = PCIMEM_TESTDEV(dev);
    TestdevClass *tc = PCIMEM_TESTDEV_GET_CLASS(dev);
    PCIDevice *pdev = PCI_DEVICE(dev);

    if (s->express && pci_bus_is_express(pci_get_bus(pdev))) {
        pdev->cap_present |= QEMU_PCI_CAP_EXPRESS;
    }
    tc->parent_dc_realize(dev, errp);
}

static const VMStateDescription td_vmstate = {
    .name = TYPE_PCIMEM_TESTDEV,
    .unmigratable = 1,
};

/* The three properties of BAR n: barN-size, barN-kind, barN-memdev. */
#define TD_BAR_PROPERTIES(n)                                                 \
    DEFINE_PROP_SIZE("bar" #n "-size", TestdevState, bar[n].size,            \
                     SIZE_DEFAULT),                                          \
    DEFINE_PROP_STRING("bar" #n "-kind", TestdevState, bar[n].kind),         \
    DEFINE_PROP_LINK("bar" #n "-memdev", TestdevState, bar[n].memdev,        \
                     TYPE_MEMORY_BACKEND, HostMemoryBackend *)

static Property td_properties[] = {
    DEFINE_PROP_UINT16("vendor-id", TestdevState, vendor_id, 0x1234),
    DEFINE_PROP_UINT16("device-id", TestdevState, device_id, 0x11e9),
    DEFINE_PROP_UINT16("subsystem-vendor-id", TestdevState, subsys_vendor_id,
                       0x1234),
    DEFINE_PROP_UINT16("subsystem-id", TestdevState, subsys_id, 0x11e9),
    DEFINE_PROP_UINT16("class-id", TestdevState, class_id, 0x00ff),
    DEFINE_PROP_UINT8("revision", TestdevState, revision, 1),
    TD_BAR_PROPERTIES(0),
    TD_BAR_PROPERTIES(1),
    TD_BAR_PROPERTIES(2),
    TD_BAR_PROPERTIES(3),
    TD_BAR_PROPERTIES(4),
    TD_BAR_PROPERTIES(5),
    DEFINE_PROP_UINT8("regs-bar", TestdevState, regs_bar, 0),
    DEFINE_PROP_UINT8("dma-bar", TestdevState, dma_bar, 2),
    DEFINE_PROP_STRING("regs", TestdevState, regs),
    DEFINE_PROP_UINT16("ivposition", TestdevState, ivposition, 0),
    DEFINE_PROP_BOOL("intx", TestdevState, intx, true),
    DEFINE_PROP_UINT32("msi-vectors", TestdevState, msi_vectors, 1),
    DEFINE_PROP_UINT32("msix-vectors", TestdevState, msix_vectors, 0),
    DEFINE_PROP_UINT8("msix-bar", TestdevState, msix_bar, 2),
    DEFINE_PROP_UINT32("msix-table-offset", TestdevState, msix_table_offset,
                       0),
    DEFINE_PROP_UINT32("msix-pba-offset", TestdevState, msix_pba_offset,
                       UINT32_MAX),
    DEFINE_PROP_BOOL("msix-exclusive", TestdevState, msix_exclusive, false),
    DEFINE_PROP_BOOL("express", TestdevState, express, true),
    DEFINE_PROP_BOOL("flr", TestdevState, flr, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void td_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    TestdevClass *tc = PCIMEM_TESTDEV_CLASS(klass);
    size_t i;

    k->realize = td_realize;
    k->exit = td_exit;
    k->config_read = td_config_read;
    k->config_write = td_config_write;
    k->vendor_id = 0x1234;
    k->device_id = 0x11e9;
    k->revision = 1;
    k->class_id = 0x00ff;
    dc->desc = "pcimem's test device: BARs, interrupts, resets, failures";
    dc->reset = td_reset;
    dc->vmsd = &td_vmstate;
    device_class_set_props(dc, td_properties);
    device_class_set_parent_realize(dc, td_dc_realize, &tc->parent_dc_realize);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);

    object_class_property_add_bool(klass, "fail", td_get_fail, td_set_fail);
    object_class_property_set_description(klass, "fail",
        "on: all-ones reads and dropped writes (BARs, config space)");
    for (i = 0; i < ARRAY_SIZE(td_knobs); i++) {
        const TestdevKnob *k = &td_knobs[i];

        object_class_property_add(klass, k->name, "uint32", td_get_knob,
                                  td_set_knob, NULL, (void *)k);
        object_class_property_set_description(klass, k->name, k->desc);
    }
}

static const TypeInfo td_info = {
    .name = TYPE_PCIMEM_TESTDEV,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(TestdevState),
    .class_size = sizeof(TestdevClass),
    .class_init = td_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void td_register_types(void)
{
    type_register_static(&td_info);
}

type_init(td_register_types)
