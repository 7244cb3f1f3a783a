build/obj/userspace-pic/mailbox-command.o: mailbox-command.c \
 mailbox-command.h cli.h number.h mailbox.h region.h
mailbox-command.h:
cli.h:
number.h:
mailbox.h:
region.h:
