"""Validates data files with pySHACL, for tests/shacl_crosscheck.rs.

Usage: python pyshacl_check.py SHAPES SHARED_NT FILE...
Each FILE (Turtle) is validated together with SHARED_NT (the ontology, themes and SDG graphs, as
N-Triples) against SHAPES, without inference. Prints one JSON object: file -> {conforms, focus}.
"""
import json
import sys

from pyshacl import validate
from rdflib import Graph, Namespace, URIRef

SH = Namespace("http://www.w3.org/ns/shacl#")


def main():
    shapes_path, shared_path, *files = sys.argv[1:]
    shapes = Graph().parse(shapes_path, format="turtle")
    shared = Graph().parse(shared_path, format="nt")
    out = {}
    for path in files:
        data = Graph()
        data += shared
        data.parse(path, format="turtle")
        conforms, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=False)
        focus = sorted(
            {str(o) for o in report.objects(None, SH.focusNode) if isinstance(o, URIRef)}
        )
        out[path] = {"conforms": bool(conforms), "focus": focus}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
