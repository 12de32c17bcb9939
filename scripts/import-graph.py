#!/usr/bin/env python3
"""File-level import graph of a Rust crate's `src/`, and its cycles.

    python3 scripts/import-graph.py [SRC_DIR] [--edges] [--dot]

How it is computed (no compiler involved, so it runs in a second):
- Every `.rs` file is a module: `lib.rs` is `crate`, `a.rs` and `a/mod.rs` are `crate::a`,
  `a/b.rs` is `crate::a::b`. `main.rs` and the modules it declares (`cli/`) form the binary
  crate, where `crate::` is the binary and `veristat::` is the library.
- Paths are read from `use` declarations (brace groups expanded) and from every other path in
  the code that starts with `crate::`, `super::`, `self::` or the library's name, after comments
  and string literals are removed. Test modules count: a test's import is an import.
- A path resolves to the deepest module file it names; a name that a module only re-exports
  (`pub use child::Name`) resolves through the re-export to the file that defines it.
- An edge F -> T is drawn when a path in F resolves to T != F. A module's re-exports of its own
  descendants (`pub use child::Name` in `mod.rs`) are the module tree's facade, not a use, and
  draw no edge.
Prints the cycles (strongly connected components with more than one file); exits 1 if any.
"""
import os
import re
import sys

LIB = "veristat"


def strip(src):
    """Remove comments, string and char literals (keeping line structure)."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', src[i:i + 10]) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            m = re.match(r'r(#*)"', src[i:])
            end = '"' + m.group(1)
            j = src.find(end, i + len(m.group(0)))
            i = n if j < 0 else j + len(end)
            out.append('""')
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            out.append('""')
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", src[i:i + 4]):
            m = re.match(r"'(\\.|[^\\'])'", src[i:])
            i += len(m.group(0))
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use(tree):
    """Expand a use tree `a::{b, c::{d, e}}` into flat paths (`as` renames dropped)."""
    tree = re.sub(r"\s+", "", tree)
    m = re.match(r"^(.*?)\{(.*)\}$", tree)
    if not m:
        return [tree]
    prefix, body = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        parts.append(cur)
    res = []
    for p in parts:
        for e in expand_use(p):
            res.append(prefix + e if e != "self" else prefix.rstrip(":"))
    return res


class Crate:
    def __init__(self, src):
        self.src = src
        self.files = {}  # module path tuple -> file
        for root, _, names in os.walk(src):
            for nm in names:
                if not nm.endswith(".rs"):
                    continue
                full = os.path.join(root, nm)
                rel = os.path.relpath(full, src)
                parts = rel[:-3].split(os.sep)
                if parts[-1] == "mod":
                    parts = parts[:-1]
                if parts == ["lib"]:
                    mod = ("lib",)
                elif parts == ["main"]:
                    mod = ("bin",)
                elif parts[0] == "cli":
                    mod = ("bin",) + tuple(parts)
                else:
                    mod = ("lib",) + tuple(parts)
                self.files[mod] = rel
        self.text = {}
        for mod, rel in self.files.items():
            with open(os.path.join(src, rel), encoding="utf-8") as f:
                self.text[mod] = strip(f.read())
        self.reexports = {mod: self.parse_reexports(mod) for mod in self.files}

    def uses(self, mod):
        """Flat paths of every `use` in the file, with whether it is `pub`."""
        t = self.text[mod]
        out = []
        for m in re.finditer(r"(?m)^\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", t):
            tree = re.sub(r"\s+as\s+\w+", "", m.group(2))
            for p in expand_use(tree):
                out.append((bool(m.group(1)), p))
        return out

    def parse_reexports(self, mod):
        r = {}
        for is_pub, p in self.uses(mod):
            if is_pub:
                segs = [s for s in p.split("::") if s]
                if segs and segs[-1] != "*":
                    r[segs[-1]] = segs
        return r

    def absolute(self, mod, segs):
        """Turn a path as written in module `mod` into an absolute module-path list."""
        root = (mod[0],)
        if not segs:
            return None
        head = segs[0]
        if head == "crate":
            return list(root) + segs[1:]
        if head == LIB:
            return ["lib"] + segs[1:]
        if head in ("super", "self"):
            cur = list(mod)
            i = 0
            while i < len(segs) and segs[i] in ("super", "self"):
                if segs[i] == "super":
                    cur = cur[:-1]
                i += 1
            return cur + segs[i:]
        if tuple(mod) + (head,) in self.files:  # a child module named without `self::`
            return list(mod) + segs
        if mod == ("lib",) or mod == ("bin",):
            if (mod[0], head) in self.files:
                return [mod[0]] + segs
        return None

    def resolve(self, abspath, depth=0):
        """The file (module key) an absolute path lands in, following re-exports."""
        cur = [abspath[0]]
        rest = abspath[1:]
        while rest and tuple(cur + [rest[0]]) in self.files:
            cur.append(rest[0])
            rest = rest[1:]
        key = tuple(cur)
        if rest and depth < 8:
            target = self.reexports.get(key, {}).get(rest[0])
            if target:
                a = self.absolute(key, target)
                if a and tuple(a) != tuple(cur + rest[:1]):
                    return self.resolve(a + rest[1:], depth + 1)
        return key

    def edges(self):
        e = {}
        for mod in self.files:
            targets = set()
            facade = set()
            for is_pub, p in self.uses(mod):
                segs = [s for s in p.split("::") if s and s != "*"]
                a = self.absolute(mod, segs)
                if not a:
                    continue
                t = self.resolve(a)
                if is_pub and t[: len(mod)] == mod:
                    facade.add(t)  # re-export of a descendant: the tree's facade
                else:
                    targets.add(t)
            body = re.sub(r"(?m)^\s*(pub(\([^)]*\))?\s+)?use\s+[^;]+;", "", self.text[mod])
            for m in re.finditer(r"\b((?:crate|super|self|%s)(?:::\w+)+)" % LIB, body):
                segs = m.group(1).split("::")
                a = self.absolute(mod, segs)
                if a:
                    targets.add(self.resolve(a))
            targets.discard(mod)
            e[mod] = {t for t in targets if t in self.files}
        return e


def sccs(graph):
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = args[0] if args else os.path.join(os.path.dirname(__file__), "..", "src")
    c = Crate(src)
    g = c.edges()
    name = lambda k: c.files[k]
    if "--edges" in sys.argv:
        for k in sorted(g, key=name):
            for t in sorted(g[k], key=name):
                print(f"{name(k)} -> {name(t)}")
    if "--dot" in sys.argv:
        print("digraph imports {")
        for k in sorted(g, key=name):
            for t in sorted(g[k], key=name):
                print(f'  "{name(k)}" -> "{name(t)}";')
        print("}")
    cycles = [sorted(name(k) for k in comp) for comp in sccs(g) if len(comp) > 1]
    n_edges = sum(len(v) for v in g.values())
    print(f"{len(g)} files, {n_edges} file-level imports, {len(cycles)} cycles")
    for comp in cycles:
        sub = {k for k in g if name(k) in comp}
        print("cycle: " + ", ".join(comp))
        for k in sorted(sub, key=name):
            for t in sorted(g[k] & sub, key=name):
                print(f"    {name(k)} -> {name(t)}")
    sys.exit(1 if cycles else 0)


if __name__ == "__main__":
    main()
