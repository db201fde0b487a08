#!/usr/bin/env python3
"""Lists what a Stryker run left alive: score per file and one line per surviving mutant.
   tests/mutation_survivors.py [REPORT_JSON]     (default: the newest report under tests/*/StrykerOutput)"""
import glob, json, os, sys

def newest_report():
    reports = glob.glob(os.path.join(os.path.dirname(__file__), '*', 'StrykerOutput', '*', 'reports', 'mutation-report.json'))
    if not reports:
        sys.exit('no Stryker report found; run tests/mutation.sh first')
    return max(reports, key=os.path.getmtime)

path = sys.argv[1] if len(sys.argv) > 1 else newest_report()
report = json.load(open(path))
totals = {'Killed': 0, 'Survived': 0, 'Timeout': 0, 'NoCoverage': 0}
lines = []
for file, entry in sorted(report['files'].items()):
    mutants = [m for m in entry['mutants'] if m['status'] in totals]
    if not mutants:
        continue
    source = entry['source'].splitlines()
    for m in mutants:
        totals[m['status']] += 1
    alive = [m for m in mutants if m['status'] in ('Survived', 'NoCoverage')]
    killed = sum(m['status'] == 'Killed' for m in mutants)
    lines.append(f"{os.path.relpath(file)}: {killed}/{len(mutants)} killed")
    for m in sorted(alive, key=lambda m: m['location']['start']['line']):
        start = m['location']['start']
        code = source[start['line'] - 1].strip()
        lines.append(f"  {start['line']}:{start['column']} {m['status']} {m['mutatorName']}: "
                     f"{m.get('replacement', '')!r}   | {code[:110]}")
print('\n'.join(lines))
tested = totals['Killed'] + totals['Survived'] + totals['NoCoverage']
score = 100 * totals['Killed'] / tested if tested else 0
print(f"\n{path}\nkilled {totals['Killed']}, survived {totals['Survived']}, no coverage {totals['NoCoverage']}, "
      f"timeouts {totals['Timeout']} (not counted): score {score:.2f} %")
