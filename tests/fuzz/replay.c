/*
 * Replay driver of a fuzz target: feeds every file of the directories (or the
 * files) named on the command line through LLVMFuzzerTestOneInput, in sorted
 * order, plus the empty input. An invariant violation aborts (the test fails);
 * a run that finds no input at all fails too (a missing corpus is not a pass).
 * Files whose name starts with '.' are skipped (.keep files of empty directories).
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *buf;
    long len;
    size_t got;
    if (!fp) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    if (fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
        fclose(fp);
        fprintf(stderr, "replay: cannot size %s\n", path);
        return -1;
    }
    buf = (uint8_t *)malloc((size_t)len + 1);
    if (!buf) {
        fclose(fp);
        return -1;
    }
    got = fread(buf, 1, (size_t)len, fp);
    fclose(fp);
    if (got != (size_t)len) {
        free(buf);
        fprintf(stderr, "replay: short read of %s\n", path);
        return -1;
    }
    /* an exact-size copy, so ASan sees any read past the end */
    {
        uint8_t *exact = (uint8_t *)malloc(got ? got : 1);
        if (!exact) {
            free(buf);
            return -1;
        }
        memcpy(exact, buf, got);
        free(buf);
        LLVMFuzzerTestOneInput(exact, got);
        free(exact);
    }
    return 0;
}

static long run_path(const char *path)
{
    struct stat sb;
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, k;
    long count = 0;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "replay: %s does not exist\n", path);
        return -1;
    }
    if (!S_ISDIR(sb.st_mode))
        return run_file(path) == 0 ? 1 : -1;
    d = opendir(path);
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = (char **)realloc(names, cap * sizeof *names);
            if (!names)
                return -1;
        }
        names[n] = (char *)malloc(strlen(path) + strlen(e->d_name) + 2);
        if (!names[n])
            return -1;
        sprintf(names[n], "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    for (k = 0; k < n; k++) {
        if (run_file(names[k]) != 0)
            count = -1;
        else if (count >= 0)
            count++;
        free(names[k]);
    }
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    long total = 0;
    int a;
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    for (a = 1; a < argc; a++) {
        long c = run_path(argv[a]);
        if (c < 0)
            return 1;
        printf("%s: %ld inputs\n", argv[a], c);
        total += c;
    }
    if (total == 0) {
        fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    printf("replayed %ld inputs, all invariants held\n", total);
    return 0;
}
