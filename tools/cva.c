/* placeholder; replaced by the CLI */
#include <stdio.h>
#include "cva/cva.h"
int main(void) { printf("cva %s\n", cva_version_string()); return 0; }
