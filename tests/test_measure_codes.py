"""Each measure is defined once: its code is spelled in at most 3 source files.

The registry (diary/measures.py), the model (diary/models/entries.py) and at most one more file
may spell a measure's code; everything else derives from the registry or refers to a measure
through its constant (`measures.PAIN`). See docs/measures.md.

How the test decides that a file "spells" a code (so that common words such as `pain`, `mood`
or `note` in prose do not count, and a code hidden in an expression does):
- Python: the file is parsed (ast). A name, attribute, keyword argument, parameter, function
  or class name equal to the code counts, and so does a string constant equal to the whole
  code (also inside f-strings). Comments and docstrings are prose.
- JavaScript: comments are dropped; an identifier equal to the code counts, and so does a
  string literal (quotes or backticks) whose whole text is the code.
- Templates: inside `{{ }}` and `{% %}` identifiers and whole string literals count as in
  JavaScript; outside them (HTML), an attribute value equal to the whole code counts
  (`name="pain"`); text between tags is prose. `{# #}` comments are dropped.
- CSS: a selector name (class, id) equal to the code counts; comments are dropped.
The comparison is case-sensitive: `PAIN`, the registry's constant, is not the code `pain`.
Scanned: diary/, templates/, static/ (not static/vendor), config.py, wsgi.py.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from diary import measures

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("diary", "templates", "static", "config.py", "wsgi.py")
SKIPPED = ("static/vendor",)
ALLOWED_FILES = 3
SUFFIXES = {".py", ".html", ".js", ".css", ".webmanifest", ".json"}

_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_JS_TOKEN = re.compile(
    r"""//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`|[A-Za-z_$][\w$]*""",
    re.S,
)
_JINJA = re.compile(r"\{#.*?#\}|\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
_HTML_ATTR = re.compile(r"""[\w:-]+\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TAG = re.compile(r"<[A-Za-z][^>]*>", re.S)
_CSS_NAME = re.compile(r"[A-Za-z_][\w-]*")


def source_files() -> list[Path]:
    files = []
    for entry in SCANNED:
        path = ROOT / entry
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for f in candidates:
            rel = f.relative_to(ROOT).as_posix()
            if f.is_file() and f.suffix in SUFFIXES and not rel.startswith(SKIPPED):
                files.append(f)
    return files


def python_words(text: str) -> set[str]:
    words: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif isinstance(node, ast.keyword | ast.arg) and node.arg:
            words.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            words.add(node.name)
        elif isinstance(node, ast.alias):
            words.add(node.asname or node.name.split(".")[-1])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.add(node.value)
    return words


def script_words(text: str) -> set[str]:
    """Identifiers and whole string literals of JavaScript or a Jinja expression."""
    words: set[str] = set()
    for token in _JS_TOKEN.findall(text):
        if token.startswith(("//", "/*")):
            continue
        if token[0] in "\"'`":
            body = token[1:-1]
            words.add(body)
            if token[0] == "`":  # expressions inside a template literal
                for expr in re.findall(r"\$\{(.*?)\}", body, re.S):
                    words |= script_words(expr)
        else:
            words.add(token)
    return words


def template_words(text: str) -> set[str]:
    words: set[str] = set()
    for match in _JINJA.finditer(text):
        for expr in match.groups():
            if expr:
                words |= script_words(expr)
    html = _JINJA.sub(" ", text)
    for tag in _TAG.findall(html):
        for double, single in _HTML_ATTR.findall(tag):
            words.add(double or single)
    return words


def css_words(text: str) -> set[str]:
    return set(_CSS_NAME.findall(re.sub(r"/\*.*?\*/", " ", text, flags=re.S)))


def words_of(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return python_words(text)
    if path.suffix == ".js":
        return script_words(text)
    if path.suffix == ".html":
        return template_words(text)
    if path.suffix == ".css":
        return css_words(text)
    return script_words(text)  # JSON: its strings and names


def files_spelling(code: str, files: dict[str, set[str]]) -> list[str]:
    return sorted(rel for rel, words in files.items() if code in words)


def test_the_scanner_finds_a_code_in_code_and_not_in_prose():
    """The rules above, on small samples: what must count and what must not."""
    py = python_words(
        '"""Daily pain."""\n# pain\nx = e.pain\nf"{e.mood}"\nd = {"note": 1}\nt = "pain now"\n'
    )
    assert {"pain", "mood", "note"} <= py and "pain now" in py
    assert "pain" not in python_words('"""The pain of it."""\n# pain\nx = "a pain"\n')
    js = script_words("// pain\nconst a = entry.mood; const b = 'note'; t = `${x.sleep}`")
    assert {"mood", "note", "sleep"} <= js
    assert "pain" not in script_words("/* pain */ announce('Choose your pain now');")
    html = template_words(
        '<p class="x">Pain now</p>{# pain #}<input name="mood">{{ entry.note }}'
        "{% if e.sleep_hours %}{% endif %}"
    )
    assert {"mood", "note", "sleep_hours"} <= html and "pain" not in html
    assert "pain" in css_words(".pain { color: red }") and "pain" not in css_words("/* pain */")


def test_each_measure_code_is_spelled_in_at_most_three_source_files():
    files = {f.relative_to(ROOT).as_posix(): words_of(f) for f in source_files()}
    assert "diary/measures.py" in files and "static/js/diary.js" in files
    too_many = {
        m.code: found
        for m in measures.MEASURES
        if len(found := files_spelling(m.code, files)) > ALLOWED_FILES
    }
    assert not too_many, "\n".join(
        f"measure {code!r} is spelled in {len(found)} files (at most {ALLOWED_FILES}: the "
        f"registry, the model and one more); refer to it through diary.measures instead: "
        + ", ".join(found)
        for code, found in too_many.items()
    )
    for m in measures.MEASURES:
        found = files_spelling(m.code, files)
        assert "diary/measures.py" in found, f"{m.code} is not defined in the registry"
