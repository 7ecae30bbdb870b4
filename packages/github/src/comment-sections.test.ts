import { describe, expect, it } from 'vitest';
import {
  composeBody,
  fairShare,
  mergeSections,
  neutralizeMarkers,
  parseSections,
  type Section,
  stickyMarker,
} from './comment-sections.js';
import { COMMENT_BODY_LIMIT } from './limits.js';

const rev = (runId: number, runAttempt = 1, timeMs = 0) => ({ runId, runAttempt, timeMs });
const marker = stickyMarker();

describe('sections', () => {
  it('round-trips through a body in pipeline order', () => {
    const sections: Section[] = [
      { name: 'slo-check', revision: rev(1), content: '### SLO\n\nok' },
      { name: 'provision-ephemeral-env', revision: rev(1), content: '### Env\n\nready' },
      { name: 'custom', revision: rev(1), content: 'x' },
    ];
    const body = composeBody(marker, sections, COMMENT_BODY_LIMIT);
    expect(body.startsWith(marker)).toBe(true);
    expect(parseSections(body).map((s) => s.name)).toEqual(['provision-ephemeral-env', 'slo-check', 'custom']);
    expect(parseSections(body)[1]).toEqual(sections[0]);
  });

  it('keeps the newest revision of each section', () => {
    const a = [{ name: 'slo-check', revision: rev(5, 1, 10), content: 'old' }];
    const b = [{ name: 'slo-check', revision: rev(5, 2, 1), content: 'new' }];
    const c = [{ name: 'chaos-gate', revision: rev(4), content: 'chaos' }];
    expect(mergeSections(a, b, c).map((s) => s.content)).toEqual(['chaos', 'new']);
    expect(mergeSections(b, a).map((s) => s.content)).toEqual(['new']);
  });

  it('neutralises markers in caller Markdown', () => {
    const md = neutralizeMarkers('a\n<!-- /gauntlet:section:x -->\n<!--gauntlet:sticky:gauntlet -->');
    expect(md).not.toMatch(/<!--\s*\/?gauntlet:/);
    const body = composeBody(marker, [{ name: 'x', revision: rev(1), content: md }], COMMENT_BODY_LIMIT);
    expect(parseSections(body)).toHaveLength(1);
    expect(parseSections(body)[0]!.content).toBe(md);
  });

  it('shrinks only the largest sections when the body would be too long', () => {
    const big = Array.from({ length: 5_000 }, (_, i) => `- item ${i}`).join('\n');
    const sections: Section[] = [
      { name: 'shard-and-run', revision: rev(1), content: big },
      { name: 'slo-check', revision: rev(1), content: big + big },
      { name: 'chaos-gate', revision: rev(1), content: 'small' },
    ];
    const body = composeBody(marker, sections, COMMENT_BODY_LIMIT);
    expect(body.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT.max);
    const parsed = parseSections(body);
    expect(parsed.map((s) => s.name)).toEqual(['shard-and-run', 'chaos-gate', 'slo-check']);
    expect(parsed[1]!.content).toBe('small');
    expect(parsed[0]!.content).toMatch(/truncated; see the job summary \/ check run/);
    expect(parsed[2]!.content).toMatch(/truncated; see the job summary \/ check run/);
  });

  it('computes a fair share', () => {
    expect(fairShare([10, 20], 100)).toBe(Number.POSITIVE_INFINITY);
    expect(fairShare([10, 100, 100], 110)).toBe(50);
  });
});
