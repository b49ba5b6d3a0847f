/** The SMS room's tables (component `sms`), numbered migrations that never change once shipped. */
import type { Migration } from '../store/database.ts';

export const SMS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'outbound queue, inbound PDUs and messages, per-route delivery state',
    up: `
      CREATE TABLE sms_out (
        id TEXT PRIMARY KEY,
        idempotency_key TEXT UNIQUE,
        number TEXT NOT NULL,
        text TEXT NOT NULL,
        requested_modem TEXT,
        modem TEXT,
        status TEXT NOT NULL,
        encoding TEXT NOT NULL,
        segments INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        sent_at INTEGER,
        delivered_at INTEGER,
        error TEXT
      );
      CREATE INDEX sms_out_status ON sms_out (status, next_attempt_at);
      CREATE INDEX sms_out_created ON sms_out (created_at);

      -- One row per sent segment: the TP-MR the modem reported, for status-report correlation.
      CREATE TABLE sms_out_part (
        out_id TEXT NOT NULL REFERENCES sms_out (id),
        seq INTEGER NOT NULL,
        modem TEXT NOT NULL,
        reference INTEGER NOT NULL,
        status TEXT NOT NULL,
        report_status INTEGER,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (out_id, seq)
      );
      CREATE INDEX sms_out_part_ref ON sms_out_part (modem, reference, created_at);

      -- Every PDU read from a modem, stored before it is deleted from the SIM.
      CREATE TABLE sms_in_pdu (
        idem_key TEXT NOT NULL UNIQUE,
        modem TEXT NOT NULL,
        storage TEXT,
        idx INTEGER,
        pdu TEXT NOT NULL,
        kind TEXT NOT NULL,
        number TEXT,
        concat_key TEXT,
        concat_seq INTEGER,
        concat_parts INTEGER,
        message_id TEXT,
        received_at INTEGER NOT NULL
      );
      CREATE INDEX sms_in_pdu_concat ON sms_in_pdu (concat_key, message_id);

      CREATE TABLE sms_in (
        id TEXT PRIMARY KEY,
        modem TEXT NOT NULL,
        number TEXT,
        smsc TEXT,
        text TEXT NOT NULL,
        encoding TEXT,
        sent_time TEXT,
        received_at INTEGER NOT NULL,
        segments INTEGER NOT NULL,
        parts_expected INTEGER NOT NULL,
        complete INTEGER NOT NULL,
        message_class INTEGER,
        errors TEXT NOT NULL
      );
      CREATE INDEX sms_in_received ON sms_in (received_at);

      CREATE TABLE sms_route (
        message_id TEXT NOT NULL REFERENCES sms_in (id),
        route TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (message_id, route)
      );
      CREATE INDEX sms_route_pending ON sms_route (state, next_attempt_at);
    `,
  },
];
