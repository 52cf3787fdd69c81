#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# man-examples.py DEMO_OUTPUT [MAN_DIR]: puts the real output of `make demo`
# (saved to DEMO_OUTPUT) into the EXAMPLES of each man page whose object
# the demo runs, between ".. demo output begin" and ".. demo output end";
# run again, it replaces what it put there. Usage:
#   make demo | tee demo.out; selftests/vm/man-examples.py demo.out
import os
import re
import sys
demo = sys.argv[1]
mandir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "docs", "man")
lines = open(demo).read().split('\n')
blocks = []
cur = None
for i, l in enumerate(lines):
    if l.startswith('$ '):
        cur = [l]
        blocks.append(cur)
        continue
    if cur is None:
        continue
    nxt = lines[i + 1] if i + 1 < len(lines) else ''
    if (l == '' and (nxt.startswith('# ') or nxt.startswith('$ '))) or l.startswith('The sample program') \
       or l.startswith('artifact') or l.startswith('# '):
        cur = None
        continue
    cur.append(l)
pid = re.search(r'The sample program is PID (\d+)', '\n'.join(lines)).group(1)
by_obj = {}
for b in blocks:
    words = b[0][2:].split()
    if words[0] != 'mmscope':
        if '/sys/kernel/debug/mmscope' in b[0]:
            by_obj.setdefault('DEVICE', []).append(b)
        continue
    obj = [w for w in words[1:] if not w.startswith('-')][0]
    by_obj.setdefault(obj, []).append(b)
for obj, bs in by_obj.items():
    page = os.path.join(mandir, 'mmscope.4.rst' if obj == 'DEVICE' else 'mmscope-%s.8.rst' % obj)
    if not os.path.exists(page):
        print('no page for', obj); continue
    s = open(page).read()
    s = re.sub(r'\.\. demo output begin\n.*?\.\. demo output end\n\n', '', s, flags=re.S)
    parts = ['.. demo output begin\n',
             'In Debian\'s 6.12 under QEMU, from **make demo** (the sample program is PID %s;\nlong outputs are cut where ``...`` stands):\n' % pid]
    for b in bs:
        out = [x.rstrip() for x in b]
        while out and out[-1] == '':
            out.pop()
        if len(out) > 28:
            out = out[:26] + ['...']
        parts.append('::\n\n' + '\n'.join('    ' + x if x else '' for x in out) + '\n')
    parts.append('.. demo output end\n')
    block = '\n'.join(parts) + '\n'
    m = re.search(r'EXAMPLES\n========\n\n', s)
    if not m:
        print('no EXAMPLES in', page); continue
    if obj == 'DEVICE':
        # The demo's shell lines, as a user types them.
        block = re.sub(r'    \$ sh -c echo (\d+) >/sys/kernel/debug/mmscope/target &&\n    \t +echo (0x[0-9a-f]+) >/sys/kernel/debug/mmscope/pagetable &&\n    \t +cat /sys/kernel/debug/mmscope/pagetable\n',
                       r'    # echo \1 >/sys/kernel/debug/mmscope/target\n    # echo \2 >/sys/kernel/debug/mmscope/pagetable\n    # cat /sys/kernel/debug/mmscope/pagetable\n', block)
        block = block.replace('    $ cat /sys/kernel/debug/mmscope/faultlab/stats\n',
                              '    # cat /sys/kernel/debug/mmscope/faultlab/stats\n')
        block = re.sub(r'(    global labs=[^\n]*\n)(    1 )',
                       r'\1    # tail -n 5 /sys/kernel/debug/mmscope/faultlab/log\n\2', block)
    s = s[:m.end()] + block + s[m.end():]
    open(page, 'w').write(s)
    print(obj, len(bs))
