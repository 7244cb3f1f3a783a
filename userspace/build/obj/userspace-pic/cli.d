build/obj/userspace-pic/cli.o: cli.c ../drivers/uapi/pcimem.h cli.h \
 number.h
../drivers/uapi/pcimem.h:
cli.h:
number.h:
