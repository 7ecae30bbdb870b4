// pnpm env:up | env:down | env:status. Progress goes to stderr; stdout carries only the connection facts
// as shell assignments, so `eval "$(pnpm -s env:up)"` works, or JSON with --json.
import { allComponents, onRequestComponents, down, status, up, type Component, type StatusReport } from './testbed.js';

function printReport(r: StatusReport, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  const lines = [
    `export KUBECONFIG=${r.kubeconfig ?? ''}`,
    `export GAUNTLET_KUBECONFIG=${r.kubeconfig ?? ''}`,
    `export GAUNTLET_PROMETHEUS_URL=${r.prometheusUrl ?? ''}`,
    `export GAUNTLET_PROMETHEUS_TARGETS_DIR=${r.prometheusTargetsDir ?? ''}`,
    `export GAUNTLET_TOXIPROXY_URL=${r.toxiproxyUrl ?? ''}`,
    ...(r.natsUrl ? [`export GAUNTLET_NATS_URL=${r.natsUrl}`] : []),
    ...(r.rabbitmqUrl ? [`export GAUNTLET_RABBITMQ_URL=${r.rabbitmqUrl}`] : []),
    ...(r.kafkaBootstrap ? [`export GAUNTLET_KAFKA_BOOTSTRAP=${r.kafkaBootstrap}`] : []),
    `# api server ${r.apiServerUrl ?? '-'}; healthy: cluster=${r.healthy.cluster} prometheus=${r.healthy.prometheus} toxiproxy=${r.healthy.toxiproxy}; state ${r.stateDir}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  switch (command) {
    case 'up': {
      const started = Date.now();
      // `env:up nats kafka chaos-mesh` also starts those (they are never started by default).
      const extra = rest.filter((a): a is Component => (onRequestComponents as readonly string[]).includes(a));
      const r = await up({ components: [...allComponents, ...extra] });
      process.stderr.write(
        `[testbed] up in ${((Date.now() - started) / 1000).toFixed(1)} s (started: ${r.started.join(', ') || 'nothing, all running'})\n`,
      );
      printReport(await status(), json);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      const r = await status();
      printReport(r, json);
      return r.healthy.cluster && r.healthy.prometheus && r.healthy.toxiproxy ? 0 : 3;
    }
    default:
      process.stderr.write('usage: cli.ts up|down|status [--json]\n');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`[testbed] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
