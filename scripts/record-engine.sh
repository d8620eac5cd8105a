#!/usr/bin/env bash
# Record ground truth from a REAL, private Docker daemon into testdata/engine/.
#
#   sudo scripts/record-engine.sh        (needs root, docker.io, busybox-static, curl, jq)
#   sudo scripts/record-engine.sh mounts (only testdata/engine/mounts.json; the rest is kept)
#
# Safety (see docs/ENGINE.md): private daemon in a temp dir, --bridge=none
# --iptables=false --ip6tables=false, every container --network none, never
# /var/run/docker.sock, the daemon is stopped by its pidfile only, temp dir removed on exit.
#
# Re-runnable: all output is staged in the temp dir and replaces testdata/engine/ at the end
# (testdata/engine/README.md, which is written by hand, is kept).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$REPO/testdata/engine"
DOCKER_BIN=${DOCKER_BIN:-/usr/bin/docker}   # Debian's docker.io CLI, same release as the daemon
IMAGE=local/busybox:1
V=v1.41
ONLY=${1-}
case "$ONLY" in ""|mounts) ;; *) echo "usage: $0 [mounts]" >&2; exit 2 ;; esac

for tool in dockerd "$DOCKER_BIN" curl jq busybox; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/berth-engine.XXXXXX)
DIR="$TMP/d"              # daemon state (docs/ENGINE.md's $DIR)
WORK="$TMP/work"          # scratch
STAGE="$TMP/out"          # becomes testdata/engine/
SOCK="$DIR/docker.sock"
mkdir -p "$DIR" "$WORK" "$STAGE/inspect" "$STAGE/disk" "$TMP/cfg"
export DOCKER_HOST="unix://$SOCK" DOCKER_CONFIG="$TMP/cfg"

DOCKERD_PID=""
EVENTS_PID=""
BG_PIDS=()

cleanup() {
  local rc=$?
  set +e
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$EVENTS_PID" ] && kill "$EVENTS_PID" 2>/dev/null
  if [ -f "$DIR/docker.pid" ]; then DOCKERD_PID=$(cat "$DIR/docker.pid"); fi
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    kill "$DOCKERD_PID"
    for _ in $(seq 1 150); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$DOCKERD_PID" 2>/dev/null; then echo "dockerd $DOCKERD_PID did not exit" >&2; fi
  fi
  # anything the daemon left mounted under our temp dir (deepest first)
  awk -v t="$TMP" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m"
  done
  rm -rf "$TMP"
  [ $rc -ne 0 ] && echo "record-engine: FAILED (rc=$rc)" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '== %s\n' "$*" >&2; }
d() { "$DOCKER_BIN" "$@"; }
now_ns() { date +%s%N; }
# raw GET, body on stdout, trailing newline stripped (engine JSON is one line)
get() { local b; b=$(curl -sf --unix-socket "$SOCK" "http://localhost/$V$1"); printf '%s' "${b//$'\n'/}"; }
cid() { d inspect -f '{{.Id}}' "$1"; }

# call METHOD PATH [JSON-BODY] -> sets STATUS, BODY file $WORK/body
call() {
  local method=$1 path=$2 data=${3-}
  local args=(-s -o "$WORK/body" -w '%{http_code}' -X "$method" --unix-socket "$SOCK")
  : > "$WORK/body"   # curl writes nothing for a body-less reply (204/304)
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data "$data")
  STATUS=$(curl "${args[@]}" "http://localhost/$V$path")
}
# record CASE TARGET METHOD PATH [BODY]: one operation; refused (>=300) ones go to errors.jsonl
record() {
  local case=$1 target=$2 method=$3 path=$4 data=${5-} tid="" file
  [ -n "$target" ] && tid=$(cid "$target" 2>/dev/null || true)
  call "$method" "$path" "$data"
  if [ "$STATUS" -ge 300 ]; then file="$WORK/errors.jsonl"; else file="$WORK/ops.jsonl"; fi
  jq -cn --arg case "$case" --arg target "$target" --arg tid "$tid" --arg method "$method" \
     --arg path "/$V$path" --argjson status "$STATUS" --rawfile body "$WORK/body" \
     '{case:$case, target:$target, target_id:$tid, method:$method, path:$path, status:$status,
       body: (if $body == "" then null else ($body | try fromjson catch $body) end)}' >> "$file"
  log "$case: $method $path -> $STATUS $(head -c 200 "$WORK/body")"
}

# poll NAME SECONDS INTERVAL OUTFILE: {t, inspect, list} per line; list = GET /containers/json
# entry for that container (Status string at that instant)
poll() {
  local name=$1 secs=$2 iv=$3 out=$4 id end t ins lst
  id=$(cid "$name")
  end=$(( $(now_ns) + secs * 1000000000 ))
  while [ "$(now_ns)" -lt "$end" ]; do
    t=$(now_ns)
    ins=$(get "/containers/$id/json") || continue
    lst=$(get "/containers/json?all=1&filters=%7B%22id%22%3A%5B%22$id%22%5D%7D") || continue
    printf '{"t":%s,"inspect":%s,"list":%s}\n' "$t" "$ins" "$lst" >> "$out"
    sleep "$iv"
  done
}

# snap LABEL: names/state/status of every container right now -> ps-snapshots.jsonl
snap() {
  local t; t=$(now_ns)
  get "/containers/json?all=1" | jq -c --arg lbl "$1" --argjson t "$t" \
    '{label:$lbl, t:$t, containers: [.[] | {name: .Names[0], State, Status}] | sort_by(.name)}' \
    >> "$STAGE/ps-snapshots.jsonl"
}

# timed CLI call: cli LABEL cmd... -> cli.jsonl {label, argv, rc, elapsed_ms, stdout, stderr}
cli() {
  local label=$1; shift
  local t0 t1 rc=0
  t0=$(now_ns)
  "$@" >"$WORK/cli.out" 2>"$WORK/cli.err" || rc=$?
  t1=$(now_ns)
  local shown=("$@"); [ "${shown[0]}" = d ] && shown[0]=docker
  printf '%s\n' "${shown[@]/#$DOCKER_BIN/docker}" | jq -R . | jq -s . > "$WORK/argv.json"
  jq -cn --arg lbl "$label" --slurpfile argv "$WORK/argv.json" --argjson rc "$rc" \
     --argjson ms "$(( (t1 - t0) / 1000000 ))" --rawfile o "$WORK/cli.out" --rawfile e "$WORK/cli.err" \
     '{label:$lbl, argv:$argv[0], rc:$rc, elapsed_ms:$ms, stdout:$o, stderr:$e}' >> "$STAGE/cli.jsonl"
  log "$label: rc=$rc $(( (t1 - t0) / 1000000 ))ms $(head -c 200 "$WORK/cli.out" "$WORK/cli.err" 2>/dev/null | tr '\n' ' ')"
}

# ---------------------------------------------------------------- daemon
log "starting private dockerd in $DIR"
dockerd --host "unix://$SOCK" --data-root "$DIR/root" --exec-root "$DIR/exec" \
  --pidfile "$DIR/docker.pid" --bridge=none --iptables=false --ip6tables=false \
  >"$DIR/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 1 150); do d version >/dev/null 2>&1 && break; sleep 0.2; done
d version >/dev/null || { cat "$DIR/dockerd.log" >&2; exit 1; }
get /version > "$STAGE/version.json"

START=$(date +%s)
curl -sN --unix-socket "$SOCK" "http://localhost/$V/events?since=$START" > "$STAGE/events.jsonl" &
EVENTS_PID=$!
sleep 0.5

log "importing $IMAGE"
img=$(mktemp -d "$TMP/img.XXXXXX"); mkdir -p "$img/bin"; cp "$(command -v busybox)" "$img/bin/busybox"
for a in sh sleep echo true false cat; do ln -s busybox "$img/bin/$a"; done
tar -C "$img" -c . | d import -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
R=(--network none)

# ---------------------------------------------------------------- 16 mounts
# Two containers of an image with `VOLUME /imgvol`: one with every kind of mount (read-only and
# read-write binds, a named volume, an anonymous `-v /anon`, a tmpfs, and the image's volume left
# anonymous), one whose named volume takes the image's volume. mounts.json holds each one's
# list entry and inspect document, read at the same moment. Recorded after the event stream
# closes, so the other files do not see these containers.
record_mounts() {
  log "16 mounts"
  local src="$TMP/bind" n id lst ins
  mkdir -p "$src"
  tar -C "$img" -c . | d import -c 'CMD ["/bin/sh"]' -c 'VOLUME /imgvol' - local/busybox:vol >/dev/null
  d run -d --name mounts "${R[@]}" -v "$src:/ro:ro" -v "$src:/rw" -v named:/named -v /anon \
    --tmpfs /t:size=1m local/busybox:vol sleep 1000 >/dev/null
  d run -d --name mounts-over "${R[@]}" -v named2:/imgvol local/busybox:vol sleep 1000 >/dev/null
  : > "$WORK/mounts.jsonl"
  for n in mounts mounts-over; do
    id=$(cid "$n")
    lst=$(get "/containers/json?all=1&filters=%7B%22id%22%3A%5B%22$id%22%5D%7D")
    ins=$(get "/containers/$id/json")
    jq -cn --arg name "$n" --argjson list "$lst" --argjson inspect "$ins" \
      '{name: $name, list: $list[0], inspect: $inspect}' >> "$WORK/mounts.jsonl"
  done
  jq -s '{engine: "Docker 20.10 (Debian docker.io), API 1.41", containers: .}' "$WORK/mounts.jsonl" \
    > "$STAGE/mounts.json"
  d rm -f -v mounts mounts-over >/dev/null
  d volume rm named named2 >/dev/null
}

if [ "$ONLY" = mounts ]; then
  record_mounts
  cp "$STAGE/mounts.json" "$OUT/mounts.json"
  log "done: $OUT/mounts.json"
  exit 0
fi

# ---------------------------------------------------------------- 1 fresh
log "1 fresh"
d create --name fresh "${R[@]}" "$IMAGE" sh -c 'echo fresh; sleep 1000' >/dev/null
snap after-fresh-create

# ---------------------------------------------------------------- 2 hello
log "2 hello"
cli hello-run d run --name hello "${R[@]}" "$IMAGE" sh -c 'echo hi; exit 0'
snap after-hello

# ---------------------------------------------------------------- 3 crash
log "3 crash"
d create --name crash "${R[@]}" --restart on-failure:2 "$IMAGE" sh -c 'exit 7' >/dev/null
poll crash 3 0.05 "$STAGE/crash-poll.jsonl" & BG_PIDS+=($!); p=$!
sleep 0.2
d start crash >/dev/null
wait "$p"
snap after-crash

# ---------------------------------------------------------------- 4 oom
log "4 oom"
d run -d --name oom "${R[@]}" -m 8m "$IMAGE" sh -c 'x=a; while true; do x=$x$x; done' >/dev/null
cli oom-wait timeout 60 "$DOCKER_BIN" wait oom
snap after-oom

# ---------------------------------------------------------------- 5/6 hc, sick
log "5 hc / 6 sick"
d run -d --name hc "${R[@]}" --health-cmd true --health-interval 1s "$IMAGE" sleep 1000 >/dev/null
d run -d --name sick "${R[@]}" --health-cmd false --health-interval 1s --health-retries 2 \
  "$IMAGE" sleep 1000 >/dev/null
snap health-just-started
poll hc 5 0.25 "$STAGE/hc-poll.jsonl" & BG_PIDS+=($!); p1=$!
poll sick 5 0.25 "$STAGE/sick-poll.jsonl" & BG_PIDS+=($!); p2=$!
wait "$p1" "$p2"
snap health-after-5s

# ---------------------------------------------------------------- 7 web
log "7 web"
d run -d --name web "${R[@]}" "$IMAGE" sleep 1000 >/dev/null
d pause web >/dev/null
snap after-web-pause

# ---------------------------------------------------------------- 8 stopme
log "8 stopme"
d run -d --name stopme "${R[@]}" "$IMAGE" sleep 1000 >/dev/null
sleep 1
cli stopme-stop-t1 d stop -t 1 stopme
snap after-stopme

# ---------------------------------------------------------------- 9 killme
log "9 killme"
d run -d --name killme "${R[@]}" "$IMAGE" sleep 1000 >/dev/null
sleep 1
cli killme-kill d kill -s KILL killme
sleep 0.5
snap after-killme

# ---------------------------------------------------------------- 10 renamed
log "10 renamed"
d create --name renamed "${R[@]}" "$IMAGE" sleep 1000 >/dev/null
cli renamed-rename d rename renamed renamed2

# ---------------------------------------------------------------- 11 always
log "11 always"
d create --name always "${R[@]}" --restart always "$IMAGE" sh -c 'exit 1' >/dev/null
poll always 4 0.05 "$STAGE/always-poll.jsonl" & BG_PIDS+=($!); p=$!
d start always >/dev/null
sleep 2
snap always-before-stop
cli always-stop d stop always
wait "$p"
snap after-always-stop

