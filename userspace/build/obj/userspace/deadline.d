build/obj/userspace/deadline.o: deadline.c deadline.h
deadline.h:
