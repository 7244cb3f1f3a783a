build/obj/userspace/device.o: device.c cli.h number.h device.h \
 ../drivers/uapi/pcimem.h discover.h region.h
cli.h:
number.h:
device.h:
../drivers/uapi/pcimem.h:
discover.h:
region.h:
