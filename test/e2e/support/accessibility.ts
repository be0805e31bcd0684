import { AxeBuilder } from '@axe-core/playwright';
import type { NodeResult, Result } from 'axe-core';
import type { Page } from '@playwright/test';

export type AxeScan = {
  /** Every violation, one readable block each (empty when there is none): what a failing test prints. */
  report: string;
  /** How many checks passed, and how many of those were inside a shadow root (a scan of the injected control). */
  passedNodes: number;
  passedInShadow: number;
  /** What axe could not decide by itself ("needs review"), in the same form: not a failure, worth a look. */
  needsReview: string;
};

/** `["savvysolve-meet-button", ".ssm-button"]`: a node in a shadow root is named by its host, then inside it. */
const targetText = (node: NodeResult) => node.target.map((part) => (Array.isArray(part) ? part.join(' ▸ ') : String(part))).join(' | ');

function describeResult(violation: Result): string {
  const nodes = violation.nodes.map((node) => {
    const summary = node.failureSummary?.replace(/\s+/g, ' ').trim();
    return `    - ${targetText(node)}${summary ? `\n      ${summary}` : ''}`;
  });
  return [`[${violation.impact ?? 'no impact'}] ${violation.id}: ${violation.help}`, `    ${violation.helpUrl}`, ...nodes].join('\n');
}

const describeAll = (results: Result[]) => results.map(describeResult).join('\n');

/**
 * Runs axe-core (every rule it enables by default: WCAG A/AA and best practices) on the page, or only inside
 * `include` — a shadow host includes its open shadow tree, which axe walks.
 */
export async function scanAccessibility(page: Page, include?: string): Promise<AxeScan> {
  let builder = new AxeBuilder({ page });
  if (include) builder = builder.include(include);
  const results = await builder.analyze();
  const passed = results.passes.flatMap((rule) => rule.nodes);
  return {
    report: describeAll(results.violations),
    needsReview: describeAll(results.incomplete),
    passedNodes: passed.length,
    passedInShadow: passed.filter((node) => node.target.some((part) => Array.isArray(part))).length,
  };
}
