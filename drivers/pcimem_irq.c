// SPDX-License-Identifier: GPL-2.0
/*
 * pcimem: interrupts. ivshmem-doorbell delivers one MSI-X vector per
 * doorbell vector (or INTx through IntrMask/IntrStatus without MSI-X);
 * ivshmem-plain has none; edu raises MSI or INTx; pcimem-testdev MSI-X,
 * MSI or INTx (STATUS, read to clear). Devices bound through new_id or
 * driver_override get none: we could not tell their interrupts from
 * another device's on a shared line, nor acknowledge them, and MSI would
 * need bus mastering, which hands the device all of memory. Handlers only count:
 * per-vector totals since probe, which user space reads with
 * PCIMEM_IOC_EVENTS and waits for with poll/epoll on the node.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/pci.h>

#include "pcimem_dev.h"

/* eventfd_signal() lost its count argument in 6.8 (see Kbuild). */
#ifdef PCIMEM_EVENTFD_SIGNAL_COUNT
#define pcimem_eventfd_signal(ctx)	eventfd_signal(ctx, 1)
#else
#define pcimem_eventfd_signal(ctx)	eventfd_signal(ctx)
#endif

static void __iomem *pcimem_regs(struct pcimem_dev *pd)
{
	return pd->bars[0].kmap;
}

static void pcimem_irq_count(struct pcimem_dev *pd, unsigned int vector)
{
	struct pcimem_vector *v = &pd->vec[vector];

	atomic64_inc(&pd->irq_count[vector]);
	atomic64_inc(&pd->irq_total);
	wake_up_interruptible_all(&pd->irq_wait);
	spin_lock(&pd->trigger_lock);
	if (v->trigger)
		pcimem_eventfd_signal(v->trigger);
	spin_unlock(&pd->trigger_lock);
}

static irqreturn_t pcimem_msix_irq(int irq, void *data)
{
	struct pcimem_vector *v = data;

	pcimem_irq_count(v->pd, v->index);
	return IRQ_HANDLED;
}

/*
 * The line may be shared. The pin is up while IntrStatus & IntrMask is
 * not 0, so with IntrMask 0 the interrupt is someone else's, and
 * IntrStatus is left alone: reading it would clear the interrupt the mask
 * holds back, which must come through once it is unmasked. A zero
 * IntrStatus & IntrMask is someone else's too, and so is all-ones, a
 * device off the bus (or not decoding during a reset): counting that
 * would hide a stuck line from the nobody-cared cutoff.
 */
static irqreturn_t pcimem_ivshmem_intx_irq(int irq, void *data)
{
	struct pcimem_vector *v = data;
	void __iomem *regs = pcimem_regs(v->pd);
	u32 mask = ioread32(regs + IVSHMEM_INTR_MASK);
	u32 status;

	if (!mask)
		return IRQ_NONE;
	status = ioread32(regs + IVSHMEM_INTR_STATUS);
	if (status == ~0U || !(status & mask))
		return IRQ_NONE;
	pcimem_irq_count(v->pd, 0);
	return IRQ_HANDLED;
}

/*
 * pcimem-testdev's INTx: STATUS says whether it is ours, and reading it
 * lowers the pin. All-ones is no status: the device fell off the bus.
 */
static irqreturn_t pcimem_testdev_intx_irq(int irq, void *data)
{
	struct pcimem_vector *v = data;
	u32 status = ioread32(pcimem_regs(v->pd) + TESTDEV_STATUS);

	if (status == ~0U || !(status & TESTDEV_STATUS_INTX))
		return IRQ_NONE;
	pcimem_irq_count(v->pd, 0);
	return IRQ_HANDLED;
}

/*
 * INTx, for a device with an interrupt pin: false without a pin, or when
 * the pin has no interrupt routed to it (pdev->irq 0: the firmware's
 * routing table leaves it out), which is said once and served as no
 * interrupts at all. The BARs are still worth having, as with pci=nomsi
 * and no pin, and a probe that failed there (-ENOSPC, silently) would
 * have lost them for nothing.
 */
static bool pcimem_intx_alloc(struct pcimem_dev *pd)
{
	struct pci_dev *pdev = pd->pdev;
	int nvec;

	if (!pdev->pin)
		return false;
	/*
	 * INTERRUPT_LINE 0xff, "not connected", becomes IRQ_NOTCONNECTED
	 * (drivers/acpi/pci_irq.c): pci_alloc_irq_vectors() would accept it
	 * and request_irq() then fail with -ENOTCONN.
	 */
	if (pdev->irq == IRQ_NOTCONNECTED)
		nvec = -ENOTCONN;
	else
		nvec = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_INTX);
	if (nvec < 0) {
		dev_warn(&pdev->dev,
			 "INTx pin %c has no interrupt routed to it (%d): serving it without interrupts\n",
			 'A' + pdev->pin - 1, nvec);
		return false;
	}
	pd->irq_mode = PCIMEM_IRQ_INTX;
	pd->vectors = 1;
	return true;
}

/*
 * pcimem-testdev: MSI-X with as many vectors as it has (up to our limit),
 * else MSI with as many as the platform grants (x86 without interrupt
 * remapping: one), else INTx, else nothing.
 */
static irq_handler_t pcimem_testdev_irq_alloc(struct pcimem_dev *pd)
{
	struct pci_dev *pdev = pd->pdev;
	int nvec;

	if (pdev->msix_cap) {
		nvec = pci_alloc_irq_vectors(pdev, 1, min(pci_msix_vec_count(pdev),
							  PCIMEM_MAX_VECTORS), PCI_IRQ_MSIX);
		if (nvec > 0) {
			pd->irq_mode = PCIMEM_IRQ_MSIX;
			pd->vectors = nvec;
			return pcimem_msix_irq;
		}
	}
	if (pdev->msi_cap) {
		nvec = pci_alloc_irq_vectors(pdev, 1, min(pci_msi_vec_count(pdev),
							  PCIMEM_MAX_VECTORS), PCI_IRQ_MSI);
		if (nvec > 0) {
			pd->irq_mode = PCIMEM_IRQ_MSI;
			pd->vectors = nvec;
			return pcimem_msix_irq;
		}
	}
	return pcimem_intx_alloc(pd) ? pcimem_testdev_intx_irq : NULL;
}

/*
 * edu wants every interrupt acknowledged, MSI included. Any value may be
 * raised, all-ones too, so all-ones is ours only while the device still
 * answers its vendor ID (a configuration read takes a raw spinlock: fine
 * here); not during remove(), which clears pdev before freeing us.
 */
static irqreturn_t pcimem_edu_irq(int irq, void *data)
{
	struct pcimem_vector *v = data;
	void __iomem *regs = pcimem_regs(v->pd);
	u32 status = ioread32(regs + EDU_IRQ_STATUS);
	struct pci_dev *pdev;
	u16 vendor;

	if (!status)
		return IRQ_NONE;
	if (status == ~0U) {
		pdev = READ_ONCE(v->pd->pdev);
		if (!pdev || pci_read_config_word(pdev, PCI_VENDOR_ID, &vendor) ||
		    vendor == 0xffff)
			return IRQ_NONE;
	}
	iowrite32(status, regs + EDU_IRQ_ACK);
	pcimem_irq_count(v->pd, 0);
	return IRQ_HANDLED;
}

