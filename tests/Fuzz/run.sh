#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers of untrusted bytes with AFL++ and SharpFuzz. Opt-in, not part of CI.
#
#   tests/Fuzz/run.sh <target>|all <minutes>
#
# Installs afl++ and the sharpfuzz tool when missing, publishes tests/Fuzz, instruments the project's own
# assemblies (not the framework's), then runs afl-fuzz on each target in turn, one at a time, for <minutes>,
# and prints one line per target:
#   RESULT fuzz target=<t> seconds=<s> execs=<n> crashes=<c> hangs=<h>
# afl's output goes to $FUZZ_OUT/<target> (default /tmp/mesos-ha-fuzz/<target>); an earlier run's directory
# is kept as <target>.<time>. Replay an input: $FUZZ_OUT/bin/Mesos.HA.Fuzz <target> < file
set -euo pipefail
{ # bash reads a script as it runs: the braces make it read all of it first, so editing it cannot disturb a run

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <target>|all <minutes>" >&2
  exit 2
fi
target=$1
seconds=$(($2 * 60))
out_root=${FUZZ_OUT:-/tmp/mesos-ha-fuzz}
bin=$out_root/bin
# The project's assemblies holding the parsers, and the two decoders the binary targets spend their time
# in (MessagePack's formatters, protobuf's reader: instrumented, frame-codec finds ~2,300 edges in 45 s
# instead of ~140). The framework (System.Text.Json among it) stays uninstrumented. FUZZ_INSTRUMENT overrides the list.
read -ra instrumented <<<"${FUZZ_INSTRUMENT:-Mesos.HA.Protocol.dll Mesos.HA.Master.dll Mesos.HA.Agent.dll MessagePack.dll Google.Protobuf.dll}"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PATH="$PATH:$HOME/.dotnet/tools"

if ! command -v afl-fuzz >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -qq afl++ >/dev/null || { $sudo apt-get update -qq && $sudo apt-get install -y -qq afl++ >/dev/null; }
fi
command -v sharpfuzz >/dev/null || dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >/dev/null

# A fresh publish each time: sharpfuzz instruments in place and refuses an assembly it already instrumented.
rm -rf "$bin"
mkdir -p "$out_root"
dotnet publish "$here/Fuzz.csproj" -c Release -o "$bin" -p:UseAppHost=true >"$out_root/publish.log" 2>&1 \
  || { cat "$out_root/publish.log" >&2; exit 1; }
for dll in "${instrumented[@]}"; do sharpfuzz "$bin/$dll" >/dev/null; done

if [ "$target" = all ]; then
  mapfile -t targets < <(cd "$here/corpus" && ls -1)
else
  [ -d "$here/corpus/$target" ] || { echo "unknown target '$target' (targets: $(ls "$here/corpus" | tr '\n' ' '))" >&2; exit 2; }
  targets=("$target")
fi

stat_of() { # <stats file> <key>...: the first key present (afl++ renamed some between versions)
  local file=$1; shift
  for key in "$@"; do
    local value; value=$(awk -F' *: *' -v k="$key" '$1 == k { print $2 }' "$file")
    [ -n "$value" ] && { echo "$value"; return; }
  done
  echo 0
}

# dotnet is not compiled with afl's instrumentation (SharpFuzz's IL is), .NET starts slowly, and the
# machine may be shared: skip the binary and CPU checks, let the fork server start for a minute, bind no core.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
  AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_SKIP_CRASHES=1

status=0
for t in "${targets[@]}"; do
  out=$out_root/$t
  [ -e "$out" ] && mv "$out" "$out.$(date -u +%Y%m%dT%H%M%S)"
  # The JSON readers get a dictionary of JSON tokens (escapes and lone surrogates among them).
  dictionary=(); case $t in *json | acls | credentials) dictionary=(-x "$here/json.dict") ;; esac
  # -V bounds the fuzzing time; timeout bounds the whole (calibration included) should afl-fuzz stall.
  timeout --kill-after=30 $((seconds + 600)) nice -n 19 \
    afl-fuzz -i "$here/corpus/$t" -o "$out" -m none -t 10000 -V "$seconds" "${dictionary[@]}" -- "$bin/Mesos.HA.Fuzz" "$t" \
    >"$out_root/$t.log" 2>&1 || { echo "afl-fuzz failed on $t (see $out_root/$t.log):" >&2; tail -5 "$out_root/$t.log" >&2; status=1; }
  stats=$out/default/fuzzer_stats
  if [ -f "$stats" ]; then
    crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
    hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
    echo "RESULT fuzz target=$t seconds=$(stat_of "$stats" run_time) execs=$(stat_of "$stats" execs_done) crashes=$crashes hangs=$hangs"
    # Triage: replay up to 50 crashes and count them by the exception's first line.
    find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | head -50 | while read -r input; do
      timeout 60 "$bin/Mesos.HA.Fuzz" "$t" <"$input" 2>&1 | grep -m1 -E 'Unhandled exception|Exception:' || echo "(no exception on replay)"
    done | sort | uniq -c | sed "s/^ */CRASH target=$t count=/"
  else
    echo "RESULT fuzz target=$t seconds=0 execs=0 crashes=0 hangs=0 (no fuzzer_stats: afl-fuzz did not start)"
    status=1
  fi
done
exit $status
}