# ---------------------------------------------------------------- 12 unless
log "12 unless"
d run -d --name unless "${R[@]}" --restart unless-stopped "$IMAGE" sleep 1000 >/dev/null
sleep 1
get /containers/unless/json > "$WORK/unless-before.json"
cli unless-restart d restart unless
get /containers/unless/json > "$WORK/unless-after.json"
jq -n --slurpfile b "$WORK/unless-before.json" --slurpfile a "$WORK/unless-after.json" \
  '{before: $b[0] | {RestartCount, State}, after: $a[0] | {RestartCount, State}}' > "$STAGE/unless-restart.json"
snap after-unless-restart

# ---------------------------------------------------------------- 13 refused operations
log "13 errors"
d run -d --name busy "${R[@]}" "$IMAGE" sleep 1000 >/dev/null
d create --name stopped2 "${R[@]}" "$IMAGE" true >/dev/null
d start stopped2 >/dev/null; d wait stopped2 >/dev/null
record rm-running-no-force      busy   DELETE /containers/busy
record rm-running-no-force-v    busy   DELETE "/containers/busy?v=1"
record start-running            busy   POST   /containers/busy/start
record unpause-running          busy   POST   /containers/busy/unpause
record rm-paused-no-force       web    DELETE /containers/web
record start-paused             web    POST   /containers/web/start
record pause-paused             web    POST   /containers/web/pause
record pause-stopped            hello  POST   /containers/hello/pause
record unpause-stopped          hello  POST   /containers/hello/unpause
record kill-stopped             hello  POST   /containers/hello/kill
record stop-stopped             hello  POST   /containers/hello/stop
record stop-stopped-by-id       hello  POST   "/containers/$(cid hello)/stop"
record pause-created            fresh  POST   /containers/fresh/pause
record kill-created             fresh  POST   /containers/fresh/kill
record stop-created             fresh  POST   /containers/fresh/stop
record inspect-missing          ""     GET    /containers/nope/json
record rm-missing               ""     DELETE /containers/nope
record start-missing            ""     POST   /containers/nope/start
record rename-to-taken          hello  POST   "/containers/hello/rename?name=hc"
record rename-to-same           hello  POST   "/containers/hello/rename?name=hello"
record create-name-taken        hello  POST   "/containers/create?name=hello" \
  "{\"Image\":\"$IMAGE\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}"
record wait-bad-condition       hello  POST   "/containers/hello/wait?condition=bogus"
record kill-bad-signal          busy   POST   "/containers/busy/kill?signal=NOPE"
# a one-character ID prefix shared by several containers, and a unique one
ids=$(d ps -aq --no-trunc)
amb=$(printf '%s\n' "$ids" | cut -c1 | sort | uniq -d | head -1)
[ -n "$amb" ] && record prefix-ambiguous "" GET "/containers/$amb/json"
uniqp=$(printf '%s\n' "$ids" | cut -c1-12 | sort | uniq -u | head -1)
[ -n "$uniqp" ] && record prefix-unique-12 "" GET "/containers/$uniqp/json"
record rm-stopped-no-force      stopped2 DELETE /containers/stopped2
record rm-running-force         busy     DELETE "/containers/busy?force=1"

# ---------------------------------------------------------------- 14 waits
log "14 waits"
wait_rec() { # case target query [max-seconds] -> waits.jsonl
  local case=$1 target=$2 q=$3 max=${4:-30} t0 t1 st tid
  tid=$(cid "$target")
  : > "$WORK/w-$case"
  t0=$(now_ns)
  st=$(curl -s -m "$max" -o "$WORK/w-$case" -w '%{http_code}' -X POST --unix-socket "$SOCK" \
        "http://localhost/$V/containers/$target/wait$q" || true)
  st=$((10#${st:-0}))
  t1=$(now_ns)
  jq -cn --arg case "$case" --arg target "$target" --arg tid "$tid" --arg path "/$V/containers/$target/wait$q" \
     --argjson status "${st:-0}" --argjson ms "$(( (t1 - t0) / 1000000 ))" --rawfile body "$WORK/w-$case" \
     '{case:$case, target:$target, target_id:$tid, method:"POST", path:$path, status:$status, elapsed_ms:$ms,
       body: (if $body == "" then null else ($body | try fromjson catch $body) end)}' >> "$WORK/waits.jsonl"
  log "wait $case -> $st $(cat "$WORK/w-$case")"
}
wait_rec not-running-on-exited  hello "?condition=not-running"
wait_rec default-on-exited      crash ""
wait_rec not-running-on-created fresh "?condition=not-running" 3
wait_rec next-exit-on-created-timeout fresh "?condition=next-exit" 2
d run -d --name exit3 "${R[@]}" "$IMAGE" sh -c 'sleep 2; exit 3' >/dev/null
wait_rec next-exit-running-then-exit-3 exit3 "?condition=next-exit"
d create --name rmwait "${R[@]}" "$IMAGE" true >/dev/null
( sleep 1; d rm rmwait >/dev/null ) & BG_PIDS+=($!)
wait_rec removed-created-then-rm rmwait "?condition=removed"
d run -d --name rmwait2 "${R[@]}" "$IMAGE" sleep 1000 >/dev/null
( sleep 1; d rm -f rmwait2 >/dev/null ) & BG_PIDS+=($!)
wait_rec removed-running-then-rm-force rmwait2 "?condition=removed"
d run -d --name rmwait3 "${R[@]}" "$IMAGE" sleep 1000 >/dev/null
( sleep 1; d rm -f rmwait3 >/dev/null ) & BG_PIDS+=($!)
wait_rec not-running-running-then-rm-force rmwait3 "?condition=not-running"
d run -d --name w39352 "${R[@]}" --restart on-failure:1 "$IMAGE" sh -c 'sleep 1; exit 5' >/dev/null
wait_rec not-running-across-policy-restart w39352 "?condition=not-running"
sleep 2
jq -s . "$WORK/waits.jsonl" > "$STAGE/waits.json"

# ---------------------------------------------------------------- 15 status advance + lists
log "15 status advance"
t1=$(now_ns); l1=$(get "/containers/json?all=1")
sleep 3
t2=$(now_ns); l2=$(get "/containers/json?all=1")
jq -n --argjson t1 "$t1" --argjson t2 "$t2" --argjson a "$l1" --argjson b "$l2" '
  def m(l): l | map({key: .Names[0], value: {State, Status}}) | from_entries;
  {first_t: $t1, second_t: $t2,
   per_container: [m($a) as $x | m($b) as $y | $x | keys[] as $k |
     {name: $k, state: $x[$k].State, first: $x[$k].Status, second: $y[$k].Status,
      changed: ($x[$k].Status != $y[$k].Status)}],
   first: $a, second: $b}' > "$STAGE/status-advance.json"

log "final lists + inspect"
snap final
d ps -a --format '{{json .}}' > "$WORK/ps.jsonl"
api_list=$(get "/containers/json?all=1")
printf '{"docker_ps_a_format_json":[%s],"containers_json_all":%s}\n' \
  "$(paste -sd, "$WORK/ps.jsonl")" "$api_list" > "$STAGE/list.json"
for n in $(d ps -a --format '{{.Names}}'); do
  get "/containers/$n/json" > "$STAGE/inspect/$n.json"; echo >> "$STAGE/inspect/$n.json"
done

# ---------------------------------------------------------------- 17 on-disk form
log "17 on-disk files"
for n in fresh web crash hc; do
  id=$(cid "$n"); mkdir -p "$STAGE/disk/$n"
  cp "$DIR/root/containers/$id/config.v2.json" "$DIR/root/containers/$id/hostconfig.json" "$STAGE/disk/$n/"
done

# ---------------------------------------------------------------- wrap up
jq -s . "$WORK/errors.jsonl" > "$STAGE/errors.json"
jq -s . "$WORK/ops.jsonl" > "$STAGE/ops.json"
sleep 1
kill "$EVENTS_PID"; wait "$EVENTS_PID" 2>/dev/null || true; EVENTS_PID=""
record_mounts
# compact per-container event order (derived from events.jsonl)
jq -r 'select(.Type == "container") |
  [ (.timeNano|tostring), .Actor.Attributes.name, .Action,
    ( .Actor.Attributes | to_entries
      | map(select(.key | IN("exitCode","execDuration","signal","oldName","health_status"))) 
      | map("\(.key)=\(.value)") | join(" ") ) ] | @tsv' "$STAGE/events.jsonl" \
  | sort -t$'\t' -k2,2 -s | cut -f2- > "$STAGE/events-by-container.tsv"

log "removing containers"
d ps -aq | xargs -r "$DOCKER_BIN" rm -f >/dev/null

# replace testdata/engine (keep the hand-written README)
mkdir -p "$OUT"
find "$OUT" -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
cp -r "$STAGE"/. "$OUT"/
log "done: $OUT"
