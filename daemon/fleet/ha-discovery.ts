/**
 * Home Assistant MQTT discovery: the retained config messages under
 * `<prefix>/<platform>/<node_id>/<object_id>/config` that make a Linegate
 * box appear in Home Assistant as one device with sensors (signal,
 * registration, line state, last SMS), binary sensors (online, port
 * failed), a restart button and notify entities that send SMS.
 *
 * Field names follow Home Assistant's MQTT discovery documentation (full
 * names, no abbreviations); `validateDiscoveryConfig` checks every payload
 * against the documented fields of its platform so a typo never ships.
 */
import type { ComponentState } from '../api/state.ts';

export type HaPlatform = 'sensor' | 'binary_sensor' | 'button' | 'notify';

export interface DiscoveryMessage {
  topic: string;
  /** The config object; published as retained JSON. */
  config: Record<string, unknown>;
}

export interface DiscoveryOptions {
  prefix: string;
  baseTopic: string;
  deviceId: string;
  version: string;
  /** Numbers that get a notify entity each ("SMS to +4915..."). */
  smsRecipients?: readonly string[];
}

/** Fields every MQTT entity platform documents (availability, device, naming...). */
const COMMON_FIELDS = [
  'availability',
  'availability_mode',
  'availability_template',
  'availability_topic',
  'device',
  'enabled_by_default',
  'encoding',
  'entity_category',
  'icon',
  'json_attributes_template',
  'json_attributes_topic',
  'name',
  'object_id',
  'default_entity_id',
  'origin',
  'payload_available',
  'payload_not_available',
  'platform',
  'qos',
  'unique_id',
] as const;

/** Platform-specific documented fields, and which are required. */
const PLATFORM_FIELDS: Record<HaPlatform, { fields: readonly string[]; required: readonly string[] }> = {
  sensor: {
    fields: [
      'device_class',
      'expire_after',
      'force_update',
      'last_reset_value_template',
      'options',
      'suggested_display_precision',
      'state_class',
      'state_topic',
      'unit_of_measurement',
      'value_template',
    ],
    required: ['state_topic'],
  },
  binary_sensor: {
    fields: [
      'device_class',
      'expire_after',
      'force_update',
      'off_delay',
      'payload_off',
      'payload_on',
      'state_topic',
      'value_template',
    ],
    required: ['state_topic'],
  },
  button: {
    fields: ['command_template', 'command_topic', 'device_class', 'payload_press', 'retain'],
    required: ['command_topic'],
  },
  notify: {
    fields: ['command_template', 'command_topic', 'retain'],
    required: ['command_topic'],
  },
};

const DEVICE_FIELDS = [
  'configuration_url',
  'connections',
  'hw_version',
  'identifiers',
  'manufacturer',
  'model',
  'model_id',
  'name',
  'serial_number',
  'suggested_area',
  'sw_version',
  'via_device',
];
const AVAILABILITY_FIELDS = ['payload_available', 'payload_not_available', 'topic', 'value_template'];
const ORIGIN_FIELDS = ['name', 'sw_version', 'support_url'];

/** The device classes we use, from Home Assistant's sensor / binary_sensor / button lists. */
const DEVICE_CLASSES: Record<string, readonly string[]> = {
  sensor: ['signal_strength', 'enum', 'timestamp', 'duration', 'temperature', 'data_size'],
  binary_sensor: ['connectivity', 'problem', 'running'],
  button: ['restart', 'identify', 'update'],
};
const STATE_CLASSES = ['measurement', 'total', 'total_increasing', 'measurement_angle'];
const ENTITY_CATEGORIES = ['config', 'diagnostic'];

/** Problems with a discovery config, by Home Assistant's documented fields; empty when valid. */
export function validateDiscoveryConfig(platform: HaPlatform, config: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const spec = PLATFORM_FIELDS[platform];
  const allowed = new Set<string>([...COMMON_FIELDS, ...spec.fields]);
  for (const key of Object.keys(config))
    if (!allowed.has(key)) errors.push(`${platform}: unknown field ${key}`);
  for (const key of spec.required)
    if (typeof config[key] !== 'string' || config[key] === '') errors.push(`${platform}: missing ${key}`);
  if (typeof config.unique_id !== 'string' || config.unique_id === '')
    errors.push(`${platform}: unique_id is needed for a device-bound entity`);
  const device = config.device as Record<string, unknown> | undefined;
  if (!device || typeof device !== 'object') errors.push(`${platform}: device is needed`);
  else {
    for (const key of Object.keys(device))
      if (!DEVICE_FIELDS.includes(key)) errors.push(`${platform}: unknown device field ${key}`);
    if (!Array.isArray(device.identifiers) && typeof device.identifiers !== 'string')
      errors.push(`${platform}: device.identifiers is needed`);
  }
  const origin = config.origin as Record<string, unknown> | undefined;
  if (origin) {
    for (const key of Object.keys(origin))
      if (!ORIGIN_FIELDS.includes(key)) errors.push(`${platform}: unknown origin field ${key}`);
    if (typeof origin.name !== 'string') errors.push(`${platform}: origin.name is needed`);
  }
  if (config.availability !== undefined) {
    if (!Array.isArray(config.availability)) errors.push(`${platform}: availability must be a list`);
    else
      for (const a of config.availability as Record<string, unknown>[]) {
        for (const key of Object.keys(a))
          if (!AVAILABILITY_FIELDS.includes(key))
            errors.push(`${platform}: unknown availability field ${key}`);
        if (typeof a.topic !== 'string') errors.push(`${platform}: availability.topic is needed`);
      }
  }
  if (config.device_class !== undefined) {
    const classes = DEVICE_CLASSES[platform] ?? [];
    if (!classes.includes(String(config.device_class)))
      errors.push(`${platform}: device_class ${String(config.device_class)} not documented`);
  }
  if (config.state_class !== undefined && !STATE_CLASSES.includes(String(config.state_class)))
    errors.push(`${platform}: state_class ${String(config.state_class)} not documented`);
  if (config.entity_category !== undefined && !ENTITY_CATEGORIES.includes(String(config.entity_category)))
    errors.push(`${platform}: entity_category ${String(config.entity_category)} not documented`);
  if (config.device_class === 'enum' && !Array.isArray(config.options))
    errors.push(`${platform}: an enum sensor needs options`);
  if (
    config.device_class === 'enum' &&
    (config.unit_of_measurement !== undefined || config.state_class !== undefined)
  )
    errors.push(`${platform}: an enum sensor has no unit or state_class`);
  return errors;
}

