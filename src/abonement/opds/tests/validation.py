"""Validators of what the OPDS views answer: the official OPDS 1.2 RELAX NG grammar (lxml) and the OPDS 2.0
JSON Schemas with the Readium Web Publication schemas they reference (jsonschema), all read from schemas/."""

import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft7Validator, ValidationError, validators
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent / "schemas"
ID_PREFIXES = {
    "https://drafts.opds.io/schema/": SCHEMAS / "opds2",
    "https://readium.org/webpub-manifest/schema/": SCHEMAS / "webpub",
}


@cache
def _relaxng() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "opds.rng")))


def assert_valid_opds1(body: bytes) -> etree._Element:
    """Parse the feed or entry (well-formed XML or it raises) and validate it against OPDS 1.2."""
    document = etree.fromstring(body)
    schema = _relaxng()
    assert schema.validate(document), schema.error_log.filter_from_errors()
    return document


def _load(path: Path) -> dict:
    """A draft-07 schema without its `$schema`: jsonschema picks the validator class of each referenced
    schema by that key, which would bring back the plain draft-07 `pattern` below."""
    schema = json.loads(path.read_text())
    schema.pop("$schema", None)
    return schema


def _retrieve(uri: str) -> Resource:
    for prefix, folder in ID_PREFIXES.items():
        if uri.startswith(prefix):
            return Resource(contents=_load(folder / uri.removeprefix(prefix)), specification=DRAFT7)
    raise LookupError(f"no local copy of {uri}; the tests never go to the network")


def _ecma_pattern(validator, pattern: str, instance, schema):
    """JSON Schema patterns are ECMA-262: the Readium language-tag pattern names its groups `(?<name>…)`,
    which Python's re spells `(?P<name>…)`; otherwise the keyword is the standard one."""
    if isinstance(instance, str) and not re.search(re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


OpdsValidator = validators.extend(Draft7Validator, {"pattern": _ecma_pattern})


@cache
def _validator(name: str):
    schema = _load(SCHEMAS / "opds2" / f"{name}.schema.json")
    return OpdsValidator(schema, registry=Registry(retrieve=_retrieve))


def assert_valid_opds2(data: dict, schema: str = "feed") -> dict:
    errors = sorted(_validator(schema).iter_errors(data), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return data