/* Allocates the vectors; returns the handler to use, or NULL for none. */
static irq_handler_t pcimem_irq_alloc(struct pcimem_dev *pd)
{
	struct pci_dev *pdev = pd->pdev;
	int nvec;

	if (!pd->variant)
		return NULL;
	switch (pd->variant->kind) {
	case PCIMEM_IVSHMEM:
		if (pdev->msix_cap) {
			nvec = pci_alloc_irq_vectors(pdev, 1,
						     min(pci_msix_vec_count(pdev),
							 PCIMEM_MAX_VECTORS),
						     PCI_IRQ_MSIX);
			if (nvec > 0) {
				pd->irq_mode = PCIMEM_IRQ_MSIX;
				pd->vectors = nvec;
				return pcimem_msix_irq;
			}
			/* pci=nomsi, say: the memory is still worth having. */
			dev_info(&pdev->dev, "no MSI-X (%d)%s\n", nvec,
				 pdev->pin ? ", using INTx" : " and no INTx pin: no interrupts");
		}
		/* ivshmem-plain has no interrupt pin; doorbell without MSI-X does. */
		return pcimem_intx_alloc(pd) ? pcimem_ivshmem_intx_irq : NULL;
	case PCIMEM_EDU:
		if (pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI) > 0) {
			pd->irq_mode = PCIMEM_IRQ_MSI;
			pd->vectors = 1;
			return pcimem_edu_irq;
		}
		return pcimem_intx_alloc(pd) ? pcimem_edu_irq : NULL;
	case PCIMEM_TESTDEV:
		return pcimem_testdev_irq_alloc(pd);
	}
	return NULL;
}

/*
 * Device state of ours that a reset clears (the PCI core restores config
 * space, MSI and MSI-X itself): ivshmem's interrupt mask for INTx.
 */
void pcimem_irq_restore(struct pcimem_dev *pd)
{
	if (pd->variant && pd->variant->kind == PCIMEM_IVSHMEM && pd->irq_mode == PCIMEM_IRQ_INTX)
		iowrite32(1, pcimem_regs(pd) + IVSHMEM_INTR_MASK);
}

int pcimem_irq_init(struct pcimem_dev *pd)
{
	struct pci_dev *pdev = pd->pdev;
	unsigned long flags;
	irq_handler_t handler;
	unsigned int i;
	int ret;

	pd->irq_mode = PCIMEM_IRQ_NONE;
	pd->vectors = 0;
	handler = pcimem_irq_alloc(pd);
	if (!handler)
		return 0;

	/* MSI and MSI-X are writes by the device: it must master the bus. */
	if (pd->irq_mode == PCIMEM_IRQ_MSI || pd->irq_mode == PCIMEM_IRQ_MSIX)
		pci_set_master(pdev);
	flags = pd->irq_mode == PCIMEM_IRQ_INTX ? IRQF_SHARED : 0;
	for (i = 0; i < pd->vectors; i++) {
		struct pcimem_vector *v = &pd->vec[i];

		v->pd = pd;
		v->index = i;
		snprintf(v->name, sizeof(v->name), "pcimem%d-%u", pd->minor, i);
		ret = request_irq(pci_irq_vector(pdev, i), handler, flags, v->name, v);
		if (ret) {
			dev_err(&pdev->dev, "cannot request interrupt %u: %d\n", i, ret);
			goto err_free;
		}
	}
	pcimem_irq_restore(pd);
	return 0;

err_free:
	while (i--)
		free_irq(pci_irq_vector(pdev, i), &pd->vec[i]);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pd->irq_mode = PCIMEM_IRQ_NONE;
	pd->vectors = 0;
	return ret;
}

/*
 * After this no handler runs, so the BARs may be unmapped, and the device
 * raises nothing more: edu's work still pending (a DMA finishes 100 ms
 * after it was started, then interrupts) must not reach a line nobody
 * handles. Freeing MSI vectors turns INTx back on, so INTx is disabled in
 * the command register last; pci_enable_device() in the next probe turns
 * it on again.
 */
void pcimem_irq_exit(struct pcimem_dev *pd, struct pci_dev *pdev)
{
	unsigned int i;

	if (pd->irq_mode == PCIMEM_IRQ_NONE)
		return;
	if (pd->variant->kind == PCIMEM_IVSHMEM && pd->irq_mode == PCIMEM_IRQ_INTX)
		iowrite32(0, pcimem_regs(pd) + IVSHMEM_INTR_MASK);
	if (pd->variant->kind == PCIMEM_EDU)
		iowrite32(0, pcimem_regs(pd) + EDU_STATUS);
	pci_clear_master(pdev);
	/* An INTx line may be shared: silence ours before its handler goes. */
	if (pd->irq_mode == PCIMEM_IRQ_INTX)
		pci_intx(pdev, 0);
	for (i = 0; i < pd->vectors; i++)
		free_irq(pci_irq_vector(pdev, i), &pd->vec[i]);
	pci_free_irq_vectors(pdev);
	pci_intx(pdev, 0);
	pcimem_release_eventfds(pd, NULL);
}

