build/obj/userspace/report.o: report.c cli.h number.h device.h \
 ../drivers/uapi/pcimem.h discover.h region.h report.h
cli.h:
number.h:
device.h:
../drivers/uapi/pcimem.h:
discover.h:
region.h:
report.h:
