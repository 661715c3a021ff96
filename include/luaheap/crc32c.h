/*
 * CRC-32C (Castagnoli), the binary snapshot's frame checksum: the polynomial
 * and the processor's crc32 instruction, shared by the dumper (writer) and
 * the analyzer (reader); each keeps its own tables for other processors.
 */
#ifndef LUAHEAP_CRC32C_H
#define LUAHEAP_CRC32C_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LH_CRC32C_POLY 0x82f63b78u   /* reflected */

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
