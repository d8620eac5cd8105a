#!/usr/bin/env node
// Smoke test of berth-core's JavaScript API, used exactly as a learner or a page would use it:
// plain JavaScript, require() of the package that `wasm-pack build --target nodejs` makes.
//
//   wasm-pack build --target nodejs --out-dir pkg-node core
//   node core/tests/js/smoke.cjs core/pkg-node
//
// Exits 0 when every check passes; prints the failing check and exits 1 otherwise.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');

const pkgDir = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'pkg-node'));
const berth = require(pkgDir);

const T0 = Date.parse('2024-05-06T07:08:09Z');
const ID_A = 'abc123aaaa';
const ID_B = 'abd456bbbb';
const ID_C = 'f00dcafe01';

let checks = 0;
async function check(name, fn) {
  try {
    await fn();
    checks += 1;
  } catch (err) {
    console.error(`FAIL ${name}`);
    console.error(err);
    process.exit(1);
  }
}

/** Asserts that `fn` throws a JS Error with this kind and message. */
function throwsKind(fn, kind, message) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Error, `not an Error: ${err}`);
    assert.equal(err.kind, kind);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

/** Whether `p` settles before the next macrotask (every queued microtask runs first). */
async function isSettled(p) {
  let settled = false;
  p.then(() => { settled = true; }, () => { settled = true; });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return settled;
}

async function main() {
  await check('exports', () => {
    for (const name of ['ContainerState', 'ViewDb', 'View', 'Model']) {
      assert.equal(typeof berth[name], 'function', name);
    }
    for (const name of ['humanDuration', 'isValidStateString', 'isValidHealthString',
      'replaceOrAppendEnvValues', 'parseCliFilters', 'parseEvent']) {
      assert.equal(typeof berth[name], 'function', name);
    }
  });

  await check('free functions', () => {
    assert.equal(berth.humanDuration(0), 'Less than a second');
    assert.equal(berth.humanDuration(1000), '1 second');
    assert.equal(berth.humanDuration(90 * 1000), 'About a minute');
    assert.equal(berth.humanDuration(3 * 3600 * 1000), '3 hours');
    throwsKind(() => berth.humanDuration(NaN), 'invalid_parameter');
    assert.equal(berth.isValidStateString('exited'), true);
    assert.equal(berth.isValidStateString('stopped'), false);
    assert.equal(berth.isValidHealthString('healthy'), true);
    assert.equal(berth.isValidHealthString('sick'), false);
    assert.deepEqual(
      berth.replaceOrAppendEnvValues(['A=1', 'B=2', 'C=3'], ['B=20', 'D=4', 'A']),
      ['B=20', 'C=3', 'D=4'],
    );
  });

  await check('create a state and apply transitions', () => {
    const c = new berth.ContainerState(ID_A, 'web');
    assert.equal(c.id, ID_A);
    assert.equal(c.name, '/web');
    assert.equal(c.stateString, 'created');
    assert.equal(c.statusText(T0), 'Created');
    assert.equal(c.stopSignal, 'SIGTERM');
    assert.equal(c.stopTimeout, 10);

    c.setRunning(42, true, T0);
    assert.equal(c.stateString, 'running');
    assert.equal(c.statusText(T0 + 5000), 'Up 5 seconds');
    const f = c.flags;
    assert.equal(f.Running, true);
    assert.equal(f.Pid, 42);
    assert.equal(f.StartedAt, '2024-05-06T07:08:09Z');
    assert.equal(f.Health, null);

    c.pause();
    assert.equal(c.stateString, 'paused');
    assert.equal(c.statusText(T0 + 5000), 'Up 5 seconds (Paused)');
    c.unpause();
    c.setHealth('healthy');
    assert.equal(c.statusText(T0 + 5000), 'Up 5 seconds (healthy)');
    throwsKind(() => c.setHealth('sick'), 'invalid_parameter', 'invalid health status: sick');
    assert.equal(c.recordProbe(1, 'boom', T0 + 6000, T0 + 6010), 'healthy');
    assert.equal(c.flags.Health.FailingStreak, 1);

    c.setOomKilled();
    c.setStopped(137, T0 + 10000);
    assert.equal(c.stateString, 'exited');
    assert.equal(c.statusText(T0 + 10000 + 3 * 3600 * 1000), 'Exited (137) 3 hours ago');
    assert.equal(c.flags.OOMKilled, true);
    assert.equal(c.flags.FinishedAt, '2024-05-06T07:08:19Z');

    c.setError('boom');
    assert.equal(c.flags.Error, 'boom');
    c.setError(null);
    assert.equal(c.flags.Error, '');
    assert.equal(c.setRemovalInProgress(), false);
    assert.equal(c.setRemovalInProgress(), true);
    assert.equal(c.statusText(T0), 'Removal In Progress');
    c.resetRemovalInProgress();
    c.setDead();
    assert.equal(c.stateString, 'dead');
    c.setRemovalError('device busy');
    assert.equal(c.flags.Removed, true);
    c.setRemoved();
    assert.equal(c.flags.Error, '');
    throwsKind(() => c.setRunning(1, true, NaN), 'invalid_parameter');
    c.free();
  });

  await check('wait is a Promise settled by a transition', async () => {
    const c = new berth.ContainerState(ID_A, 'web');
    assert.deepEqual(await c.wait(), { StatusCode: 0, Error: null }, 'met at once when not running');

    c.setRunning(7, true, T0);
    const stopped = c.wait('not-running');
    assert.ok(stopped instanceof Promise);
    assert.equal(c.pendingWaiters, 1);
    assert.equal(await isSettled(stopped), false, 'pending while running');
    c.setStopped(3, T0 + 1000);
    assert.equal(c.pendingWaiters, 0);
    assert.deepEqual(await stopped, { StatusCode: 3, Error: null });

    const removed = c.wait('removed');
    c.setRunning(8, true, T0 + 2000);
    c.setStopped(0, T0 + 3000);
    assert.equal(await isSettled(removed), false, 'a stop does not meet "removed"');
    c.setRemovalError('device busy');
    assert.deepEqual(await removed, { StatusCode: 0, Error: { Message: 'device busy' } });

    await assert.rejects(c.wait('sometimes'), (err) => {
      assert.ok(err instanceof Error);
      assert.equal(err.kind, 'invalid_parameter');
      assert.equal(err.message, 'invalid condition: "sometimes"');
      return true;
    });

    const d = new berth.ContainerState(ID_B);
    const nextExit = d.wait('next-exit');
    d.free();
    assert.deepEqual(await nextExit, { StatusCode: -1, Error: { Message: 'container state dropped' } });
  });

  await check('restart policy and the 39352 case', async () => {
    const c = new berth.ContainerState(ID_A, 'crash');
    assert.equal(c.restartPolicy, 'no');
    c.restartPolicy = 'on-failure:3';
    assert.equal(c.restartPolicy, 'on-failure:3');
    throwsKind(() => { c.restartPolicy = 'sometimes'; }, 'invalid_parameter',
      'invalid restart policy format: sometimes');

    c.setRunning(100, true, T0);
    const waiter = c.wait('not-running');
    assert.deepEqual(c.decideRestart(1, 500), { restart: true, delayMs: 100, restartCount: 1 });
    c.setRestarting(1, T0 + 500);
    assert.deepEqual(await waiter, { StatusCode: 1, Error: null });
    assert.equal(c.stateString, 'restarting');
    assert.equal(c.statusText(T0 + 500), 'Restarting (1) Less than a second ago');
    throwsKind(() => c.decideRestart(1, 500), 'system', 'invalid call on an active restart manager');
    c.restartFired();
    assert.deepEqual(c.decideRestart(1, 500), { restart: true, delayMs: 200, restartCount: 2 });
    c.exitOnNext();
    throwsKind(() => c.decideRestart(1, 500), 'conflict', 'restart canceled');
    assert.equal(c.restartCount, 2);
  });

  await check('actions the engine would refuse', () => {
    const c = new berth.ContainerState(ID_A, 'web');
    assert.deepEqual(c.check('start'), { ok: true, notModified: false });
    assert.deepEqual(c.check('stop'), { ok: true, notModified: true });
    assert.deepEqual(c.check('pause'), {
      ok: false, status: 409, kind: 'conflict', message: `Container ${ID_A} is not running`,
    });
    assert.deepEqual(c.allowedActions(), ['start', 'stop', 'restart', 'remove', 'force-remove']);
    throwsKind(() => c.check('jump'), 'invalid_parameter', 'unknown action: jump');
  });

  await check('inspect JSON round trip', () => {
    const c = new berth.ContainerState(ID_A, 'web', T0 - 60000);
    c.restartPolicy = 'always';
    c.setRunning(9, true, T0);
    const doc = JSON.parse(JSON.stringify(c));
    assert.equal(doc.Id, ID_A);
    assert.equal(doc.Name, '/web');
    assert.equal(doc.State.Status, 'running');
    assert.deepEqual(doc.HostConfig.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
    const fromObject = berth.ContainerState.fromInspect(doc);
    const fromText = berth.ContainerState.fromInspect(JSON.stringify(doc));
    assert.deepEqual(fromObject.toJSON(), doc);
    assert.deepEqual(fromText.toJSON(), doc);
    assert.equal(fromText.restartPolicy, 'always');
    throwsKind(() => berth.ContainerState.fromInspect('{not json'), 'invalid_parameter');
  });

  await check('ViewDb: save, snapshot, prefix lookup, names, filters', () => {
    const db = new berth.ViewDb();
    const states = [[ID_A, 'web'], [ID_B, 'db'], [ID_C, 'cache']].map(([id, name], i) => {
      const s = new berth.ContainerState(id, name, T0 - 180000 + 60000 * i);
      db.reserveName(`/${name}`, id);
      return s;
    });
    const [a, b, c] = states;
    a.setRunning(10, true, T0);
    b.setRunning(11, true, T0);
    b.setStopped(1, T0 + 2000);
    for (const s of states) db.save(s, T0 + 5000);
    assert.equal(db.length, 3);

    const view = db.snapshot();
    const all = view.all();
    assert.deepEqual(all.map((i) => i.Id), [ID_A, ID_B, ID_C]);
    assert.deepEqual(all[0].Names, ['/web']);
    assert.equal(all[0].Status, 'Up 5 seconds');
    assert.equal(view.all(T0 + 125000)[1].Status, 'Exited (1) 2 minutes ago');
    assert.equal(view.get(ID_B).State, 'exited');
    throwsKind(() => view.get('abc'), 'not_found', 'No such container: abc');
    assert.equal(view.getId('/db'), ID_B);
    throwsKind(() => view.getId('/nobody'), 'not_found', 'name is not reserved');
    assert.deepEqual(view.getAllNames(), { [ID_A]: ['/web'], [ID_B]: ['/db'], [ID_C]: ['/cache'] });
    assert.equal(view.resolve('cache').Id, ID_C);
    assert.equal(view.resolve('f00').Id, ID_C);

    assert.equal(db.getByPrefix('abc'), ID_A);
    assert.equal(view.getByPrefix('abd'), ID_B);
    throwsKind(() => db.getByPrefix(''), 'invalid_parameter', "prefix can't be empty");
    throwsKind(() => db.getByPrefix('ab'), 'invalid_parameter', 'multiple IDs found with provided prefix: ab');
    throwsKind(() => view.getByPrefix('zz'), 'not_found', 'No such container: zz');

    db.reserveName('/web', ID_A);
    throwsKind(() => db.reserveName('/web', ID_B), 'conflict', 'name is reserved');
    throwsKind(() => db.releaseName('/nobody'), 'not_found', 'not found');

    assert.deepEqual(view.list().map((i) => i.Id), [ID_A], 'running only by default');
    assert.deepEqual(view.list({ all: true }).map((i) => i.Id), [ID_C, ID_B, ID_A]);
    assert.deepEqual(view.list({ limit: 1 }).map((i) => i.Id), [ID_C]);
    assert.deepEqual(view.list({ filters: '{"status":["exited"]}' }).map((i) => i.Id), [ID_B]);
    assert.deepEqual(view.list({ filters: { status: { created: true } } }).map((i) => i.Id), [ID_C]);
    const cli = berth.parseCliFilters('status=running status=exited');
    assert.equal(cli, '{"status":["exited","running"]}');
    assert.deepEqual(view.list({ filters: cli }).map((i) => i.Id), [ID_B, ID_A]);
    throwsKind(() => view.list({ filters: { colour: ['red'] } }), 'invalid_parameter', "invalid filter 'colour'");
    throwsKind(() => berth.parseCliFilters('oops'), 'invalid_parameter',
      'bad format of filter (expected name=value)');

    a.setStopped(0, T0 + 6000);
    db.save(a, T0 + 6000);
    db.delete(ID_B);
    assert.equal(view.get(ID_A).State, 'running', 'a snapshot never sees later writes');
    assert.equal(view.length, 3);
    const later = db.snapshot();
    assert.equal(later.get(ID_A).State, 'exited');
    assert.equal(later.length, 2);
    throwsKind(() => later.getId('/db'), 'not_found', 'name is not reserved');
  });

  await check('Model follows engine events', async () => {
    const event = (Action, id, ms, Attributes = {}) => JSON.stringify({
      Type: 'container', Action, scope: 'local', Actor: { ID: id, Attributes },
      time: Math.floor(ms / 1000), timeNano: ms * 1e6,
    });
    assert.equal(berth.parseEvent(event('die', ID_A, T0, { exitCode: '3' })).Actor.Attributes.exitCode, '3');
    throwsKind(() => berth.parseEvent('{"Type":"container","Action":""}'), 'invalid_parameter',
      'invalid event: empty Action');

    const m = new berth.Model();
    assert.deepEqual(m.apply(event('create', ID_A, T0, { name: 'web', image: 'busybox' })),
      { revision: 1, id: ID_A, change: 'created', needsInspect: true });
    assert.equal(m.apply(JSON.parse(event('start', ID_A, T0 + 1000))).change, 'updated');
    assert.equal(m.counts().running, 1);
    const stopped = m.wait(ID_A, 'not-running');
    assert.equal(await isSettled(stopped), false);
    m.apply(event('die', ID_A, T0 + 4000, { exitCode: '3' }));
    assert.deepEqual(await stopped, { StatusCode: 3, Error: null });
    assert.equal(m.container(ID_A).State.Status, 'exited');
    assert.equal(m.view().getId('/web'), ID_A);
    await assert.rejects(m.wait('nobody'), (err) => err.kind === 'not_found');
    assert.equal(m.remove(ID_A, T0 + 5000), 4);
    assert.equal(m.length, 0);
  });

  console.log(`ok: ${checks} JS API checks passed against ${pkgDir}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