/** Every discovery message for the current set of components. */
export function buildDiscovery(
  options: DiscoveryOptions,
  states: Record<string, ComponentState>,
): DiscoveryMessage[] {
  const { prefix, baseTopic, deviceId, version } = options;
  const node = sanitize(`linegate_${deviceId}`);
  const device = {
    identifiers: [`linegate_${deviceId}`],
    name: `Linegate ${deviceId}`,
    manufacturer: 'Linegate',
    model: 'SIP/SMS gateway',
    sw_version: version,
  };
  const origin = {
    name: 'linegate',
    sw_version: version,
    support_url: 'https://github.com/linegate/linegate',
  };
  const availability = [
    {
      topic: `${baseTopic}/status`,
      value_template: '{{ value_json.state }}',
      payload_available: 'online',
      payload_not_available: 'offline',
    },
  ];
  const out: DiscoveryMessage[] = [];
  const add = (
    platform: HaPlatform,
    objectId: string,
    config: Record<string, unknown>,
    withAvailability = true,
  ) => {
    const id = sanitize(objectId);
    out.push({
      topic: `${prefix}/${platform}/${node}/${id}/config`,
      config: {
        ...config,
        unique_id: `${node}_${id}`,
        device,
        origin,
        ...(withAvailability ? { availability } : {}),
      },
    });
  };

  // The box itself: online (its own availability would hide the "offline" state, so none).
  add(
    'binary_sensor',
    'online',
    {
      name: 'Online',
      state_topic: `${baseTopic}/status`,
      value_template: '{{ value_json.state }}',
      payload_on: 'online',
      payload_off: 'offline',
      device_class: 'connectivity',
      entity_category: 'diagnostic',
    },
    false,
  );
  add('button', 'restart', {
    name: 'Restart',
    command_topic: `${baseTopic}/request/system/restart`,
    payload_press: '{"transaction":"homeassistant"}',
    device_class: 'restart',
    entity_category: 'config',
  });
  add('sensor', 'last_sms', {
    name: 'Last SMS',
    state_topic: `${baseTopic}/event/sms_received`,
    value_template: '{{ value_json.text[:255] }}',
    json_attributes_topic: `${baseTopic}/event/sms_received`,
    json_attributes_template:
      '{{ {"from": value_json.from, "modem": value_json.modem, "time": value_json.time} | tojson }}',
    icon: 'mdi:message-text',
  });
  for (const number of options.smsRecipients ?? []) {
    add('notify', `sms_${number}`, {
      name: `SMS ${number}`,
      command_topic: `${baseTopic}/request/sms/send`,
      command_template: `{"to":${JSON.stringify(number)},"text":{{ value | tojson }},"transaction":"homeassistant"}`,
      icon: 'mdi:message-arrow-right',
    });
  }

  for (const [component, state] of Object.entries(states)) {
    const stateTopic = `${baseTopic}/state/${component}`;
    switch (state.kind) {
      case 'fxs':
      case 'fxo':
        add('sensor', `${component}_line`, {
          name: `${component} line`,
          state_topic: stateTopic,
          value_template:
            "{{ 'failed' if value_json.failed else ('in_call' if value_json.inCall else ('ringing' if value_json.ringing else ('off_hook' if value_json.hook == 'off' else 'idle'))) }}",
          device_class: 'enum',
          options: ['idle', 'ringing', 'off_hook', 'in_call', 'failed'],
          json_attributes_topic: stateTopic,
          icon: 'mdi:phone-classic',
        });
        add('binary_sensor', `${component}_failed`, {
          name: `${component} failed`,
          state_topic: stateTopic,
          value_template: "{{ 'ON' if value_json.failed else 'OFF' }}",
          device_class: 'problem',
          entity_category: 'diagnostic',
        });
        break;
      case 'modem':
        add('sensor', `${component}_signal`, {
          name: `${component} signal`,
          state_topic: stateTopic,
          value_template: '{{ value_json.signalDbm if value_json.signalDbm is defined else none }}',
          device_class: 'signal_strength',
          unit_of_measurement: 'dBm',
          state_class: 'measurement',
          entity_category: 'diagnostic',
        });
        add('sensor', `${component}_registration`, {
          name: `${component} registration`,
          state_topic: stateTopic,
          value_template: '{{ value_json.registration }}',
          device_class: 'enum',
          options: ['home', 'roaming', 'searching', 'denied', 'unregistered', 'unknown'],
          json_attributes_topic: stateTopic,
          icon: 'mdi:sim',
        });
        break;
      case 'sip':
        add('sensor', `${component}_registration`, {
          name: `${component} registration`,
          state_topic: stateTopic,
          value_template: "{{ 'registered' if value_json.registered else 'unregistered' }}",
          device_class: 'enum',
          options: ['registered', 'unregistered'],
          json_attributes_topic: stateTopic,
          icon: 'mdi:phone-voip',
        });
        break;
      case 'system':
        add('sensor', 'cpu', {
          name: 'CPU',
          state_topic: stateTopic,
          value_template: '{{ value_json.cpuPct }}',
          unit_of_measurement: '%',
          state_class: 'measurement',
          entity_category: 'diagnostic',
        });
        if (state.temperatureC !== undefined)
          add('sensor', 'temperature', {
            name: 'Temperature',
            state_topic: stateTopic,
            value_template: '{{ value_json.temperatureC }}',
            device_class: 'temperature',
            unit_of_measurement: '°C',
            state_class: 'measurement',
            entity_category: 'diagnostic',
          });
        break;
      case 'calls':
        add('sensor', 'active_calls', {
          name: 'Active calls',
          state_topic: stateTopic,
          value_template: '{{ value_json.active | length }}',
          state_class: 'measurement',
          icon: 'mdi:phone-in-talk',
        });
        break;
    }
  }
  return out;
}

/** Object and node ids: Home Assistant accepts [a-zA-Z0-9_-]. */
function sanitize(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}
