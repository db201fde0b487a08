#!/usr/bin/env bash
# Mutation testing with Stryker.NET (pinned in .config/dotnet-tools.json) over one source folder of a project.
#   tests/mutation.sh Checkpoints "FullyQualifiedName~Checkpoint"            a folder of src/Nn.Model, against the tests that cover it
#   tests/mutation.sh Checkpoints "FullyQualifiedName~Checkpoint" main       only the files changed since a commit (--since)
#   tests/mutation.sh Nn.Export:Onnx "FullyQualifiedName~Import"             a folder of another project (src/Nn.Export, src/Nn.Native)
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
# A folder takes its subfolders too; a pattern ("Training/*.cs") takes only what it matches.
pattern="**/${folder}/**/*.cs"
[[ $folder == *\** ]] && pattern="**/${folder}"
[ -d "$(dirname "$0")/../src/$project/${folder%%/\**}" ] || { echo "no folder src/$project/${folder%%/\**}" >&2; exit 2; }
cd "$(dirname "$0")/$project.Tests"
config=$(mktemp --suffix .json)
cat > "$config" <<JSON
{ "stryker-config": { "project": "${project}.csproj", "test-runner": "mtp", "coverage-analysis": "off", "concurrency": 2,
  "mutate": [ "${pattern}" ], "reporters": [ "json", "html", "progress" ] } }
JSON
dotnet tool restore >/dev/null
args=(--config-file "$config")
[ -n "$filter" ] && args+=(--test-case-filter "$filter")
[ -n "$since" ] && args+=("--since:$since")
dotnet stryker "${args[@]}"
