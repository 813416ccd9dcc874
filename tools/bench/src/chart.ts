import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RoundResult } from './e2e-round.js';

const W = 360;
const H = 240;
const PAD = { left: 52, right: 14, top: 30, bottom: 40 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: [number, number][];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const nice = (v: number) => {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((c) => c >= v)!;
};

/** One panel: x linear from 0; y linear from 0, or log10 when `log`. */
function panel(x0: number, title: string, yLabel: string, series: Series[], log: boolean): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((y) => y > 0);
  const xMax = nice(Math.max(1, ...xs));
  const yMax = log ? 10 ** Math.ceil(Math.log10(Math.max(10, ...ys))) : nice(Math.max(1, ...ys));
  const yMin = log ? 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...ys)))) : 0;
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const sx = (x: number) => x0 + PAD.left + (x / xMax) * iw;
  const sy = (y: number) =>
    PAD.top +
    ih -
    (log
      ? ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) /
          (Math.log10(yMax) - Math.log10(yMin))) *
        ih
      : (y / yMax) * ih);
  const yTicks = log
    ? Array.from({ length: Math.log10(yMax / yMin) + 1 }, (_, i) => yMin * 10 ** i)
    : [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * xMax);
  const out: string[] = [
    `<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${sx(0)}" y="${PAD.top}" width="${iw}" height="${ih}" fill="none" stroke="#999"/>`,
  ];
  for (const t of yTicks)
    out.push(
      `<line x1="${sx(0)}" x2="${sx(xMax)}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`,
      `<text x="${sx(0) - 4}" y="${sy(t) + 4}" text-anchor="end">${+t.toFixed(1)}</text>`,
    );
  for (const t of xTicks)
    out.push(
      `<text x="${sx(t)}" y="${PAD.top + ih + 14}" text-anchor="middle">${+t.toFixed(1)}</text>`,
    );
  out.push(
    `<text x="${x0 + PAD.left + iw / 2}" y="${H - 6}" text-anchor="middle">offered webhooks/s</text>`,
    `<text transform="translate(${x0 + 12},${PAD.top + ih / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => !log || p[1] > 0);
    const d = pts.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="4 3"' : '';
    out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of pts)
      out.push(`<circle cx="${sx(p[0])}" cy="${sy(p[1])}" r="2.5" fill="${s.color}"/>`);
    const ly = PAD.top + 12 + i * 13;
    out.push(
      `<line x1="${sx(0) + 8}" x2="${sx(0) + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${sx(0) + 28}" y="${ly}">${esc(s.label)}</text>`,
    );
  });
  return out.join('\n');
}

/**
 * An SVG of the e2e bench: achieved throughput (fully completed webhooks/s) and p50/p99
 * latency from webhook to queued Check Run (log scale), against the offered load; one line
 * per stage configuration. Plain SVG text, no dependency.
 */
export function renderE2eChart(rounds: RoundResult[], caption: string): string {
  const configs = [...new Set(rounds.map((r) => r.copies))];
  const of = (c: string) =>
    rounds.filter((r) => r.copies === c).sort((a, b) => a.offered - b.offered);
  const throughput: Series[] = configs.map((c, i) => ({
    label: c,
    color: COLORS[i % COLORS.length]!,
    points: of(c).map((r) => [r.offered, r.webhooksPerSec]),
  }));
  const offered = [...new Set(rounds.map((r) => r.offered))].sort((a, b) => a - b);
  throughput.push({
    label: 'offered',
    color: '#888',
    dashed: true,
    points: offered.map((o) => [o, o]),
  });
  const latency: Series[] = configs.flatMap((c, i) => [
    {
      label: `${c} p50`,
      color: COLORS[i % COLORS.length]!,
      points: of(c).map((r): [number, number] => [r.offered, r.toQueued.p50 ?? 0]),
    },
    {
      label: `${c} p99`,
      color: COLORS[i % COLORS.length]!,
      dashed: true,
      points: of(c).map((r): [number, number] => [r.offered, r.toQueued.p99 ?? 0]),
    },
  ]);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 20}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, 'Achieved throughput', 'completed webhooks/s', throughput, false),
    panel(W, 'Webhook → Check Run queued', 'latency ms (log)', latency, true),
    `<text x="${W}" y="${H + 14}" text-anchor="middle" fill="#555">${esc(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes the chart to every path given (creating directories). */
export function writeE2eChart(rounds: RoundResult[], caption: string, paths: string[]): void {
  const svg = renderE2eChart(rounds, caption);
  for (const path of paths) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, svg);
  }
}
