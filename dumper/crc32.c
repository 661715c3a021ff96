/*
 * CRC-32C for the binary snapshot's frames, as the writer uses it: the
 * SSE4.2 instruction where the processor has it, else crc32c.h's tables,
 * and the combination of two CRCs so the stream CRC costs nothing per byte.
 */
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

uint32_t lh_dump__crc(const uint32_t *t, uint32_t crc, const void *data,
                      size_t n)
{
#ifdef LH_CRC32C_HW
	if (use_hw < 0)
		lh_dump__crc_hw(1);
	if (use_hw)
		return ~lh_crc32c_hw(~crc, data, n);
#endif
	return lh_crc32c_sw(t, crc, data, n);
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
