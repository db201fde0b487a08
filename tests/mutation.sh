#!/usr/bin/env bash
# Mutation testing with Stryker.NET (pinned in .config/dotnet-tools.json) over one source folder of a project.
#   tests/mutation.sh Checkpoints "FullyQualifiedName~Checkpoint"            a folder of src/Nn.Model, against the tests that cover it
#   tests/mutation.sh Checkpoints "FullyQualifiedName~Checkpoint" main       only the files changed since a commit (--since)
#   tests/mutation.sh Nn.Export:Onnx ""                                      a folder of another project, all its tests
#   tests/mutation.sh "Training/*.cs" "FullyQualifiedName~Trainer"           only the files directly in a folder
# NN_MUTATION_TIMEOUT_MS (extra time a mutant gets, default 15000) and NN_MUTATION_CONCURRENCY (test sessions, default 2).
# For the GEMM kernels use tests/mutation_isolated.py instead: it runs each mutant in its own test process with an
# optimised build. Stryker reuses one process for many mutants (a looping or heap-damaging mutant spoils the ones after
# it) and compiles the mutants with optimisations off (the kernels run ten times slower and time out).
# Too slow for CI: rerun it for the folders a change touches and update tests/MUTATION.md. The HTML and JSON reports
# land in tests/<project>.Tests/StrykerOutput/; tests/mutation_survivors.py lists what survived.
set -euo pipefail
target=${1:?usage: tests/mutation.sh [PROJECT:]FOLDER [TEST_FILTER] [SINCE_COMMIT]}
filter=${2:-}
since=${3:-}
project=Nn.Model
folder=$target
if [[ $target == *:* ]]; then
  project=${target%%:*}
  folder=${target#*:}
fi
# FOLDER is a comma-separated list: a folder takes its subfolders too, a file or pattern ("Training/*.cs") only what it
# matches, and a leading "!" excludes ("Providers/Managed,!Providers/Managed/SparseRowKernel.cs").
patterns=()
IFS=',' read -ra items <<< "$folder"
for item in "${items[@]}"; do
  negate=""
  [[ $item == '!'* ]] && { negate="!"; item=${item#!}; }
  if [[ $item == *'*'* || $item == *.cs ]]; then patterns+=("\"${negate}**/${item}\""); else patterns+=("\"${negate}**/${item}/**/*.cs\""); fi
  [ -n "$negate" ] || [ -e "$(dirname "$0")/../src/$project/${item%%/\**}" ] || { echo "no src/$project/${item%%/\**}" >&2; exit 2; }
done
pattern=$(IFS=','; echo "${patterns[*]}")
# The tests come from the project's own test project unless NN_MUTATION_TESTS names another (the predictor's sparse
# kernel lives in Nn.Native but only Nn.Model.Tests exercise it).
cd "$(dirname "$0")/${NN_MUTATION_TESTS:-$project.Tests}"
config=$(mktemp --suffix .json)
cat > "$config" <<JSON
{ "stryker-config": { "project": "${project}.csproj", "test-runner": "mtp", "coverage-analysis": "off", "concurrency": ${NN_MUTATION_CONCURRENCY:-2}, "additional-timeout": ${NN_MUTATION_TIMEOUT_MS:-15000},
  "mutate": [ ${pattern} ], "reporters": [ "json", "html", "progress" ] } }
JSON
dotnet tool restore >/dev/null
# Release: the kernels under test run an order of magnitude faster optimised, and so does every mutant's test run.
args=(--config-file "$config" --configuration Release)
[ -n "$filter" ] && args+=(--test-case-filter "$filter")
[ -n "$since" ] && args+=("--since:$since")
dotnet stryker "${args[@]}"
