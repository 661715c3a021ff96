/*
 * The analyzer's hash map (analyzer/map_int.h) against a brute-force
 * linear search over the same entries: random keys with the real string
 * hash, with a hash of few values and with one constant hash (every key
 * collides), through many doublings.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "map_int.h"
#include "hash.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16) % n;
}

enum { H_REAL, H_FEW, H_CONST };

static uint64_t key_hash(const char *s, int how)
{
	switch (how) {
	case H_REAL:  return lh_hash__str(s);
	case H_FEW:   return lh_hash__str(s) % 7;
	default:      return 42;
	}
}

/* Entry index of key s in the map (names compared), or LH_MAP_END. */
static uint32_t map_find(const lh_map *m, char **name, const char *s,
	int how)
{
	uint64_t h = key_hash(s, how);
	uint32_t pos = lh_map_start(m, h), e;

	while ((e = lh_map_next(m, h, &pos)) != LH_MAP_END &&
	    strcmp(name[e], s) != 0)
		;
	return e;
}

static uint32_t brute_find(char **name, uint32_t n, const char *s)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name[i], s) == 0)
			return i;
	return LH_MAP_END;
}

/* nops random keys (drawn from 'range' possible ones, so some repeat)
 * looked up and added when new; every answer checked by brute force. */
static void random_keys(int how, uint32_t nops, uint32_t range,
	uint32_t presize, uint64_t seed)
{
	lh_map m;
	char **name = malloc((size_t)nops * sizeof *name), buf[32];
	uint32_t i, n = 0;

	ck_assert_ptr_nonnull(name);
	rng_state = seed;
	ck_assert_int_eq(lh_map_init(&m, presize), LH_OK);
	for (i = 0; i < nops; i++) {
		uint32_t got, want;

		snprintf(buf, sizeof buf, "k%u", rnd(range));
		got = map_find(&m, name, buf, how);
		want = brute_find(name, n, buf);
		ck_assert_uint_eq(got, want);
		if (got == LH_MAP_END) {
			ck_assert_ptr_nonnull(name[n] = strdup(buf));
			ck_assert_int_eq(lh_map_add(&m, key_hash(buf, how), n),
				LH_OK);
			n++;
		}
		ck_assert_uint_eq(m.count, n);
		ck_assert_uint_le(2 * (uint64_t)m.count, (uint64_t)m.mask + 1);
	}
	/* every key ever added is found where it was put, absent ones not */
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(map_find(&m, name, name[i], how), i);
	for (i = 0; i < 200; i++) {
		snprintf(buf, sizeof buf, "absent%u", i);
		ck_assert_uint_eq(map_find(&m, name, buf, how), LH_MAP_END);
	}
	for (i = 0; i < n; i++)
		free(name[i]);
	free(name);
	lh_map_release(&m);
}

START_TEST(random_keys_agree_with_a_linear_search)
{
	random_keys(H_REAL, 20000, 8000, 0, 0x9e3779b97f4a7c15ull);
	random_keys(H_REAL, 5000, 100000, 5000, 12345);
}
END_TEST

START_TEST(colliding_hashes_agree_with_a_linear_search)
{
	random_keys(H_FEW, 6000, 2500, 0, 777);
	random_keys(H_CONST, 2000, 900, 0, 4242);
	random_keys(H_CONST, 1000, 1000000, 16, 99);
}
END_TEST

/* Keys that are their own hash (lh_map_get), sequential and spread, past
 * many doublings from the smallest map; then a presized map that never
 * grows. */
START_TEST(own_hash_keys_through_growth)
{
	lh_map m;
	uint32_t i, n = 200000, *before;

	ck_assert_int_eq(lh_map_init(&m, 0), LH_OK);
	ck_assert_uint_eq(m.mask + 1, 16);
	for (i = 0; i < n; i++) {
		uint64_t k = i % 2 ? (uint64_t)i << 40 : (uint64_t)i;
		ck_assert_uint_eq(lh_map_get(&m, k), LH_MAP_END);
		ck_assert_int_eq(lh_map_add(&m, k, n - i), LH_OK);
	}
	ck_assert_uint_eq(m.count, n);
	ck_assert_uint_eq(m.mask + 1, 524288);    /* 2^19 >= 2 * 200000 */
	for (i = 0; i < n; i++) {
		uint64_t k = i % 2 ? (uint64_t)i << 40 : (uint64_t)i;
		ck_assert_uint_eq(lh_map_get(&m, k), n - i);
		ck_assert_uint_eq(lh_map_get(&m, k + 1000000000000ull),
			LH_MAP_END);
	}
	lh_map_release(&m);
	ck_assert_ptr_null(m.slot);

	ck_assert_int_eq(lh_map_init(&m, 1000), LH_OK);
	before = m.slot;
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(lh_map_add(&m, i * 7919ull, i), LH_OK);
	ck_assert_ptr_eq(m.slot, before);         /* room for 1000: no growth */
	ck_assert_int_eq(lh_map_add(&m, 1, 1000), LH_OK);
	for (i = 0; i < 1000; i++)
		ck_assert_uint_eq(lh_map_get(&m, i * 7919ull), i);
	lh_map_release(&m);
}
END_TEST

Suite *map_suite(void)
{
	Suite *s = suite_create("map");
	TCase *tc = tcase_create("map");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, random_keys_agree_with_a_linear_search);
	tcase_add_test(tc, colliding_hashes_agree_with_a_linear_search);
	tcase_add_test(tc, own_hash_keys_through_growth);
	suite_add_tcase(s, tc);
	return s;
}
