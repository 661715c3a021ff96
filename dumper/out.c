/*
 * The dumper's output sink: one fixed buffer over a file descriptor. In the
 * binary encoding each buffer-full becomes a frame (length, payload, CRC)
 * and the end frame carries the CRC of all payloads; JSON is written raw.
 * The first write error is kept and everything after it is skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int lh_out__init(lh_out *o, int fd, int framed)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->framed = framed;
	o->mem = malloc(4 + LH_OUT_PAYLOAD + 4);
	o->crctab = malloc(LH_CRC32C_TABLE_WORDS * sizeof(uint32_t));
	if (o->mem == NULL || o->crctab == NULL) {
		lh_out__release(o);
		return -1;
	}
	o->buf = o->mem + 4;
	lh_crc32c_init(o->crctab);
	return 0;
}

void lh_out__release(lh_out *o)
{
	free(o->mem);
	free(o->crctab);
	o->mem = o->buf = NULL;
	o->crctab = NULL;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void write_all(lh_out *o, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && o->err == 0) {
		w = write(o->fd, p, n);
		if (w < 0) {
			if (errno != EINTR)
				o->err = errno;
			continue;
		}
		if (w == 0) {            /* should not happen on a regular file */
			o->err = EIO;
			break;
		}
		p += w;
		n -= (size_t)w;
		o->written += (uint64_t)w;
	}
}

void lh_out__raw(lh_out *o, const void *p, size_t n)
{
	lh_out__flush(o);
	write_all(o, p, n);
}

void lh_out__flush(lh_out *o)
{
	uint32_t crc;

	if (o->pos == 0)
		return;
	if (!o->framed) {
		write_all(o, o->buf, o->pos);
	} else {
		crc = lh_dump__crc(o->crctab, 0, o->buf, o->pos);
		o->stream_crc = lh_dump__crc_combine(o->stream_crc, crc, o->pos);
		put32(o->mem, (uint32_t)o->pos);
		put32(o->buf + o->pos, crc);
		write_all(o, o->mem, 4 + o->pos + 4);
	}
	o->pos = 0;
}

void lh_out__finish(lh_out *o)
{
	unsigned char end[8];

	lh_out__flush(o);
	if (o->framed) {
		put32(end, 0);
		put32(end + 4, o->stream_crc);
		write_all(o, end, sizeof(end));
	}
}

void lh_out__put(lh_out *o, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t k;

	while (n > 0) {
		if (o->pos == LH_OUT_PAYLOAD)
			lh_out__flush(o);
		k = LH_OUT_PAYLOAD - o->pos;
		if (k > n)
			k = n;
		memcpy(o->buf + o->pos, s, k);
		o->pos += k;
		s += k;
		n -= k;
	}
}
