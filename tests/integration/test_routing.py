# SPDX-License-Identifier: LGPL-2.1-or-later
"""REST routing and transport (parity-checklist.md C, rows 57-69; rest-api.md §1, §2)."""

import json

import pytest

from conftest import expect, expect_error

NOT_FOUND = ("404 Not Found: The requested URL was not found on the server. If you entered the URL "
             "manually please check your spelling and try again.")
NOT_ALLOWED = "405 Method Not Allowed: The method is not allowed for the requested URL."

# path -> methods (rest-api.md §2)
ROUTES = {
    "/predict": {"GET", "POST"},
    "/api/v1.0/predictions": {"POST"},
    "/api/v0.1/predictions": {"POST"},
    "/transform-input": {"GET", "POST"},
    "/transform-output": {"GET", "POST"},
    "/route": {"GET", "POST"},
    "/aggregate": {"GET", "POST"},
    "/send-feedback": {"GET", "POST"},
    "/api/v1.0/feedback": {"POST"},
    "/api/v0.1/feedback": {"POST"},
    "/health/ping": {"GET"},
    "/health/status": {"GET"},
    "/api/v1.0/health/status": {"GET"},
    "/metadata": {"GET"},
    "/api/v1.0/metadata": {"GET"},
    "/seldon.json": {"GET"},
}

PREDICT_ANSWER = '{"data":{"names":["t:0","t:1"],"ndarray":[[1,2]]},"meta":{}}'


@pytest.mark.parametrize("path", ["/predict", "/api/v1.0/predictions", "/api/v0.1/predictions"])
def test_predict_routes_post(identity, path):
    # row 57
    r = identity.post_json(path, '{"data":{"ndarray":[[1,2]]}}')
    expect(r, 200, PREDICT_ANSWER)


def test_predict_get_with_query(identity):
    r = identity.get_json_param("/predict", '{"data":{"ndarray":[[1,2]]}}')
    expect(r, 200, PREDICT_ANSWER)


@pytest.mark.parametrize("path", ["/send-feedback", "/api/v1.0/feedback", "/api/v0.1/feedback"])
def test_feedback_routes_post(nomethods, path):
    # row 58
    r = nomethods.post_json(path, '{"request":{"data":{"ndarray":[[1,2]]}},"reward":1}')
    expect(r, 200, '{"data":{"ndarray":[]},"meta":{}}')


def test_feedback_get(nomethods):
    r = nomethods.get_json_param("/send-feedback", '{"reward":1}')
    expect(r, 200, '{"data":{"tensor":{"shape":[0]}},"meta":{}}')


@pytest.mark.parametrize("path", ["/transform-input", "/transform-output"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_transform_routes(nomethods, path, method):
    # rows 59, 156
    r = nomethods.post_json(path, '{"data":{"ndarray":[[1,2]]}}', method=method)
    expect(r, 200, PREDICT_ANSWER)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_route_and_aggregate_exist(nomethods, method):
    # row 59: both routes exist; NoMethods answers with the fallback errors
    r = nomethods.post_json("/route", '{"data":{"ndarray":[1]}}', method=method)
    expect_error(r, 400, "Route not defined")
    r = nomethods.post_json("/aggregate", '[{"data":{"ndarray":[1]}}]', method=method)
    expect_error(r, 400, "Aggregate not defined")


def test_ping(identity):
    # row 60
    r = identity.get("/health/ping")
    expect(r, 200, b"pong", content_type="text/html; charset=utf-8")


@pytest.mark.parametrize("path", ["/health/status", "/api/v1.0/health/status"])
def test_health_status_routes(identity, path):
    # row 61
    expect(identity.get(path), 200, '{"meta":{},"strData":"healthy"}')


@pytest.mark.parametrize("path", ["/metadata", "/api/v1.0/metadata"])
def test_metadata_routes(identity, path):
    # row 62
    expect(identity.get(path), 200,
           '{"custom":{},"inputs":[],"name":"","outputs":[],"platform":"","versions":[""]}')


def test_openapi_document(identity):
    # row 63
    r = identity.get("/seldon.json")
    assert r.status == 200, r
    assert r.header("Content-Type") == "application/json", r
    assert r.header("Content-Disposition") == "inline; filename=seldon.json", r
    assert r.header("Cache-Control") == "no-cache", r
    assert r.header("ETag"), r
    assert r.header("Last-Modified"), r
    doc = json.loads(r.body)
    assert doc["openapi"] == "3.0.0"
    assert doc["info"]["title"] == "Seldon External API"
    for p in ["/aggregate", "/predict", "/route", "/send-feedback", "/transform-input",
              "/transform-output"]:
        assert p in doc["paths"], "paths lacks %s" % p


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_combine_route(identity, method):
    # row 64
    r = identity.post_json("/combine", '[{"data":{"ndarray":[1]}}]', method=method)
    expect_error(r, 404, NOT_FOUND, "MICROSERVICE_INTERNAL_ERROR")


@pytest.mark.parametrize("path", sorted(p for p, m in ROUTES.items() if "GET" in m))
def test_head_like_get(identity, path):
    # row 65: HEAD works wherever GET does: same status and headers, no body
    g = identity.get(path)
    h = identity.request("HEAD", path)
    assert h.status == g.status, (g, h)
    assert h.body == b"", h
    assert h.header("Content-Type") == g.header("Content-Type"), (g, h)


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_options_allow(identity, path):
    # row 65: OPTIONS on a route answers 200 with an Allow header (incl. HEAD if GET, OPTIONS)
    r = identity.request("OPTIONS", path)
    assert r.status == 200, r
    assert r.body == b"", r
    allowed = {m.strip() for m in (r.header("Allow") or "").split(",")}
    expected = set(ROUTES[path]) | {"OPTIONS"}
    if "GET" in expected:
        expected.add("HEAD")
    assert allowed == expected, r


def test_preflight(identity):
    # row 68: permissive preflight
    r = identity.request("OPTIONS", "/predict", headers={
        "Origin": "http://example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-custom",
    })
    assert r.status == 200, r
    assert r.body == b"", r
    assert r.header("Content-Type") == "text/html; charset=utf-8", r
    assert r.header("Access-Control-Allow-Origin") == "http://example.com", r
    assert r.header("Access-Control-Allow-Methods") == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT", r
    assert {h.strip().lower() for h in (r.header("Access-Control-Allow-Headers") or "").split(",")} == \
        {"content-type", "x-custom"}, r
    assert r.header("Access-Control-Allow-Credentials") is None, r


@pytest.mark.parametrize("method,path", [
    ("GET", "/nonexistent"), ("POST", "/nonexistent"), ("GET", "/"), ("POST", "/"),
    ("OPTIONS", "/nonexistent"), ("PUT", "/foo"), ("DELETE", "/x/y"),
    ("GET", "/predict/"), ("POST", "/predict/"), ("GET", "/Predict"), ("POST", "/PREDICT"),
    ("GET", "/health/ping/"), ("GET", "/api/v1.0/predictions/"),
])
def test_unknown_path_404(identity, method, path):
    # rows 66, 67: unknown paths (trailing slash and case included) ⇒ 404 with the JSON error
    r = identity.request(method, path)
    expect_error(r, 404, NOT_FOUND, "MICROSERVICE_INTERNAL_ERROR")


def test_unknown_path_head_404(identity):
    r = identity.request("HEAD", "/nonexistent")
    assert r.status == 404 and r.body == b"", r


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1.0/predictions"), ("GET", "/api/v0.1/predictions"), ("GET", "/api/v1.0/feedback"),
    ("GET", "/api/v0.1/feedback"), ("PUT", "/predict"), ("DELETE", "/predict"), ("PATCH", "/route"),
    ("POST", "/health/ping"), ("POST", "/health/status"), ("POST", "/metadata"),
    ("PUT", "/api/v1.0/metadata"), ("POST", "/seldon.json"), ("DELETE", "/aggregate"),
])
def test_wrong_method_405(identity, method, path):
    # row 66: known path, wrong method ⇒ 405, JSON error, Allow header listing the route's methods
    r = identity.request(method, path)
    expect_error(r, 405, NOT_ALLOWED, "MICROSERVICE_INTERNAL_ERROR")
    allowed = {m.strip() for m in (r.header("Allow") or "").split(",") if m.strip()}
    assert set(ROUTES[path]) <= allowed, r
    assert method not in allowed, r


def test_wrong_method_head_405(identity):
    r = identity.request("HEAD", "/api/v1.0/predictions")
    assert r.status == 405 and r.body == b"", r


@pytest.mark.parametrize("path", ["/predict", "/health/ping", "/nonexistent", "/metadata"])
def test_cors_without_origin(identity, path):
    # row 68
    r = identity.post_json(path, '{"strData":"x"}') if path == "/predict" else identity.get(path)
    assert r.header("Access-Control-Allow-Origin") == "*", r
    assert r.header("Access-Control-Allow-Credentials") is None, r


@pytest.mark.parametrize("path", ["/predict", "/health/ping", "/nonexistent"])
def test_cors_with_origin(identity, path):
    r = identity.request("POST" if path == "/predict" else "GET", path,
                         body=b'{"strData":"x"}' if path == "/predict" else None,
                         headers={"Origin": "http://a.example:8080",
                                  **({"Content-Type": "application/json"} if path == "/predict" else {})})
    assert r.header("Access-Control-Allow-Origin") == "http://a.example:8080", r
    vary = {v.strip() for v in (r.header("Vary") or "").split(",")}
    assert "Origin" in vary, r


@pytest.fixture(scope="module")
def outlier(pool):
    return pool.get("nomethods", args=("--service-type", "OUTLIER_DETECTOR")).client


@pytest.mark.parametrize("method,path", sorted((sorted(m)[0], p) for p, m in ROUTES.items()))
def test_all_routes_for_every_service_type(outlier, method, path):
    # row 69 (and row 4): every route exists whatever --service-type says
    r = outlier.request(method, path, body=b"{}" if method == "POST" else None,
                        headers={"Content-Type": "application/json"} if method == "POST" else {})
    assert r.status not in (404, 405), r


def test_date_header(identity):
    # rest-api.md §1: responses carry a Date header
    assert identity.get("/health/ping").header("Date"), "no Date header"
