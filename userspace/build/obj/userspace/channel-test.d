build/obj/userspace/channel-test.o: channel-test.c channel.h \
 ../ci/tests/check.h
channel.h:
../ci/tests/check.h:
