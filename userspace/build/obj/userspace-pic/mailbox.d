build/obj/userspace-pic/mailbox.o: mailbox.c cli.h number.h deadline.h \
 mailbox.h region.h
cli.h:
number.h:
deadline.h:
mailbox.h:
region.h:
