build/obj/userspace/commands.o: commands.c commands.h cli.h number.h \
 region.h
commands.h:
cli.h:
number.h:
region.h:
