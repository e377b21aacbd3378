/* memhog MIB: allocates and touches MIB mebibytes, one at a time, then says so. Under a
   memory limit smaller than that it is killed (or its allocation fails: exit 1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 0;
	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);
		if (!p) {
			printf("memhog: allocation failed after %ld MiB\n", i);
			return 1;
		}
		memset(p, 1, 1 << 20);
	}
	printf("memhog: %ld MiB allocated\n", mib);
	return 0;
}
