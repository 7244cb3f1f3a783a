build/obj/userspace/region.o: region.c region.h
region.h:
