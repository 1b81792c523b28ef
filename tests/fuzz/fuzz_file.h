/*
 * The file-reading fuzz targets: the readers take a path, so the fuzz bytes
 * are written to one temporary file per process (removed at exit).
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_FUZZ_FILE_H
#define CVA_FUZZ_FILE_H

#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fz_tmp_path[256];

static void fz_tmp_remove(void)
{
    if (fz_tmp_path[0])
        unlink(fz_tmp_path);
}

/** Write @p n bytes to the process's temporary file; returns its path (NULL on failure). */
static const char *fz_tmp_write(const char *tag, const void *p, size_t n)
{
    FILE *fp;
    if (!fz_tmp_path[0]) {
        const char *dir = getenv("TMPDIR");
        int fd;
        snprintf(fz_tmp_path, sizeof fz_tmp_path, "%s/cva-fuzz-%s-XXXXXX", dir && *dir ? dir : "/tmp", tag);
        fd = mkstemp(fz_tmp_path);
        if (fd < 0) {
            fz_tmp_path[0] = '\0';
            return NULL;
        }
        close(fd);
        atexit(fz_tmp_remove);
    }
    fp = fopen(fz_tmp_path, "wb");
    if (!fp)
        return NULL;
    if (n && fwrite(p, 1, n, fp) != n) {
        fclose(fp);
        return NULL;
    }
    if (fclose(fp) != 0)
        return NULL;
    return fz_tmp_path;
}

#endif /* CVA_FUZZ_FILE_H */
