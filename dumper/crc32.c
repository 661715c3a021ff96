/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) for the binary
 * snapshot's frames: the SSE4.2 crc32 instruction where the processor has
 * it, table-driven slicing-by-16 elsewhere, and the combination of two CRCs
 * so the stream CRC costs nothing per byte.
 */
#include "luaheap/crc32c.h"
#include "internal.h"

#define POLY LH_CRC32C_POLY

#ifdef LH_CRC32C_HW
static int use_hw = -1;                 /* -1: not asked yet */
#endif

void lh_dump__crc_hw(int on)
{
#ifdef LH_CRC32C_HW
	use_hw = on && lh_crc32c_hw_present();
#else
	(void)on;
#endif
}

void lh_dump__crc_init(uint32_t *tab)
{
	uint32_t i, k, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
		tab[i] = c;
	}
	/* table k: the CRC of a byte followed by k zero bytes */
	for (k = 1; k < LH_CRC_SLICES; k++)
		for (i = 0; i < 256; i++) {
			c = tab[(k - 1) * 256 + i];
			tab[k * 256 + i] = (c >> 8) ^ tab[c & 0xff];
		}
}

static uint32_t load32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#define T(k, byte) t[(k) * 256 + ((byte) & 0xff)]

uint32_t lh_dump__crc(const uint32_t *t, uint32_t crc, const void *data,
                      size_t n)
{
	const unsigned char *p = data;
	uint32_t a, b, c, d;

#ifdef LH_CRC32C_HW
	if (use_hw < 0)
		lh_dump__crc_hw(1);
	if (use_hw)
		return ~lh_crc32c_hw(~crc, p, n);
#endif
	crc = ~crc;
	while (n >= 16) {
		a = load32(p) ^ crc;
		b = load32(p + 4);
		c = load32(p + 8);
		d = load32(p + 12);
		crc = T(15, a) ^ T(14, a >> 8) ^ T(13, a >> 16) ^ T(12, a >> 24) ^
		      T(11, b) ^ T(10, b >> 8) ^ T(9, b >> 16) ^ T(8, b >> 24) ^
		      T(7, c) ^ T(6, c >> 8) ^ T(5, c >> 16) ^ T(4, c >> 24) ^
		      T(3, d) ^ T(2, d >> 8) ^ T(1, d >> 16) ^ T(0, d >> 24);
		p += 16;
		n -= 16;
	}
	while (n-- > 0)
		crc = T(0, crc ^ *p++) ^ (crc >> 8);
	return ~crc;
}

/*
 * Polynomials over GF(2) modulo the CRC polynomial, in the reflected bit
 * order the CRC uses: bit 31 is x^0, bit 0 is x^31.
 */
static uint32_t polymul(uint32_t a, uint32_t b)
{
	uint32_t m = 1u << 31, r = 0;

	while (a != 0) {
		if (a & m) {
			r ^= b;
			a ^= m;
		}
		m >>= 1;
		b = (b & 1) ? (b >> 1) ^ POLY : b >> 1;   /* b *= x */
	}
	return r;
}

/* x^(8n) mod P, by repeated squaring of x^8. */
static uint32_t x8n(uint64_t n)
{
	uint32_t r = 1u << 31, sq = 1u << (31 - 8);

	while (n != 0) {
		if (n & 1)
			r = polymul(r, sq);
		sq = polymul(sq, sq);
		n >>= 1;
	}
	return r;
}

/*
 * Appending len_b bytes B to A multiplies A's (pre- and post-inverted)
 * remainder by x^(8 len_b); the inversions cancel out in the sum.
 */
uint32_t lh_dump__crc_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
	return polymul(x8n(len_b), crc_a) ^ crc_b;
}
