build/obj/userspace/discover.o: discover.c cli.h number.h discover.h
cli.h:
number.h:
discover.h:
