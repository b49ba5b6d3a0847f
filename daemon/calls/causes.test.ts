import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAUSES, causeFromGsm, causeFromQ850, causeFromSipStatus } from './causes.ts';

describe('cause mapping', () => {
  it('maps the common SIP failures to the cause and tone a caller expects', () => {
    assert.deepEqual(
      [486, 404, 480, 503, 603, 484, 487, 408].map((s) => [
        s,
        causeFromSipStatus(s).name,
        causeFromSipStatus(s).tone,
      ]),
      [
        [486, 'user_busy', 'busy'],
        [404, 'unallocated_number', 'sit'],
        [480, 'no_user_responding', 'congestion'],
        [503, 'temporary_failure', 'congestion'],
        [603, 'call_rejected', 'busy'],
        [484, 'invalid_number_format', 'sit'],
        [487, 'normal_unspecified', 'congestion'],
        [408, 'recovery_on_timer_expiry', 'congestion'],
      ],
    );
  });

  it('round-trips every cause of the table through its Q.850 value', () => {
    for (const c of CAUSES) assert.equal(causeFromQ850(c.q850).name, c.name);
    assert.equal(causeFromQ850(44).name, 'temporary_failure', 'unknown values fall in their class');
  });

  it('reads GSM release reports', () => {
    assert.equal(causeFromGsm('+CEER: User busy').name, 'user_busy');
    assert.equal(causeFromGsm('BUSY').name, 'user_busy');
    assert.equal(causeFromGsm('NO ANSWER').name, 'no_answer');
    assert.equal(causeFromGsm('+CEER: Normal call clearing').name, 'normal_clearing');
    assert.equal(causeFromGsm('+CEER: 34').name, 'no_circuit_available');
    assert.equal(causeFromGsm('+CEER: Unassigned (unallocated) number').name, 'unallocated_number');
  });
});
