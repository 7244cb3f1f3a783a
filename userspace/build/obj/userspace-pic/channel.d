build/obj/userspace-pic/channel.o: channel.c channel.h
channel.h:
