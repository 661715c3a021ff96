/*
 * The writer of exports and pictures: Lua's arbitrary bytes escaped for
 * JSON come back whole through a real JSON parser (cJSON) when they are
 * UTF-8, and always as valid UTF-8; XML text has no markup character left;
 * long formatted text is written whole.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "luaheap/analysis.h"
#include "luaheap/out.h"

/* Writes through fn into a temporary file and returns its bytes (NUL
 * terminated, malloc'd). */
static char *capture(void (*fn)(lh_out *, const char *, size_t),
	const char *prefix, const char *s, size_t n, const char *suffix)
{
	FILE *f = tmpfile();
	lh_out *o;
	char *text;
	long len;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(lh_out_new(&o, f, NULL), LH_OK);
	lh_out_puts(o, prefix);
	fn(o, s, n);
	lh_out_puts(o, suffix);
	ck_assert_int_eq(lh_out_flush(o, "tmp", NULL), LH_OK);
	len = ftell(f);
	text = malloc((size_t)len + 1);
	rewind(f);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	lh_out_free(o);
	return text;
}

static int valid_utf8(const char *s)
{
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		if ((k = lh_render_utf8_seq((const unsigned char *)s + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

START_TEST(json_escapes_parse_back_and_stay_utf8)
{
	char buf[64];
	int round;

	srand(42);
	for (round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % 40), i;
		int utf8_only = round % 2;
		char *text;
		cJSON *doc;

		for (i = 0; i < n; i++)   /* half the rounds: ASCII and é only */
			buf[i] = (char)(utf8_only ? (rand() % 3 == 0 ? 0x1f :
				1 + rand() % 127) : rand() % 256);
		if (utf8_only && n >= 2) {
			buf[0] = (char)0xc3;
			buf[1] = (char)0xa9;
		}
		text = capture(lh_out_json, "\"", buf, n, "\"");
		ck_assert(valid_utf8(text));
		doc = cJSON_Parse(text);
		ck_assert_msg(doc != NULL && cJSON_IsString(doc), "%s", text);
		if (utf8_only)
			ck_assert_str_eq(doc->valuestring, (buf[n] = 0, buf));
		cJSON_Delete(doc);
		free(text);
	}
}
END_TEST

START_TEST(xml_text_has_no_markup_left)
{
	const char s[] = "<a href=\"x\">&'\x01\xff\xc3\xa9</a>";
	char *text = capture(lh_out_xml, "", s, sizeof s - 1, "");

	ck_assert(valid_utf8(text));
	ck_assert_ptr_null(strpbrk(text, "<>\"'\x01"));
	ck_assert_str_eq(text, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
		"\xef\xbf\xbd\xc3\xbf\xc3\xa9&lt;/a&gt;");
	free(text);
}
END_TEST

static void printf_long(lh_out *o, const char *s, size_t n)
{
	lh_out_printf(o, "[%.*s]", (int)n, s);
}

START_TEST(long_formatted_text_is_written_whole)
{
	size_t n = 3 * 65536, i;   /* longer than the writer's buffer, three times */
	char *s = malloc(n), *text;

	for (i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	text = capture(printf_long, "", s, n, "");
	ck_assert_uint_eq(strlen(text), n + 2);
	ck_assert_int_eq(memcmp(text + 1, s, n), 0);
	free(text);
	free(s);
}
END_TEST

Suite *out_suite(void)
{
	Suite *s = suite_create("out");
	TCase *tc = tcase_create("escapes");

	tcase_add_test(tc, json_escapes_parse_back_and_stay_utf8);
	tcase_add_test(tc, xml_text_has_no_markup_left);
	tcase_add_test(tc, long_formatted_text_is_written_whole);
	suite_add_tcase(s, tc);
	return s;
}
