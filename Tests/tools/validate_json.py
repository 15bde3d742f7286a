"""Validates a command's --json output (standard input) against
docs/schemas/NAME.schema.json with the jsonschema package; prints the
first error and exits 1 when it does not conform."""
import json
import sys

import jsonschema

name = sys.argv[1]
schema = json.load(open(f"docs/schemas/{name}.schema.json"))
text = sys.stdin.read()
try:
    document = json.loads(text)
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())
except (ValueError, jsonschema.ValidationError) as error:
    print(f"{name}: {getattr(error, 'message', error)} at {list(getattr(error, 'absolute_path', []))}\n{text[:2000]}")
    sys.exit(1)
