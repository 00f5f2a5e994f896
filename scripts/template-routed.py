"""Writes a copy of template.yaml whose optional multi-region routing parameters default to
example values, so sam validate, cfn-lint and checkov also check the template with routing on
(`make test` runs them on both). Usage: python scripts/template-routed.py OUT"""

import re
import sys

ROUTED = {
    "ApiDomainName": "api.craftbean.example",
    "HostedZoneId": "Z0EXAMPLE12345",
}


def main() -> None:
    with open("template.yaml", encoding="utf-8") as f:
        text = f.read()
    for name, value in ROUTED.items():
        pattern = re.compile(rf"(\n  {name}:\n    Type: String\n    Default: )\"\"")
        text, count = pattern.subn(rf"\g<1>{value}", text)
        if count != 1:
            sys.exit(f"parameter {name} with Default \"\" not found in template.yaml")
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
