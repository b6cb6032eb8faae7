# SPDX-License-Identifier: LGPL-2.1-or-later
"""Finding, constructing and loading the component (configuration.md §3-§4), and the
compatibility seldon_core package (component-contract.md §1)."""

import json
import os
import subprocess
import sys

import pytest

from conftest import MODE, StartError, dumps, seldon_error

ECHO_PARAMS = """
    class MyModel:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def predict(self, X, names):
            return {k: [v, type(v).__name__] for k, v in self.kwargs.items()}
"""


def parameters(*entries):
    return json.dumps([{"name": n, "value": v, "type": t} for n, v, t in entries])


@pytest.mark.parametrize("entries, expected", [
    ((("i", "42", "INT"), ("f", "0.5", "FLOAT"), ("d", "1e3", "DOUBLE"), ("s", "hello", "STRING"),
      ("b", "yes", "BOOL")),
     {"i": [42, "int"], "f": [0.5, "float"], "d": [1000.0, "float"], "s": ["hello", "str"],
      "b": [True, "bool"]}),
    (((" i", " -7 ", "INT"), ("u", "1_000", "INT"), ("f", "-inf", "FLOAT"), ("s", "", "STRING"),
      ("b", "OFF", "BOOL")),
     {" i": [-7, "int"], "u": [1000, "int"], "f": [float("-inf"), "float"], "s": ["", "str"],
      "b": [False, "bool"]}),
    ((("i", 5, "INT"), ("f", 2, "FLOAT"), ("b", True, "BOOL"), ("s", 1.5, "STRING")),
     {"i": [5, "int"], "f": [2.0, "float"], "b": [True, "bool"], "s": ["1.5", "str"]}),
    ((("x", "1", "INT"), ("x", "two", "STRING")), {"x": ["two", "str"]}),
    ((), {}),
], ids=["every-type", "python-syntax", "json-values", "later-wins", "none"])
def test_parameters(serve, entries, expected):
    # configuration.md §3: constructor keyword arguments with Python's conversions
    r = serve(ECHO_PARAMS, parameters=parameters(*entries)).post("/predict", {"strData": "?"})
    assert r.status == 200, r
    got = r.json()["jsonData"]
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)


@pytest.mark.parametrize("entries, message", [
    ((("p", "1.5", "INT"),), "Bad model parameter: p with value 1.5 can't be parsed as a INT"),
    ((("p", "abc", "FLOAT"),), "Bad model parameter: p with value abc can't be parsed as a FLOAT"),
    ((("p", "1.2.3", "DOUBLE"),), "Bad model parameter: p with value 1.2.3 can't be parsed as a DOUBLE"),
    ((("p", "1", "FOO"),), "Bad model parameter type: FOO valid are INT, FLOAT, DOUBLE, STRING, BOOL"),
    # upstream's plain error, or the documented message when the front checks parameters
    ((("p", "maybe", "BOOL"),), ("invalid truth value 'maybe'",
                                 "Bad model parameter: p with value maybe can't be parsed as a BOOL")),
], ids=["int", "float", "double", "type", "bool"])
def test_bad_parameters(serve, entries, message):
    with pytest.raises(StartError) as info:
        serve(ECHO_PARAMS, parameters=parameters(*entries))
    messages = message if isinstance(message, tuple) else (message,)
    assert any(m in info.value.text for m in messages), info.value.text
    if MODE == "program":
        assert info.value.status == 1


def test_unknown_parameter_is_a_constructor_error(serve):
    with pytest.raises(StartError) as info:
        serve("class MyModel:\n    def __init__(self, known=1):\n        pass\n",
              parameters=parameters(("unknown", "1", "INT")))
    assert "unexpected keyword argument 'unknown'" in info.value.text


def test_load_runs_before_calls(serve):
    service = serve("""
        import threading

        class MyModel:
            def __init__(self, greeting="hi"):
                self.greeting = greeting
                self.model = None
                self.loads = 0

            def load(self):
                self.loads += 1
                self.model = self.greeting.upper()

            def predict(self, X, names):
                return {"model": self.model, "loads": self.loads}
    """, parameters=parameters(("greeting", "hello", "STRING")))
    r = service.post("/predict", {"strData": "x"})
    assert r.json()["jsonData"] == {"model": "HELLO", "loads": 1}


@pytest.mark.parametrize("exception", ["NotImplementedError('later')", "AttributeError('x')"])
def test_load_errors_ignored(serve, exception):
    # configuration.md §4.3
    service = serve("""
        class MyModel:
            def load(self):
                raise %s

            def predict(self, X, names):
                return X
    """ % exception)
    assert service.post("/predict", {"strData": "ok"}).body == dumps({"meta": {}, "strData": "ok"})


def test_load_failure_is_fatal(serve):
    # row 43: nothing is served, exit status 3
    with pytest.raises(StartError) as info:
        serve("""
            class MyModel:
                def load(self):
                    raise FileNotFoundError("the model file is missing")
        """)
    assert info.value.status == 3
    assert "the model file is missing" in info.value.text


def test_metadata_before_load(serve):
    # row 45: init_metadata() runs before load()
    service = serve("""
        class MyModel:
            def __init__(self):
                self.loaded = False

            def load(self):
                self.loaded = True

            def init_metadata(self):
                return {"name": "loaded" if self.loaded else "not-loaded"}
    """)
    assert service.get("/metadata").json()["name"] == "not-loaded"


# ------------------------------------------------------------------------------------------
# names (configuration.md §4.1)
# ------------------------------------------------------------------------------------------


def test_dotted_name(serve):
    service = serve(None, interface="mypkg.models.Scorer", files={
        "mypkg/__init__.py": "",
        "mypkg/models.py": """
            class Scorer:
                def predict(self, X, names):
                    return "scored " + X
        """,
    })
    assert service.post("/predict", {"strData": "x"}).body == dumps({"meta": {}, "strData": "scored x"})


def test_module_and_class_of_the_same_name(serve):
    service = serve("""
        class Other:
            def predict(self, X, names):
                return "wrong"

        class Greeter:
            def predict(self, X, names):
                return "right"
    """, name="Greeter")
    assert service.post("/predict", {"strData": "x"}).json()["strData"] == "right"


def test_python_file_path(serve):
    service = serve(None, interface="models/Upper.py", files={
        "models/Upper.py": """
            from helper import upper   # its folder is importable

            class Upper:
                def predict(self, X, names):
                    return upper(X)
        """,
        "models/helper.py": "def upper(text):\n    return text.upper()\n",
    })
    assert service.post("/predict", {"strData": "x"}).json()["strData"] == "X"


@pytest.mark.parametrize("source, interface, text", [
    (None, "NoSuchModule", "No module named 'NoSuchModule'"),
    ("class Other:\n    pass\n", "MyModel", "has no attribute 'MyModel'"),
    ("raise RuntimeError('broken module')\n", "MyModel", "broken module"),
    ("class MyModel:\n    def __init__(self):\n        raise ValueError('bad init')\n", "MyModel", "bad init"),
], ids=["missing-module", "missing-class", "import-error", "constructor-error"])
def test_loading_failures(serve, source, interface, text):
    # row 39: fatal at start-up, exit status 1
    with pytest.raises(StartError) as info:
        serve(source, interface=interface)
    assert text in info.value.text
    if MODE == "program":
        assert info.value.status == 1


def test_working_directory_comes_last(serve):
    # row 36: an installed module of the same name wins over the folder's (json here)
    service = serve("""
        import json

        class MyModel:
            def predict(self, X, names):
                return json.__file__
    """, files={"json.py": "raise RuntimeError('the folder copy was imported')\n"})
    r = service.post("/predict", {"strData": "x"})
    assert r.status == 200 and r.json()["strData"].startswith(sys.base_prefix)


def test_native_gi_component(serve):
    # A class implementing Seldon.Component with PyGObject is served as it is
    service = serve("""
        import gi
        gi.require_version("Seldon", "1.0")
        from gi.repository import GObject, Seldon

        class Native(GObject.Object, Seldon.Component):
            def do_predict(self, request, cancellable):
                return Seldon.Message.new_string("native " + request.get_str_data())
    """, name="Native")
    assert service.post("/predict", {"strData": "x"}).body == dumps({"meta": {}, "strData": "native x"})


# ------------------------------------------------------------------------------------------
# the SDK names (component-contract.md §1): models written against seldon_core
# ------------------------------------------------------------------------------------------

SDK_MODEL = """
    from seldon_core.user_model import SeldonComponent, SeldonResponse, SeldonNotImplementedError
    from seldon_core.flask_utils import SeldonMicroserviceException
    from seldon_core.metrics import COUNTER, GAUGE, TIMER


    class MyModel(SeldonComponent):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

        def transform_input(self, X, names, meta=None):
            if X == "fail":
                raise SeldonMicroserviceException("refused", status_code=422, reason="NOPE")
            return SeldonResponse(X, tags={"t": 1},
                                  metrics=[{"type": COUNTER, "key": "c", "value": 1},
                                           {"type": GAUGE, "key": "g", "value": 2},
                                           {"type": TIMER, "key": "t", "value": 3}])
"""


def test_sdk_base_class(serve):
    service = serve(SDK_MODEL)
    # every method of the base class means "not implemented" ...
    r = service.post("/predict", {"data": {"ndarray": [[1]]}})
    assert (r.status, r.body) == (200, b'{"data":{"names":[],"ndarray":[]},"meta":{}}\n')
    r = service.post("/transform-output", {"strData": "x"})
    assert (r.status, r.body) == (200, b'{"meta":{},"strData":"x"}\n')
    assert service.get("/metadata").json()["name"] == ""
    # ... except route and aggregate (rows 125, 126) and health (row 140)
    r = service.post("/route", {"strData": "x"})
    assert (r.status, r.body) == (400, seldon_error("route is not implemented"))
    r = service.post("/aggregate", [{"strData": "x"}])
    assert (r.status, r.body) == (400, seldon_error("aggregate is not implemented"))
    r = service.get("/health/status")
    assert (r.status, r.body) == (200, b'{"meta":{},"strData":"not implemented - assuming healthy"}\n')


def test_sdk_response_metrics_and_exception(serve):
    service = serve(SDK_MODEL)
    r = service.post("/transform-input", {"strData": "x"})
    assert r.body == dumps({"meta": {"metrics": [{"key": "c", "type": "COUNTER", "value": 1},
                                                 {"key": "g", "type": "GAUGE", "value": 2},
                                                 {"key": "t", "type": "TIMER", "value": 3}],
                                     "tags": {"t": 1}}, "strData": "x"})
    r = service.post("/transform-input", {"strData": "fail"})
    assert (r.status, r.body) == (422, seldon_error("refused", "NOPE"))


def _python_in(path_entries, code):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path_entries))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_compat_package_loses_to_an_installed_seldon_core(tmp_path):
    # The worker puts libseldon's seldon_core behind everything on sys.path
    import seldon_worker

    bindings = os.path.dirname(os.path.dirname(seldon_worker.__file__))
    real = tmp_path / "site" / "seldon_core"
    real.mkdir(parents=True)
    (real / "__init__.py").write_text("REAL = True\n")
    code = ("import seldon_worker.loader as l; l.place_compat_package(); import seldon_core; "
            "print(getattr(seldon_core, 'REAL', False))")
    # bindings/python first on the path, an "installed" seldon_core after it: the installed wins
    assert _python_in([bindings, str(tmp_path / "site")], code) == "True"
    # nothing installed: the compatibility package
    assert _python_in([bindings], code) == "False"
    assert _python_in([bindings], code.replace("getattr(seldon_core, 'REAL', False)",
                                               "seldon_core.__version__")) == "1.18.2"
