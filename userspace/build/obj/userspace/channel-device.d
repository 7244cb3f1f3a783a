build/obj/userspace/channel-device.o: channel-device.c channel-device.h \
 cli.h number.h channel-stream.h device.h ../drivers/uapi/pcimem.h \
 discover.h region.h
channel-device.h:
cli.h:
number.h:
channel-stream.h:
device.h:
../drivers/uapi/pcimem.h:
discover.h:
region.h:
