build/obj/userspace/channel.o: channel.c channel.h
channel.h:
