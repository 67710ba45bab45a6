#!/usr/bin/env bash
# Side-by-side shim benchmark: containerd-shim-runc-v2 (reference) and containerd-shim-minimal-v2
# (ours), in one private containerd, printed as a markdown table. For each runtime, in turn:
#
#   - `ctr run --rm /bin/true`, median of BENCH_RUNS (>= 20) runs:
#       cold: every run starts a new shim daemon;
#       warm: every run joins a running shim daemon (group label io.containerd.runc.v2.group,
#             one long-running container keeping the daemon alive);
#   - the time of each shim action containerd runs (`start`, `delete`), cold and warm, median of
#     BENCH_ACTION_RUNS runs: measured inside a wrapper binary around the shim, registered as
#     its own runtime (io.containerd.timed<name>.v2), so the plain runs above stay unwrapped;
#   - the shim daemon's VmRSS, Private_Dirty (smaps_rollup) and threads with 1 container, with
#     1 + BENCH_GROUPED grouped containers, and per further container;
#   - 100 MB (10^8 bytes) through the container's stdio, median of BENCH_IO_RUNS runs, each
#     checked for the byte count: stdout through ctr's FIFO, stdout into a file:// log, stdin.
#
# Needs root. Build the shim first (mvn -DskipTests package -pl shim-minimal -am).
# With the defaults it took 7.8-10.5 minutes on a 2-CPU machine at load average 8-15 (not yet
# timed on an idle machine; most of it is our cold runs, which stretch with the load).
# Environment: BENCH_RUNS (default 20), BENCH_ACTION_RUNS (default 10), BENCH_GROUPED (default
#   49, i.e. 50 containers in one daemon), BENCH_IO_RUNS (default 3),
#   BENCH_RUNTIMES (default "io.containerd.runc.v2 io.containerd.minimal.v2"),
#   BENCH_BACKEND=NAME (annotation dev.ttrpc.minimal.backend for our shim).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scripts=$root/scripts
shim_bin=$root/shim-minimal/target/dist/bin
runs=${BENCH_RUNS:-20}
action_runs=${BENCH_ACTION_RUNS:-10}
grouped=${BENCH_GROUPED:-49}
io_runs=${BENCH_IO_RUNS:-3}
io_bytes=100000000
read -r -a runtimes <<<"${BENCH_RUNTIMES:-io.containerd.runc.v2 io.containerd.minimal.v2}"
group_label=io.containerd.runc.v2.group

die() {
  echo "bench-shim: $*" >&2
  exit 1
}
log() { echo "bench-shim: $*" >&2; }

[[ $(id -u) -eq 0 ]] || die "run as root: containerd and runc need it"
((runs >= 20)) || die "BENCH_RUNS must be at least 20"
((action_runs >= 1 && grouped >= 1 && io_runs >= 1)) || die "counts must be at least 1"
for rt in "${runtimes[@]}"; do
  if [[ $rt == io.containerd.minimal.v2 && ! -x $shim_bin/containerd-shim-minimal-v2 ]]; then
    die "$shim_bin/containerd-shim-minimal-v2 is not built (mvn -DskipTests package -pl shim-minimal -am)"
  fi
done

# The binary containerd runs for a runtime name, as containerd derives it.
binary_of() {
  local rt=$1 name
  name=${rt#io.containerd.}
  name=${name%.v2}
  if [[ $name == minimal ]]; then
    echo "$shim_bin/containerd-shim-minimal-v2"
  else
    command -v "containerd-shim-$name-v2" || die "containerd-shim-$name-v2 not found"
  fi
}
short_of() {
  local s=${1#io.containerd.}
  echo "${s%.v2}"
}

# Timing wrappers: containerd-shim-timed<name>-v2 execs the real shim (which so keeps containerd
# as its parent, as some shims check) and a watcher logs when that process has ended. The
# wrapper's own start-up is outside the measured interval; the watcher polls every millisecond.
wrappers=$(mktemp -d /tmp/bench-shim-wrappers.XXXXXX)
action_log=$wrappers/actions.log
for rt in "${runtimes[@]}"; do
  short=$(short_of "$rt")
  cat >"$wrappers/containerd-shim-timed$short-v2" <<EOF
#!/bin/bash
action=
for a in "\$@"; do case \$a in start | delete) action=\$a ;; esac; done
if [[ -n \$action ]]; then
  t0=\$EPOCHREALTIME
  (tail --pid=\$\$ -s 0.001 -f /dev/null; echo "\$action \$t0 \$EPOCHREALTIME" >>$action_log) \\
    </dev/null >/dev/null 2>&1 &
fi
exec $(binary_of "$rt") "\$@"
EOF
  chmod 755 "$wrappers/containerd-shim-timed$short-v2"
done

shim_dir_flags=(--shim-dir "$wrappers")
[[ -d $shim_bin ]] && shim_dir_flags+=(--shim-dir "$shim_bin")
eval "$(bash "$scripts/private-containerd.sh" start "${shim_dir_flags[@]}")"
work=$PRIVATE_CONTAINERD_DIR
trap 'bash "$scripts/private-containerd.sh" stop "$work" || true; rm -rf "$wrappers"' EXIT
ns=$PRIVATE_CONTAINERD_NAMESPACE
ctr_() { ctr -a "$PRIVATE_CONTAINERD_ADDRESS" -n "$ns" "$@"; }
rootfs=$work/rootfs
bash "$scripts/busybox-rootfs.sh" "$rootfs"

runtime_flags() {
  local rt=$1
  echo "--runtime $rt"
  if [[ $rt == io.containerd.*minimal.v2 && -n ${BENCH_BACKEND:-} ]]; then
    echo "--annotation dev.ttrpc.minimal.backend=$BENCH_BACKEND"
  fi
}

now_ns() { date +%s%N; }

# Median (and min/max) in ms of a list of nanosecond durations.
stats_ms() {
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { printf "n/a"; exit }
    if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
    if (NR < 3) { printf "%.0f ms", m / 1e6; exit }
    printf "%.0f ms (min %.0f, max %.0f)", m / 1e6, v[1] / 1e6, v[NR] / 1e6 }'
}

# Times `ctr run --rm /bin/true` $2 times; extra flags (e.g. a group label) in "$@".
time_runs() {
  local rt=$1 n=$2 prefix=$3
  shift 3
  local i start end
  for ((i = 0; i < n; i++)); do
    start=$(now_ns)
    # shellcheck disable=SC2046
    ctr_ run --rm $(runtime_flags "$rt") "$@" --rootfs "$rootfs" "$prefix-$i" /bin/true >/dev/null ||
      die "ctr run --rm through $rt failed"
    end=$(now_ns)
    echo $((end - start))
  done
}

# Durations (ns) of the logged actions named $1 (containerd may run `delete` after ctr returned,
# and the watchers log a moment after the action: give them time).
action_times() {
  sleep 1
  awk -v a="$1" '$1 == a { printf "%.0f\n", ($3 - $2) * 1e9 }' "$action_log"
}

task_pid() { ctr_ tasks ls | awk -v id="$1" '$1 == id { print $2 }'; }
ppid_of() { awk '/^PPid:/ { print $2 }' "/proc/$1/status"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
dirty_kib() { awk '/^Private_Dirty:/ { print $2 }' "/proc/$1/smaps_rollup"; }
threads_of() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# Runs `ctr run --rm` with a shell command in the container; prints the ns it took. The command's
# output (stdin: the byte count the container saw) must be $io_bytes.
io_run() {
  local rt=$1 name=$2 mode=$3 start end got
  local cmd="head -c $io_bytes /dev/zero"
  start=$(now_ns)
  case $mode in
    stdout)
      # shellcheck disable=SC2046
      got=$(ctr_ run --rm $(runtime_flags "$rt") --rootfs "$rootfs" "$name" /bin/sh -c "$cmd" | wc -c)
      ;;
    file)
      rm -f "$work/$name.log"
      # shellcheck disable=SC2046
      ctr_ run --rm $(runtime_flags "$rt") --log-uri "file://$work/$name.log" --rootfs "$rootfs" \
        "$name" /bin/sh -c "$cmd" >/dev/null
      got=$(stat -c %s "$work/$name.log")
      rm -f "$work/$name.log"
      ;;
    stdin)
      # shellcheck disable=SC2046
      got=$(head -c "$io_bytes" /dev/zero |
        ctr_ run --rm $(runtime_flags "$rt") --rootfs "$rootfs" "$name" /bin/sh -c 'wc -c')
      ;;
  esac
  end=$(now_ns)
  got=${got//[[:space:]]/}
  # A short copy is a result too (it happens to the reference shim under load): counted and
  # shown next to the time, not fatal.
  if [[ $got != "$io_bytes" ]]; then
    log "$rt $mode: $got bytes instead of $io_bytes"
    echo "$rt $mode" >>"$work/short-io"
  fi
  echo $((end - start))
}

# " (N of M runs short)" for a runtime and mode, if any run lost bytes.
short_note() {
  local n
  n=$(grep -cxF "$1 $2" "$work/short-io" 2>/dev/null || true)
  ((${n:-0} == 0)) || echo " ($n of $io_runs runs short)"
}

declare -A cold warm act_start_cold act_start_warm act_delete_cold act_delete_warm
declare -A rss_one rss_many rss_per dirty_one dirty_many dirty_per thr_one thr_many thr_per
declare -A io_stdout io_file io_stdin
for rt in "${runtimes[@]}"; do
  short=$(short_of "$rt")
  timed=io.containerd.timed$short.v2
  log "$rt: $runs cold runs"
  # One untimed run first: the shim binary and its files are then in the page cache for both.
  # shellcheck disable=SC2046
  ctr_ run --rm $(runtime_flags "$rt") --rootfs "$rootfs" "warmup-$short" /bin/true >/dev/null ||
    die "ctr run --rm through $rt failed"
  cold[$rt]=$(time_runs "$rt" "$runs" "cold-$short" | stats_ms)

  log "$rt: $action_runs cold runs, timing the shim's actions"
  : >"$action_log"
  time_runs "$timed" "$action_runs" "acold-$short" >/dev/null
  act_start_cold[$rt]=$(action_times start | stats_ms)
  act_delete_cold[$rt]=$(action_times delete | stats_ms)

  group="bench-$short"
  # shellcheck disable=SC2046
  ctr_ run -d $(runtime_flags "$rt") --label "$group_label=$group" --rootfs "$rootfs" \
    "base-$short" /bin/sleep 100000 >/dev/null || die "detached run through $rt failed"
  shim=$(ppid_of "$(task_pid "base-$short")")
  sleep 2
  rss_one[$rt]=$(rss_kib "$shim")
  dirty_one[$rt]=$(dirty_kib "$shim")
  thr_one[$rt]=$(threads_of "$shim")

  log "$rt: $runs warm runs (grouped into shim pid $shim)"
  warm[$rt]=$(time_runs "$rt" "$runs" "warm-$short" --label "$group_label=$group" | stats_ms)

  log "$rt: $action_runs warm runs, timing the shim's actions"
  : >"$action_log"
  # The timed runtime joins the same daemon: same group, containerd address and namespace.
  time_runs "$timed" "$action_runs" "awarm-$short" --label "$group_label=$group" >/dev/null
  act_start_warm[$rt]=$(action_times start | stats_ms)
  act_delete_warm[$rt]=$(action_times delete | stats_ms)

  log "$rt: $grouped more grouped containers"
  for ((i = 0; i < grouped; i++)); do
    # shellcheck disable=SC2046
    ctr_ run -d $(runtime_flags "$rt") --label "$group_label=$group" --rootfs "$rootfs" \
      "extra-$short-$i" /bin/sleep 100000 >/dev/null || die "grouped run through $rt failed"
  done
  sleep 2
  [[ $(ppid_of "$(task_pid "extra-$short-0")") == "$shim" ]] || die "$rt did not group the containers"
  rss_many[$rt]=$(rss_kib "$shim")
  dirty_many[$rt]=$(dirty_kib "$shim")
  thr_many[$rt]=$(threads_of "$shim")
  rss_per[$rt]=$(awk -v a="${rss_many[$rt]}" -v b="${rss_one[$rt]}" -v n="$grouped" \
    'BEGIN { printf "%.2f MiB", (a - b) / n / 1024 }')
  dirty_per[$rt]=$(awk -v a="${dirty_many[$rt]}" -v b="${dirty_one[$rt]}" -v n="$grouped" \
    'BEGIN { printf "%.2f MiB", (a - b) / n / 1024 }')
  thr_per[$rt]=$(awk -v a="${thr_many[$rt]}" -v b="${thr_one[$rt]}" -v n="$grouped" \
    'BEGIN { printf "%.2f", (a - b) / n }')

  for id in "base-$short" $(seq -f "extra-$short-%g" 0 $((grouped - 1))); do
    ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
  done
  for id in "base-$short" $(seq -f "extra-$short-%g" 0 $((grouped - 1))); do
    ctr_ tasks rm -f "$id" >/dev/null 2>&1 || true
    ctr_ containers rm "$id" >/dev/null 2>&1 || true
  done
  rss_one[$rt]=$(mib "${rss_one[$rt]}")
  rss_many[$rt]=$(mib "${rss_many[$rt]}")
  dirty_one[$rt]=$(mib "${dirty_one[$rt]}")
  dirty_many[$rt]=$(mib "${dirty_many[$rt]}")

  log "$rt: 10^8 bytes through stdout, a file:// log and stdin, $io_runs runs each"
  for mode in stdout file stdin; do
    times=$(for ((i = 0; i < io_runs; i++)); do io_run "$rt" "io-$mode-$short-$i" "$mode"; done | stats_ms)
    times+=$(short_note "$rt" "$mode")
    case $mode in
      stdout) io_stdout[$rt]=$times ;;
      file) io_file[$rt]=$times ;;
      stdin) io_stdin[$rt]=$times ;;
    esac
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
n_many=$((grouped + 1))
echo
echo "$(nproc) CPUs, $(uname -r), containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "$header"
echo "$sep"
row "\`ctr run --rm /bin/true\`, cold: new shim each run (median of $runs)" cold
row "\`ctr run --rm /bin/true\`, warm: grouped into a running shim (median of $runs)" warm
row "\`start\` action, cold (median of $action_runs)" act_start_cold
row "\`start\` action, warm (median of $action_runs)" act_start_warm
row "\`delete\` action, cold (median of $action_runs)" act_delete_cold
row "\`delete\` action, warm (median of $action_runs)" act_delete_warm
row "daemon VmRSS, 1 container" rss_one
row "daemon VmRSS, $n_many containers" rss_many
row "VmRSS per further container" rss_per
row "daemon Private_Dirty, 1 container" dirty_one
row "daemon Private_Dirty, $n_many containers" dirty_many
row "Private_Dirty per further container" dirty_per
row "daemon threads, 1 container" thr_one
row "daemon threads, $n_many containers" thr_many
row "threads per further container" thr_per
row "10^8 bytes stdout through \`ctr run\` (median of $io_runs)" io_stdout
row "10^8 bytes stdout into a file:// log (median of $io_runs)" io_file
row "10^8 bytes stdin through \`ctr run\` (median of $io_runs)" io_stdin