/*
 * Register (fd >= 0) or detach (fd == -1) the eventfd of a vector for the
 * open file @pf, unless another file registered one. Called with pd->lock
 * held and the device present.
 */
int pcimem_set_eventfd(struct pcimem_dev *pd, const struct pcimem_file *pf,
		       u32 vector, int fd)
{
	struct eventfd_ctx *ctx = NULL, *old;
	struct pcimem_vector *v;

	lockdep_assert_held(&pd->lock);
	if (!pd->vectors)
		return -EOPNOTSUPP;
	if (vector >= pd->vectors || fd < -1)
		return -EINVAL;
	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	v = &pd->vec[vector];
	spin_lock_irq(&pd->trigger_lock);
	if (v->trigger_owner && v->trigger_owner != pf) {
		spin_unlock_irq(&pd->trigger_lock);
		if (ctx)
			eventfd_ctx_put(ctx);
		return -EBUSY;
	}
	old = v->trigger;
	v->trigger = ctx;
	v->trigger_owner = ctx ? pf : NULL;
	spin_unlock_irq(&pd->trigger_lock);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/*
 * Detach the eventfds @pf registered, or every one for a NULL @pf (after
 * the handlers are gone).
 */
void pcimem_release_eventfds(struct pcimem_dev *pd, const struct pcimem_file *pf)
{
	unsigned int i;

	for (i = 0; i < PCIMEM_MAX_VECTORS; i++) {
		struct pcimem_vector *v = &pd->vec[i];
		struct eventfd_ctx *old = NULL;

		spin_lock_irq(&pd->trigger_lock);
		if (v->trigger && (!pf || v->trigger_owner == pf)) {
			old = v->trigger;
			v->trigger = NULL;
			v->trigger_owner = NULL;
		}
		spin_unlock_irq(&pd->trigger_lock);
		if (old)
			eventfd_ctx_put(old);
	}
}

/*
 * The vector is the peer's: every peer of a server has as many as our
 * MSI-X table (the server's -n); without MSI-X we cannot know, so any
 * 16-bit vector goes. Called with pd->lock held and the device present.
 */
int pcimem_ring(struct pcimem_dev *pd, u32 peer, u32 vector)
{
	u32 vectors;

	lockdep_assert_held(&pd->lock);
	vectors = pd->pdev->msix_cap ? pci_msix_vec_count(pd->pdev) :
		  IVSHMEM_DOORBELL_VECTOR + 1;
	if (!pd->variant || pd->variant->kind != PCIMEM_IVSHMEM || !pd->vectors)
		return -EOPNOTSUPP;
	if (peer > PCIMEM_MAX_PEER_ID || vector >= vectors)
		return -EINVAL;
	iowrite32(peer << IVSHMEM_DOORBELL_PEER_SHIFT | vector,
		  pcimem_regs(pd) + IVSHMEM_DOORBELL);
	return 0;
}

/*
 * Does reading [pos, pos + n) of the BAR have a side effect? ivshmem's
 * IntrStatus and pcimem-testdev's STATUS clear on read. Called with
 * pd->lock held.
 */
bool pcimem_read_clears(struct pcimem_dev *pd, const struct pcimem_bar *bar,
			loff_t pos, size_t n)
{
	int reg = pd->variant ? pd->variant->read_clears : -1;

	lockdep_assert_held(&pd->lock);
	return reg >= 0 && bar->index == 0 && pos < reg + 4 && pos + n > reg;
}

/* Called with pd->lock held and the device present. */
s32 pcimem_peer_id(struct pcimem_dev *pd)
{
	lockdep_assert_held(&pd->lock);
	if (!pd->variant || pd->variant->kind != PCIMEM_IVSHMEM)
		return -1;
	return ioread32(pcimem_regs(pd) + IVSHMEM_IV_POSITION);
}
