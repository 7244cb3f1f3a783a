build/obj/userspace-pic/deadline.o: deadline.c deadline.h
deadline.h:
