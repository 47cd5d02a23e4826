#!/usr/bin/env bash
# Fails when a Catch test name holds '[': catch_discover_tests reads it as the start
# of the tag list, and every later test case of that binary collapses into one ctest
# entry (it happened: 202 core cases ran as one). Fails too when no test case is read.
set -u
root=${1:-.}
count=$(grep -rhoE 'TEST_CASE\("' "$root/tests" --include='*.cpp' | wc -l)
if ((count == 0)); then echo "no TEST_CASE found under $root/tests"; exit 1; fi
bad=$(grep -rnE 'TEST_CASE\("[^"]*\[' "$root/tests" --include='*.cpp')
if [[ -n $bad ]]; then
  echo "test names must not contain '[' (ctest's discovery reads it as a tag):"
  echo "$bad"
  exit 1
fi
