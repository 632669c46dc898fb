/* test_xmlrpc.c — the XML-RPC decoder and encoder, against the exact bytes Python's
 * xmlrpc.client (supervisorctl) and supervisord write. With TEND_XML_OUT set to a
 * directory, the encoder's documents are also written there for tests/test_xmlrpc_codec.py
 * to read back with xmlrpc.client.loads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "xmlrpc.h"

static struct arena A;
static char err[256];

static int call(const char *doc, const char **method, struct xv *params)
{
	arena_free(&A);
	A.limit = XMLRPC_MAX_BYTES;
	return xmlrpc_decode_call(&A, doc, strlen(doc), method, params, err, sizeof err);
}

static int response(const char *doc, struct xv *v, int *code, const char **fs)
{
	arena_free(&A);
	A.limit = XMLRPC_MAX_BYTES;
	return xmlrpc_decode_response(&A, doc, strlen(doc), v, code, fs, err, sizeof err);
}

#define RESP(body) "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n" body "</param>\n</params>\n</methodResponse>\n"

/* The one value of a response; XV_NIL with v.n = 99 when it does not decode. */
static struct xv one(const char *value)
{
	struct xv v;
	int code;
	const char *fs;
	char doc[4096];
	snprintf(doc, sizeof doc, RESP("%s"), value);
	if (response(doc, &v, &code, &fs) != 0) {
		memset(&v, 0, sizeof v);
		v.type = XV_NIL;
		v.n = 99;
	}
	return v;
}

static bool is_str(struct xv v, const char *s, size_t n)
{
	return v.type == XV_STRING && v.len == n && !memcmp(v.s, s, n) && v.s[n] == 0;
}

static void test_python_call(void)
{
	const char *m;
	struct xv p;
	/* xmlrpc.client.dumps((), 'supervisor.getAllProcessInfo') */
	CHECK(call("<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n"
		   "<params>\n</params>\n</methodCall>\n", &m, &p) == 0);
	CHECK(!strcmp(m, "supervisor.getAllProcessInfo") && p.type == XV_ARRAY && p.n == 0);
	/* dumps(('a&<>"\'', 5, True, 1.5, {'a': {'b': [1, 'x']}}, [], {}, b'hi', None), 'm', allow_none=True) */
	const char *doc =
		"<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><string>a&amp;&lt;"
		"&gt;\"'</string></value>\n</param>\n<param>\n<value><int>5</int></value>\n</param>\n<param>\n<value><boolean>"
		"1</boolean></value>\n</param>\n<param>\n<value><double>1.5</double></value>\n</param>\n<param>\n<value><struct>"
		"\n<member>\n<name>a</name>\n<value><struct>\n<member>\n<name>b</name>\n<value><array><data>\n<value><int>1</i"
		"nt></value>\n<value><string>x</string></value>\n</data></array></value>\n</member>\n</struct></value>\n</memb"
		"er>\n</struct></value>\n</param>\n<param>\n<value><array><data>\n</data></array></value>\n</param>\n<param>\n<v"
		"alue><struct>\n</struct></value>\n</param>\n<param>\n<value><base64>\naGk=\n</base64></value>\n</param>\n<para"
		"m>\n<value><nil/></value></param>\n</params>\n</methodCall>\n";
	CHECK(call(doc, &m, &p) == 0);
	CHECK(!strcmp(m, "m") && p.n == 9);
	if (p.n != 9)
		return;
	CHECK(is_str(p.items[0], "a&<>\"'", 6));
	CHECK(p.items[1].type == XV_INT && p.items[1].i == 5);
	CHECK(p.items[2].type == XV_BOOL && p.items[2].i == 1);
	CHECK(p.items[3].type == XV_DOUBLE && p.items[3].d == 1.5);
	const struct xv *a = xv_member(&p.items[4], "a"), *b = xv_member(a, "b");
	CHECK(a && a->type == XV_STRUCT && b && b->type == XV_ARRAY && b->n == 2);
	CHECK(b && b->n == 2 && b->items[0].i == 1 && is_str(b->items[1], "x", 1));
	CHECK(p.items[5].type == XV_ARRAY && p.items[5].n == 0);
	CHECK(p.items[6].type == XV_STRUCT && p.items[6].n == 0 && !xv_member(&p.items[6], "a"));
	CHECK(p.items[7].type == XV_BASE64 && p.items[7].len == 2 && !memcmp(p.items[7].s, "hi", 3));
	CHECK(p.items[8].type == XV_NIL);
	CHECK(!xv_member(&p.items[1], "a")); /* not a struct */
	/* supervisorctl: stopProcess('sleeper'), captured */
	CHECK(call("<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.stopProcess</methodName>\n<params>\n"
		   "<param>\n<value><string>sleeper</string></value>\n</param>\n<param>\n<value><boolean>1</boolean></value>\n"
		   "</param>\n</params>\n</methodCall>\n", &m, &p) == 0);
	CHECK(!strcmp(m, "supervisor.stopProcess") && p.n == 2 && is_str(p.items[0], "sleeper", 7) && p.items[1].i == 1);
	/* no <params> at all is no parameters, as supervisord takes it */
	CHECK(call("<methodCall><methodName>x</methodName></methodCall>", &m, &p) == 0 && p.n == 0 && p.type == XV_ARRAY);
}

