build/obj/userspace/region-test.o: region-test.c ../ci/tests/check.h \
 region.h
../ci/tests/check.h:
region.h:
