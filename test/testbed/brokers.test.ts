// The test bed's brokers: started on request, in parallel, loopback only, and restartable with their data.
import { execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { brokerProcessControl, ensureBrokers, status } from '@gauntlet/testbed';

function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    s.setTimeout(5_000, () => reject(new Error('no greeting')));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        s.destroy();
        resolve(buf.slice(0, buf.indexOf('\r\n')));
      }
    });
    s.on('error', reject);
  });
}

describe('test bed brokers', () => {
  it('starts NATS, RabbitMQ and Kafka on loopback only, and restarts one with the same port', async () => {
    const b = await ensureBrokers(['nats', 'rabbitmq', 'kafka']);
    expect(b.nats?.version).toBe('2.9.10');
    expect(b.rabbitmq?.version).toMatch(/^3\.10\./);
    expect(b.kafka?.version).toBe('4.1.1');
    const natsPort = Number(new URL(b.nats!.url).port);
    const info = await firstLine(natsPort);
    expect(info).toMatch(/^INFO \{/);
    expect(JSON.parse(info.slice(5)).jetstream).toBe(true);
    const auth = `Basic ${Buffer.from('guest:guest').toString('base64')}`;
    const res = await fetch(`${b.rabbitmq!.managementUrl}/api/overview`, { headers: { authorization: auth } });
    const overview = (await res.json()) as { node: string };
    expect(overview.node).toBe('gauntlet@localhost');

    // Nothing the brokers opened listens beyond loopback (epmd, Erlang distribution and Kafka's controller included).
    const listening = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /"(nats-server|beam\.smp|epmd|java)"/.test(l));
    expect(listening.length).toBeGreaterThan(4);
    for (const l of listening) expect(l).toMatch(/\s(127\.0\.0\.1|\[::1\]|\[::ffff:127\.0\.0\.1\]):\d+\s/);

    const ctl = brokerProcessControl('nats');
    await ctl.stop();
    expect(await ctl.running()).toBe(false);
    await ctl.start();
    expect(await ctl.running()).toBe(true);
    const again = await status();
    expect(again.natsUrl).toBe(b.nats!.url);
    expect(await firstLine(natsPort)).toMatch(/^INFO /);
  });
});
