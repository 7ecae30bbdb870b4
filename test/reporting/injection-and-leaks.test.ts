/** RP-09 (Markdown/HTML injection renders literally, end to end) and X-01 (no canary secret in any payload). */
import { afterEach, describe, expect, it } from 'vitest';
import {
  codeBlock,
  escapeMarkdown,
  expectedLiteral,
  INJECTION_CORPUS,
  MarkdownDoc,
  parseSections,
} from '@gauntlet/github';
import { analyzeMarkdown } from '@gauntlet/github/testing';
import { type GitHubStandIn } from '@gauntlet/github-api-standin';
import { context, HEAD_SHA, ourComments, publish, standIn } from './helpers.js';

let gh: GitHubStandIn;
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

function failingTestsDoc(names: readonly string[]) {
  return new MarkdownDoc().markdown(`**${names.length}** failed`).table(
    [{ header: '#' }, { header: 'Test' }, { header: 'Message' }],
    names.map((name, i) => [String(i + 1), name, { code: name }]),
  );
}

describe('injection corpus through the API', () => {
  it('RP-09: every hostile test name is listed once, literally, in the comment, check run and job summary', async () => {
    gh = await standIn();
    gh.seedPull(11, { headSha: HEAD_SHA });
    const names = INJECTION_CORPUS;
    const { result, summaryWriter } = await publish(gh, {
      context: context(gh, 11),
      section: {
        action: 'shard-and-run',
        title: 'Tests <!-- gauntlet:sticky:gauntlet --> @admin',
        markdown: failingTestsDoc(names),
      },
      checkRun: {
        name: 'Gauntlet / shard-and-run',
        conclusion: 'failure',
        title: '::error::title @admin',
        summary: failingTestsDoc(names),
        annotations: names.map((n, i) => ({
          path: 'src/a.ts',
          startLine: i + 1,
          level: 'failure' as const,
          message: n,
          title: n,
        })),
      },
    });
    expect(result.warning).toBeUndefined();

    const body = ourComments(gh, 11)[0]!.body ?? '';
    const section = parseSections(body)[0]!.content;
    const checkRun = gh.store.checkRuns[0]!;
    const documents = {
      comment: section,
      'check run summary': checkRun.output.summary ?? '',
      'job summary': summaryWriter.text(),
    };
    for (const [where, markdown] of Object.entries(documents)) {
      const s = analyzeMarkdown(markdown);
      const rows = s.tables[0] ?? [];
      const literal = rows.filter((cells, i) => cells[1]?.trim() === expectedLiteral(names[i]!)).length;
      const codeLiteral = rows.filter((cells, i) => cells[2]?.trim() === expectedLiteral(names[i]!)).length;
      console.log(
        `RP-09 ${where}: table rows = ${rows.length} for ${names.length} tests; literal names = ${literal}; literal code cells = ${codeLiteral}; ` +
          `links = ${s.links.length}, images = ${s.images.length}, mentions = ${s.mentions.length}, issue refs = ${s.issueRefs.length}, ` +
          `html nodes = ${s.html.filter((h) => !h.startsWith('<sub>') && !h.startsWith('</sub>')).length}, markers = ${s.markers}`,
      );
      expect(s.tables).toHaveLength(1);
      expect(rows).toHaveLength(names.length);
      expect(literal).toBe(names.length);
      expect(codeLiteral).toBe(names.length);
      expect(s.links).toEqual([]);
      expect(s.images).toEqual([]);
      expect(s.mentions).toEqual([]);
      expect(s.issueRefs).toEqual([]);
      expect(s.markers).toBe(0);
    }
    // The whole stored body holds exactly our markers: 1 sticky + 2 for the one section.
    expect(body.match(/<!--\s*\/?gauntlet:/g)).toHaveLength(3);
    // Annotations are plain text: no controls, no bidi overrides, one per test.
    const annotations = gh.store.annotations.get(checkRun.id) ?? [];
    expect(annotations).toHaveLength(names.length);
    // eslint-disable-next-line no-control-regex -- asserting controls are gone
    expect(annotations.map((a) => a.message).join('')).not.toMatch(/[\u0000\u202e\u2066]/);
    console.log(`RP-09 annotations: ${annotations.length} for ${names.length} tests; controls/bidi = 0`);
  });
});

const CANARIES = {
  kubeToken: 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImNhbmFyeSJ9.canary-kube-token-5f1e',
  pem: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7canary\nq1w2e3r4t5y6u7i8o9p0canaryline2\n-----END PRIVATE KEY-----',
  promBearer: 'prom_canary_bearer_9a8b7c6d5e4f',
};

function encodings(secret: string): string[] {
  const forms = new Set<string>([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.from(secret.slice(shift)).toString('base64');
    forms.add(b64.slice(4, -4)); // the middle is stable whatever precedes or follows
  }
  for (const line of secret.split('\n')) if (line.length >= 12) forms.add(line);
  return [...forms].filter((f) => f.length >= 8);
}

describe('leak scanner', () => {
  it('X-01: canary secrets appear in no request body, header or job summary', async () => {
    gh = await standIn();
    gh.seedPull(12, { headSha: HEAD_SHA });
    const leaky = Object.values(CANARIES).join(' and ');
    const { summaryWriter } = await publish(gh, {
      context: context(gh, 12),
      section: {
        action: 'provision-ephemeral-env',
        title: 'Env',
        markdown: `Raw: ${leaky}\n\nEscaped: ${escapeMarkdown(leaky)}\n\n${codeBlock(leaky)}`,
      },
      checkRun: {
        name: 'Gauntlet / env',
        conclusion: 'failure',
        title: `failed with ${CANARIES.promBearer}`,
        summary: `kubeconfig token ${CANARIES.kubeToken}`,
        text: codeBlock(CANARIES.pem),
        annotations: [{ path: 'k8s.yaml', startLine: 1, level: 'failure', message: leaky, rawDetails: CANARIES.pem }],
      },
      secrets: [...Object.values(CANARIES), gh.token],
    });
    const secrets = [...Object.values(CANARIES), gh.token];
    const haystacks = [
      ...gh.requests.map(
        (r) => JSON.stringify(r.body ?? '') + JSON.stringify(r.headers) + r.path + JSON.stringify(r.query),
      ),
      summaryWriter.text(),
    ];
    let hits = 0;
    for (const secret of secrets)
      for (const form of encodings(secret)) for (const h of haystacks) if (h.includes(form)) hits++;
    const redactions = haystacks.join('').split('***').length - 1;
    console.log(
      `X-01: ${gh.requests.length} requests + job summary scanned for ${secrets.length} canaries (raw, JSON, URL, base64 ×3, per line): hits = ${hits}; redactions = ${redactions}`,
    );
    expect(hits).toBe(0);
    expect(redactions).toBeGreaterThan(0);
  });
});
