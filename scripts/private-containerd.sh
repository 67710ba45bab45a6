#!/usr/bin/env bash
# A private containerd for tests, demos and benchmarks: its own root, state, sockets, namespace
# and log, the CRI plugin disabled (unless asked for), and a PATH that puts given shim
# directories first. It never talks to or touches a system containerd
# (/run/containerd/containerd.sock).
#
# Usage:
#   private-containerd.sh start [--dir DIR] [--shim-dir DIR]... [--namespace NS] [--cri FILE]
#                               [--containerd BIN] [--ctr BIN]
#       Creates DIR (default: a new mktemp dir under /tmp), writes DIR/config.toml, starts
#       containerd and waits until `ctr version` answers. Prints the environment (below).
#       --containerd and --ctr name the binaries to use (default: those on PATH); restart and
#       stop use the same ones.
#       --cri FILE enables the CRI plugin and appends FILE (TOML tables of
#       [plugins."io.containerd.grpc.v1.cri"], with @DIR@ standing for the work dir) to the
#       configuration. The CRI plugin always uses the namespace k8s.io; `stop` cleans up the
#       k8s.io containers of this instance (they live in its own state dir).
#   private-containerd.sh env DIR       Prints the environment of a started instance.
#   private-containerd.sh restart DIR   Stops containerd only (shims and containers keep running)
#                                       and starts it again with the same configuration.
#   private-containerd.sh stop DIR      Stops containerd, kills what is left of its containers and
#                                       shims, unmounts and removes DIR. Safe to call twice.
#
# The environment is printed as shell assignments, one per line (eval-able; values never need
# quoting because DIR is restricted to [A-Za-z0-9._/+-]):
#   PRIVATE_CONTAINERD_DIR        the work dir
#   PRIVATE_CONTAINERD_ADDRESS    gRPC socket (ctr -a)
#   PRIVATE_CONTAINERD_TTRPC      ttRPC socket (events from shims)
#   PRIVATE_CONTAINERD_NAMESPACE  the namespace to use (ctr -n); unique per instance. Further
#                                 namespaces must be named "<it>-<suffix>" to be cleaned up.
#   PRIVATE_CONTAINERD_PID        containerd's pid
#   PRIVATE_CONTAINERD_LOG        containerd's log file
#   PRIVATE_CONTAINERD_PATH       the PATH containerd (and so the shims) run with
#   PRIVATE_CONTAINERD_CRI        1 if the CRI plugin is enabled, else empty
#   PRIVATE_CONTAINERD_BIN        the containerd binary (absolute path)
#   PRIVATE_CONTAINERD_CTR        the ctr binary (absolute path)
#
# Shims put their sockets in /run/containerd/s and runc its state in /run/containerd/runc/<ns>
# whatever the configuration says; both are cleaned up by namespace, so instances never collide.
set -euo pipefail

readonly system_socket=/run/containerd/containerd.sock
readonly runc_state_root=/run/containerd/runc

die() {
  echo "private-containerd: $*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

check_dir_name() {
  [[ $1 =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "work dir must be an absolute path of [A-Za-z0-9._/+-]: $1"
}

# The values written by `start`, read back by the other commands.
load_env() {
  local dir=$1
  [[ -f $dir/env ]] || die "$dir is not a private containerd dir (no env file)"
  # shellcheck disable=SC1091
  source "$dir/env"
}

print_env() {
  cat "$1/env"
}

write_config() {
  local dir=$1 cri=$2 disabled='disabled_plugins = ["io.containerd.grpc.v1.cri"]'
  [[ -z $cri ]] || disabled=""
  cat >"$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
$disabled

[grpc]
  address = "$dir/c.sock"

[ttrpc]
  address = "$dir/c.sock.ttrpc"

[debug]
  level = "debug"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$dir/opt"
EOF
  if [[ -n $cri ]]; then
    sed "s|@DIR@|$dir|g" "$cri" >>"$dir/config.toml"
  fi
}

# True if pid runs. A zombie counts as gone: an orphan's zombie may stay forever under an init
# that does not reap.
alive() {
  local state
  state=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

ctr_answers() {
  local dir=$1
  timeout 5 "${PRIVATE_CONTAINERD_CTR:-ctr}" -a "$dir/c.sock" version >/dev/null 2>&1
}

# Starts containerd for an already configured dir and waits until it answers.
launch_daemon() {
  local dir=$1
  load_env "$dir"
  [[ $PRIVATE_CONTAINERD_ADDRESS != "$system_socket" ]] || die "refusing to use the system socket"
  # A fresh process session: signals to the caller's terminal or process group never reach it.
  PATH=$PRIVATE_CONTAINERD_PATH setsid "${PRIVATE_CONTAINERD_BIN:-containerd}" --config "$dir/config.toml" \
    </dev/null >>"$PRIVATE_CONTAINERD_LOG" 2>&1 &
  local pid=$!
  sed -i "s/^PRIVATE_CONTAINERD_PID=.*/PRIVATE_CONTAINERD_PID=$pid/" "$dir/env"
  local deadline=$((SECONDS + 30))
  until ctr_answers "$dir"; do
    if ! alive "$pid"; then
      tail -n 20 "$PRIVATE_CONTAINERD_LOG" >&2 || true
      die "containerd exited during startup (log: $PRIVATE_CONTAINERD_LOG)"
    fi
    if ((SECONDS > deadline)); then
      tail -n 20 "$PRIVATE_CONTAINERD_LOG" >&2 || true
      die "containerd did not answer within 30 s (log: $PRIVATE_CONTAINERD_LOG)"
    fi
    sleep 0.1
  done
}

# Stops the containerd daemon only; its shims and containers keep running.
stop_daemon() {
  local dir=$1 pid
  load_env "$dir"
  pid=$PRIVATE_CONTAINERD_PID
  [[ -n $pid ]] || return 0
  # Only a containerd started with this dir's config is ours.
  if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--config $dir/config.toml"; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.05; done
  fi
}

# Pids of shims started by this instance: containerd passes them its gRPC socket (whatever the
# shim's binary or interpreter is called).
shim_pids() {
  local dir=$1 p args
  for p in /proc/[0-9]*; do
    args="$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) " || continue
    if [[ $args == *" -address $dir/c.sock "* && $args == *" -namespace "* ]]; then
      echo "${p#/proc/}"
    fi
  done
}

cmd_start() {
  local dir="" namespace="" shim_dirs=() cri="" containerd_bin=containerd ctr_bin=ctr
  while (($#)); do
    case $1 in
      --dir) dir=$2; shift 2 ;;
      --containerd) containerd_bin=$2; shift 2 ;;
      --ctr) ctr_bin=$2; shift 2 ;;
      --shim-dir) shim_dirs+=("$(cd "$2" && pwd)"); shift 2 ;;
      --namespace) namespace=$2; shift 2 ;;
      --cri) cri=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
      *) usage ;;
    esac
  done
  [[ $(id -u) -eq 0 ]] || die "containerd needs root"
  containerd_bin=$(command -v "$containerd_bin") ||
    die "containerd is not installed (Debian: apt-get install containerd)"
  ctr_bin=$(command -v "$ctr_bin") || die "ctr is not installed (Debian: apt-get install containerd)"
  [[ $containerd_bin == /* ]] || containerd_bin=$PWD/$containerd_bin
  [[ $ctr_bin == /* ]] || ctr_bin=$PWD/$ctr_bin
  # The env file is sourced: keep its values free of shell syntax.
  [[ $containerd_bin =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "unusable containerd path: $containerd_bin"
  [[ $ctr_bin =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "unusable ctr path: $ctr_bin"
  command -v runc >/dev/null || die "runc is not installed (Debian: apt-get install runc)"
  [[ -z $cri || -f $cri ]] || die "no CRI configuration file $cri"
  if [[ -z $dir ]]; then
    dir=$(mktemp -d /tmp/private-containerd.XXXXXX)
  else
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
  fi
  check_dir_name "$dir"
  if [[ -z $namespace ]]; then
    namespace="pc-$(basename "$dir" | tr -c 'A-Za-z0-9\n' '-' | tr 'A-Z' 'a-z')"
  fi
  [[ $namespace =~ ^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$ ]] || die "invalid namespace: $namespace"
  mkdir -p "$dir/root" "$dir/state" "$dir/opt"
  write_config "$dir" "$cri"

  local path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  local d
  for ((i = ${#shim_dirs[@]} - 1; i >= 0; i--)); do
    d=${shim_dirs[i]}
    path=$d:$path
  done
  cat >"$dir/env" <<EOF
PRIVATE_CONTAINERD_DIR=$dir
PRIVATE_CONTAINERD_ADDRESS=$dir/c.sock
PRIVATE_CONTAINERD_TTRPC=$dir/c.sock.ttrpc
PRIVATE_CONTAINERD_NAMESPACE=$namespace
PRIVATE_CONTAINERD_PID=
PRIVATE_CONTAINERD_LOG=$dir/containerd.log
PRIVATE_CONTAINERD_PATH=$path
PRIVATE_CONTAINERD_CRI=${cri:+1}
PRIVATE_CONTAINERD_BIN=$containerd_bin
PRIVATE_CONTAINERD_CTR=$ctr_bin
EOF
  launch_daemon "$dir"
  print_env "$dir"
}

cmd_restart() {
  local dir=$1
  stop_daemon "$dir"
  launch_daemon "$dir"
  print_env "$dir"
}

cmd_stop() {
  local dir=$1
  [[ -d $dir ]] || return 0
  dir=$(cd "$dir" && pwd)
  check_dir_name "$dir"
  [[ -f $dir/env ]] || die "$dir is not a private containerd dir (no env file)"
  stop_daemon "$dir"
  load_env "$dir"
  local base_ns=$PRIVATE_CONTAINERD_NAMESPACE
  # The CRI plugin's fixed namespace: its bundles below this dir's state are this instance's.
  local cri_ns=""
  [[ -z ${PRIVATE_CONTAINERD_CRI:-} ]] || cri_ns=k8s.io

  # Namespaces this instance used: its own and "<ns>-<suffix>" ones. runc state of any other
  # namespace (e.g. "default") may belong to another containerd and is never touched.
  local namespaces=("$base_ns") d ns
  for d in "$dir"/state/io.containerd.runtime.v2.task/*/; do
    ns=$(basename "$d")
    [[ -d $d && $ns == "$base_ns"-* ]] && namespaces+=("$ns")
  done

  # Containers first (runc kills their processes), then the shims that watched them.
  local runc_root id
  for ns in "${namespaces[@]}"; do
    runc_root=$runc_state_root/$ns
    [[ -d $runc_root ]] || continue
    for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
      runc --root "$runc_root" delete --force "$id" >/dev/null 2>&1 || true
    done
  done
  # What only the shim knows about (e.g. plain processes of a non-runc backend) goes through the
  # shim's own cleanup action, as containerd would run it for a dead shim.
  local bundle shim_binary
  for bundle in "$dir"/state/io.containerd.runtime.v2.task/*/*/; do
    bundle=${bundle%/}
    [[ -f $bundle/shim-binary-path ]] || continue
    ns=$(basename "$(dirname "$bundle")")
    [[ $ns == "$base_ns" || $ns == "$base_ns"-* || $ns == "$cri_ns" ]] || continue
    shim_binary=$(<"$bundle/shim-binary-path")
    [[ -x $shim_binary ]] || continue
    (cd "$bundle" && PATH=$PRIVATE_CONTAINERD_PATH timeout 15 "$shim_binary" -namespace "$ns" \
      -address "$dir/c.sock" -publish-binary "${PRIVATE_CONTAINERD_BIN:-$(command -v containerd)}" -id "$(basename "$bundle")" \
      -bundle "$bundle" delete </dev/null >/dev/null 2>&1) || true
  done
  local pid
  for pid in $(shim_pids "$dir"); do
    kill -KILL "$pid" 2>/dev/null || true
  done

  # The shims' sockets, named in each bundle's address file, and the minimal shim's daemon
  # records next to them (left behind by a daemon that was killed).
  local address_file address
  for address_file in "$dir"/state/io.containerd.runtime.v2.task/*/*/address; do
    [[ -f $address_file ]] || continue
    address=$(<"$address_file")
    address=${address#unix://}
    if [[ $address == /run/containerd/s/* ]]; then
      rm -f "$address" "$address.daemon"
    fi
  done
  for ns in "${namespaces[@]}"; do
    rm -rf "${runc_state_root:?}/$ns"
  done

  # Mounts below the dir (container rootfs, snapshots), deepest first.
  local mountpoint
  awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r mountpoint; do
      umount -l "$mountpoint" 2>/dev/null || true
    done
  rm -rf "$dir"
}

main() {
  (($#)) || usage
  local command=$1
  shift
  case $command in
    start) cmd_start "$@" ;;
    env) (($# == 1)) || usage; load_env "$1"; print_env "$1" ;;
    restart) (($# == 1)) || usage; cmd_restart "$1" ;;
    stop) (($# == 1)) || usage; cmd_stop "$1" ;;
    *) usage ;;
  esac
}

main "$@"