static void test_python_response(void)
{
	struct xv v;
	int code;
	const char *fs;
	/* supervisord: getAllProcessInfo (abridged), captured */
	const char *doc = RESP("<value><array><data>\n<value><struct>\n<member>\n<name>name</name>\n<value><string>sleeper"
			       "</string></value>\n</member>\n<member>\n<name>state</name>\n<value><int>20</int></value>\n"
			       "</member>\n<member>\n<name>spawnerr</name>\n<value><string></string></value>\n</member>\n"
			       "</struct></value>\n</data></array></value>\n");
	CHECK(response(doc, &v, &code, &fs) == 0);
	CHECK(v.type == XV_ARRAY && v.n == 1);
	if (v.n == 1) {
		const struct xv *st = &v.items[0];
		CHECK(st->type == XV_STRUCT && st->n == 3 && !strcmp(st->names[0], "name"));
		CHECK(is_str(*xv_member(st, "name"), "sleeper", 7) && xv_member(st, "state")->i == 20);
		CHECK(is_str(*xv_member(st, "spawnerr"), "", 0));
	}
	/* xmlrpc.client.dumps(Fault(10, 'BAD_NAME: foo')) */
	CHECK(response("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n"
		       "<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: "
		       "foo</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n",
		       &v, &code, &fs) == 1);
	CHECK(code == 10 && !strcmp(fs, "BAD_NAME: foo"));
	CHECK(response("<methodResponse><fault><value><struct><member><name>faultCode</name><value><i4>-3</i4></value>"
		       "</member><member><name>faultString</name><value>x</value></member></struct></value></fault>"
		       "</methodResponse>", &v, &code, &fs) == 1 && code == -3 && !strcmp(fs, "x"));
	static const char *const badfault[] = {
		"<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member>"
		"</struct></value></fault></methodResponse>",
		"<methodResponse><fault><value><struct><member><name>faultCode</name><value>1</value></member><member><name>"
		"faultString</name><value>x</value></member></struct></value></fault></methodResponse>",
		"<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>4294967296</int></value>"
		"</member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>",
		"<methodResponse><fault><value><int>1</int></value></fault></methodResponse>",
		"<methodResponse><fault></fault></methodResponse>",
	};
	for (size_t i = 0; i < sizeof badfault / sizeof badfault[0]; i++)
		CHECK(response(badfault[i], &v, &code, &fs) == -1 && err[0]);
}

