# The program's rough edges: usage errors exit 2; a run without --out says where it goes;
# a failed run leaves no empty folder; commands that write a picture print its path;
# every subcommand has --seed, --threads and --out.
. "$(dirname "$0")/common.sh"
# A missing required option or argument is a usage error: exit 2 (not CLI11's 106), one line.
for args in "sample $TMP/x" "reconstruct $TMP/x" "traverse $TMP/x" "interpolate $TMP/x" "sample --out $TMP/x.png"; do
  err=$("$XGRAD" $args 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "exit $rc for '$args' (want 2): $err"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "not one line for '$args': $err"
done
# A failed run removes the folder it created (and the parents it created), and only those.
expect_error "unknown model 'gan'" train --model gan --out "$TMP/new/run"
[ ! -e "$TMP/new" ] || fail "a failed train left $TMP/new behind"
mkdir "$TMP/kept"
expect_error "data directory $TMP/nope does not exist" train --model vae $TINY --data "$TMP/nope" --out "$TMP/kept/run"
[ -d "$TMP/kept" ] && [ ! -e "$TMP/kept/run" ] || fail "a failed train removed too much or too little under $TMP/kept"
# Without --out, train says where the run goes (before training, after the flags are checked).
mkdir "$TMP/cwd"
(cd "$TMP/cwd" && "$XGRAD" train --model vae $TINY 2>"$TMP/default.err") || fail "train without --out failed"
grep -q "^no --out given: writing the run to out/vae$" "$TMP/default.err" || fail "train without --out did not say where: $(cat "$TMP/default.err")"
[ -s "$TMP/cwd/out/vae/model.safetensors" ] || fail "no model in out/vae"
RUN=$TMP/cwd/out/vae
# Each picture command prints the path it wrote, and writes it.
for cmd in sample reconstruct interpolate traverse; do
  out=$("$XGRAD" $cmd "$RUN" --threads 1 --out "$TMP/$cmd.png" 2>/dev/null) || fail "$cmd failed"
  [ "$out" = "wrote $TMP/$cmd.png" ] || fail "$cmd printed '$out', not the path it wrote"
  [ -s "$TMP/$cmd.png" ] || fail "$cmd wrote no picture"
done
# Every subcommand takes --seed, --threads and --out (the README says so).
for cmd in train eval sample reconstruct interpolate traverse "classifier train" compare report \
           "text train" "text generate" "text score" "series train" "series forecast" "series anomaly"; do
  help=$("$XGRAD" $cmd --help) || fail "$cmd --help failed"
  for flag in --seed --threads --out; do
    printf '%s\n' "$help" | grep -q -- "$flag" || fail "'xgrad $cmd' has no $flag"
  done
done
echo ok
