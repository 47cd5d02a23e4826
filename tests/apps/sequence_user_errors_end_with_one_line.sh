# Bad input to xgrad text and xgrad series: one line "xgrad: error: ...", non-zero exit.
NEEDS_FASHION_MNIST=0
. "$(dirname "$0")/common.sh"
: > "$TMP/empty.txt"
expect_error "$TMP/empty.txt: file is empty" text train --corpus "$TMP/empty.txt" --out "$TMP/t"
printf 'short text' > "$TMP/short.txt"
expect_error "has 10 bytes, too few for --seq-len 64" text train --corpus "$TMP/short.txt" --out "$TMP/t"
expect_error "unknown --rnn 'rnn' (choose from gru, lstm)" text train --rnn rnn --out "$TMP/t"
expect_error "--seq-len must be positive (got 0)" text train --seq-len 0 --out "$TMP/t"
expect_error "give --steps or --epochs, not both" text train --corpus /usr/share/common-licenses/GPL-3 --steps 2 --epochs 1 --out "$TMP/t"
expect_error "run directory $TMP/none does not exist" text generate "$TMP/none"
"$XGRAD" text train --corpus /usr/share/common-licenses/GPL-3 --seq-len 8 --hidden 8 --latent 2 --batch 2 --steps 1 \
  --val-sequences 2 --out "$TMP/textrun" 2>/dev/null || fail "tiny text train failed"
expect_error "--temperature must be positive (got 0)" text generate "$TMP/textrun" --temperature 0
expect_error "is an 'xgrad text train' run of model 'vrnn': score it with xgrad text score" eval "$TMP/textrun"
printf 'a,b\n1,2\n3,4\n' > "$TMP/ab.csv"
expect_error "no column named 'volume' in the header ('a', 'b')" series train --csv "$TMP/ab.csv" --column volume --out "$TMP/s"
expect_error "--column is required with --csv" series train --csv "$TMP/ab.csv" --out "$TMP/s"
printf 'v\n1\n2\nabc\n4\n' > "$TMP/text.csv"
expect_error "line 4: column 'v': 'abc' is not a finite number" series train --csv "$TMP/text.csv" --column v --out "$TMP/s"
expect_error "column a of $TMP/ab.csv has 2 values, fewer than the window of 64" series train --csv "$TMP/ab.csv" --column a --out "$TMP/s"
expect_error "unknown --likelihood 'poisson' (choose from gauss, gmm)" series train --likelihood poisson --out "$TMP/s"
expect_error "--holdout 5000 leaves nothing to train on" series train --holdout 5000 --out "$TMP/s"
# A trained series run for the commands that read one.
# A non-numeric cell stops training even with --missing drop (an error line, not a crash).
expect_error "line 4: column 'v': 'abc' is not a finite number" series train --csv "$TMP/text.csv" --column v --missing drop \
  --window 2 --hidden 8 --latent 2 --batch 2 --steps 1 --out "$TMP/run"
printf 'v\n' > "$TMP/v.csv"; for i in $(seq 1 40); do echo "$i" >> "$TMP/v.csv"; done
"$XGRAD" series train --csv "$TMP/v.csv" --column v --no-difference --window 8 --hidden 8 --latent 2 --batch 4 --steps 1 --out "$TMP/run" 2>/dev/null \
  || fail "tiny series train failed"
expect_error "no column named 'w'" series anomaly "$TMP/run" --csv "$TMP/v.csv" --column w
expect_error "column a of $TMP/ab.csv has 2 values, fewer than the window of 8" series anomaly "$TMP/run" --csv "$TMP/ab.csv" --column a
expect_error "--horizon must be positive (got 0)" series forecast "$TMP/run" --horizon 0
expect_error "is an 'xgrad series train' run of model 'vrnn': score it with xgrad text score or xgrad series" eval "$TMP/run"
expect_error "was not written by xgrad text train" text generate "$TMP/run"
expect_error "text: $TMP/nope.txt: cannot open" text train --corpus "$TMP/nope.txt" --out "$TMP/t"
expect_error "csv: $TMP/nope.csv: cannot open" series train --csv "$TMP/nope.csv" --column a --out "$TMP/s"
expect_error "was not written by xgrad series train (it is a 'text train' run)" series forecast "$TMP/textrun" --horizon 2
echo ok