static void test_values(void)
{
	struct xv v;
	CHECK(is_str(one("<value>bare text</value>"), "bare text", 9));
	CHECK(is_str(one("<value>  </value>"), "  ", 2)); /* a bare value keeps its whitespace */
	CHECK(is_str(one("<value/>"), "", 0));
	CHECK(is_str(one("<value></value>"), "", 0));
	CHECK(is_str(one("<value><string/></value>"), "", 0));
	CHECK(is_str(one("<value> <string> a </string> </value>"), " a ", 3));
	CHECK(is_str(one("<value><string>a\r\nb\rc</string></value>"), "a\nb\nc", 5)); /* XML line ends */
	CHECK(is_str(one("<value><string>&#13;&#x9;&#65;&#x20AC;&#128512;</string></value>"),
		     "\r\tA\xe2\x82\xac\xf0\x9f\x98\x80", 10));
	CHECK(is_str(one("<value><string>&#00000000000065;&#x000000000041;</string></value>"), "AA", 2));
	CHECK(is_str(one("<value><string>&lt;&amp;lt;&gt;&quot;&apos;</string></value>"), "<&lt;>\"'", 8));
	CHECK(is_str(one("<value><string>caf\xc3\xa9 ]]&gt; ></string></value>"), "caf\xc3\xa9 ]]> >", 11));
	CHECK(is_str(one("<value><string>a<!-- x -->b<?pi x?>c</string></value>"), "abc", 3));
	CHECK(is_str(one("<value><string>a<![CDATA[<&>]]>b</string></value>"), "a<&>b", 5)); /* CDATA: accepted */
	CHECK(is_str(one("<value><ex:string xmlns:ex='x'>n</ex:string></value>"), "n", 1));
	v = one("<value><int> 42 </int></value>");
	CHECK(v.type == XV_INT && v.i == 42);
	v = one("<value><i4>-2147483648</i4></value>");
	CHECK(v.type == XV_INT && v.i == -2147483648LL);
	v = one("<value><i8>9223372036854775807</i8></value>");
	CHECK(v.type == XV_INT && v.i == 9223372036854775807LL);
	v = one("<value><i8>-9223372036854775808</i8></value>");
	CHECK(v.type == XV_INT && v.i == (-9223372036854775807LL - 1));
	v = one("<value><int>+7</int></value>");
	CHECK(v.type == XV_INT && v.i == 7);
	v = one("<value><boolean>0</boolean></value>");
	CHECK(v.type == XV_BOOL && v.i == 0);
	v = one("<value><double>-1.5e-3</double></value>");
	CHECK(v.type == XV_DOUBLE && v.d == -1.5e-3);
	v = one("<value><double>.5</double></value>");
	CHECK(v.type == XV_DOUBLE && v.d == 0.5);
	v = one("<value><double>1e400</double></value>");
	CHECK(v.type == XV_DOUBLE && isinf(v.d));
	v = one("<value><double>-inf</double></value>");
	CHECK(v.type == XV_DOUBLE && isinf(v.d) && v.d < 0);
	v = one("<value><double>nan</double></value>");
	CHECK(v.type == XV_DOUBLE && isnan(v.d));
	v = one("<value><base64></base64></value>");
	CHECK(v.type == XV_BASE64 && v.len == 0);
	v = one("<value><base64>AAEC/w==</base64></value>");
	CHECK(v.type == XV_BASE64 && v.len == 4 && !memcmp(v.s, "\0\1\2\377", 4));
	v = one("<value><dateTime.iso8601>20260101T00:00:00</dateTime.iso8601></value>");
	CHECK(v.type == XV_DATETIME && !strcmp(v.s, "20260101T00:00:00"));
	v = one("<value><nil></nil></value>");
	CHECK(v.type == XV_NIL && v.n == 0);
	v = one("<value><struct><member><name>k</name><value>1</value></member><member><name>k</name><value>2</value>"
		"</member></struct></value>");
	CHECK(v.type == XV_STRUCT && v.n == 2 && is_str(*xv_member(&v, "k"), "2", 1)); /* the last, as a dict */
	v = one("<value><struct><member><name/><value/></member></struct></value>");
	CHECK(v.type == XV_STRUCT && v.n == 1 && !strcmp(v.names[0], "") && is_str(v.items[0], "", 0));
	v = one("<value><array><data><value>a</value><value><array><data/></array></value></data></array></value>");
	CHECK(v.type == XV_ARRAY && v.n == 2 && v.items[1].type == XV_ARRAY && v.items[1].n == 0);
	/* attributes are ignored; a BOM, comments and PIs around the document are skipped */
	struct xv r;
	int code;
	const char *fs, *m;
	CHECK(response("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?><!-- c --><methodResponse a='1' b = \"2\">"
		       "<params><param><value>x</value></param></params></methodResponse>\n<!-- after -->\n<?pi?>",
		       &r, &code, &fs) == 0 && is_str(r, "x", 1));
	CHECK(call("<methodCall><methodName>a&amp;b</methodName><params/></methodCall>", &m, &r) == 0 && !strcmp(m, "a&b"));
}

