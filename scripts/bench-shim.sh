#!/usr/bin/env bash
# Side-by-side shim benchmark: containerd-shim-runc-v2 (reference) and containerd-shim-minimal-v2
# (ours), in one private containerd, printed as a markdown table.
#
#   - `ctr run --rm /bin/true`, median of BENCH_RUNS (>= 20) runs:
#       cold: every run starts a new shim daemon;
#       warm: every run joins a running shim daemon (group label io.containerd.runc.v2.group, with
#             one long-running container keeping the daemon alive);
#   - VmRSS of one shim daemon serving one container;
#   - VmRSS added per further grouped container (BENCH_GROUPED more containers, averaged).
#
# Needs root. Build the shim first (mvn -DskipTests package -pl shim-minimal -am).
# Environment: BENCH_RUNS (default 20), BENCH_GROUPED (default 10),
#   BENCH_RUNTIMES (default "io.containerd.runc.v2 io.containerd.minimal.v2"),
#   BENCH_BACKEND=NAME (annotation dev.ttrpc.minimal.backend for our shim).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scripts=$root/scripts
shim_bin=$root/shim-minimal/target/dist/bin
runs=${BENCH_RUNS:-20}
grouped=${BENCH_GROUPED:-10}
read -r -a runtimes <<<"${BENCH_RUNTIMES:-io.containerd.runc.v2 io.containerd.minimal.v2}"
group_label=io.containerd.runc.v2.group

die() {
  echo "bench-shim: $*" >&2
  exit 1
}
log() { echo "bench-shim: $*" >&2; }

[[ $(id -u) -eq 0 ]] || die "run as root: containerd and runc need it"
((runs >= 20)) || die "BENCH_RUNS must be at least 20"
for rt in "${runtimes[@]}"; do
  if [[ $rt == io.containerd.minimal.v2 && ! -x $shim_bin/containerd-shim-minimal-v2 ]]; then
    die "$shim_bin/containerd-shim-minimal-v2 is not built (mvn -DskipTests package -pl shim-minimal -am)"
  fi
done

shim_dir_flags=()
[[ -d $shim_bin ]] && shim_dir_flags=(--shim-dir "$shim_bin")
eval "$(bash "$scripts/private-containerd.sh" start "${shim_dir_flags[@]}")"
work=$PRIVATE_CONTAINERD_DIR
trap 'bash "$scripts/private-containerd.sh" stop "$work" || true' EXIT
ns=$PRIVATE_CONTAINERD_NAMESPACE
ctr_() { ctr -a "$PRIVATE_CONTAINERD_ADDRESS" -n "$ns" "$@"; }
rootfs=$work/rootfs
bash "$scripts/busybox-rootfs.sh" "$rootfs"

runtime_flags() {
  local rt=$1
  echo "--runtime $rt"
  if [[ $rt == io.containerd.minimal.v2 && -n ${BENCH_BACKEND:-} ]]; then
    echo "--annotation dev.ttrpc.minimal.backend=$BENCH_BACKEND"
  fi
}

now_ns() { date +%s%N; }

# Median (and min/max) in ms of a list of nanosecond durations.
stats_ms() {
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%.0f ms (min %.0f, max %.0f)", m / 1e6, v[1] / 1e6, v[NR] / 1e6 }'
}

# Times `ctr run --rm /bin/true` $runs times; extra flags (e.g. a group label) in "$@".
time_runs() {
  local rt=$1 prefix=$2
  shift 2
  local i start end
  # shellcheck disable=SC2046
  for ((i = 0; i < runs; i++)); do
    start=$(now_ns)
    ctr_ run --rm $(runtime_flags "$rt") "$@" --rootfs "$rootfs" "$prefix-$i" /bin/true >/dev/null ||
      die "ctr run --rm through $rt failed"
    end=$(now_ns)
    echo $((end - start))
  done
}

task_pid() { ctr_ tasks ls | awk -v id="$1" '$1 == id { print $2 }'; }
ppid_of() { awk '/^PPid:/ { print $2 }' "/proc/$1/status"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

declare -A cold warm rss_one rss_per
for rt in "${runtimes[@]}"; do
  short=${rt#io.containerd.}
  short=${short%.v2}
  log "$rt: $runs cold runs"
  # One untimed run first: the shim binary and its files are then in the page cache for both.
  # shellcheck disable=SC2046
  ctr_ run --rm $(runtime_flags "$rt") --rootfs "$rootfs" "warmup-$short" /bin/true >/dev/null ||
    die "ctr run --rm through $rt failed"
  cold[$rt]=$(time_runs "$rt" "cold-$short" | stats_ms)

  group="bench-$short"
  # shellcheck disable=SC2046
  ctr_ run -d $(runtime_flags "$rt") --label "$group_label=$group" --rootfs "$rootfs" \
    "base-$short" /bin/sleep 100000 >/dev/null || die "detached run through $rt failed"
  shim=$(ppid_of "$(task_pid "base-$short")")
  sleep 1
  rss_one[$rt]=$(rss_kib "$shim")

  log "$rt: $runs warm runs (grouped into shim pid $shim)"
  warm[$rt]=$(time_runs "$rt" "warm-$short" --label "$group_label=$group" | stats_ms)

  log "$rt: $grouped more grouped containers"
  before=$(rss_kib "$shim")
  for ((i = 0; i < grouped; i++)); do
    # shellcheck disable=SC2046
    ctr_ run -d $(runtime_flags "$rt") --label "$group_label=$group" --rootfs "$rootfs" \
      "extra-$short-$i" /bin/sleep 100000 >/dev/null || die "grouped run through $rt failed"
  done
  sleep 1
  [[ $(ppid_of "$(task_pid "extra-$short-0")") == "$shim" ]] || die "$rt did not group the containers"
  after=$(rss_kib "$shim")
  rss_per[$rt]=$(awk -v a="$after" -v b="$before" -v n="$grouped" 'BEGIN { printf "%.2f MiB", (a - b) / n / 1024 }')
  rss_one[$rt]=$(awk -v k="${rss_one[$rt]}" 'BEGIN { printf "%.1f MiB", k / 1024 }')

  for id in "base-$short" $(seq -f "extra-$short-%g" 0 $((grouped - 1))); do
    ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  for id in "base-$short" $(seq -f "extra-$short-%g" 0 $((grouped - 1))); do
    ctr_ tasks rm -f "$id" >/dev/null 2>&1 || true
    ctr_ containers rm "$id" >/dev/null 2>&1 || true
  done
done

header="| metric |"
sep="|---|"
for rt in "${runtimes[@]}"; do
  header+=" $rt |"
  sep+="---|"
done
row() {
  local label=$1
  local -n values=$2
  local line="| $label |"
  for rt in "${runtimes[@]}"; do line+=" ${values[$rt]} |"; done
  echo "$line"
}
echo
echo "$(nproc) CPUs, $(uname -r), containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}')"
echo
echo "$header"
echo "$sep"
row "\`ctr run --rm /bin/true\`, cold: new shim each run (median of $runs)" cold
row "\`ctr run --rm /bin/true\`, warm: grouped into a running shim (median of $runs)" warm
row "shim daemon VmRSS, serving 1 container" rss_one
row "VmRSS added per further grouped container (avg of $grouped)" rss_per
