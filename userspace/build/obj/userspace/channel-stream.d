build/obj/userspace/channel-stream.o: channel-stream.c channel.h \
 channel-stream.h cli.h number.h deadline.h
channel.h:
channel-stream.h:
cli.h:
number.h:
deadline.h:
