#!/bin/bash
# Records core/tests/data/engine-kill-health.{jsonl,json}: the engine behaviour behind berth-core's
# model rules that testdata/engine does not cover (docker kill on restart policies, health after
# exit and after restart, manual start after a crash loop, stop of a paused container).
# Runs as root with docker.io and busybox-static; follows docs/ENGINE.md (private daemon in
# a temp dir, --bridge=none, --iptables=false, every container --network none).
# Usage: core/tests/data/engine-kill-health.sh [OUT_DIR]   (raw recording kept in OUT_DIR)
set -u
DIR=$(mktemp -d)
OUT=${1:-$(mktemp -d)}; mkdir -p $OUT/inspect
dockerd --host "unix://$DIR/docker.sock" --data-root "$DIR/root" --exec-root "$DIR/exec" \
  --pidfile "$DIR/docker.pid" --bridge=none --iptables=false --ip6tables=false >"$DIR/dockerd.log" 2>&1 &
export DOCKER_HOST=unix://$DIR/docker.sock
for i in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
root=$(mktemp -d); mkdir -p "$root/bin"; cp /bin/busybox "$root/bin/"
for a in sh sleep echo true false cat kill; do ln -s busybox "$root/bin/$a"; done
tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - local/busybox:1 >/dev/null
docker events --format '{{json .}}' > $OUT/events.jsonl &
EVP=$!
sleep 0.5
R="docker run -d --network none"
ins() { docker inspect "$1" > "$OUT/inspect/$1-$2.json"; echo "$1 $2: $(docker inspect -f '{{.State.Status}} run={{.State.Running}} rs={{.State.Restarting}} ec={{.State.ExitCode}} rc={{.RestartCount}} {{if .State.Health}}health={{.State.Health.Status}} streak={{.State.Health.FailingStreak}}{{end}}' "$1")" | tee -a $OUT/summary.txt; }
# A: health check then docker stop
$R --name hcstop --health-cmd true --health-interval 1s local/busybox:1 sleep 1000 >/dev/null
# B: unhealthy then docker kill
$R --name hckill --health-cmd false --health-interval 1s --health-retries 1 local/busybox:1 sleep 1000 >/dev/null
# C: health then docker restart
$R --name hcrestart --health-cmd true --health-interval 1s local/busybox:1 sleep 1000 >/dev/null
# D: always + docker kill
$R --name alwayskill --restart always local/busybox:1 sleep 1000 >/dev/null
# E: always + kill -s HUP (process exits 3 on HUP)
$R --name alwayshup --restart always local/busybox:1 sh -c 'trap "exit 3" HUP; while true; do sleep 1; done' >/dev/null
# H: unless-stopped + kill
$R --name unlesskill --restart unless-stopped local/busybox:1 sleep 1000 >/dev/null
# F: on-failure:2 crash loop, then manual start
$R --name crashstart --restart on-failure:2 local/busybox:1 sh -c 'sleep 0.2; exit 7' >/dev/null
# G: paused then stop
$R --name pausestop local/busybox:1 sleep 1000 >/dev/null
# K: on-failure:5 crash, docker stop while restarting... and health+restart policy die
$R --name hcdie --restart on-failure:1 --health-cmd true --health-interval 1s local/busybox:1 sh -c 'sleep 3; exit 2' >/dev/null
sleep 2.5
ins hcstop before; ins hckill before; ins hcrestart before; ins hcdie before
docker stop -t 1 hcstop >/dev/null; ins hcstop after
docker kill hckill >/dev/null; ins hckill after
docker restart -t 1 hcrestart >/dev/null; ins hcrestart after; sleep 2; ins hcrestart later
docker kill alwayskill >/dev/null; sleep 2; ins alwayskill after
docker kill -s HUP alwayshup >/dev/null; sleep 3; ins alwayshup after
docker kill unlesskill >/dev/null; sleep 2; ins unlesskill after
sleep 2; ins crashstart looped; docker start crashstart >/dev/null; ins crashstart started; sleep 3; ins crashstart looped2
docker pause pausestop >/dev/null; docker stop -t 1 pausestop >/dev/null; ins pausestop after
sleep 2; ins hcdie restarting; sleep 4; ins hcdie final
docker restart -t 1 crashstart >/dev/null; ins crashstart restarted
sleep 1
kill $EVP
docker ps -a --format '{{.Names}}\t{{.State}}\t{{.Status}}' > $OUT/ps.txt
docker rm -f $(docker ps -aq) >/dev/null
kill "$(cat "$DIR/docker.pid")"
sleep 3
rm -rf "$DIR" "$root"
echo done
# Derive the fixture: container events without exec_*, final states from `ps -a`, restart
# counts and health from the last inspect, checkpoints from the inspects taken mid-run.
DATA=$(cd "$(dirname "$0")" && pwd)
cd "$OUT" && python3 - "$DATA" <<'PY'
import json, re, sys
data = sys.argv[1]
events = [json.loads(l) for l in open('events.jsonl')]
order = ['hcstop-before', 'hckill-before', 'hcrestart-before', 'hcdie-before', 'hcstop-after',
         'hckill-after', 'hcrestart-after', 'hcrestart-later', 'alwayskill-after', 'alwayshup-after',
         'unlesskill-after', 'crashstart-looped', 'crashstart-started', 'crashstart-looped2',
         'pausestop-after', 'hcdie-restarting', 'hcdie-final', 'crashstart-restarted']
load = lambda n: json.load(open(f'inspect/{n}.json'))[0]
last = {o.split('-')[0]: load(o) for o in order}
ps = {}
for l in open('ps.txt'):
    n, st, status = l.rstrip('\n').split('\t')
    ps[n] = (st, status)
out = {}
for n, d in sorted(last.items()):
    st, status = ps[n]
    m = re.search(r'\((\d+)\)', status)
    exp = {'status': st, 'exit_code': int(m.group(1)) if m else 0}
    if d['State'].get('Health'):
        exp['health'] = d['State']['Health']['Status']
    if n != 'crashstart':  # it kept crash-looping after its last inspect
        exp['restart_count'] = d['RestartCount']
    out[d['Id']] = {'name': d['Name'], 'restart_policy': d['HostConfig']['RestartPolicy'],
                    'healthcheck': d['Config'].get('Healthcheck'),
                    'stop_signal': d['Config'].get('StopSignal', ''), 'ps_status': status, 'final': exp}
byname = {v['name']: k for k, v in out.items()}
def checkpoint(inspect, action, name, nth):
    # the nth event `action` of container `name`: the inspect was taken after it
    evs = [e for e in events if e['Actor']['Attributes'].get('name') == name[1:] and e['Action'] == action]
    x = load(inspect); s = x['State']
    e = {'status': s['Status'], 'exit_code': s['ExitCode'], 'restart_count': x['RestartCount']}
    if s.get('Health'):
        e['health'] = s['Health']['Status']
    return {'inspect': inspect, 'after_time_nano': evs[nth]['timeNano'], 'id': byname[name], 'expect': e}
checkpoints = [checkpoint('crashstart-looped', 'die', '/crashstart', 2),
               checkpoint('crashstart-started', 'start', '/crashstart', 3),
               checkpoint('hcrestart-after', 'restart', '/hcrestart', 0),
               checkpoint('crashstart-restarted', 'restart', '/crashstart', 0)]
keep = [e for e in events if e['Type'] == 'container' and not e['Action'].startswith('exec_')
        and e['Actor']['ID'] in out]
with open(f'{data}/engine-kill-health.jsonl', 'w') as f:
    for e in keep:
        f.write(json.dumps(e, separators=(',', ':')) + '\n')
json.dump({'engine': 'Docker 20.10.24+dfsg1 (Debian docker.io), API 1.41', 'containers': out,
           'checkpoints': checkpoints,
           'note': "Recorded by engine-kill-health.sh on a private daemon (docs/ENGINE.md rules). events: the "
                   "container events of the run without exec_*; final: ps -a after the last event "
                   "(restart_count and health from the last inspect when no state event followed it); "
                   "checkpoints: inspects taken after the event at after_time_nano and before the next "
                   "event of that container."},
          open(f'{data}/engine-kill-health.json', 'w'), indent=1)
PY
