build/obj/userspace/report-test.o: report-test.c report.h \
 ../drivers/uapi/pcimem.h
report.h:
../drivers/uapi/pcimem.h:
