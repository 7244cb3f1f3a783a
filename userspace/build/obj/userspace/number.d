build/obj/userspace/number.o: number.c number.h
number.h:
