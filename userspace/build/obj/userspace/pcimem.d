build/obj/userspace/pcimem.o: pcimem.c ../drivers/uapi/pcimem.h \
 channel-device.h cli.h number.h commands.h region.h device.h discover.h \
 doorbell.h report.h
../drivers/uapi/pcimem.h:
channel-device.h:
cli.h:
number.h:
commands.h:
region.h:
device.h:
discover.h:
doorbell.h:
report.h:
