import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * The one configuration schema. Every field has a title, a description, a
 * default where one makes sense and a `requiresRestart` flag; `secret: true`
 * marks values that are redacted in every read-back and never logged.
 * The README's configuration reference, the API's validation and the web
 * UI's forms are all generated from this file.
 */

export const CONFIG_VERSION = 1;

interface FieldMeta {
  title: string;
  description: string;
  requiresRestart?: boolean;
  secret?: boolean;
  /** May be changed over MQTT `config/set` (never for secrets or network bindings). */
  remote?: boolean;
}

function meta(m: FieldMeta): Record<string, unknown> {
  return { requiresRestart: false, remote: false, ...m };
}

const Port = (m: FieldMeta, def: number) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, ...meta(m) });

const CountryCode = Type.String({
  pattern: '^[a-z]{2}$',
  default: 'us',
  ...meta({
    title: 'Country',
    description:
      'ISO 3166 country code (lower case). Sets tones, ring cadences, caller-ID standard and FXO disconnect tones together.',
    remote: true,
  }),
});

const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => Type.Literal(l)),
  meta({
    title: 'Log level',
    description: 'Lowest level written to the log (trace shows SIP and AT traffic).',
  }),
);

const HttpSection = Type.Object(
  {
    host: Type.String({
      default: '0.0.0.0',
      ...meta({
        title: 'HTTP address',
        description: 'Address the web UI and API listen on (127.0.0.1 under --sim).',
        requiresRestart: true,
      }),
    }),
    port: Port(
      { title: 'HTTP port', description: 'Port of the web UI and API.', requiresRestart: true },
      8080,
    ),
    httpsPort: Port(
      {
        title: 'HTTPS port',
        description: 'Port for HTTPS with the device certificate; 0 turns HTTPS off.',
        requiresRestart: true,
      },
      8443,
    ),
    certFile: Type.Optional(
      Type.String(
        meta({
          title: 'Certificate file',
          description:
            'PEM certificate for HTTPS; when absent a self-signed device certificate is made on first start.',
          requiresRestart: true,
        }),
      ),
    ),
    keyFile: Type.Optional(
      Type.String(
        meta({ title: 'Key file', description: 'PEM private key for HTTPS.', requiresRestart: true }),
      ),
    ),
  },
  {
    additionalProperties: false,
    default: {},
    ...meta({ title: 'Web UI and API', description: 'HTTP server.' }),
  },
);

const SipTrunk = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z0-9][a-z0-9_-]{0,31}$',
      ...meta({ title: 'Trunk id', description: 'Short name used in routes (e.g. "itsp").' }),
    }),
    servers: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      ...meta({
        title: 'Servers',
        description:
          'Registrar/proxy host[:port] in failover order; prefix with tcp: or tls: to choose the transport.',
      }),
    }),
    username: Type.String(meta({ title: 'Username', description: 'Digest user name.' })),
    password: Type.String(meta({ title: 'Password', description: 'Digest password.', secret: true })),
    authUsername: Type.Optional(
      Type.String(
        meta({ title: 'Auth user', description: 'Digest user when it differs from the username.' }),
      ),
    ),
    register: Type.Boolean({
      default: true,
      ...meta({ title: 'Register', description: 'Keep a registration with the trunk.' }),
    }),
    expiresS: Type.Integer({
      minimum: 60,
      maximum: 86400,
      default: 600,
      ...meta({ title: 'Registration expiry [s]', description: 'Requested registration lifetime.' }),
    }),
    fromNumber: Type.Optional(
      Type.String(
        meta({ title: 'Caller number', description: 'Number presented on calls out through this trunk.' }),
      ),
    ),
  },
  { additionalProperties: false },
);

const SipPhone = Type.Object(
  {
    extension: Type.String({
      pattern: '^[0-9]{2,8}$',
      ...meta({ title: 'Extension', description: 'Number the phone registers as.' }),
    }),
    password: Type.String({
      minLength: 8,
      ...meta({ title: 'Password', description: 'Digest password (at least 8 characters).', secret: true }),
    }),
    name: Type.Optional(
      Type.String(meta({ title: 'Name', description: 'Caller name shown for this phone.' })),
    ),
  },
  { additionalProperties: false },
);

const SipSection = Type.Object(
  {
    host: Type.String({
      default: '0.0.0.0',
      ...meta({ title: 'SIP address', description: 'Address SIP listens on.', requiresRestart: true }),
    }),
    udpPort: Port(
      { title: 'UDP port', description: 'SIP over UDP; 0 turns it off.', requiresRestart: true },
      5060,
    ),
    tcpPort: Port(
      { title: 'TCP port', description: 'SIP over TCP; 0 turns it off.', requiresRestart: true },
      5060,
    ),
    tlsPort: Port(
      { title: 'TLS port', description: 'SIP over TLS; 0 turns it off.', requiresRestart: true },
      0,
    ),
    domain: Type.Optional(
      Type.String(meta({ title: 'Domain', description: 'SIP domain / realm of the local registrar.' })),
    ),
    t1Ms: Type.Integer({
      minimum: 100,
      maximum: 5000,
      default: 500,
      ...meta({ title: 'T1 [ms]', description: 'RFC 3261 round-trip estimate.', requiresRestart: true }),
    }),
    trustedPeers: Type.Array(Type.String(), {
      default: [],
      ...meta({
        title: 'Trusted peers',
        description: 'IP addresses or CIDR ranges whose requests are accepted without digest authentication.',
      }),
    }),
    trunks: Type.Array(SipTrunk, {
      default: [],
      ...meta({
        title: 'SIP trunks',
        description: 'Provider accounts to register to and route calls through.',
      }),
    }),
    phones: Type.Array(SipPhone, {
      default: [],
      ...meta({
        title: 'SIP phones',
        description: 'Local SIP phones that register to the box as extensions.',
      }),
    }),
  },
  { additionalProperties: false, default: {}, ...meta({ title: 'SIP', description: 'SIP stack.' }) },
);

const RtpSection = Type.Object(
  {
    portMin: Port(
      { title: 'RTP port min', description: 'Lowest RTP port (even).', requiresRestart: true },
      10000,
    ),
    portMax: Port({ title: 'RTP port max', description: 'Highest RTP port.', requiresRestart: true }, 20000),
    ptimeMs: Type.Integer({
      minimum: 10,
      maximum: 40,
      default: 20,
      ...meta({ title: 'Packet time [ms]', description: 'Audio per RTP packet.' }),
    }),
    jitterMaxMs: Type.Integer({
      minimum: 40,
      maximum: 1000,
      default: 300,
      ...meta({ title: 'Max jitter buffer [ms]', description: 'Upper bound of the adaptive jitter buffer.' }),
    }),
  },
  { additionalProperties: false, default: {}, ...meta({ title: 'RTP', description: 'Media transport.' }) },
);

const FxsLine = Type.Object(
  {
    id: Type.String(meta({ title: 'Port', description: 'FXS port id from the board profile (e.g. fxs1).' })),
    extension: Type.String({
      pattern: '^[0-9]{2,8}$',
      ...meta({ title: 'Extension', description: 'Number that rings this phone.' }),
    }),
    name: Type.Optional(Type.String(meta({ title: 'Name', description: 'Caller name of this phone.' }))),
    callerIdStandard: Type.Optional(
      Type.Union([Type.Literal('bell'), Type.Literal('etsi'), Type.Literal('dtmf'), Type.Literal('off')], {
        ...meta({ title: 'Caller ID', description: 'Caller-ID standard; by default the country decides.' }),
      }),
    ),
  },
  { additionalProperties: false },
);

const FxoLine = Type.Object(
  {
    id: Type.String(meta({ title: 'Port', description: 'FXO port id from the board profile (e.g. fxo1).' })),
    inboundTarget: Type.String({
      default: '201',
      ...meta({
        title: 'Inbound target',
        description: 'Extension or service that incoming PSTN calls reach.',
      }),
    }),
  },
  { additionalProperties: false },
);

const LinesSection = Type.Object(
  {
    fxs: Type.Array(FxsLine, {
      default: [],
      ...meta({ title: 'FXS ports', description: 'Analog phones: which extension each port is.' }),
    }),
    fxo: Type.Array(FxoLine, {
      default: [],
      ...meta({ title: 'FXO ports', description: 'Analog lines: where their incoming calls go.' }),
    }),
  },
  {
    additionalProperties: false,
    default: {},
    ...meta({ title: 'Analog lines', description: 'FXS and FXO ports.' }),
  },
);

const Modem = Type.Object(
  {
    id: Type.String(meta({ title: 'Modem', description: 'Modem id from the board profile (e.g. gsm1).' })),
    pin: Type.Optional(
      Type.String({
        pattern: '^[0-9]{4,8}$',
        ...meta({ title: 'SIM PIN', description: 'Entered when the SIM asks for it.', secret: true }),
      }),
    ),
    inboundTarget: Type.String({
      default: '201',
      ...meta({
        title: 'Inbound target',
        description: 'Extension or service that incoming GSM calls reach.',
      }),
    }),
    smsIntervalMs: Type.Integer({
      minimum: 0,
      maximum: 600000,
      default: 6000,
      ...meta({
        title: 'SMS pacing [ms]',
        description: 'Minimum time between two SMS sent through this SIM.',
      }),
    }),
    prefixes: Type.Array(Type.String({ pattern: '^\\+?[0-9]+$' }), {
      default: [],
      ...meta({
        title: 'Number prefixes',
        description: 'Destinations this modem prefers (e.g. its network).',
      }),
    }),
  },
  { additionalProperties: false },
);

const Webhook = Type.Object(
  {
    url: Type.String({
      pattern: '^https?://',
      ...meta({ title: 'URL', description: 'Receives incoming SMS as JSON POSTs.' }),
    }),
    secret: Type.Optional(
      Type.String(
        meta({ title: 'Secret', description: 'Key of the HMAC-SHA256 signature header.', secret: true }),
      ),
    ),
  },
  { additionalProperties: false },
);

const SmsSection = Type.Object(
  {
    webhooks: Type.Array(Webhook, {
      default: [],
      ...meta({ title: 'Webhooks', description: 'Where incoming SMS are posted.' }),
    }),
    sipExtension: Type.Optional(
      Type.String(
        meta({
          title: 'SIP extension',
          description: 'Forward incoming SMS as SIP MESSAGE to this extension.',
        }),
      ),
    ),
    email: Type.Optional(
      Type.Object(
        {
          smtpHost: Type.String(meta({ title: 'SMTP host', description: 'Mail server.' })),
          smtpPort: Port({ title: 'SMTP port', description: 'Mail server port.' }, 25),
          from: Type.String(meta({ title: 'From', description: 'Sender address.' })),
          to: Type.String(meta({ title: 'To', description: 'Recipient address.' })),
          username: Type.Optional(Type.String(meta({ title: 'SMTP user', description: 'Login.' }))),
          password: Type.Optional(
            Type.String(meta({ title: 'SMTP password', description: 'Login password.', secret: true })),
          ),
        },
        {
          additionalProperties: false,
          ...meta({ title: 'E-mail', description: 'Forward incoming SMS by e-mail.' }),
        },
      ),
    ),
  },
  { additionalProperties: false, default: {}, ...meta({ title: 'SMS', description: 'SMS gateway.' }) },
);

const MqttSection = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      ...meta({ title: 'Enabled', description: 'Connect to an MQTT broker.', requiresRestart: true }),
    }),
    url: Type.String({
      default: 'mqtt://127.0.0.1:1883',
      pattern: '^(mqtts?|wss?|tcp|ssl)://',
      ...meta({
        title: 'Broker URL',
        description: 'mqtt://host:1883 or mqtts://host:8883.',
        requiresRestart: true,
      }),
    }),
    username: Type.Optional(
      Type.String(meta({ title: 'Username', description: 'Broker login.', requiresRestart: true })),
    ),
    password: Type.Optional(
      Type.String(
        meta({ title: 'Password', description: 'Broker password.', secret: true, requiresRestart: true }),
      ),
    ),
    baseTopic: Type.String({
      default: 'linegate',
      pattern: '^[^#+]+$',
      ...meta({
        title: 'Base topic',
        description: 'Topics are <base>/<deviceId>/...',
        requiresRestart: true,
      }),
    }),
    keepaliveS: Type.Integer({
      minimum: 5,
      maximum: 3600,
      default: 30,
      ...meta({ title: 'Keep-alive [s]', description: 'MQTT keep-alive; the last will fires after 1.5×.' }),
    }),
    remoteCommands: Type.Boolean({
      default: false,
      ...meta({
        title: 'Remote commands',
        description: 'Answer request/<method> topics (send SMS, originate calls...).',
      }),
    }),
    homeAssistant: Type.Boolean({
      default: false,
      ...meta({
        title: 'Home Assistant',
        description: 'Publish Home Assistant discovery under homeassistant/.',
      }),
    }),
    caFile: Type.Optional(
      Type.String(meta({ title: 'CA file', description: 'PEM CA for mqtts.', requiresRestart: true })),
    ),
    certFile: Type.Optional(
      Type.String(
        meta({ title: 'Client certificate', description: 'PEM client certificate.', requiresRestart: true }),
      ),
    ),
    keyFile: Type.Optional(
      Type.String(meta({ title: 'Client key', description: 'PEM client key.', requiresRestart: true })),
    ),
  },
  {
    additionalProperties: false,
    default: {},
    ...meta({ title: 'MQTT fleet', description: 'Fleet interface.' }),
  },
);

const CallsSection = Type.Object(
  {
    dialPlan: Type.String({
      default: '(*xx|[2-8]xx|911|112|<9:>x.T|0x.T)',
      minLength: 1,
      ...meta({
        title: 'Dial plan',
        description:
          'Digit map for analog phones (x, [2-9], ., T, <strip:add>, ! as on common ATAs). The default: *xx services, 2xx-8xx extensions, 9 + number for an outside line.',
        remote: true,
      }),
    }),
    emergencyNumbers: Type.Array(Type.String({ pattern: '^[0-9*#]{2,8}$' }), {
      default: ['911', '112'],
      ...meta({
        title: 'Emergency numbers',
        description: 'Always dialed at once and routed, whatever the dial plan and the fraud limits say.',
        remote: true,
      }),
    }),
    outbound: Type.Array(Type.String(), {
      default: [],
      ...meta({
        title: 'Outbound route',
        description:
          'Endpoints tried in order for external numbers (sip:<trunk>, gsm1, fxo1). Empty: the SIP trunks, then the GSM modems, then the FXO lines.',
        remote: true,
      }),
    }),
    ringTimeoutS: Type.Integer({
      minimum: 5,
      maximum: 600,
      default: 30,
      ...meta({
        title: 'Ring timeout [s]',
        description: 'How long a destination rings before the next is tried.',
        remote: true,
      }),
    }),
  },
  {
    additionalProperties: false,
    default: {},
    ...meta({ title: 'Calls', description: 'Dial plan and routes.' }),
  },
);

const SecuritySection = Type.Object(
  {
    loginMaxFailures: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 5,
      ...meta({
        title: 'Login failures',
        description: 'Failed logins from one source before it is locked out.',
      }),
    }),
    loginLockoutS: Type.Integer({
      minimum: 10,
      maximum: 86400,
      default: 900,
      ...meta({ title: 'Login lockout [s]', description: 'How long a source stays locked out.' }),
    }),
    sessionHours: Type.Integer({
      minimum: 1,
      maximum: 720,
      default: 12,
      ...meta({ title: 'Session lifetime [h]', description: 'How long a web login lasts.' }),
    }),
  },
  {
    additionalProperties: false,
    default: {},
    ...meta({ title: 'Security', description: 'Logins and bans.' }),
  },
);

export const ConfigSchema = Type.Object(
  {
    version: Type.Integer({
      minimum: 1,
      default: CONFIG_VERSION,
      ...meta({
        title: 'Config version',
        description: 'Schema version of this file; older files are migrated.',
      }),
    }),
    deviceId: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{1,64}$',
        ...meta({
          title: 'Device id',
          description: 'Name of this box in MQTT topics; defaults to the host name.',
          requiresRestart: true,
        }),
      }),
    ),
    board: Type.String({
      default: 'sim',
      ...meta({
        title: 'Board',
        description: 'Hardware profile: a name from hardware/boards or a path to a YAML file.',
        requiresRestart: true,
      }),
    }),
    country: CountryCode,
    timezone: Type.String({
      default: 'UTC',
      ...meta({
        title: 'Time zone',
        description: 'IANA time zone for CDRs, caller-ID time and routes.',
        remote: true,
      }),
    }),
    dataDir: Type.Optional(
      Type.String(
        meta({
          title: 'Data directory',
          description: 'Where the database, recordings and voicemail live (default /var/lib/linegate).',
          requiresRestart: true,
        }),
      ),
    ),
    log: Type.Object(
      { level: { ...LogLevel, default: 'info' } },
      { additionalProperties: false, default: {}, ...meta({ title: 'Logging', description: 'Log output.' }) },
    ),
    http: HttpSection,
    sip: SipSection,
    rtp: RtpSection,
    lines: LinesSection,
    modems: Type.Array(Modem, {
      default: [],
      ...meta({ title: 'GSM modems', description: 'SIM settings per modem of the board.' }),
    }),
    calls: CallsSection,
    sms: SmsSection,
    mqtt: MqttSection,
    security: SecuritySection,
  },
  { additionalProperties: false, ...meta({ title: 'Linegate configuration', description: 'linegate.yaml' }) },
);

export type LinegateConfig = Static<typeof ConfigSchema>;

/** Walks the schema: calls `visit` with each field's dotted path and schema. Arrays use `[]`. */
export function walkSchema(schema: TSchema, visit: (path: string, s: TSchema) => void, prefix = ''): void {
  const props = (schema as { properties?: Record<string, TSchema> }).properties;
  if (props) {
    for (const [key, child] of Object.entries(props)) {
      const path = prefix ? `${prefix}.${key}` : key;
      visit(path, child);
      walkSchema(child, visit, path);
    }
  }
  const items = (schema as { items?: TSchema }).items;
  if (items && !Array.isArray(items)) walkSchema(items, visit, `${prefix}[]`);
}
