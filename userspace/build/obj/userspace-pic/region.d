build/obj/userspace-pic/region.o: region.c region.h
region.h:
