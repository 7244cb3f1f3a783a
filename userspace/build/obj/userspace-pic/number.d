build/obj/userspace-pic/number.o: number.c number.h
number.h:
