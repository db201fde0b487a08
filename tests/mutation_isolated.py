#!/usr/bin/env python3
"""Mutation testing with one test process per mutant.

Stryker's MTP runner reuses one test process for many mutants. For code that can loop forever or damage the native
heap (the managed GEMM), that process carries one mutant's damage into the next: the mutants behind a looping one
time out, and the ones behind a heap overwrite crash or fail for a reason that is not theirs. This script keeps
Stryker for what it does well (choosing the mutants and compiling them all into one assembly with a switch per
mutant) and runs the tests itself, once per mutant, in a fresh process:

  1. Stryker runs over FOLDER against one quick test that calls none of the mutated code (PROBE), only so that it
     compiles the mutated assembly and writes the report that maps mutant ids to source lines. The mutated assembly
     is copied while Stryker has it in place.
  2. Each mutant then runs the test suite (all of the test project's tests, or --class filters) in its own process,
     selected by the environment switch Stryker injects (STRYKER_MUTANT_ID_CONTROL_VAR), with a time limit.

A mutant is killed when a test fails (also when the process then hangs on the same defect), crashed when its own process dies (a signal: the suite did not pass, so the
defect is caught, but by the runtime rather than an assertion), survived when every test passes, and timed out when
the process outlives the limit. The score counts killed and crashed as detected and timeouts as not detected.

  tests/mutation_isolated.py Nn.Native:Providers/Managed,!Providers/Managed/SparseRowKernel.cs
  NN_GEMM_SAMPLED=1 tests/mutation_isolated.py Nn.Native:Providers/Managed/ThinDotKernel.cs --jobs 2 --timeout 120

Options: --probe NAME (a test that touches no mutated code; default AlignedBufferTests.NegativeLengthIsRejected),
--class NAME (repeatable: run only these test classes per mutant), --jobs N (processes at once, default 2),
--timeout S (seconds a mutant's process may run, default 120), --tests PROJECT (test project, default PROJECT.Tests).
Results: tests/<test project>/StrykerOutput/isolated-<time>.json and a per-file table on stdout.
"""
import argparse, collections, concurrent.futures, glob, json, os, shutil, signal, subprocess, sys, tempfile, threading, time

here = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
parser.add_argument('target', help='[PROJECT:]FOLDER as tests/mutation.sh takes it')
parser.add_argument('--probe', default='Nn.Native.Tests.AlignedBufferTests.NegativeLengthIsRejected')
parser.add_argument('--class', dest='classes', action='append', default=[])
parser.add_argument('--jobs', type=int, default=2)
parser.add_argument('--timeout', type=float, default=120)
parser.add_argument('--tests')
args = parser.parse_args()

project = args.target.split(':', 1)[0] if ':' in args.target else 'Nn.Model'
tests_project = args.tests or project + '.Tests'
bin_dir = os.path.join(here, tests_project, 'bin', 'Release', 'net10.0')
assembly = os.path.join(bin_dir, project + '.dll')
output_dir = os.path.join(here, tests_project, 'StrykerOutput')
os.makedirs(output_dir, exist_ok=True)

# 1. Stryker: compile the mutants, run them against the probe only, keep a copy of the mutated assembly.
work = tempfile.mkdtemp(prefix='nn-mutation-')
log_path = os.path.join(work, 'stryker.log')
started = time.time()
env = dict(os.environ, NN_MUTATION_CONCURRENCY='2', NN_MUTATION_TIMEOUT_MS='5000')
with open(log_path, 'w') as log:
    stryker = subprocess.Popen([os.path.join(here, 'mutation.sh'), args.target, f'FullyQualifiedName={args.probe}'],
                               stdout=log, stderr=subprocess.STDOUT, env=env)
captured = os.path.join(work, 'mutated.dll')
# Stryker puts the mutated assembly in place for its test runs and restores the original at the end, which for a file
# with few mutants is within a second or two: look often, and keep the first copy that carries Stryker's switch class.
while stryker.poll() is None:
    time.sleep(0.05)
    if not os.path.exists(captured) and 'total mutants will be tested' in open(log_path).read():
        try:
            image = open(assembly, 'rb').read()
        except OSError:
            continue
        if b'MutantControl' in image:
            time.sleep(0.2)  # let Stryker finish writing it, then take it whole
            image = open(assembly, 'rb').read()
            if b'MutantControl' in image:
                open(captured, 'wb').write(image)
if stryker.returncode != 0 or not os.path.exists(captured):
    sys.exit(f'Stryker failed or never put the mutated assembly in place; see {log_path}')
if b'MutantControl' not in open(captured, 'rb').read():  # the switch class Stryker injects
    sys.exit(f'the copied {project}.dll is not the mutated one; see {log_path}')
# Stryker compiles the mutated assembly with optimisations off (its DebuggableAttribute says DisableOptimizations), so
# the JIT runs the kernels unoptimised, an order of magnitude slower: the reason GEMM mutants time out under Stryker.
# The attribute's blob (prolog 01 00, DebuggingModes 0x107, no named arguments) is set to what a Release build carries
# (0x2, IgnoreSymbolStoreSequencePoints), so the JIT optimises; the IL is unchanged.
image = open(captured, 'rb').read()
debug_modes, release_modes = bytes([8, 1, 0, 7, 1, 0, 0, 0, 0]), bytes([8, 1, 0, 2, 0, 0, 0, 0, 0])
if image.count(debug_modes) == 1:
    open(captured, 'wb').write(image.replace(debug_modes, release_modes))
    print('the mutated assembly was built with optimisations off; its DebuggableAttribute now lets the JIT optimise')
reports = [r for r in glob.glob(os.path.join(output_dir, '*', 'reports', 'mutation-report.json')) if os.path.getmtime(r) >= started]
if not reports:
    sys.exit(f'Stryker wrote no report; see {log_path}')
report = json.load(open(max(reports, key=os.path.getmtime)))
mutants = []
for path, entry in sorted(report['files'].items()):
    source = entry['source'].splitlines()
    for m in entry['mutants']:
        if m['status'] in ('CompileError', 'Ignored'):
            continue
        line = m['location']['start']['line']
        mutants.append(dict(id=int(m['id']), file=os.path.relpath(path, os.path.join(here, '..')), line=line,
                            mutator=m['mutatorName'], replacement=m.get('replacement', ''),
                            code=source[line - 1].strip()[:120]))

# 2. One process per mutant, over a private copy of the test output with the mutated assembly in it.
runner_dir = os.path.join(work, 'bin')
shutil.copytree(bin_dir, runner_dir, ignore=shutil.ignore_patterns('TestResults', 'StrykerOutput'))
shutil.copy(captured, os.path.join(runner_dir, project + '.dll'))
command = [os.path.join(runner_dir, tests_project), '-noColor', '-noLogo', '-stopOnFail']
for name in args.classes:
    command += ['-class', name]

def run(mutant_id):
    env = dict(os.environ, STRYKER_MUTANT_ID_CONTROL_VAR='NN_ACTIVE_MUTANT', NN_ACTIVE_MUTANT=str(mutant_id))
    began = time.time()
    process = subprocess.Popen(command, cwd=runner_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        out, _ = process.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
        # A test that failed before the process stalled (another test hung on the same defect) has caught the mutant.
        failed = [l.strip() for l in out.decode(errors='replace').splitlines() if '[FAIL]' in l]
        if failed:
            return 'Killed', time.time() - began, failed[0][:140] + ' (then the process hung)'
        return 'Timeout', time.time() - began, ''
    seconds = time.time() - began
    text = out.decode(errors='replace')
    if process.returncode == 0:
        return 'Survived', seconds, ''
    if process.returncode < 0:
        return 'Crashed', seconds, signal.Signals(-process.returncode).name
    failed = [l.strip() for l in text.splitlines() if '[FAIL]' in l]
    if failed:
        return 'Killed', seconds, failed[0][:160]
    return 'Crashed', seconds, f'exit {process.returncode}: ' + ' | '.join(text.strip().splitlines()[-2:])[:160]

status, _, detail = run(-1)
if status != 'Survived':
    sys.exit(f'the suite fails with no mutant active ({status} {detail}); fix that first')
print(f'{len(mutants)} mutants from {len(report["files"])} files; {args.jobs} at a time, {args.timeout:.0f} s each',
      flush=True)
lock = threading.Lock()
done = 0
def one(mutant):
    global done
    mutant['status'], mutant['seconds'], mutant['detail'] = run(mutant['id'])
    with lock:
        done += 1
        if mutant['status'] != 'Killed' or done % 50 == 0:
            print(f"[{done}/{len(mutants)}] {mutant['status']} {mutant['file']}:{mutant['line']} {mutant['mutator']} "
                  f"{mutant['replacement'][:60]!r} {mutant['detail']}", flush=True)
with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
    list(pool.map(one, mutants))

result_path = os.path.join(output_dir, time.strftime('isolated-%Y%m%d-%H%M%S.json'))
json.dump(dict(target=args.target, classes=args.classes, timeout=args.timeout, mutants=mutants), open(result_path, 'w'),
          indent=1)
per_file = collections.defaultdict(collections.Counter)
for m in mutants:
    per_file[m['file']][m['status']] += 1
print('\n| file | killed | crashed | survived | timeouts | score |\n|---|---:|---:|---:|---:|---:|')
total = collections.Counter()
for file, counts in sorted(per_file.items()):
    total.update(counts)
for file, counts in sorted(per_file.items()) + [('**all**', total)]:
    detected = counts['Killed'] + counts['Crashed']
    decided = detected + counts['Survived'] + counts['Timeout']
    print(f"| {os.path.basename(file) if file != '**all**' else file} | {counts['Killed']} | {counts['Crashed']} | "
          f"{counts['Survived']} | {counts['Timeout']} | {100 * detected / max(decided, 1):.2f} % |")
print(f'\n{result_path}; work files in {work}')
