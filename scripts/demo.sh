#!/usr/bin/env bash
# Demo: containerd runs busybox containers through containerd-shim-minimal-v2 (our Java shim).
#
# Builds the shim, starts a private containerd (its own sockets, state and namespace; a system
# containerd is never touched) with the shim on its PATH, builds a busybox rootfs, then shows:
# a foreground `ctr run`, a detached container with `tasks exec`, a signal caught by a trap in
# the container, and the exit status. Cleans everything up on exit. Needs root.
#
# Environment:
#   DEMO_SKIP_BUILD=1     use the shim already built in shim-minimal/target/dist
#   DEMO_BACKEND=NAME     select the shim's backend per container (annotation dev.ttrpc.minimal.backend)
#   DEMO_RUNTIME=NAME     another runtime for comparison, e.g. io.containerd.runc.v2 (the default
#                         is io.containerd.minimal.v2; there is never a silent fallback)
#   DEMO_KEEP=1           keep the private containerd running at the end (prints how to stop it)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scripts=$root/scripts
shim_bin=$root/shim-minimal/target/dist/bin
runtime=${DEMO_RUNTIME:-io.containerd.minimal.v2}

bold=$'\e[1m' dim=$'\e[2m' red=$'\e[31m' green=$'\e[32m' reset=$'\e[0m'
if [[ ! -t 1 ]]; then bold="" dim="" red="" green="" reset=""; fi

step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
show() { printf '%s$ %s%s\n' "$dim" "$*" "$reset"; }
die() {
  printf '%sdemo failed: %s%s\n' "$red" "$*" "$reset" >&2
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "run as root: containerd and runc need it"

step "Debian packages"
missing=()
for p in containerd runc busybox-static; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'), busybox-static: present"
fi

step "Build containerd-shim-minimal-v2"
# shellcheck source=jdk.sh
source "$scripts/jdk.sh"
echo "JAVA_HOME=$JAVA_HOME"
if [[ ${DEMO_SKIP_BUILD:-} != 1 ]]; then
  show "mvn -q -DskipTests package -pl shim-minimal -am"
  # protoc-jar prints every protoc command even with -q: keep the build's output for failures.
  build_log=$(mktemp)
  if ! (cd "$root" && mvn -q -DskipTests package -pl shim-minimal -am) >"$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    die "the build failed"
  fi
  rm -f "$build_log"
fi
if [[ $runtime == io.containerd.minimal.v2 ]]; then
  [[ -x $shim_bin/containerd-shim-minimal-v2 ]] ||
    die "$shim_bin/containerd-shim-minimal-v2 was not built"
  echo "shim: $shim_bin/containerd-shim-minimal-v2"
fi

step "Start a private containerd with $shim_bin first on its PATH"
shim_dir_flags=()
[[ -d $shim_bin ]] && shim_dir_flags=(--shim-dir "$shim_bin")
env_out=$(bash "$scripts/private-containerd.sh" start "${shim_dir_flags[@]}")
eval "$env_out"
work=$PRIVATE_CONTAINERD_DIR
cleanup() {
  local rc=$?
  [[ -n ${events_pid:-} ]] && kill "$events_pid" 2>/dev/null
  if [[ ${DEMO_KEEP:-} == 1 ]]; then
    echo "keeping the private containerd: ctr -a $PRIVATE_CONTAINERD_ADDRESS -n $ns …"
    echo "stop it with: $scripts/private-containerd.sh stop $work"
  else
    bash "$scripts/private-containerd.sh" stop "$work" || true
  fi
  exit "$rc"
}
trap cleanup EXIT
ns=$PRIVATE_CONTAINERD_NAMESPACE
echo "work dir $work, socket $PRIVATE_CONTAINERD_ADDRESS, namespace $ns, containerd pid $PRIVATE_CONTAINERD_PID"

ctr_() { ctr -a "$PRIVATE_CONTAINERD_ADDRESS" -n "$ns" "$@"; }
run_flags=(--runtime "$runtime")
if [[ -n ${DEMO_BACKEND:-} ]]; then
  run_flags+=(--annotation "dev.ttrpc.minimal.backend=$DEMO_BACKEND")
fi

# Events as containerd sees them, printed at the end.
ctr -a "$PRIVATE_CONTAINERD_ADDRESS" events >"$work/events.log" 2>&1 &
events_pid=$!

step "Build a busybox rootfs"
rootfs=$work/rootfs
bash "$scripts/busybox-rootfs.sh" "$rootfs"
echo "$rootfs: $(find "$rootfs/bin" -maxdepth 1 | wc -l) entries in /bin"

step "1. Run a container in the foreground"
show "ctr run --rm ${run_flags[*]} --rootfs $rootfs demo-echo /bin/echo hello from $runtime"
if ! ctr_ run --rm "${run_flags[@]}" --rootfs "$rootfs" demo-echo \
  /bin/echo "hello from $runtime"; then
  echo "--- containerd log (last lines) ---" >&2
  tail -n 15 "$PRIVATE_CONTAINERD_LOG" >&2
  die "ctr run through $runtime failed (see above); not falling back to another runtime"
fi

step "2. Start a detached container that traps SIGTERM"
script='trap "echo caught SIGTERM, exiting 42; exit 42" TERM; echo started; while true; do sleep 0.2; done'
show "ctr run -d ${run_flags[*]} --log-uri file://$work/demo-bg.log --rootfs $rootfs demo-bg /bin/sh -c '$script'"
ctr_ run -d "${run_flags[@]}" --log-uri "file://$work/demo-bg.log" --rootfs "$rootfs" demo-bg \
  /bin/sh -c "$script" || die "detached ctr run failed"
show "ctr tasks ls"
ctr_ tasks ls
task_pid=$(ctr_ tasks ls | awk '$1 == "demo-bg" { print $2 }')
shim_pid=$(awk '/^PPid:/ { print $2 }' "/proc/$task_pid/status")
echo "served by shim pid $shim_pid: $(tr '\0' ' ' <"/proc/$shim_pid/cmdline" | cut -c1-160)"
echo "shim RSS: $(awk '/^VmRSS:/ { print $2, $3 }' "/proc/$shim_pid/status")"

step "3. Exec a process in the running container"
show "ctr tasks exec --exec-id demo-exec demo-bg /bin/sh -c 'echo exec says hi from pid \$\$; ps'"
ctr_ tasks exec --exec-id demo-exec demo-bg /bin/sh -c 'echo "exec says hi from pid $$"; ps' ||
  die "tasks exec failed"

step "4. Send SIGTERM; the container's trap exits 42"
show "ctr tasks kill -s SIGTERM demo-bg"
ctr_ tasks kill -s SIGTERM demo-bg || die "tasks kill failed"
for _ in $(seq 1 100); do
  [[ $(ctr_ tasks ls | awk '$1 == "demo-bg" { print $3 }') == STOPPED ]] && break
  sleep 0.1
done
show "ctr tasks ls"
ctr_ tasks ls
show "cat $work/demo-bg.log"
cat "$work/demo-bg.log"

step "5. Exit status"
show "ctr tasks delete demo-bg"
ctr_ tasks delete demo-bg 2>&1 | sed 's/^/  /'
ctr_ containers rm demo-bg
sleep 0.3
echo "task events published by the shim:"
grep -E ' /tasks/' "$work/events.log" |
  sed -E -e 's/^[^/]* (\/tasks\/)/  \1/' -e 's/"bundle":"[^"]*",?//' -e 's/"io":\{[^}]*\},?//' \
    -e 's/,?"exited_at":"[^"]*"//'
status=$(grep ' /tasks/exit ' "$work/events.log" | grep '"id":"demo-bg"' | sed -n 's/.*"exit_status":\([0-9]*\).*/\1/p')
[[ $status == 42 ]] || die "expected exit status 42 from the trap, got '${status:-none}'"
printf '\n%sdemo-bg exited with status %s, as its SIGTERM trap said.%s\n' "$green" "$status" "$reset"
