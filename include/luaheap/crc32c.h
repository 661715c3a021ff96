/*
 * CRC-32C (Castagnoli), the binary snapshot's frame checksum, defined once
 * for the dumper (writer) and the analyzer (reader): the polynomial, the
 * slicing-by-16 tables and loop, and the processor's crc32 instruction.
 * Each side owns its table (LH_CRC32C_TABLE_WORDS words, filled once by
 * lh_crc32c_init) and decides when to use the instruction.
 */
#ifndef LUAHEAP_CRC32C_H
#define LUAHEAP_CRC32C_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LH_CRC32C_POLY 0x82f63b78u   /* reflected */
#define LH_CRC32C_SLICES 16
#define LH_CRC32C_TABLE_WORDS (LH_CRC32C_SLICES * 256)

/* Fills 'tab' (LH_CRC32C_TABLE_WORDS words): table 0 is the CRC of each
 * byte, table k that of the byte followed by k zero bytes. */
static inline void lh_crc32c_init(uint32_t *tab)
{
	uint32_t i, k, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ LH_CRC32C_POLY : c >> 1;
		tab[i] = c;
	}
	for (k = 1; k < LH_CRC32C_SLICES; k++)
		for (i = 0; i < 256; i++) {
			c = tab[(k - 1) * 256 + i];
			tab[k * 256 + i] = (c >> 8) ^ tab[c & 0xff];
		}
}

static inline uint32_t lh_crc32c_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Continues the CRC-32C 'crc' (0 to start) over n bytes of p with the
 * tables, 16 bytes a step. */
static inline uint32_t lh_crc32c_sw(const uint32_t *t, uint32_t crc,
	const void *data, size_t n)
{
#define LH_CRC32C_T(k, byte) t[(k) * 256 + ((byte) & 0xff)]
	const unsigned char *p = data;
	uint32_t a, b, c, d;

	crc = ~crc;
	while (n >= 16) {
		a = lh_crc32c_le32(p) ^ crc;
		b = lh_crc32c_le32(p + 4);
		c = lh_crc32c_le32(p + 8);
		d = lh_crc32c_le32(p + 12);
		crc = LH_CRC32C_T(15, a) ^ LH_CRC32C_T(14, a >> 8) ^
		      LH_CRC32C_T(13, a >> 16) ^ LH_CRC32C_T(12, a >> 24) ^
		      LH_CRC32C_T(11, b) ^ LH_CRC32C_T(10, b >> 8) ^
		      LH_CRC32C_T(9, b >> 16) ^ LH_CRC32C_T(8, b >> 24) ^
		      LH_CRC32C_T(7, c) ^ LH_CRC32C_T(6, c >> 8) ^
		      LH_CRC32C_T(5, c >> 16) ^ LH_CRC32C_T(4, c >> 24) ^
		      LH_CRC32C_T(3, d) ^ LH_CRC32C_T(2, d >> 8) ^
		      LH_CRC32C_T(1, d >> 16) ^ LH_CRC32C_T(0, d >> 24);
		p += 16;
		n -= 16;
	}
	while (n-- > 0)
		crc = LH_CRC32C_T(0, crc ^ *p++) ^ (crc >> 8);
	return ~crc;
#undef LH_CRC32C_T
}

#if defined(__x86_64__) && defined(__GNUC__)
#define LH_CRC32C_HW 1

/* Whether this processor has the SSE4.2 crc32 instruction. */
static inline int lh_crc32c_hw_present(void)
{
	return __builtin_cpu_supports("sse4.2");
}

/* Continues the CRC register c (not inverted) over n bytes of p with the
 * crc32 instruction, 8 bytes at a time. */
__attribute__((target("sse4.2")))
static inline uint32_t lh_crc32c_hw(uint32_t crc, const unsigned char *p,
	size_t n)
{
	uint64_t c = crc, v;

	while (n >= 8) {
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		n -= 8;
	}
	while (n-- > 0)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return (uint32_t)c;
}
#endif

#endif
