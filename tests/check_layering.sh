#!/usr/bin/env bash
# Fails when a layer includes a higher one: core < autograd < nn < models < apps.
# A layer folder that is missing (or holds no sources), or a grep that cannot read,
# fails too: a check that read nothing has checked nothing.
set -u
root=${1:-.}
layers=(core autograd nn models apps)
status=0
for ((i = 0; i < ${#layers[@]}; i++)); do
  dir=$root/${layers[i]}
  if [[ ! -d $dir ]] || [[ -z $(find "$dir" \( -name '*.hpp' -o -name '*.cpp' \) -print -quit) ]]; then
    echo "layer '${layers[i]}': no folder with sources at $dir"
    status=1
    continue
  fi
  for ((j = i + 1; j < ${#layers[@]}; j++)); do
    hits=$(grep -rnE "#include[[:space:]]*[<\"]([^>\"]*/)?${layers[j]}/" "$dir" --include='*.hpp' --include='*.cpp')
    rc=$?
    if ((rc > 1)); then
      echo "layer '${layers[i]}': grep failed (exit $rc) reading $dir"
      status=1
    elif [[ -n $hits ]]; then
      echo "layer '${layers[i]}' includes the higher layer '${layers[j]}':"
      echo "$hits"
      status=1
    fi
  done
done
[[ $status == 0 ]] && echo "layering ok"
exit $status
