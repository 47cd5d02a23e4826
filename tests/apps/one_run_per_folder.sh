# One run per folder: while a run holds its folder, a second one (train, resume, text or
# series train) ends with one line naming the folder and the holder's PID and changes
# nothing; once the holder is killed its lock is taken over, and the temporary files of
# writes it never finished are removed by the next run (those of live processes stay).
. "$(dirname "$0")/common.sh"
OUT=$TMP/run
ARGS="--model vae --limit 256 --test-limit 64 --batch 32 --threads 1"
"$XGRAD" train $ARGS --epochs 1000 --out "$OUT" 2>"$TMP/a.err" &
A=$!
trap 'kill -9 $A 2>/dev/null; rm -rf "$TMP"' EXIT  # a failed check must not leave the run going
wait_for_file "$OUT/metrics.jsonl" $A
[ "$(cat "$OUT/.xgrad.lock")" = "$A" ] || fail "the lock file does not hold the run's PID $A: $(cat "$OUT/.xgrad.lock")"
cp "$OUT/config.json" "$TMP/config.a"
expect_error "run folder $OUT is in use by process $A (another xgrad run)" train $ARGS --epochs 1 --seed 9 --out "$OUT"
expect_error "run folder $OUT is in use by process $A" train $ARGS --epochs 2000 --out "$OUT" --resume
expect_error "run folder $OUT is in use by process $A" text train --corpus /usr/share/common-licenses/GPL-3 --steps 1 --out "$OUT"
expect_error "run folder $OUT is in use by process $A" series train --no-difference --steps 1 --out "$OUT"
cmp "$OUT/config.json" "$TMP/config.a" || fail "a refused run changed config.json"
kill -9 $A
wait $A 2>/dev/null
trap 'rm -rf "$TMP"' EXIT  # reaped: its PID may be reused
# What a killed write leaves: a temporary file of a process that no longer exists...
sh -c 'exit 0' & DEAD=$!
wait $DEAD
head -c 4096 /dev/zero > "$OUT/.checkpoint.safetensors.tmp.$DEAD.7"
# ...and one of a process that is still alive (this shell), which is not the run's to remove.
: > "$OUT/.model.safetensors.tmp.$$.0"
"$XGRAD" train $ARGS --epochs 1 --out "$OUT" 2>"$TMP/b.err" || fail "the stale lock of a killed run was not taken over: $(cat "$TMP/b.err")"
[ ! -e "$OUT/.checkpoint.safetensors.tmp.$DEAD.7" ] || fail "the temporary file of the killed process $DEAD is still there"
[ -e "$OUT/.model.safetensors.tmp.$$.0" ] || fail "the temporary file of a live process was removed"
"$XGRAD" train $ARGS --epochs 2 --out "$OUT" --resume 2>/dev/null || fail "resume after the takeover failed"
echo ok
