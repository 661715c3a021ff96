/*
 * The readers of the two encodings: each reads one file into a builder
 * (builder.h), checking everything it reads.
 */
#ifndef LUAHEAP_READ_H
#define LUAHEAP_READ_H

#include <stdio.h>
#include "builder.h"

/* The two encodings. The binary reader starts right after the magic; size
 * is the file's length in bytes, or UINT64_MAX when unknown. The JSON reader
 * gets the n bytes already read from the file's start in head. */
int lh_snap__read_bin(lh_snap_builder *b, FILE *f, uint64_t size);
int lh_snap__read_json(lh_snap_builder *b, FILE *f, const unsigned char *head, size_t n);

#endif
