// What a benchmark reports: named figures, each optionally checked against a target.

export interface Check {
  /** The target as people read it, e.g. "p99 < 50 ms". */
  readonly target: string;
  readonly pass: boolean;
}

export interface Metric {
  readonly name: string;
  readonly value: string;
  readonly check?: Check;
}

export interface Findings {
  readonly metrics: readonly Metric[];
  /** The configuration this run used (env values, sizes, rates). */
  readonly settings: readonly string[];
  /** Observations worth reading next to the figures. */
  readonly notes: readonly string[];
}

export interface Benchmark {
  /** What `npm run bench -- <id>` selects. */
  readonly id: string;
  readonly title: string;
  /** One paragraph for docs/BENCHMARKS.md: what is measured and how. */
  readonly about: string;
  run(): Promise<Findings>;
}

export interface BenchResult {
  readonly benchmark: Benchmark;
  readonly seconds: number;
  readonly findings: Findings | undefined;
  /** Set when the benchmark itself broke before producing figures. */
  readonly error: string | undefined;
}
