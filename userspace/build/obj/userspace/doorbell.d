build/obj/userspace/doorbell.o: doorbell.c cli.h number.h deadline.h \
 doorbell.h device.h ../drivers/uapi/pcimem.h discover.h region.h \
 mailbox-command.h mailbox.h report.h
cli.h:
number.h:
deadline.h:
doorbell.h:
device.h:
../drivers/uapi/pcimem.h:
discover.h:
region.h:
mailbox-command.h:
mailbox.h:
report.h:
