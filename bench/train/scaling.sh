#!/bin/bash
# scaling.sh - issue 15's measurements in one run: sparse-stage samples/s of the per-sample
# and per-address paths for 1, 2, 4, ... up to the machine's cores (MNIST paper configuration
# at batch 32, 256 and 1024, the JSC-shaped Letter model at 1024, depth-3 sub-networks at
# the same three batches), the PyTorch reference (shared/peer/nla_ref.py) on the GPU when
# one is present, and the determinism check: the same model trained with 1, 5 and all
# threads gives one model.bin. The parallel view (bench_addr --path) shows, on one thread, the
# serial share of a step and, on all, the jobs in which threads wait.
# Each bench_addr run also prints the physical view: GFLOP/s of the model's per-sample FLOP
# count against the machine's peak (NLTC_PEAK_GFLOPS, per core, replaces the estimate).
#   bench/train/scaling.sh BUILD DATA [PEER]
# BUILD: a build folder with bench_speed, bench_addr and train_model; DATA: the folder
# holding mnist/ and letter/; PEER: nla_ref.py (default DATA/../peer/nla_ref.py).
set -u
B=${1:?usage: scaling.sh BUILD DATA [PEER]}/bench/train
D=${2:?usage: scaling.sh BUILD DATA [PEER]}
PEER=${3:-$D/../peer/nla_ref.py}
C=$(nproc)
T="1"; t=2; while [ $t -lt "$C" ]; do T="$T $t"; t=$((t * 2)); done; T="$T $C"
echo "== machine: $C cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(date -u)"
echo "== MNIST paper configuration, stage 2, batch 32 (bench_speed), threads: $T"
for t in $T; do timeout 120 "$B/bench_speed" --batches 300 --threads "$t" --no-peer | grep bench_speed; done
for b in 256 1024; do
  echo "== MNIST batch $b (bench_addr), threads: $T"
  for t in $T; do
    timeout 120 "$B/bench_addr" examples/mnist.nlt --data-dir "$D/mnist" --batch $b \
      --batches $((b == 256 ? 12 : 4)) --repeat 2 --threads "$t" | grep '^bench_addr'
  done
done
echo "== Letter (JSC-shaped) batch 1024, threads 1 and $C"
for t in 1 "$C"; do
  timeout 120 "$B/bench_addr" examples/letter.nlt --data-dir "$D/letter" --batch 1024 \
    --batches 20 --repeat 2 --threads "$t" | grep '^bench_addr'
done
echo "== MNIST depth-3 sub-networks, batch 32, 256 and 1024, threads 2 and $C"
for b in 32 256 1024; do for t in 2 "$C"; do
  timeout 180 "$B/bench_addr" examples/mnist.nlt --data-dir "$D/mnist" --batch $b --depth 3 \
    --batches $((b == 32 ? 8 : 2)) --repeat 1 --threads "$t" | grep '^bench_addr'
done; done
echo "== where threads wait (bench_addr --path: the pool's jobs, idle shares), threads 1 and $C"
for t in 1 "$C"; do
  timeout 120 "$B/bench_addr" examples/mnist.nlt --data-dir "$D/mnist" --batch 32 --batches 300 \
    --repeat 1 --threads "$t" --path sample | grep '^bench_addr'
  timeout 120 "$B/bench_addr" examples/mnist.nlt --data-dir "$D/mnist" --batch 256 --batches 30 \
    --repeat 1 --threads "$t" --path address | grep '^bench_addr'
done
if command -v nvidia-smi >/dev/null && [ -f "$PEER" ]; then
  echo "== PyTorch reference on $(nvidia-smi --query-gpu=name --format=csv,noheader), batch 32 / 256 / 1024"
  for b in 32 256 1024; do
    PYTHONUNBUFFERED=1 timeout 120 python3 "$PEER" --dataset mnist --config mnist --skip-dense \
      --epochs 1 --max-batches $((b == 32 ? 400 : (b == 256 ? 100 : 40))) --batch $b \
      --eval-limit 100 --no-tables --device cuda 2>&1 | grep -m1 samples_per_s
  done
fi
echo "== determinism: examples/digits.nlt, 3 dense + 5 sparse epochs, threads 1, 5 and $C"
for t in 1 5 "$C"; do
  o=$(mktemp -d)
  timeout 120 "$B/train_model" examples/digits.nlt --data-dir examples/data --dense-epochs 3 \
    --sparse-epochs 5 --threads "$t" -o "$o" --quiet >/dev/null 2>&1
  echo "threads $t: model.bin $(sha256sum "$o/train/model.bin" | cut -c1-16)"
  rm -rf "$o"
done