static void test_errors(void)
{
	static const char *const bad[] = {
		/* XML */
		"", "   ", "<value>", "<value>x</valu>", "<value>x</value></value>", "<value>&foo;</value>",
		"<value>&amp</value>", "<value>&#0;</value>", "<value>&#xD800;</value>", "<value>&#xFFFE;</value>",
		"<value>&#x110000;</value>", "<value>&#99999999999999999999;</value>", "<value>&#;</value>",
		"<value>&#x;</value>", "<value>&#12a;</value>", "<value>a\x01</value>", "<value>a\x7f\x00</value>",
		"<value>\xc3</value>", "<value>\xc0\xaf</value>", "<value>\xed\xa0\x80</value>", "<value>\xef\xbf\xbf</value>",
		"<value>\xf4\x90\x80\x80</value>", "<value>\xff</value>", "<value><![CDATA[x</value>", "<value><!-- x</value>",
		"<value><?pi x</value>", "<value a></value>", "<value a=1></value>", "<value a='<'></value>", "<value a='x></value>",
		"<value/><value/>", "x<value/>", "<value/>x", "<!DOCTYPE x [<!ENTITY e 'x'>]><value>&e;</value>",
		"<value><!ENTITY e 'x'></value>", "<1value/>", "< value/>", "</value>", "<![CDATA[x]]><value/>",
		/* XML-RPC */
		"<value>x<string>y</string></value>", "<value><string>y</string>x</value>",
		"<value><string>a</string><string>b</string></value>", "<value><string><b/></string></value>",
		"<value><foo>1</foo></value>", "<value><int></int></value>", "<value><int>1.0</int></value>",
		"<value><int>- 1</int></value>", "<value><int>9223372036854775808</int></value>",
		"<value><i8>-9223372036854775809</i8></value>", "<value><int>99999999999999999999999</int></value>",
		"<value><boolean>true</boolean></value>", "<value><boolean> 1</boolean></value>",
		"<value><boolean/></value>", "<value><double>0x10</double></value>", "<value><double>1e</double></value>",
		"<value><double>.</double></value>", "<value><double>1.5x</double></value>", "<value><double/></value>",
		"<value><base64>a</base64></value>", "<value><base64>!!!!</base64></value>", "<value><nil>x</nil></value>",
		"<value><array></array></value>", "<value><array><value/></array></value>",
		"<value><array><data><int>1</int></data></array></value>", "<value><array><data/><data/></array></value>",
		"<value><struct><value/></struct></value>", "<value><struct><member><value/></member></struct></value>",
		"<value><struct><member><name>a</name></member></struct></value>",
		"<value><struct><member><value/><name>a</name></member></struct></value>",
		"<value><struct><member><name>a</name><value/><value/></member></struct></value>",
		"<value><struct><member><name><b/></name><value/></member></struct></value>",
		"<value><struct>x</struct></value>", "<value><array><data>x</data></array></value>",
		"<value><string>&#0000000000000000000000;</string></value>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct xv v = one(bad[i]);
		bool failed_ok = v.type == XV_NIL && v.n == 99 && err[0];
		if (!failed_ok)
			fprintf(stderr, "  decoded: %s\n", bad[i]);
		CHECK(failed_ok);
	}
	/* the document level */
	static const char *const badresp[] = {
		"<methodResponse/>", "<methodResponse><params/></methodResponse>",
		"<methodResponse><params><param/></params></methodResponse>",
		"<methodResponse><params><param><value/><value/></param></params></methodResponse>",
		"<methodResponse><params><param><value/></param><param><value/></param></params></methodResponse>",
		"<methodResponse><params><param><value/></param></params><params/></methodResponse>",
		"<methodCall><params/></methodCall>", "<params><param><value/></param></params>",
	};
	struct xv v;
	int code;
	const char *fs, *m;
	for (size_t i = 0; i < sizeof badresp / sizeof badresp[0]; i++)
		CHECK(response(badresp[i], &v, &code, &fs) == -1);
	static const char *const badcall[] = {
		"<methodCall/>", "<methodCall><methodName></methodName></methodCall>",
		"<methodCall><methodName>a</methodName><methodName>b</methodName></methodCall>",
		"<methodCall><methodName>a<b/></methodName></methodCall>",
		"<methodCall><methodName>a</methodName><params/><params/></methodCall>",
		"<methodCall><methodName>a</methodName><params><value/></params></methodCall>",
		"<methodCall><methodName>a</methodName><x/></methodCall>",
		"<methodResponse><params><param><value/></param></params></methodResponse>",
	};
	for (size_t i = 0; i < sizeof badcall / sizeof badcall[0]; i++)
		CHECK(call(badcall[i], &m, &v) == -1 && m == NULL);
	CHECK(call("<methodCall><methodName>a</methodName><params>x</params></methodCall>", &m, &v) == -1);
	CHECK(call("<methodCall><methodName>a</methodName></methodCall", &m, &v) == -1 && strstr(err, "at byte"));
	/* a NUL inside the document */
	arena_free(&A);
	CHECK(xmlrpc_decode_call(&A, "<methodCall><methodName>a\0</methodName></methodCall>", 50, &m, &v, err, sizeof err) ==
	      -1);
	/* no room for the message is fine */
	CHECK(xmlrpc_decode_call(&A, "<x>", 3, &m, &v, NULL, 0) == -1);
}

