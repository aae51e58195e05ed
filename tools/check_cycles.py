#!/usr/bin/env python3
"""Fails when two sibling modules of a crate import each other, directly or around a circle.

Usage: tools/check_cycles.py [CRATE_DIR ...]     (default: every crates/*)

A module is `foo.rs` together with everything under `foo/`. For every file
under `crates/<c>/src`, the paths it names through `use crate::…`,
`use super::…`, `use self::…`, `use <child module>::…` and inline
`crate::…`/`super::…` paths are resolved to the deepest module that exists.
An import from module path A to module path B is an edge between the two
children of their common ancestor (`crate::http::mcp` naming
`crate::server::X` is the edge `http -> server`; `http::mcp` naming
`http::state` is `mcp -> state` inside `http`). A child naming its parent,
or a parent its child, is no edge. Every strongly connected set of siblings
is reported with the imports that close it; exit status 1 if there is one.
Standard library only.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
INLINE_PATH = re.compile(rf"(?<![A-Za-z0-9_:])((?:crate|super|self)(?:::{IDENT})+)")
MOD_DECL = re.compile(rf"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+({IDENT})\s*;", re.M)
USE_STMT = re.compile(r"(?<![A-Za-z0-9_])use\s+([^;]*);", re.S)


def strip_comments_and_strings(text: str) -> str:
    """The code of `text` with comments, strings and char literals blanked."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 260]) and not re.match(r"[A-Za-z0-9_]", text[i - 1:i] or " "):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            i = n if end < 0 else end + 1 + len(hashes)
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12]):
            i += len(re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12]).group(0))
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use_tree(tree: str) -> list[str]:
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e'] (aliases dropped)."""
    tree = re.sub(r"\s+as\s+" + IDENT, "", tree)
    tree = re.sub(r"\s+", "", tree)

    def parse(s: str, prefix: str) -> list[str]:
        depth, start, parts = 0, 0, []
        for k, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(s[start:k])
                start = k + 1
        parts.append(s[start:])
        paths = []
        for part in filter(None, parts):
            brace = part.find("{")
            if brace >= 0 and part.endswith("}"):
                head = part[:brace].rstrip(":")
                paths += parse(part[brace + 1:-1], join(prefix, head))
            else:
                paths.append(join(prefix, part))
        return paths

    return parse(tree, "")


def join(prefix: str, part: str) -> str:
    return f"{prefix}::{part}" if prefix and part else (prefix or part)


def module_path(src: Path, file: Path) -> tuple[str, ...]:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts in (["lib"], ["main"]):
        return ()
    if parts[-1] == "mod":
        parts.pop()
    return tuple(parts)


def crate_edges(src: Path):
    """Sibling edges of one crate: {(parent, a, b): [(file, import), ...]}."""
    files = sorted(p for p in src.rglob("*.rs") if "bin" not in p.relative_to(src).parts[:1])
    modules = {module_path(src, f) for f in files}
    for m in list(modules):  # `foo/` without `foo.rs` still names module `foo`.
        modules.update(m[:k] for k in range(len(m)))
    edges = defaultdict(list)
    for file in files:
        here = module_path(src, file)
        code = strip_comments_and_strings(file.read_text(encoding="utf-8"))
        children = set(MOD_DECL.findall(code))
        paths = []
        for stmt in USE_STMT.finditer(code):
            paths += expand_use_tree(stmt.group(1))
        code_without_uses = USE_STMT.sub(" ", code)
        paths += INLINE_PATH.findall(code_without_uses)
        for path in paths:
            target = resolve(path.strip(":").split("::"), here, children)
            if target is None:
                continue
            target = deepest_module(target, modules)
            common = 0
            while common < min(len(here), len(target)) and here[common] == target[common]:
                common += 1
            if common == len(here) or common == len(target):
                continue  # the module itself, its parent or its own child
            parent = here[:common]
            edges[(parent, here[common], target[common])].append((file, path))
    return edges


def resolve(segments: list[str], here: tuple[str, ...], children: set[str]):
    """The absolute module path `segments` names from module `here`, or None if outside the crate."""
    head = segments[0]
    if head == "crate":
        return tuple(segments[1:])
    if head in ("super", "self"):
        base = list(here)
        while segments and segments[0] in ("super", "self"):
            if segments[0] == "super":
                if not base:
                    return None
                base.pop()
            segments = segments[1:]
        return tuple(base + segments)
    if head in children:
        return tuple(list(here) + segments)
    return None


def deepest_module(path: tuple[str, ...], modules: set[tuple[str, ...]]) -> tuple[str, ...]:
    for k in range(len(path), -1, -1):
        if path[:k] in modules:
            return path[:k]
    return ()


def cycles(edges) -> list[tuple[tuple[str, ...], list[str]]]:
    """Strongly connected sets of two or more siblings, per parent (Tarjan)."""
    graphs = defaultdict(lambda: defaultdict(set))
    for parent, a, b in edges:
        graphs[parent][a].add(b)
    found = []
    for parent, graph in sorted(graphs.items()):
        index, low, stack, on_stack, counter = {}, {}, [], set(), [0]

        def visit(v):
            index[v] = low[v] = counter[0]
            counter[0] += 1
            stack.append(v)
            on_stack.add(v)
            for w in sorted(graph.get(v, ())):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append((parent, sorted(component)))

        for v in sorted(graph):
            if v not in index:
                visit(v)
    return found


def main(argv: list[str]) -> int:
    crates = [Path(a).resolve() for a in argv] or sorted(p for p in (ROOT / "crates").iterdir() if (p / "src").is_dir())
    failed = False
    for crate in crates:
        src = crate / "src"
        edges = crate_edges(src)
        for parent, component in cycles(edges):
            failed = True
            where = "::".join(("crate",) + parent)
            print(f"{crate.relative_to(ROOT) if crate.is_relative_to(ROOT) else crate}: circle among {where}::{{{', '.join(component)}}}")
            members = set(component)
            for (p, a, b), uses in sorted(edges.items()):
                if p == parent and a in members and b in members:
                    file, path = uses[0]
                    more = f" (+{len(uses) - 1} more)" if len(uses) > 1 else ""
                    print(f"  {a} -> {b}: {file.relative_to(src)} names {path}{more}")
    if not failed:
        print("no circles between sibling modules")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
