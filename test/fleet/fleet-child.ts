/**
 * A daemon stand-in for the SIGKILL test: runs one MqttFleet and prints
 * `connected` once the broker accepted it. Arguments: URL DEVICE_ID KEEPALIVE_S.
 */
import { makeFleet, waitUntil } from './fleet-fixture.ts';

const [url, deviceId, keepalive] = process.argv.slice(2);
if (!url || !deviceId) {
  process.stderr.write('usage: fleet-child URL DEVICE_ID [KEEPALIVE_S]\n');
  process.exit(2);
}
const f = makeFleet({ url, deviceId, keepaliveS: Number(keepalive ?? 2) });
f.states.set('fxs1', { kind: 'fxs', hook: 'on', ringing: false, inCall: false, failed: false });
f.start()
  .then(() => waitUntil(() => f.fleet.connected, 10_000, 'broker'))
  .then(() => process.stdout.write('connected\n'))
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