static void test_limits(void)
{
	struct xv v;
	const char *m;
	/* 10,000 nested elements: an error at the 33rd, quickly, no recursion */
	size_t n = 10000;
	char *doc = malloc(n * 20 + 100), *p = doc;
	p += sprintf(p, "<methodCall><methodName>m</methodName><params><param>");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "<value><array><data>");
	*p = 0;
	CHECK(call(doc, &m, &v) == -1 && strstr(err, "nested deeper than 32"));
	/* the deepest a document may be: 32 elements */
	p = doc + sprintf(doc, "<methodResponse><params><param>");
	int levels = (XMLRPC_MAX_DEPTH - 4) / 3; /* value array data, per level, then value string */
	for (int i = 0; i < levels; i++)
		p += sprintf(p, "<value><array><data>");
	p += sprintf(p, "<value>deep</value>");
	for (int i = 0; i < levels; i++)
		p += sprintf(p, "</data></array></value>");
	sprintf(p, "</param></params></methodResponse>");
	int code;
	const char *fs;
	CHECK(response(doc, &v, &code, &fs) == 0 && v.type == XV_ARRAY);
	free(doc);
	/* the arena's limit: many small elements in a small budget */
	n = 100000;
	doc = malloc(n * 16 + 200);
	p = doc + sprintf(doc, "<methodResponse><params><param><value><array><data>");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "<value/>");
	p += sprintf(p, "</data></array></value></param></params></methodResponse>");
	arena_free(&A);
	A.limit = 1 << 20;
	CHECK(xmlrpc_decode_response(&A, doc, (size_t)(p - doc), &v, &code, &fs, err, sizeof err) == -1 &&
	      strstr(err, "memory limit") && A.over_budget);
	arena_free(&A);
	A.limit = 64u << 20;
	CHECK(xmlrpc_decode_response(&A, doc, (size_t)(p - doc), &v, &code, &fs, err, sizeof err) == 0 && v.n == n);
	free(doc);
	arena_free(&A);
}

