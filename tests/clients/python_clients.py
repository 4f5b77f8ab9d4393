"""SPARQLWrapper (default and conneg-only modes) and rdflib's SPARQLStore against a citykg endpoint.

Run by tests/clients.rs as `python python_clients.py ENDPOINT`. Every check looks at the answer's
content, not only its status; the script prints one line per check and exits 1 on any failure.
"""

import sys

import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper)

ENDPOINT = sys.argv[1]
CKG = "https://w3id.org/citykg/ontology#"
STOCKHOLM = "https://w3id.org/citykg/id/city/stockholm"
SELECT = f"SELECT ?city WHERE {{ ?city a <{CKG}City> }} ORDER BY ?city"
ASK = f"ASK {{ <{STOCKHOLM}> a <{CKG}City> }}"
CONSTRUCT = f"CONSTRUCT {{ <{STOCKHOLM}> ?p ?o }} WHERE {{ <{STOCKHOLM}> ?p ?o }}"
DESCRIBE = f"DESCRIBE <{STOCKHOLM}>"

failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))
    if not condition:
        failures.append(name)


def wrapper(query, fmt, conneg):
    sparql = SPARQLWrapper(ENDPOINT)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setOnlyConneg(conneg)
    return sparql.query()


def graph_of(result, fmt):
    """The rdflib graph of a CONSTRUCT/DESCRIBE answer in `fmt`."""
    converted = result.convert()
    if isinstance(converted, rdflib.Graph):
        return converted
    data = converted.decode("utf-8") if isinstance(converted, bytes) else converted
    parse_as = {TURTLE: "turtle", N3: "n3", JSONLD: "json-ld", RDFXML: "xml", XML: "xml"}[fmt]
    return rdflib.Graph().parse(data=data, format=parse_as)


for conneg in (False, True):
    mode = "conneg-only" if conneg else "default"
    # SELECT in every results format.
    try:
        rows = wrapper(SELECT, JSON, conneg).convert()["results"]["bindings"]
        check(f"{mode} SELECT json", any(r["city"]["value"] == STOCKHOLM for r in rows), rows[:2])
    except Exception as e:  # noqa: BLE001 - report any client error as a failure
        check(f"{mode} SELECT json", False, repr(e))
    try:
        doc = wrapper(SELECT, XML, conneg).convert()
        values = [n.firstChild.data for n in doc.getElementsByTagName("uri")]
        check(f"{mode} SELECT xml", STOCKHOLM in values, values[:2])
    except Exception as e:  # noqa: BLE001
        check(f"{mode} SELECT xml", False, repr(e))
    for fmt in (CSV, TSV):
        try:
            text = wrapper(SELECT, fmt, conneg).convert()
            text = text.decode("utf-8") if isinstance(text, bytes) else text
            check(f"{mode} SELECT {fmt}", STOCKHOLM in text and "city" in text.splitlines()[0], text[:80])
        except Exception as e:  # noqa: BLE001
            check(f"{mode} SELECT {fmt}", False, repr(e))
    # ASK in JSON and XML.
    try:
        check(f"{mode} ASK json", wrapper(ASK, JSON, conneg).convert()["boolean"] is True)
    except Exception as e:  # noqa: BLE001
        check(f"{mode} ASK json", False, repr(e))
    try:
        doc = wrapper(ASK, XML, conneg).convert()
        check(f"{mode} ASK xml", doc.getElementsByTagName("boolean")[0].firstChild.data == "true")
    except Exception as e:  # noqa: BLE001
        check(f"{mode} ASK xml", False, repr(e))
    # CONSTRUCT and DESCRIBE in every RDF format SPARQLWrapper offers.
    for query_name, query in (("CONSTRUCT", CONSTRUCT), ("DESCRIBE", DESCRIBE)):
        for fmt in (TURTLE, N3, JSONLD, RDFXML, XML):
            name = f"{mode} {query_name} {fmt}"
            try:
                graph = graph_of(wrapper(query, fmt, conneg), fmt)
                names = {str(o) for o in graph.objects(rdflib.URIRef(STOCKHOLM), rdflib.URIRef("https://schema.org/name"))}
                check(name, "Stockholm" in names, f"{len(graph)} triples, names {names}")
            except Exception as e:  # noqa: BLE001
                check(name, False, repr(e))

# rdflib's SPARQLStore: SELECT, ASK, CONSTRUCT through the store interface.
store = SPARQLStore(ENDPOINT)
try:
    cities = {str(row[0]) for row in store.query(SELECT)}
    check("rdflib SPARQLStore SELECT", STOCKHOLM in cities, sorted(cities)[:3])
    check("rdflib SPARQLStore ASK", bool(store.query(ASK).askAnswer) is True)
    graph = store.query(CONSTRUCT).graph
    check("rdflib SPARQLStore CONSTRUCT", graph is not None and len(graph) > 3, graph and len(graph))
    triples = list(store.triples((rdflib.URIRef(STOCKHOLM), rdflib.RDF.type, None)))
    check("rdflib SPARQLStore triples()", any(str(t[0][2]) == CKG + "City" for t in triples), triples[:2])
except Exception as e:  # noqa: BLE001
    check("rdflib SPARQLStore", False, repr(e))

print(f"{len(failures)} client checks failed" if failures else "all client checks passed")
sys.exit(1 if failures else 0)
