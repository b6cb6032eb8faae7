# SPDX-License-Identifier: LGPL-2.1-or-later
"""Finding the request (parity-checklist.md D, rows 70-78; rest-api.md §3)."""

import base64
import urllib.parse

import pytest

from conftest import behave, expect, expect_error, expect_error_like, multipart

NO_JSON = "Can't find JSON in data"


# -- multipart (rows 70, 71) ---------------------------------------------------------------------

def _post_multipart(client, fields=(), files=(), path="/predict"):
    body, ctype = multipart(fields=fields, files=files)
    return client.request("POST", path, body=body, headers={"Content-Type": ctype})


def test_multipart_text_fields_parsed_as_json(identity, fresh):
    r = _post_multipart(identity, fields=[("jsonData", '{"b":[1,2],"a":null}'), ("meta", '{"puid":"m1"}')])
    expect(r, 200, '{"jsonData":{"a":null,"b":[1,2]},"meta":{"puid":"m1"}}')


def test_multipart_strdata_field_kept_as_text(identity, fresh):
    r = _post_multipart(identity, fields=[("strData", "not json {")])
    expect(r, 200, '{"meta":{},"strData":"not json {"}')


def test_multipart_bindata_file_base64(identity, fresh):
    raw = bytes(range(256))
    r = _post_multipart(identity, files=[("binData", "blob.bin", raw)])
    expect(r, 200, '{"binData":"%s","meta":{}}' % base64.b64encode(raw).decode())


def test_multipart_other_file_utf8_text(identity, fresh):
    # a file that is not binData is read as UTF-8 text: jsonData arrives as a string, which an
    # identity returns as a string (strData)
    r = _post_multipart(identity, files=[("jsonData", "j.json", '{"a":1}')])
    expect(r, 200, '{"meta":{},"strData":"{\\"a\\":1}"}')


def test_multipart_file_non_ascii(identity, fresh):
    r = _post_multipart(identity, files=[("strData", "s.txt", "h\u00e9".encode())])
    expect(r, 200, '{"meta":{},"strData":"h\\u00e9"}')


def test_multipart_json_field_is_not_special(identity, fresh):
    r = _post_multipart(identity, fields=[("json", '{"strData":"x"}')])
    expect_error(r, 400, "Invalid request data type: {'json': {'strData': 'x'}}")


def test_multipart_invalid_json_field_500(identity, fresh):
    # row 71 (Q): 500 with the parser's message
    r = _post_multipart(identity, fields=[("data", "{not json")])
    info = expect_error_like(r, 500, "MICROSERVICE_INTERNAL_ERROR")
    assert info, r


# -- json form field / query parameter (rows 72, 73) ---------------------------------------------

def _form(client, path, form, query=None, body_extra=None):
    qs = "?json=" + urllib.parse.quote(query, safe="") if query is not None else ""
    return client.request("POST", path + qs, body=urllib.parse.urlencode(form).encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_form_field_beats_query(identity, fresh):
    r = _form(identity, "/predict", {"json": '{"strData":"form"}'}, query='{"strData":"query"}')
    expect(r, 200, '{"meta":{},"strData":"form"}')


def test_empty_form_field_falls_back_to_query(identity, fresh):
    r = _form(identity, "/predict", {"json": ""}, query='{"strData":"query"}')
    expect(r, 200, '{"meta":{},"strData":"query"}')


def test_query_beats_body(identity, fresh):
    r = identity.post_json("/predict?json=" + urllib.parse.quote('{"strData":"query"}'),
                           '{"strData":"body"}')
    expect(r, 200, '{"meta":{},"strData":"query"}')


def test_empty_query_uses_body(identity, fresh):
    r = identity.post_json("/predict?json=", '{"strData":"body"}')
    expect(r, 200, '{"meta":{},"strData":"body"}')


def test_query_empty_object_used(identity, fresh):
    # rest-api.md §3.2: the value is used even when it is {}
    r = identity.post_json("/predict?json=%7B%7D", '{"strData":"body"}')
    expect_error(r, 400, "Invalid request data type: {}")


@pytest.mark.parametrize("text", ['{"data":', "not json", "{'a': 1}", "[1,", "nul"])
def test_invalid_query_json_400(identity, fresh, text):
    # row 73 (F)
    expect_error(identity.get_json_param("/predict", text), 400, NO_JSON)


@pytest.mark.parametrize("text", ['{"data":', "xyz"])
def test_invalid_form_json_400(identity, fresh, text):
    expect_error(_form(identity, "/predict", {"json": text}), 400, NO_JSON)


@pytest.mark.parametrize("path", ["/transform-input", "/transform-output", "/route", "/aggregate",
                                  "/send-feedback"])
def test_invalid_query_json_other_routes(nomethods, fresh, path):
    expect_error(nomethods.get_json_param(path, "{bad"), 400, NO_JSON)


# -- JSON body (rows 74-77) ----------------------------------------------------------------------

@pytest.mark.parametrize("ctype", ["application/json", "application/json; charset=utf-8",
                                   "APPLICATION/JSON", "Application/Json;charset=UTF-8",
                                   "application/vnd.api+json", "application/merge-patch+json"])
def test_json_media_types(identity, fresh, ctype):
    # row 74
    r = identity.post_json("/predict", '{"strData":"x"}', content_type=ctype)
    expect(r, 200, '{"meta":{},"strData":"x"}')


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/x-www-form-urlencoded",
                                   "application/jsonx", "text/json", "application/octet-stream"])
def test_non_json_media_types_400(identity, fresh, ctype):
    # row 74: a valid JSON body without a JSON content type is rejected
    r = identity.post_json("/predict", '{"strData":"x"}', content_type=ctype)
    expect_error(r, 400, NO_JSON)


@pytest.mark.parametrize("body", [b"", b"{", b'{"strData": "x"', b"null", b"nul", b"[1,]",
                                  b'{"strData":"\xff\xfe"}', b"\xc3\x28", b'{"a":1}}', b"  ",
                                  b'{"strData":"x"} trailing'],
                         ids=["empty", "brace", "unterminated", "null", "nul", "trailing-comma",
                              "bad-utf8-string", "bad-utf8", "extra-brace", "blank", "trailing-text"])
def test_malformed_body_400(identity, fresh, body):
    # row 75
    r = identity.post_json("/predict", body)
    expect_error(r, 400, NO_JSON)


def test_get_with_json_body(identity, fresh):
    # row 76
    r = identity.post_json("/predict", '{"strData":"via GET"}', method="GET")
    expect(r, 200, '{"meta":{},"strData":"via GET"}')


def test_nonstandard_literals(identity, fresh):
    # row 77
    r = identity.post_json("/predict", '{"jsonData":{"a":NaN,"b":Infinity,"c":-Infinity}}')
    expect(r, 200, '{"jsonData":{"a":NaN,"b":Infinity,"c":-Infinity},"meta":{}}')


def test_big_integers(identity, fresh):
    r = identity.post_json("/predict", '{"meta":{"tags":{"v":[123456789012345678901234567890,'
                                       '-98765432109876543210987654321,18446744073709551616]}},"strData":"x"}')
    expect(r, 200, '{"meta":{"tags":{"v":[123456789012345678901234567890,-98765432109876543210987654321,'
                   '18446744073709551616]}},"strData":"x"}')


def test_bom_tolerated(identity, fresh):
    r = identity.post_json("/predict", b'\xef\xbb\xbf{"strData":"bom"}')
    expect(r, 200, '{"meta":{},"strData":"bom"}')


def test_duplicate_keys_last_wins(identity, fresh):
    r = identity.post_json("/predict", '{"strData":"first","strData":"second","meta":{"puid":"a","puid":"b"}}')
    expect(r, 200, '{"meta":{"puid":"b"},"strData":"second"}')


# -- headers (row 78) ----------------------------------------------------------------------------

def test_request_headers_ignored(identity, fresh):
    r = identity.post_json("/predict", '{"strData":"x"}',
                           headers={"Seldon-Puid": "hdr", "Accept": "text/plain",
                                    "Accept-Encoding": "gzip", "X-Anything": "1"})
    expect(r, 200, '{"meta":{},"strData":"x"}')
    assert r.header("Content-Encoding") in (None, "identity"), r


def test_content_encoding_ignored(identity, fresh):
    # rest-api.md §1: Content-Encoding is ignored (the body is taken as is)
    r = identity.post_json("/predict", '{"strData":"x"}', headers={"Content-Encoding": "gzip"})
    expect(r, 200, '{"meta":{},"strData":"x"}')


# -- passthrough (row 28; rest-api.md §3.4) ------------------------------------------------------

PASS_ENV = {"PAYLOAD_PASSTHROUGH": "true"}


@pytest.fixture(scope="module")
def passthrough(pool):
    return pool.get(**behave(_env=PASS_ENV)).client


@pytest.mark.parametrize("path", ["/predict", "/api/v1.0/predictions", "/api/v0.1/predictions"])
@pytest.mark.parametrize("body,ctype", [
    (b'{"b": 1, "a": 2}', "application/json"),
    (b"\x00\x01\xfe\xff not json", "application/octet-stream"),
    (b"plain", None),
    (b"", "text/plain"),
], ids=["json", "binary", "no-ctype", "empty"])
def test_passthrough_echo(passthrough, fresh, path, body, ctype):
    r = passthrough.post_json(path, body, content_type=ctype)
    expect(r, 200, body)


def test_passthrough_json_param_text(passthrough, fresh):
    r = passthrough.get_json_param("/predict", "{ not even json")
    expect(r, 200, b"{ not even json")


def test_passthrough_other_routes_decode(passthrough, fresh):
    r = passthrough.post_json("/transform-input", '{"b":1}', content_type="text/plain")
    expect_error(r, 400, NO_JSON)
    r = passthrough.post_json("/transform-input", '{"strData":"x"}')
    expect(r, 200, '{"meta":{},"strData":"x"}')


def test_passthrough_fixed_result(pool, fresh):
    srv = pool.get(**behave(_env=PASS_ENV, passthrough_result='{"z":1,  "a":[ 2 ]}'))
    expect(srv.client.post_json("/predict", '{"x":1}'), 200, b'{"z":1,  "a":[ 2 ]}')


@pytest.mark.parametrize("body,shown", [
    (b"hello", "b'hello'"),
    (b"", "b''"),
    (b"\x00\xffa'b", 'b"\\x00\\xffa\'b"'),
    (b"a'b\"c\n\\", "b'a\\'b\"c\\n\\\\'"),
    ("\u00e9".encode(), "b'\\xc3\\xa9'"),
])
def test_passthrough_without_method(pool, fresh, body, shown):
    # rest-api.md §3.4: the info shows the bytes' Python representation
    srv = pool.get("identity", env=PASS_ENV)
    r = srv.client.post_json("/predict", body, content_type="text/plain")
    expect_error(r, 400, "Invalid request data type: " + shown)
