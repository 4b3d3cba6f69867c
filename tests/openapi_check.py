#!/usr/bin/env python3
# OpenAPI 3.0 checks and a schema validator for the subset docs/openapi.yaml uses, run by
# tests/openapi_e2e_test.cc. Arguments: the document, and optionally a JSON-lines file of
# answers {method, path, status, content_type, body}. Exit status 0: fine; 1: problems
# (printed); 77: PyYAML (Debian python3-yaml) is missing.
import json, re, sys
try:
    import yaml
except ImportError:
    print("python3-yaml is not installed")
    sys.exit(77)

doc_path = sys.argv[1]
samples_path = sys.argv[2] if len(sys.argv) > 2 else None
errors = []

class StrictLoader(yaml.SafeLoader):
    """Refuses a mapping that names a key twice (plain YAML loaders keep the last silently)."""

def strict_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            errors.append("line %d: duplicate key %s" % (key_node.start_mark.line + 1, key))
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)

StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, strict_mapping)
with open(doc_path, encoding="utf-8") as f:
    doc = yaml.load(f, Loader=StrictLoader)

def err(where, what):
    errors.append(where + ": " + what)

def resolve(ref):
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node

def walk(node, where):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                try:
                    resolve(v)
                except (KeyError, TypeError):
                    err(where, "unresolved $ref " + str(v))
            else:
                walk(v, where + "/" + str(k))
        if isinstance(node.get("required"), list) and isinstance(node.get("properties"), dict):
            for name in node["required"]:
                if name not in node["properties"]:
                    err(where, "required member " + name + " is not among the properties")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, where + "[" + str(i) + "]")

def deref(node):
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(node["$ref"])
        seen += 1
        if seen > 20:
            raise ValueError("$ref loop")
    return node

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}

def validate(schema, value, where, out):
    """A validator for the subset of OpenAPI 3.0 schemas this document uses."""
    schema = deref(schema)
    if value is None and schema.get("nullable"):
        return
    for sub in schema.get("allOf", []):
        validate(sub, value, where, out)
    if "oneOf" in schema:
        matches = 0
        for sub in schema["oneOf"]:
            trial = []
            validate(sub, value, where, trial)
            matches += not trial
        if matches != 1:
            out.append(where + ": matches " + str(matches) + " of the oneOf schemas")
    if "anyOf" in schema:
        trials = [[] for _ in schema["anyOf"]]
        for sub, trial in zip(schema["anyOf"], trials):
            validate(sub, value, where, trial)
        if all(trials):
            out.append(where + ": matches none of the anyOf schemas")
    t = schema.get("type")
    if t is not None and not TYPES[t](value):
        out.append(where + ": expected " + t + ", got " + json.dumps(value)[:80])
        return
    if "enum" in schema and value not in schema["enum"]:
        out.append(where + ": " + json.dumps(value)[:80] + " is not one of " + str(schema["enum"]))
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(where + ": " + json.dumps(value)[:80] + " does not match " +
                       schema["pattern"])
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(where + ": shorter than " + str(schema["minLength"]))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(where + ": longer than " + str(schema["maxLength"]))
    if TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(where + ": below " + str(schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            out.append(where + ": above " + str(schema["maximum"]))
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(where + ": fewer than " + str(schema["minItems"]) + " items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(where + ": more than " + str(schema["maxItems"]) + " items")
        if "items" in schema:
            for i, v in enumerate(value):
                validate(schema["items"], v, where + "[" + str(i) + "]", out)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                out.append(where + ": missing required member " + name)
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                validate(props[k], v, where + "." + k, out)
            elif extra is False:
                out.append(where + ": member " + k + " is not documented")
            elif isinstance(extra, dict):
                validate(extra, v, where + "." + k, out)

# --- the document's structure ---------------------------------------------------------------
if doc.get("openapi") != "3.0.3":
    err("openapi", "must be 3.0.3")
for key in ("title", "version"):
    if not (doc.get("info") or {}).get(key):
        err("info", "needs " + key)
walk(doc, "#")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
tag_names = {t["name"] for t in doc.get("tags", [])}
operation_ids = set()
for path, item in (doc.get("paths") or {}).items():
    if not path.startswith("/"):
        err(path, "a path must start with /")
    in_path = set(re.findall(r"{([^}]+)}", path))
    shared = [deref(p) for p in item.get("parameters", [])]
    for method, op in item.items():
        if method not in METHODS:
            continue
        where = method.upper() + " " + path
        oid = op.get("operationId")
        if not oid or oid in operation_ids:
            err(where, "needs a unique operationId")
        operation_ids.add(oid)
        for t in op.get("tags", []):
            if t not in tag_names:
                err(where, "unknown tag " + t)
        params = shared + [deref(p) for p in op.get("parameters", [])]
        declared = {p["name"] for p in params if p.get("in") == "path"}
        for p in params:
            if p.get("in") == "path" and not p.get("required"):
                err(where, "path parameter " + p["name"] + " must be required")
        if declared != in_path:
            err(where, "path parameters " + str(sorted(declared)) + " differ from the path's " +
                str(sorted(in_path)))
        responses = op.get("responses") or {}
        if not responses:
            err(where, "no responses")
        for status in responses:
            if not re.fullmatch(r"[1-5][0-9][0-9]|default", str(status)):
                err(where, "bad status key " + str(status))

def check_examples(node, where):
    """Every example of a media type or schema must validate against its schema."""
    if isinstance(node, dict):
        schema = node.get("schema")
        if schema is not None and isinstance(schema, dict):
            if "example" in node:
                out = []
                validate(schema, node["example"], where + " example", out)
                errors.extend(out)
            for name, ex in (node.get("examples") or {}).items():
                out = []
                validate(schema, deref(ex).get("value"), where + " example " + name, out)
                errors.extend(out)
        if "type" in node or "properties" in node or "allOf" in node or "oneOf" in node:
            if "example" in node and isinstance(node.get("example"), (dict, list)):
                out = []
                validate(node, node["example"], where + " schema example", out)
                errors.extend(out)
        for k, v in node.items():
            if k not in ("example", "examples"):
                check_examples(v, where + "/" + str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_examples(v, where + "[" + str(i) + "]")

if not errors:
    check_examples(doc.get("paths"), "#/paths")
    check_examples(doc.get("components"), "#/components")

# --- real answers recorded by the test ------------------------------------------------------
def find_operation(method, path):
    path = path.split("?", 1)[0]
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    return None, None

checked = 0
if samples_path and not errors:
    with open(samples_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            s = json.loads(line)
            where = s["method"] + " " + s["path"] + " -> " + str(s["status"])
            template, op = find_operation(s["method"], s["path"])
            if op is None:
                err(where, "the operation is not documented")
                continue
            response = (op.get("responses") or {}).get(str(s["status"]))
            if response is None:
                err(where, "status " + str(s["status"]) + " is not documented for " +
                    s["method"] + " " + template)
                continue
            response = deref(response)
            content = response.get("content") or {}
            ctype = (s.get("content_type") or "").strip()
            if not content:
                if s["body"]:
                    err(where, "documented without a body, but one was sent")
                continue
            media = content.get(ctype) or content.get(ctype.split(";")[0].strip())
            if media is None:
                err(where, "content type " + repr(ctype) + " is not documented (" +
                    ", ".join(content) + ")")
                continue
            checked += 1
            if ctype.startswith("application/json"):
                try:
                    value = json.loads(s["body"])
                except ValueError:
                    err(where, "the body is not JSON")
                    continue
                out = []
                validate(media["schema"], value, where + " body", out)
                errors.extend(out)

for e in errors:
    print(e)
print("checked the document" + (" and %d answers" % checked if samples_path else "") +
      (": %d problems" % len(errors) if errors else ": ok"))
sys.exit(1 if errors else 0)
