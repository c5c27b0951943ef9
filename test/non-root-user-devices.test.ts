// dockerfile/non-root-user and host devices: a device node a service maps in keeps the host's owner and mode (a USB
// serial adapter is root:dialout 0660), so a USER without the device's group cannot open it. zigbee2mqtt's image is run
// with its Zigbee adapter passed in (`devices: - /dev/ttyACM0`); on main it got USER 1000:1000 and no word about it.
import { describe, it, expect } from 'vitest';
import { hardenTree, toCrlf } from './helpers.js';

const ID = 'dockerfile/non-root-user';

const dockerfile = [
  'ARG TARGETPLATFORM',
  'FROM alpine:3.22 AS base',
  'ENV NODE_ENV=production',
  'WORKDIR /app',
  'RUN apk add --no-cache tzdata eudev tini nodejs',
  '',
  'FROM base AS release',
  'COPY dist ./dist',
  'COPY package.json index.js ./',
  'RUN mkdir /app/data',
  'CMD [ "/sbin/tini", "--", "node", "index.js"]',
  '',
].join('\n');

async function userFinding(tree: Record<string, string>) {
  const { result, changed } = await hardenTree({ 'docker/Dockerfile': dockerfile, 'dist/.keep': '', 'index.js': '', 'package.json': '{}', ...tree }, [ID]);
  return { finding: result.engine.findings.find((f) => f.transform === ID)!, changed };
}

const service = (extra: string[]) => ['services:', '  zigbee2mqtt:', '    build:', '      context: .', '      dockerfile: docker/Dockerfile', '    volumes:', '      - ./data:/app/data', ...extra, ''].join('\n');

describe('dockerfile/non-root-user: services that map host devices', () => {
  it('adds no USER where a service maps a serial adapter (short form)', async () => {
    const { finding, changed } = await userFinding({ 'compose.yaml': service(['    devices:', '      - /dev/serial/by-id/usb-ITead_Sonoff-if00:/dev/ttyACM0']) });
    expect(changed['docker/Dockerfile']).toBeUndefined();
    expect(finding.fix).toBeUndefined();
    expect(finding.message).toContain('service zigbee2mqtt (compose.yaml) maps the host device /dev/serial/by-id/usb-ITead_Sonoff-if00 into the container');
    expect(finding.message).toContain('no user added');
    expect(finding.manual).toContain('group_add');
  });

  it('reads the long form and a device an override file adds (CRLF)', async () => {
    const long = await userFinding({ 'compose.yaml': service(['    devices:', '      - source: /dev/ttyUSB0', '        target: /dev/ttyUSB0', '        permissions: rwm']) });
    expect(long.finding.message).toContain('maps the host device /dev/ttyUSB0');
    const override = await userFinding({ 'compose.yaml': toCrlf(service([])), 'compose.override.yaml': toCrlf('services:\n  zigbee2mqtt:\n    devices: ["/dev/ttyACM0:/dev/ttyACM0"]\n') });
    expect(override.changed['docker/Dockerfile']).toBeUndefined();
    expect(override.finding.message).toContain('maps the host device /dev/ttyACM0');
  });

  it('still adds USER where the service gives a group, sets its own user, or maps no device', async () => {
    for (const extra of [['    devices: ["/dev/ttyACM0"]', '    group_add: ["20"]'], ['    devices: ["/dev/ttyACM0"]', '    user: "1000:20"'], []]) {
      const { changed } = await userFinding({ 'compose.yaml': service(extra) });
      expect(changed['docker/Dockerfile'], extra.join(' ')).toContain('USER 1000:1000');
    }
  });
});
