build/obj/userspace/check.o: ../ci/tests/check.c ../ci/tests/check.h
../ci/tests/check.h:
