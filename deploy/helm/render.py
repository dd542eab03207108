#!/usr/bin/env python3
"""Renders deploy/helm/switchboard as `helm template` would, for CI machines without helm.

It implements the part of Go's text/template and Helm's functions that the chart uses
(if/else if/else, with, range, define/include, variables in range, pipelines, and the
functions listed in FUNCS); anything else is an error, so the chart cannot drift into
syntax this renderer would silently get wrong. Usage:

    render.py CHART [-f values.yaml]... [--set a.b=c]... [--name RELEASE]

prints the manifests, `---`-separated, on standard output.
"""

import hashlib
import json
import os
import re
import sys

import yaml


class TemplateError(Exception):
    pass


# ---- Parsing -------------------------------------------------------------------------

ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)


def lex(src):
    """Text and action tokens, with Go's `{{-`/`-}}` whitespace trimming applied."""
    out = []
    pos = 0
    for m in ACTION.finditer(src):
        text = src[pos:m.start()]
        if m.group(1):
            text = text.rstrip()
        out.append(("text", text))
        out.append(("action", m.group(2), bool(m.group(3))))
        pos = m.end()
    out.append(("text", src[pos:]))
    # Right trims apply to the text after the action.
    for i, tok in enumerate(out):
        if tok[0] == "action" and tok[2] and i + 1 < len(out):
            out[i + 1] = ("text", out[i + 1][1].lstrip())
    return [t for t in out if not (t[0] == "text" and t[1] == "")]


def parse(tokens, defines, name):
    pos = 0

    def block(stop):
        nonlocal pos
        nodes = []
        while pos < len(tokens):
            tok = tokens[pos]
            if tok[0] == "text":
                nodes.append(("text", tok[1]))
                pos += 1
                continue
            body = tok[1]
            word = body.split(None, 1)[0] if body else ""
            if body.startswith("/*"):
                pos += 1
                continue
            if word in stop:
                return nodes, body
            pos += 1
            if word in ("if", "with"):
                branches = []
                cond = body[len(word):].strip()
                while True:
                    inner, ended = block(("else", "end"))
                    branches.append((cond, inner))
                    pos += 1
                    if ended == "end":
                        break
                    rest = ended[len("else"):].strip()
                    if rest.startswith("if "):
                        cond = rest[3:].strip()
                    elif rest == "":
                        cond = None
                    else:
                        raise TemplateError(f"{name}: unsupported '{ended}'")
                nodes.append((word, branches))
            elif word == "range":
                spec = body[len("range"):].strip()
                inner, ended = block(("end", "else"))
                if ended != "end":
                    raise TemplateError(f"{name}: range/else is not supported")
                pos += 1
                nodes.append(("range", spec, inner))
            elif word == "define":
                tname = parse_string(body[len("define"):].strip())
                inner, _ = block(("end",))
                pos += 1
                defines[tname] = inner
            elif word in ("else", "end"):
                raise TemplateError(f"{name}: unexpected '{body}'")
            else:
                nodes.append(("action", body))
        if stop:
            raise TemplateError(f"{name}: missing {{{{ end }}}}")
        return nodes, None

    nodes, _ = block(())
    return nodes


def parse_string(s):
    if not (s.startswith('"') and s.endswith('"')):
        raise TemplateError(f"expected a string, got {s}")
    return json.loads(s)


# ---- Expressions ---------------------------------------------------------------------

EXPR_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>:=|\||\(|\)|,)'
    r"|(?P<word>[$A-Za-z_.][$\w.]*))"
)


def tokens_of(expr):
    out = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        m = EXPR_TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise TemplateError(f"cannot read '{expr[pos:]}'")
        pos = m.end()
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
    return out


def truthy(v):
    return not (v is None or v is False or v == 0 or v == "" or v == [] or v == {})


def to_string(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        raise TemplateError(f"cannot print {v!r}: use toYaml")
    return str(v)


def indent(n, s):
    pad = " " * n
    return "\n".join(pad + line for line in to_string(s).split("\n"))


def to_yaml(v):
    if v is None:
        return "null"
    return yaml.safe_dump(v, default_flow_style=False, sort_keys=True).rstrip("\n")


def required(msg, v):
    if not truthy(v):
        raise TemplateError(f"required: {msg}")
    return v


def default(d, *rest):
    v = rest[0] if rest else None
    return v if truthy(v) else d


def printf(fmt, *args):
    return re.sub(r"%[sdv]", "{}", fmt).format(*[to_string(a) for a in args])


FUNCS = {
    "quote": lambda *a: " ".join(json.dumps(to_string(x)) for x in a),
    "toString": to_string,
    "toYaml": to_yaml,
    "nindent": lambda n, s: "\n" + indent(n, s),
    "indent": indent,
    "default": default,
    "required": required,
    "printf": printf,
    "print": lambda *a: "".join(to_string(x) for x in a),
    "trunc": lambda n, s: to_string(s)[:n],
    "trimSuffix": lambda suf, s: to_string(s)[: -len(suf)] if suf and to_string(s).endswith(suf) else to_string(s),
    "contains": lambda sub, s: sub in to_string(s),
    "sha256sum": lambda s: hashlib.sha256(to_string(s).encode()).hexdigest(),
    "and": lambda *a: next((x for x in a if not truthy(x)), a[-1]),
    "or": lambda *a: next((x for x in a if truthy(x)), a[-1]),
    "not": lambda v: not truthy(v),
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
}


class Renderer:
    def __init__(self, root, defines, files):
        self.root = root
        self.defines = defines
        self.files = files

    def field(self, base, path):
        v = base
        for part in [p for p in path.split(".") if p]:
            if isinstance(v, dict):
                v = v.get(part)
            else:
                return None
        return v

    def value(self, tok, dot, scope):
        kind, text = tok
        if kind == "str":
            return json.loads(text)
        if kind == "num":
            return float(text) if "." in text else int(text)
        if text == "true":
            return True
        if text == "false":
            return False
        if text == ".":
            return dot
        if text.startswith("."):
            return self.field(dot, text)
        if text.startswith("$"):
            var, _, rest = text.partition(".")
            if var == "$":
                base = self.root
            elif var in scope:
                base = scope[var]
            else:
                raise TemplateError(f"undefined variable {var}")
            return self.field(base, rest) if rest else base
        raise TemplateError(f"unexpected '{text}'")

    def command(self, toks, dot, scope, piped):
        """One command of a pipeline: a function call or a single value."""
        args = []
        i = 0
        while i < len(toks):
            kind, text = toks[i]
            if text == "(":
                depth, j = 1, i + 1
                while depth:
                    if toks[j][1] == "(":
                        depth += 1
                    elif toks[j][1] == ")":
                        depth -= 1
                    j += 1
                args.append(("value", self.pipeline(toks[i + 1 : j - 1], dot, scope)))
                i = j
                continue
            args.append(("tok", toks[i]))
            i += 1
        head = args[0]
        if head[0] == "tok" and head[1][0] == "word" and not head[1][1].startswith((".", "$")) \
                and head[1][1] not in ("true", "false"):
            fname = head[1][1]
            vals = [a[1] if a[0] == "value" else self.value(a[1], dot, scope) for a in args[1:]]
            if piped is not None:
                vals.append(piped[0])
            if fname == "include":
                return self.include(vals[0], vals[1])
            if fname not in FUNCS:
                raise TemplateError(f"function '{fname}' is not supported by this renderer")
            return FUNCS[fname](*vals)
        if len(args) != 1 or piped is not None:
            raise TemplateError("a value cannot take arguments")
        return head[1] if head[0] == "value" else self.value(head[1], dot, scope)

    def pipeline(self, toks, dot, scope):
        cmds, cur, depth = [], [], 0
        for t in toks:
            if t[1] == "(":
                depth += 1
            elif t[1] == ")":
                depth -= 1
            if t[1] == "|" and depth == 0:
                cmds.append(cur)
                cur = []
            else:
                cur.append(t)
        cmds.append(cur)
        piped = None
        for c in cmds:
            piped = (self.command(c, dot, scope, piped),)
        return piped[0]

    def eval(self, expr, dot, scope):
        return self.pipeline(tokens_of(expr), dot, scope)

    def include(self, name, dot):
        if name in self.defines:
            return self.render(self.defines[name], dot, {})
        if name in self.files:
            return self.render(self.files[name], dot, {})
        raise TemplateError(f"no template named {name}")

    def render(self, nodes, dot, scope):
        out = []
        for node in nodes:
            kind = node[0]
            if kind == "text":
                out.append(node[1])
            elif kind == "action":
                toks = tokens_of(node[1])
                if len(toks) >= 2 and toks[1][1] == ":=":
                    scope[toks[0][1]] = self.pipeline(toks[2:], dot, scope)
                    continue
                out.append(to_string(self.pipeline(toks, dot, scope)))
            elif kind in ("if", "with"):
                for cond, body in node[1]:
                    if cond is None:
                        out.append(self.render(body, dot, dict(scope)))
                        break
                    v = self.eval(cond, dot, scope)
                    if truthy(v):
                        out.append(self.render(body, v if kind == "with" else dot, dict(scope)))
                        break
            elif kind == "range":
                spec, body = node[1], node[2]
                m = re.match(r"^(\$\w+)\s*(?:,\s*(\$\w+))?\s*:=\s*(.*)$", spec)
                if m:
                    k_var, v_var, expr = m.group(1), m.group(2), m.group(3)
                    if v_var is None:
                        k_var, v_var = None, k_var
                else:
                    k_var, v_var, expr = None, None, spec
                coll = self.eval(expr, dot, scope)
                items = sorted(coll.items()) if isinstance(coll, dict) else list(enumerate(coll or []))
                for k, v in items:
                    inner = dict(scope)
                    if k_var:
                        inner[k_var] = k
                    if v_var:
                        inner[v_var] = v
                    out.append(self.render(body, v, inner))
        return "".join(out)


# ---- Values and the chart ------------------------------------------------------------


def merge(base, over):
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base


def set_value(values, assignment):
    path, _, raw = assignment.partition("=")
    value = yaml.safe_load(raw) if raw else ""
    node = values
    keys = path.split(".")
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = value


def render_chart(chart_dir, value_files=(), sets=(), release="switchboard", namespace="default"):
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    with open(os.path.join(chart_dir, "values.yaml")) as f:
        values = yaml.safe_load(f) or {}
    for path in value_files:
        with open(path) as f:
            merge(values, yaml.safe_load(f) or {})
    for s in sets:
        set_value(values, s)
    tdir = os.path.join(chart_dir, "templates")
    base = f"{chart['name']}/templates"
    defines, files = {}, {}
    for fname in sorted(os.listdir(tdir)):
        with open(os.path.join(tdir, fname)) as f:
            src = f.read()
        nodes = parse(lex(src), defines, fname)
        if fname.endswith((".yaml", ".yml")):
            files[f"{base}/{fname}"] = nodes
    root = {
        "Values": values,
        "Release": {"Name": release, "Namespace": namespace, "Service": "Helm",
                    "IsInstall": True, "IsUpgrade": False},
        "Chart": {"Name": chart["name"], "Version": chart["version"],
                  "AppVersion": chart.get("appVersion", "")},
        "Template": {"BasePath": base},
    }
    r = Renderer(root, defines, files)
    out = []
    for path, nodes in files.items():
        text = r.render(nodes, root, {})
        if text.strip():
            out.append(f"# Source: {path}\n{text.strip()}\n")
    return "---\n".join(out)


def main(argv):
    chart, files, sets, name = None, [], [], "switchboard"
    it = iter(argv)
    for a in it:
        if a == "-f":
            files.append(next(it))
        elif a == "--set":
            sets.append(next(it))
        elif a == "--name":
            name = next(it)
        else:
            chart = a
    if not chart:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        sys.stdout.write(render_chart(chart, files, sets, name))
    except TemplateError as e:
        print(f"render.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
