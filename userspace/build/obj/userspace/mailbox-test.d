build/obj/userspace/mailbox-test.o: mailbox-test.c ../ci/tests/check.h \
 cli.h number.h mailbox.h region.h
../ci/tests/check.h:
cli.h:
number.h:
mailbox.h:
region.h:
