#!/usr/bin/env bash
# Fails when a layer includes a higher one: core < autograd < nn < models < apps.
set -u
root=${1:-.}
layers=(core autograd nn models apps)
status=0
for ((i = 0; i < ${#layers[@]}; i++)); do
  dir=$root/${layers[i]}
  [[ -d $dir ]] || continue
  for ((j = i + 1; j < ${#layers[@]}; j++)); do
    hits=$(grep -rnE "#include[[:space:]]*[<\"]([^>\"]*/)?${layers[j]}/" "$dir" --include='*.hpp' --include='*.cpp' || true)
    if [[ -n $hits ]]; then
      echo "layer '${layers[i]}' includes the higher layer '${layers[j]}':"
      echo "$hits"
      status=1
    fi
  done
done
[[ $status == 0 ]] && echo "layering ok"
exit $status
