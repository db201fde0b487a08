#!/usr/bin/env bash
# Mutation testing with Stryker.NET (pinned in .config/dotnet-tools.json) over one source folder of Nn.Model.
#   tests/mutation.sh Checkpoints "FullyQualifiedName~Checkpoint"            the folder, against the tests that cover it
#   tests/mutation.sh Checkpoints "FullyQualifiedName~Checkpoint" main       only the files changed since a commit (--since)
# Too slow for CI: rerun it for the folders a change touches and update tests/MUTATION.md. The HTML and JSON reports
# land in tests/Nn.Model.Tests/StrykerOutput/.
set -euo pipefail
cd "$(dirname "$0")/Nn.Model.Tests"
folder=${1:?usage: tests/mutation.sh FOLDER [TEST_FILTER] [SINCE_COMMIT]}
filter=${2:-}
since=${3:-}
config=$(mktemp --suffix .json)
cat > "$config" <<JSON
{ "stryker-config": { "project": "Nn.Model.csproj", "test-runner": "mtp", "coverage-analysis": "off", "concurrency": 2,
  "mutate": [ "**/${folder}/**/*.cs" ], "reporters": [ "json", "html", "progress" ] } }
JSON
dotnet tool restore >/dev/null
args=(--config-file "$config")
[ -n "$filter" ] && args+=(--test-case-filter "$filter")
[ -n "$since" ] && args+=("--since:$since")
dotnet stryker "${args[@]}"
