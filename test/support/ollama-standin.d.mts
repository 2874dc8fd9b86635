export interface StandinFault {
  status?: number;
  error?: string;
  content?: string;
  hang?: boolean;
  drop?: boolean;
  delayMs?: number;
  retryAfter?: string;
}

export interface StandinOptions {
  models?: string[];
  pullable?: string[];
  latencyMs?: number;
  capacity?: number;
  maxQueue?: number;
  pullChunks?: number;
  pullDelayMs?: number;
  port?: number;
  responder?: (req: { body: any; userText: string; text: string }) => unknown;
}

export interface StandinStats {
  requests: Record<string, number>;
  chat: number;
  chatOk: number;
  inFlight: number;
  maxInFlight: number;
  queued: number;
  rejectedBusy: number;
  truncated: number;
  maxContextUsed: number;
  pulls: number;
  firstStartMs: number;
  lastEndMs: number;
  saturatedAtMs: number;
  lastStartMs: number;
  endTimes: number[];
  bodies: any[];
}

export interface OllamaStandin {
  url: string;
  port: number;
  stats: StandinStats;
  state: { models: Set<string>; pullable: Set<string>; pullChunks: number; pullDelayMs: number; latencyMs: number; capacity: number; maxQueue: number; responder: StandinOptions['responder'] | null; faults: StandinFault[] };
  fault(...faults: StandinFault[]): void;
  close(): Promise<void>;
}

export function startOllamaStandin(opts?: StandinOptions): Promise<OllamaStandin>;
export function filingText(userText: string): string;
export function answerFromText(text: string): {
  people: Array<{ name: string; title: string; role: string }>;
  subsidiaries: unknown[];
  auditors: Array<{ name: string }>;
  customers: unknown[];
  suppliers: unknown[];
  competitors: unknown[];
  acquisitions: unknown[];
};