/* ---- the encoder ---- */

static bool xv_equal(const struct xv *a, const struct xv *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case XV_INT:
	case XV_BOOL:
		return a->i == b->i;
	case XV_DOUBLE:
		return a->d == b->d || (isnan(a->d) && isnan(b->d));
	case XV_NIL:
		return true;
	case XV_STRING:
	case XV_BASE64:
	case XV_DATETIME:
		return a->len == b->len && !memcmp(a->s, b->s, a->len);
	case XV_ARRAY:
	case XV_STRUCT:
		if (a->n != b->n)
			return false;
		for (size_t i = 0; i < a->n; i++)
			if ((a->type == XV_STRUCT && strcmp(a->names[i], b->names[i])) || !xv_equal(&a->items[i], &b->items[i]))
				return false;
		return true;
	}
	return false;
}

static void save(const char *name, const struct buf *b)
{
	const char *dir = getenv("TEND_XML_OUT");
	if (!dir)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.xml", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(b->p, 1, b->len, f) == b->len);
		CHECK(fclose(f) == 0);
	}
}

/* The struct of xmlrpc.client.dumps(({'a': [1, 2.5, 'x'], 'b': {}, 'c': [], 'd': True},), methodresponse=True) */
static void nested(struct buf *b)
{
	xw_struct_begin(b);
	xw_member(b, "a");
	xw_array_begin(b);
	xw_int(b, 1);
	xw_double(b, 2.5);
	xw_cstring(b, "x");
	xw_array_end(b);
	xw_member(b, "b");
	xw_struct_begin(b);
	xw_struct_end(b);
	xw_member(b, "c");
	xw_array_begin(b);
	xw_array_end(b);
	xw_member(b, "d");
	xw_bool(b, true);
	xw_struct_end(b);
}

static void test_encode_python_bytes(void)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	xw_response_begin(&b);
	nested(&b);
	xw_response_end(&b);
	CHECK(!strcmp(b.p, RESP("<value><struct>\n<member>\n<name>a</name>\n<value><array><data>\n<value><int>1</int></value>"
				"\n<value><double>2.5</double></value>\n<value><string>x</string></value>\n</data></array>"
				"</value>\n</member>\n<member>\n<name>b</name>\n<value><struct>\n</struct></value>\n</member>\n"
				"<member>\n<name>c</name>\n<value><array><data>\n</data></array></value>\n</member>\n<member>\n"
				"<name>d</name>\n<value><boolean>1</boolean></value>\n</member>\n</struct></value>\n")));
	save("nested", &b);
	buf_reset(&b);
	xw_fault(&b, 10, "BAD_NAME: foo");
	CHECK(!strcmp(b.p, "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n"
			   "<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: "
			   "foo</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"));
	save("fault", &b);
	buf_reset(&b);
	xw_call_begin(&b, "supervisor.getAllProcessInfo");
	xw_call_end(&b);
	CHECK(!strcmp(b.p, "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n"
			   "<params>\n</params>\n</methodCall>\n"));
	buf_reset(&b);
	xw_call_begin(&b, "m");
	double d[] = {0.1, 1e16, -0.0, 1.0, INFINITY};
	for (int i = 0; i < 5; i++) {
		xw_param_begin(&b);
		xw_double(&b, d[i]);
		xw_param_end(&b);
	}
	xw_call_end(&b);
	CHECK(!strcmp(b.p, "<?xml version='1.0'?>\n<methodCall>\n<methodName>m</methodName>\n<params>\n<param>\n<value><double>"
			   "0.1</double></value>\n</param>\n<param>\n<value><double>1e+16</double></value>\n</param>\n<param>\n"
			   "<value><double>-0.0</double></value>\n</param>\n<param>\n<value><double>1.0</double></value>\n</param>"
			   "\n<param>\n<value><double>inf</double></value>\n</param>\n</params>\n</methodCall>\n"));
	buf_reset(&b);
	char zeros[60] = {0};
	xw_response_begin(&b);
	xw_base64(&b, zeros, sizeof zeros);
	xw_response_end(&b);
	CHECK(!strcmp(b.p, RESP("<value><base64>\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
				"AAAA\n</base64></value>\n")));
	buf_reset(&b);
	xw_response_begin(&b);
	xw_nil(&b);
	xw_response_end(&b);
	CHECK(!strcmp(b.p, RESP("<value><nil/></value>")));
	buf_free(&b);
}

