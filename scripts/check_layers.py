#!/usr/bin/env python3
"""Fails when a module under src/ includes a header of a module above it (ARCHITECTURE.md §1)."""
import pathlib
import re
import sys

# Each module and the modules it may include (transitively below it).
ORDER = ["common", "math", "ring", "rlwe", "ckks", "circuits", "io", "nn"]
ALLOWED = {
    "common": set(),
    "math": {"common"},
    "ring": {"common", "math"},
    "rlwe": {"common", "math", "ring"},
    "ckks": {"common", "math", "ring", "rlwe"},
    "circuits": {"common", "math", "ring", "rlwe", "ckks"},
    "io": {"common", "math", "ring", "rlwe", "ckks"},
    "nn": {"common", "math", "ring", "rlwe", "ckks", "circuits", "io"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([a-z_]+)/')


def main(src: pathlib.Path) -> int:
    bad = []
    checked = 0
    for module_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        module = module_dir.name
        if module not in ALLOWED:
            bad.append(f"{module_dir}: unknown module (add it to scripts/check_layers.py)")
            continue
        for f in sorted(module_dir.rglob("*")):
            if f.suffix not in {".hpp", ".cpp", ".h", ".cc"}:
                continue
            checked += 1
            for n, line in enumerate(f.read_text().splitlines(), 1):
                m = INCLUDE.match(line)
                if m and m.group(1) != module and m.group(1) not in ALLOWED[module]:
                    bad.append(f"{f}:{n}: {module} must not include {m.group(1)}/")
    for b in bad:
        print(b)
    print(f"checked {checked} files: {len(bad)} layering violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")))
