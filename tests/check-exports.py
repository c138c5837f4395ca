#!/usr/bin/env python3
"""tests/check-exports.py LIB HEADER... - the dynamic symbols that the shared
library LIB defines are exactly the names that the headers mark WEFT_API: the
public functions of weft.h and the internal entry points that its inline paths
call (weft/task.h, weft/typed.h).  Nothing else may be exported (test-only
hooks, weft__test_*, above all) and nothing marked may be missing.  Prints the
differences and exits 1 on any."""
import re
import subprocess
import sys


def marked(paths):
    names = set()
    for path in paths:
        text = open(path).read()
        text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)   # comments
        text = re.sub(r'^\s*#.*?(?<!\\)$', ' ', text, flags=re.M | re.S)
        for decl in re.findall(r'\bWEFT_API\b(.*?)[;{]', text, flags=re.S):
            decl = decl.split('__attribute__')[0]
            m = re.search(r'(\w+)\s*\(', decl)          # a function
            if not m:
                m = re.search(r'(\w+)\W*$', decl)       # a variable
            if not m:
                sys.exit('%s: cannot read the declaration after WEFT_API: %s'
                         % (path, decl.strip()))
            names.add(m.group(1))
    return names


def exported(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def main():
    lib, headers = sys.argv[1], sys.argv[2:]
    want, got = marked(headers), exported(lib)
    ok = True
    for label, names in (('exported but not marked WEFT_API', got - want),
                         ('marked WEFT_API but not exported', want - got)):
        if names:
            ok = False
            print(label + ':\n  ' + '\n  '.join(sorted(names)))
    if not ok:
        return 1
    print('check-exports: %d symbols, each marked WEFT_API: %s'
          % (len(got), ' '.join(sorted(got))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