/* Strings Python's expat must read: escaped, controls and bad UTF-8 replaced. */
static void test_encode_strings(void)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	xw_response_begin(&b);
	xw_array_begin(&b);
	xw_cstring(&b, "a&b<c>d]]>e\"f'g");
	xw_string(&b, "t\tn\nr\rz", 7);
	xw_string(&b, "\x00\x01\x1f\x7f", 4);
	xw_cstring(&b, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	xw_cstring(&b, "bad \xff \xc3 \xc0\xaf \xed\xa0\x80 \xef\xbf\xbf \xf4\x90\x80\x80 end");
	xw_cstring(&b, "");
	xw_cstring(&b, NULL);
	xw_array_end(&b);
	xw_response_end(&b);
	CHECK(!b.over);
	save("strings", &b);
	struct xv v;
	int code;
	const char *fs;
	arena_free(&A);
	CHECK(xmlrpc_decode_response(&A, b.p, b.len, &v, &code, &fs, err, sizeof err) == 0);
	CHECK(v.type == XV_ARRAY && v.n == 7);
	if (v.n == 7) {
		CHECK(is_str(v.items[0], "a&b<c>d]]>e\"f'g", 15));
		CHECK(is_str(v.items[1], "t\tn\nr\rz", 7)); /* the CR survives, as &#13; */
		CHECK(is_str(v.items[2], "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x7f", 10));
		CHECK(is_str(v.items[3], "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
		const char *r = "bad \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
				"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end";
		CHECK(is_str(v.items[4], r, strlen(r)));
		CHECK(is_str(v.items[5], "", 0) && is_str(v.items[6], "", 0));
	}
	buf_reset(&b);
	xw_call_begin(&b, "a<b>&");
	xw_param_begin(&b);
	xw_struct_begin(&b);
	xw_member(&b, "k&<>");
	xw_datetime(&b, "20260101T00:00:00");
	xw_struct_end(&b);
	xw_param_end(&b);
	xw_call_end(&b);
	const char *m;
	arena_free(&A);
	CHECK(xmlrpc_decode_call(&A, b.p, b.len, &m, &v, err, sizeof err) == 0 && !strcmp(m, "a<b>&"));
	CHECK(v.n == 1 && v.items[0].n == 1 && !strcmp(v.items[0].names[0], "k&<>") &&
	      v.items[0].items[0].type == XV_DATETIME);
	save("call", &b);
	buf_free(&b);
}

/* decode(encode(x)) == x, and encode(decode(encode(x))) == encode(x), for nested values. */
static void test_round_trip(void)
{
	struct buf b, b2;
	buf_init(&b, 1 << 20);
	buf_init(&b2, 1 << 20);
	xw_response_begin(&b);
	xw_array_begin(&b);
	nested(&b);
	xw_int(&b, -9223372036854775807LL - 1);
	xw_int(&b, 9223372036854775807LL);
	xw_double(&b, 0.1);
	xw_double(&b, -1e-300);
	xw_double(&b, 1.7976931348623157e308);
	xw_double(&b, NAN);
	xw_double(&b, -INFINITY);
	xw_bool(&b, false);
	xw_nil(&b);
	xw_base64(&b, "\0\1\2\3binary\377", 11);
	xw_base64(&b, "", 0);
	xw_datetime(&b, "20260101T12:34:56");
	xw_string(&b, "nul\0inside", 10);
	xw_struct_begin(&b);
	xw_member(&b, "deep");
	xw_array_begin(&b);
	xw_struct_begin(&b);
	xw_member(&b, "x");
	xw_array_begin(&b);
	xw_array_end(&b);
	xw_member(&b, "y");
	xw_struct_begin(&b);
	xw_member(&b, "z");
	xw_nil(&b);
	xw_struct_end(&b);
	xw_struct_end(&b);
	xw_array_end(&b);
	xw_struct_end(&b);
	xw_array_end(&b);
	xw_response_end(&b);
	save("roundtrip", &b);
	struct xv v, v2;
	int code;
	const char *fs;
	struct arena a2 = {0};
	arena_free(&A);
	CHECK(xmlrpc_decode_response(&A, b.p, b.len, &v, &code, &fs, err, sizeof err) == 0);
	CHECK(v.type == XV_ARRAY && v.n == 15);
	if (v.n == 15) {
		CHECK(v.items[1].i == -9223372036854775807LL - 1 && v.items[2].i == 9223372036854775807LL);
		CHECK(v.items[3].d == 0.1 && v.items[4].d == -1e-300 && v.items[5].d == 1.7976931348623157e308);
		CHECK(isnan(v.items[6].d) && isinf(v.items[7].d) && v.items[7].d < 0);
		CHECK(v.items[10].type == XV_BASE64 && v.items[10].len == 11 && !memcmp(v.items[10].s, "\0\1\2\3binary\377", 11));
		CHECK(is_str(v.items[13], "nul\xef\xbf\xbdinside", 12)); /* NUL is not XML: replaced */
		CHECK(v.items[14].type == XV_STRUCT && xv_member(&v.items[14], "deep")->n == 1);
	}
	xw_response_begin(&b2);
	xw_value(&b2, &v);
	xw_response_end(&b2);
	CHECK(b2.len == b.len && !strcmp(b.p, b2.p));
	CHECK(xmlrpc_decode_response(&a2, b2.p, b2.len, &v2, &code, &fs, err, sizeof err) == 0 && xv_equal(&v, &v2));
	/* a multicall-like call: every param re-encoded */
	buf_reset(&b2);
	xw_call_begin(&b2, "system.multicall");
	for (size_t i = 0; i < v.n; i++) {
		xw_param_begin(&b2);
		xw_value(&b2, &v.items[i]);
		xw_param_end(&b2);
	}
	xw_call_end(&b2);
	const char *m;
	struct xv p;
	arena_free(&a2);
	CHECK(xmlrpc_decode_call(&a2, b2.p, b2.len, &m, &p, err, sizeof err) == 0 && p.n == v.n);
	bool same = p.n == v.n;
	for (size_t i = 0; same && i < v.n; i++)
		same = xv_equal(&p.items[i], &v.items[i]);
	CHECK(same);
	arena_free(&a2);
	arena_free(&A);
	/* an encoder over its buffer's limit says so */
	struct buf small;
	buf_init(&small, 64);
	xw_response_begin(&small);
	xw_cstring(&small, "0123456789012345678901234567890123456789");
	xw_response_end(&small);
	CHECK(small.over);
	buf_free(&small);
	buf_free(&b);
	buf_free(&b2);
}

int main(void)
{
	test_python_call();
	test_python_response();
	test_values();
	test_errors();
	test_limits();
	test_encode_python_bytes();
	test_encode_strings();
	test_round_trip();
	arena_free(&A);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
