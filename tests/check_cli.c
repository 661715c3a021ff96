/*
 * The CLI's shared helpers (cli/util.c): sizes, counts, UTF-8 cleaning,
 * aligned tables. The test binary does not link the CLI, so util.c is
 * compiled in here.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

START_TEST(sizes_read_in_binary_units_with_one_decimal)
{
	char b[CLI_SIZE_BUF];

	ck_assert_str_eq(cli_size(0, b), "0 B");
	ck_assert_str_eq(cli_size(1023, b), "1023 B");
	ck_assert_str_eq(cli_size(1024, b), "1.0 KiB");
	ck_assert_str_eq(cli_size(1536, b), "1.5 KiB");
	ck_assert_str_eq(cli_size(1024 * 1024 - 1, b), "1.0 MiB");   /* not "1024.0 KiB" */
	ck_assert_str_eq(cli_size(3 * 1024 * 1024 + 300 * 1024, b), "3.3 MiB");
	ck_assert_str_eq(cli_size(UINT64_C(5) << 40, b), "5.0 TiB");
	ck_assert_str_eq(cli_size(UINT64_MAX, b), "16.0 EiB");
}
END_TEST

START_TEST(counts_group_digits_by_three)
{
	char b[CLI_SIZE_BUF];

	ck_assert_str_eq(cli_count(0, b), "0");
	ck_assert_str_eq(cli_count(999, b), "999");
	ck_assert_str_eq(cli_count(1000, b), "1,000");
	ck_assert_str_eq(cli_count(1234567, b), "1,234,567");
	ck_assert_str_eq(cli_count(UINT64_MAX, b), "18,446,744,073,709,551,615");
	ck_assert_str_eq(cli_addr(0x55d0c3a4b2c0ull, b), "0x55d0c3a4b2c0");
}
END_TEST

START_TEST(snapshot_bytes_become_valid_utf8)
{
	char *u;

	u = cli_utf8("plain", 5);
	ck_assert_str_eq(u, "plain");
	free(u);
	u = cli_utf8("caf\xc3\xa9 \xe2\x80\xa6", 9);          /* valid UTF-8 stays */
	ck_assert_str_eq(u, "caf\xc3\xa9 \xe2\x80\xa6");
	free(u);
	u = cli_utf8("caf\xe9", 4);                          /* Latin-1 byte */
	ck_assert_str_eq(u, "caf\xc3\xa9");
	free(u);
	u = cli_utf8("a\0b", 3);                             /* NUL */
	ck_assert_str_eq(u, "a\\0b");
	free(u);
	u = cli_utf8("\xe2\x80", 2);                         /* cut sequence */
	ck_assert_str_eq(u, "\xc3\xa2\xc2\x80");
	free(u);
	u = cli_utf8("\xc0\xaf\xed\xa0\x80", 5);             /* overlong, surrogate */
	ck_assert_str_eq(u, "\xc3\x80\xc2\xaf\xc3\xad\xc2\xa0\xc2\x80");
	free(u);
}
END_TEST

START_TEST(tables_align_columns_and_leave_no_trailing_blanks)
{
	cli_table *t = cli_table_new("lrr");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	cli_table_header(t, "type", "count", "");
	cli_table_row(t, "string", "12", "50%");
	cli_table_row(t, "caf\xc3\xa9", "1,234", "");
	cli_table_print(t, f, 2);
	fclose(f);
	ck_assert_str_eq(out,
		"  type    count\n"
		"  string     12  50%\n"
		"  caf\xc3\xa9    1,234\n");
	free(out);
	cli_table_free(t);
	cli_table_free(NULL);
}
END_TEST

START_TEST(json_helpers_build_the_document)
{
	cJSON *doc = cli_json_object(NULL, NULL), *arr;
	char *s;

	cli_json_num(doc, "n", 42);
	cli_json_bool(doc, "ok", 1);
	cli_json_addr(doc, "at", 0xabcull);
	cli_json_bytes(doc, "text", "x\xe9", 2);
	arr = cli_json_array(doc, "list");
	cli_json_str(arr, NULL, "a");
	s = cJSON_PrintUnformatted(doc);
	ck_assert_str_eq(s, "{\"n\":42,\"ok\":true,\"at\":\"0xabc\",\"text\":\"x\xc3\xa9\",\"list\":[\"a\"]}");
	free(s);
	cJSON_Delete(doc);
}
END_TEST

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, sizes_read_in_binary_units_with_one_decimal);
	tcase_add_test(tc, counts_group_digits_by_three);
	tcase_add_test(tc, snapshot_bytes_become_valid_utf8);
	tcase_add_test(tc, tables_align_columns_and_leave_no_trailing_blanks);
	tcase_add_test(tc, json_helpers_build_the_document);
	suite_add_tcase(s, tc);
	return s;
}
