/** The figures the receiver bench prints (see receiver.ts report()). */
export function parseReceiverOutput(text: string): Record<string, number> | undefined {
  const rps = (target: string) =>
    Number(new RegExp(`^${target}\\s+(\\d+) req/s`, 'm').exec(text)?.[1] ?? NaN);
  const ratio = Number(/receiver\/baseline throughput: ([\d.]+)/.exec(text)?.[1] ?? NaN);
  const cpu = Number(/server CPU per request: ([\d.]+)/.exec(text)?.[1] ?? NaN);
  const found = {
    baselineRequestsPerSecond: rps('baseline'),
    receiverRequestsPerSecond: rps('receiver'),
    ratio,
    cpuPerRequestRatio: cpu,
  };
  return Number.isNaN(ratio) ? undefined : found;
}

/** The figures the publisher bench prints (see publisher.ts). */
export function parsePublisherOutput(text: string): Record<string, number> | undefined {
  const rate = (label: string) =>
    Number(
      new RegExp(`^\\s*${label}\\s.*?:\\s+([\\d,]+) JobRequests/s`, 'm')
        .exec(text)?.[1]
        ?.replace(/,/g, '') ?? NaN,
    );
  const ratio = Number(/ratio stage \/ baseline: ([\d.]+)/.exec(text)?.[1] ?? NaN);
  const found = {
    stageJobRequestsPerSecond: rate('stage'),
    baselineJobRequestsPerSecond: rate('baseline'),
    ratio,
  };
  return Number.isNaN(ratio) ? undefined : found;
}
